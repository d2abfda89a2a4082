"""report drafts: the consolidated report of a plan and period, versioned, in parts the coordinator edits

Revision ID: i20_report_drafts
Revises: i19_plan_drafts
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

from htx_tasks.store.types import UTCDateTime

revision = "i20_report_drafts"
down_revision = "i19_plan_drafts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "report_draft",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("plan_code", AutoString(length=64), nullable=False),
        sa.Column("period_code", AutoString(length=16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False, server_default=sa.text("1")),
        sa.Column("parent", AutoString(length=200), nullable=False, server_default=""),
        sa.Column("number", AutoString(length=32), nullable=False, server_default=""),
        sa.Column("place", AutoString(length=128), nullable=False, server_default=""),
        sa.Column("signed_on", sa.Date(), nullable=True),
        sa.Column("recipients", AutoString(), nullable=False, server_default=""),
        sa.Column("filed_with", AutoString(length=64), nullable=False, server_default=""),
        sa.Column("compiled_at", UTCDateTime(), nullable=False),
        sa.Column("changed_at", UTCDateTime(), nullable=False),
        sa.Column("changed_by", AutoString(length=128), nullable=False),
        sa.UniqueConstraint("plan_code", "period_code", name="uq_report_draft_period"),
    )
    op.create_table(
        "report_part",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("draft_id", sa.Integer(), sa.ForeignKey("report_draft.id"), nullable=False, index=True),
        sa.Column("key", AutoString(length=64), nullable=False),
        sa.Column("section", AutoString(length=32), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("heading", AutoString(), nullable=False, server_default=""),
        sa.Column("author", AutoString(length=200), nullable=True),
        sa.Column("said_on", sa.Date(), nullable=True),
        sa.Column("request", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("generated", AutoString(), nullable=False, server_default=""),
        sa.Column("text", AutoString(), nullable=False, server_default=""),
        sa.Column("edited", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("offered", AutoString(), nullable=True),
        sa.UniqueConstraint("draft_id", "key", name="uq_report_part_key"),
    )


def downgrade() -> None:
    op.drop_table("report_part")
    op.drop_table("report_draft")
