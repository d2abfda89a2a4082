"""web answers: link versions, evidence files, extension requests, web audit

Revision ID: i8_web_answers
Revises: i10a_decision_actors
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

from htx_tasks.store.types import UTCDateTime

revision = "i8_web_answers"
down_revision = "i10a_decision_actors"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "link_version",
        sa.Column("subject", AutoString(length=64), primary_key=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("changed_at", UTCDateTime(), nullable=True),
    )
    op.create_table(
        "evidence_file",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("submission_id", sa.Integer(), sa.ForeignKey("submission.id"), nullable=False, index=True),
        sa.Column("sha256", AutoString(length=64), nullable=False),
        sa.Column("name", AutoString(length=200), nullable=False),
        sa.Column("kind", AutoString(length=8), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
    )
    op.create_table(
        "extension_request",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("occurrence_id", sa.Integer(), sa.ForeignKey("occurrence.id"), nullable=False, index=True),
        sa.Column("unit_code", AutoString(length=64), nullable=False),
        sa.Column("requested_at", UTCDateTime(), nullable=False),
        sa.Column("proposed", sa.Date(), nullable=False),
        sa.Column("reason", AutoString(), nullable=False),
        sa.Column("deadline_then", sa.Date(), nullable=False),
        sa.Column("decision", AutoString(length=16), nullable=False),
        sa.Column("decided_at", UTCDateTime(), nullable=True),
        sa.Column("decision_note", AutoString(), nullable=True),
        sa.Column("new_deadline", sa.Date(), nullable=True),
    )
    op.create_table(
        "web_audit",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("subject", AutoString(length=64), nullable=False),
        sa.Column("link_id", AutoString(length=32), nullable=False, index=True),
        sa.Column("client", AutoString(length=64), nullable=False),
        sa.Column("action", AutoString(length=32), nullable=False),
        sa.Column("occurrence_id", sa.Integer(), nullable=True),
        sa.Column("outcome", AutoString(length=16), nullable=False),
        sa.Column("detail", AutoString(), nullable=True),
    )


def downgrade() -> None:
    for table in ("web_audit", "extension_request", "evidence_file", "link_version"):
        op.drop_table(table)
