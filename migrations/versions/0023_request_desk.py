"""Tags experts put on requests, the reply templates of each field, and saved list views

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-05 21:30:00.000000

``request_tags`` holds the words experts file requests under (one row per request and tag,
unique by lower-cased name); ``reply_templates`` the replies of a field that admins write in
French and English; ``saved_views`` the list filters each person saved under a name. New
tables: nothing existing changes. Changing a request's
priority or due date needs no column (the history keeps the reason in ``request_events``).
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('request_tags',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('key', sa.String(length=40), nullable=False),
    sa.ForeignKeyConstraint(['request_id'], ['requests.id'], name=op.f('fk_request_tags_request_id_requests'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_request_tags')),
    sa.UniqueConstraint('request_id', 'key', name=op.f('uq_request_tags_request_id'))
    )
    op.create_index('ix_request_tags_key', 'request_tags', ['key', 'request_id'], unique=False)
    op.create_table('reply_templates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('field', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('body_fr', sa.Text(), nullable=False),
    sa.Column('body_en', sa.Text(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reply_templates'))
    )
    op.create_index('ix_reply_templates_field', 'reply_templates', ['field', 'name'], unique=False)
    op.create_table('saved_views',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('query', sa.String(length=1000), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_saved_views_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_saved_views'))
    )
    op.create_index(op.f('ix_saved_views_user_id'), 'saved_views', ['user_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_saved_views_user_id'), table_name='saved_views')
    op.drop_table('saved_views')
    op.drop_index('ix_reply_templates_field', table_name='reply_templates')
    op.drop_table('reply_templates')
    op.drop_index('ix_request_tags_key', table_name='request_tags')
    op.drop_table('request_tags')
