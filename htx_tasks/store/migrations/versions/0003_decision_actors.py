"""decisions: a version on each occurrence (compare-and-set), the actor's role and channel in the audit

Revision ID: i10a_decision_actors
Revises: 0002
Create Date: 2026-11-27
"""

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = "i10a_decision_actors"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("occurrence", schema=None) as batch_op:
        batch_op.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default=sa.text("1")))
    # audit_event is append-only (a trigger refuses UPDATE and DELETE): only add columns, never rebuild it
    op.add_column("audit_event", sa.Column("role", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True))
    op.add_column("audit_event", sa.Column("via", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=True))


def downgrade() -> None:
    op.drop_column("audit_event", "via")
    op.drop_column("audit_event", "role")
    with op.batch_alter_table("occurrence", schema=None) as batch_op:
        batch_op.drop_column("version")
