"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-27
"""

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

import htx_tasks.store.types

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('duty',
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('ref', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('unit_code', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('every', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('deliverable', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.PrimaryKeyConstraint('code')
    )
    op.create_table('occurrence',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('duty_code', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('unit_code', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('period_key', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
    sa.Column('period_label', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('case_kind', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('case_ref', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('received_on', sa.Date(), nullable=True),
    sa.Column('opened_at', htx_tasks.store.types.UTCDateTime(), nullable=False),
    sa.Column('deadline', sa.Date(), nullable=False),
    sa.Column('original_deadline', sa.Date(), nullable=False),
    sa.Column('state', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('escalation_level', sa.Integer(), nullable=False),
    sa.Column('last_action_at', htx_tasks.store.types.UTCDateTime(), nullable=True),
    sa.Column('next_action_at', htx_tasks.store.types.UTCDateTime(), nullable=True),
    sa.Column('submitted_at', htx_tasks.store.types.UTCDateTime(), nullable=True),
    sa.Column('closed_at', htx_tasks.store.types.UTCDateTime(), nullable=True),
    sa.Column('predecessor_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['predecessor_id'], ['occurrence.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('duty_code', 'unit_code', 'period_key', name='uq_occurrence_period')
    )
    with op.batch_alter_table('occurrence', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_occurrence_deadline'), ['deadline'], unique=False)
        batch_op.create_index(batch_op.f('ix_occurrence_duty_code'), ['duty_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_occurrence_next_action_at'), ['next_action_at'], unique=False)
        batch_op.create_index('ix_occurrence_unit_state', ['unit_code', 'state'], unique=False)

    op.create_table('opening_cursor',
    sa.Column('duty_code', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('unit_code', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('opened_through', sa.Date(), nullable=False),
    sa.PrimaryKeyConstraint('duty_code', 'unit_code')
    )
    op.create_table('unit',
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('assignment', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('group_code', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('successor_code', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('successor_on', sa.Date(), nullable=True),
    sa.Column('ref', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
    sa.PrimaryKeyConstraint('code')
    )
    op.create_table('audit_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('occurrence_id', sa.Integer(), nullable=True),
    sa.Column('at', htx_tasks.store.types.UTCDateTime(), nullable=False),
    sa.Column('actor', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
    sa.Column('action', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('from_state', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
    sa.Column('to_state', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.ForeignKeyConstraint(['occurrence_id'], ['occurrence.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_event_occurrence_id'), ['occurrence_id'], unique=False)

    op.create_table('notification',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('occurrence_id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('level', sa.Integer(), nullable=False),
    sa.Column('detail', sa.Integer(), nullable=False),
    sa.Column('due_at', htx_tasks.store.types.UTCDateTime(), nullable=False),
    sa.Column('recipient', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('created_at', htx_tasks.store.types.UTCDateTime(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', htx_tasks.store.types.UTCDateTime(), nullable=True),
    sa.Column('claim_token', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('claimed_at', htx_tasks.store.types.UTCDateTime(), nullable=True),
    sa.Column('sent_at', htx_tasks.store.types.UTCDateTime(), nullable=True),
    sa.Column('last_error', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.ForeignKeyConstraint(['occurrence_id'], ['occurrence.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('occurrence_id', 'kind', 'level', 'due_at', 'recipient', name='uq_notification_key')
    )
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notification_occurrence_id'), ['occurrence_id'], unique=False)
        batch_op.create_index('ix_notification_status_next', ['status', 'next_attempt_at'], unique=False)

    op.create_table('submission',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('occurrence_id', sa.Integer(), nullable=False),
    sa.Column('unit_code', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('submitted_at', htx_tasks.store.types.UTCDateTime(), nullable=False),
    sa.Column('note', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('evidence_url', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('decision', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('decided_at', htx_tasks.store.types.UTCDateTime(), nullable=True),
    sa.Column('decision_note', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.ForeignKeyConstraint(['occurrence_id'], ['occurrence.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('submission', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_submission_occurrence_id'), ['occurrence_id'], unique=False)
    _append_only_audit()


def _append_only_audit() -> None:
    """The audit trail can be added to, never changed or deleted."""
    if op.get_bind().dialect.name == "sqlite":
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_event_no_{verb.lower()} BEFORE {verb} ON audit_event "
                "BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END"
            )
    else:
        op.execute(
            "CREATE FUNCTION audit_event_append_only() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'audit_event is append-only'; END $$"
        )
        op.execute(
            "CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_event "
            "FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        op.execute("DROP TRIGGER IF EXISTS audit_event_append_only ON audit_event")
        op.execute("DROP FUNCTION IF EXISTS audit_event_append_only()")
    with op.batch_alter_table('submission', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_submission_occurrence_id'))

    op.drop_table('submission')
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_index('ix_notification_status_next')
        batch_op.drop_index(batch_op.f('ix_notification_occurrence_id'))

    op.drop_table('notification')
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_event_occurrence_id'))

    op.drop_table('audit_event')
    op.drop_table('unit')
    op.drop_table('opening_cursor')
    with op.batch_alter_table('occurrence', schema=None) as batch_op:
        batch_op.drop_index('ix_occurrence_unit_state')
        batch_op.drop_index(batch_op.f('ix_occurrence_next_action_at'))
        batch_op.drop_index(batch_op.f('ix_occurrence_duty_code'))
        batch_op.drop_index(batch_op.f('ix_occurrence_deadline'))

    op.drop_table('occurrence')
    op.drop_table('duty')
