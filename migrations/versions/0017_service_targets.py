"""Service targets: the working calendar, closed days, targets per field, type and priority,
each request's clock and the reminders sent

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-05 22:00:00.000000

New tables only. The IT field's response times become the default first-response targets its
plugin declares (in working hours); an admin's own targets are rows of ``service_targets``.
Requests filed before this revision have no clock row: they show no target, and the worker
leaves them alone, rather than being judged against targets nobody set when they were filed.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('working_calendar',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('weekdays', sa.String(length=20), nullable=False),
    sa.Column('opens', sa.Time(), nullable=False),
    sa.Column('closes', sa.Time(), nullable=False),
    sa.Column('timezone', sa.String(length=60), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_working_calendar'))
    )
    op.create_table('closed_days',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('label', sa.String(length=120), nullable=False),
    sa.PrimaryKeyConstraint('day', name=op.f('pk_closed_days'))
    )
    op.create_table('service_targets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('field', sa.String(length=40), nullable=False),
    sa.Column('type', sa.String(length=60), nullable=False),
    sa.Column('priority', sa.String(length=10), nullable=False),
    sa.Column('first_response_minutes', sa.Integer(), nullable=True),
    sa.Column('resolution_minutes', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_service_targets')),
    sa.UniqueConstraint('field', 'type', 'priority', name=op.f('uq_service_targets_field'))
    )
    op.create_table('request_clocks',
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('first_response_minutes', sa.Integer(), nullable=True),
    sa.Column('resolution_minutes', sa.Integer(), nullable=True),
    sa.Column('first_response_at', sa.DateTime(), nullable=True),
    sa.Column('resolved_at', sa.DateTime(), nullable=True),
    sa.Column('first_response_due_at', sa.DateTime(), nullable=True),
    sa.Column('resolution_due_at', sa.DateTime(), nullable=True),
    sa.Column('first_response_warn_at', sa.DateTime(), nullable=True),
    sa.Column('resolution_warn_at', sa.DateTime(), nullable=True),
    sa.Column('paused', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['request_id'], ['requests.id'], name=op.f('fk_request_clocks_request_id_requests'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('request_id', name=op.f('pk_request_clocks'))
    )
    op.create_index('ix_request_clocks_response_due', 'request_clocks', ['first_response_due_at'], unique=False)
    op.create_index('ix_request_clocks_resolution_due', 'request_clocks', ['resolution_due_at'], unique=False)
    op.create_table('sent_reminders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('episode', sa.String(length=40), nullable=False),
    sa.Column('sent_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['request_id'], ['requests.id'], name=op.f('fk_sent_reminders_request_id_requests'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sent_reminders')),
    sa.UniqueConstraint('request_id', 'kind', 'episode', name=op.f('uq_sent_reminders_request_id'))
    )
    op.create_index(op.f('ix_sent_reminders_request_id'), 'sent_reminders', ['request_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_sent_reminders_request_id'), table_name='sent_reminders')
    op.drop_table('sent_reminders')
    op.drop_index('ix_request_clocks_resolution_due', table_name='request_clocks')
    op.drop_index('ix_request_clocks_response_due', table_name='request_clocks')
    op.drop_table('request_clocks')
    op.drop_table('service_targets')
    op.drop_table('closed_days')
    op.drop_table('working_calendar')
