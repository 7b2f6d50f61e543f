"""Memberships can wait for their person's consent: pending and invited_name

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05 18:40:00.000000

A manager's invitation no longer gives access at once: it adds a pending membership (``pending``
true, ``active`` false) that the person accepts or declines, signed in as themselves, and the
organization sees the name the manager typed (``invited_name``) until then. Every existing
membership is an accepted one: ``pending`` false, ``invited_name`` empty.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("memberships") as batch:
        batch.add_column(sa.Column("pending", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch.add_column(sa.Column("invited_name", sa.String(length=200), nullable=True))


def downgrade():
    # A pending invitation gave no access: it goes, rather than becoming an inactive membership.
    op.execute(sa.text("DELETE FROM memberships WHERE pending"))
    with op.batch_alter_table("memberships") as batch:
        batch.drop_column("invited_name")
        batch.drop_column("pending")
