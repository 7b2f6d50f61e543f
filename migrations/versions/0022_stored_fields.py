"""Fields that admins create in the browser: their request types and forms

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-05 21:40:00.000000

Two new tables; nothing existing changes.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('stored_fields',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=40), nullable=False),
    sa.Column('name_fr', sa.String(length=100), nullable=False),
    sa.Column('name_en', sa.String(length=100), nullable=False),
    sa.Column('description_fr', sa.Text(), nullable=False),
    sa.Column('description_en', sa.Text(), nullable=False),
    sa.Column('prefix', sa.String(length=6), nullable=False),
    sa.Column('colour', sa.String(length=7), nullable=False),
    sa.Column('icon', sa.String(length=40), nullable=False),
    sa.Column('order', sa.Integer(), nullable=False),
    sa.Column('confidentiality', sa.String(length=20), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stored_fields')),
    sa.UniqueConstraint('slug', name=op.f('uq_stored_fields_slug'))
    )
    op.create_table('stored_request_types',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('field_id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=60), nullable=False),
    sa.Column('name_fr', sa.String(length=100), nullable=False),
    sa.Column('name_en', sa.String(length=100), nullable=False),
    sa.Column('description_fr', sa.Text(), nullable=False),
    sa.Column('description_en', sa.Text(), nullable=False),
    sa.Column('workflow', sa.String(length=40), nullable=False),
    sa.Column('priority', sa.String(length=10), nullable=False),
    sa.Column('order', sa.Integer(), nullable=False),
    sa.Column('response_hours', sa.JSON(), nullable=False),
    sa.Column('form_versions', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['field_id'], ['stored_fields.id'], name=op.f('fk_stored_request_types_field_id_stored_fields'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stored_request_types')),
    sa.UniqueConstraint('field_id', 'slug', name=op.f('uq_stored_request_types_field_id')),
    )
    with op.batch_alter_table('stored_request_types', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stored_request_types_field_id'), ['field_id'], unique=False)


def downgrade():
    with op.batch_alter_table('stored_request_types', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stored_request_types_field_id'))
    op.drop_table('stored_request_types')
    op.drop_table('stored_fields')
