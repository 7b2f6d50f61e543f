"""The communications plugin's publication calendar (communications_publications)

Revision ID: communications_0001
Revises:
Create Date: 2026-12-05 12:00:00.000000

The first revision of the plugin's own branch, labelled with its slug: ``flask db upgrade
heads`` applies it with the core's, ``flask db downgrade communications@base`` removes the
plugin's table alone. It needs the core's ``requests`` table, hence ``depends_on``.
"""
import sqlalchemy as sa
from alembic import op

revision = 'communications_0001'
down_revision = None
branch_labels = ('communications',)
depends_on = '0002'


def upgrade():
    op.create_table(
        'communications_publications',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('request_id', sa.Integer(), nullable=False),
        sa.Column('planned_on', sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(['request_id'], ['requests.id'],
                                name=op.f('fk_communications_publications_request_id_requests'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_communications_publications')),
        sa.UniqueConstraint('request_id', name=op.f('uq_communications_publications_request_id')),
    )
    op.create_index(op.f('ix_communications_publications_planned_on'), 'communications_publications',
                    ['planned_on'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_communications_publications_planned_on'), table_name='communications_publications')
    op.drop_table('communications_publications')
