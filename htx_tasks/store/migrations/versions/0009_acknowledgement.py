"""acknowledgement: a unit says it has the work in hand ("Đã nhận, đang thực hiện")

Revision ID: i16_acknowledgement
Revises: i18_plans
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

from htx_tasks.store.types import UTCDateTime

revision = "i16_acknowledgement"
down_revision = "i18_plans"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "acknowledgement",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("occurrence_id", sa.Integer(), sa.ForeignKey("occurrence.id"), nullable=False, index=True),
        sa.Column("unit_code", AutoString(length=64), nullable=False),
        sa.Column("acknowledged_at", UTCDateTime(), nullable=False),
        sa.Column("expected_on", sa.Date(), nullable=False),
        sa.Column("note", AutoString(), nullable=False),
        sa.Column("deadline_then", sa.Date(), nullable=False),
        sa.Column("via", AutoString(length=128), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("acknowledgement")
