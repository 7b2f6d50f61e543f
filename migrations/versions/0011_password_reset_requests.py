"""Password reset requests wait in a table of their own, one row per request whatever the address

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05 18:30:00.000000

The reset page writes a row for every address typed, known or not, and answers; the worker (or,
in embedded mode, the server once the answer is sent) looks the account up, queues the e-mail
for an active one and deletes the row. Nothing existing changes.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "password_reset_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("requested_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_password_reset_requests")),
    )


def downgrade():
    op.drop_table("password_reset_requests")
