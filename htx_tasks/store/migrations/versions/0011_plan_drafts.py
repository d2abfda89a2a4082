"""plan drafts: a plan read from a file lives in the database until the coordinator activates it

Revision ID: i19_plan_drafts
Revises: i20_unit_reports
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

revision = "i19_plan_drafts"
down_revision = "i20_unit_reports"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("plan") as batch:
        batch.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default=sa.text("1")))
        batch.add_column(sa.Column("draft", AutoString(), nullable=True))
        batch.add_column(sa.Column("source", AutoString(), nullable=True))
    op.create_table(
        "draft_row",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("plan_code", AutoString(length=64), sa.ForeignKey("plan.code"), nullable=False, index=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("code", AutoString(length=64), nullable=False),
        sa.Column("ref", AutoString(length=32), nullable=False),
        sa.Column("title", AutoString(), nullable=False),
        sa.Column("source", AutoString(), nullable=False),
        sa.Column("unit_text", AutoString(), nullable=False),
        sa.Column("unit_code", AutoString(length=64), nullable=True),
        sa.Column("unit_note", AutoString(), nullable=False),
        sa.Column("unit_sure", sa.Boolean(), nullable=False),
        sa.Column("coordinating", AutoString(), nullable=False),
        sa.Column("deadline_phrase", AutoString(), nullable=False),
        sa.Column("deadline_note", AutoString(), nullable=False),
        sa.Column("recurrence", AutoString(), nullable=True),
        sa.Column("deadline_source", AutoString(length=16), nullable=False),
        sa.Column("active", AutoString(), nullable=True),
        sa.Column("deliverable", AutoString(), nullable=False),
        sa.Column("request", sa.Boolean(), nullable=False),
        sa.Column("dropped", sa.Boolean(), nullable=False),
        sa.Column("flags", AutoString(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("draft_row")
    with op.batch_alter_table("plan") as batch:
        batch.drop_column("source")
        batch.drop_column("draft")
        batch.drop_column("version")
