"""one outbox: indicator alerts become ordinary notifications; the indicator_alert table goes

Its rows are moved, not dropped: a sent row is the record of what leadership was told and what
keeps an indicator from being told twice in a year, a pending or failed one is a notice still owed
or given up on. Each becomes a ``notification`` row of kind ``indicator`` with no occurrence, its
line in ``body`` and ``<indicator>/<year>/off_track`` as its subject. A row the old sender left
``sending`` (no lease: the process stopped mid-send) is set aside for review, as the outbox does
with a row whose lease ran out. Going down moves them back (a row in review becomes failed: it is
never sent twice) and restores the table.

Revision ID: i15_one_outbox
Revises: i9_registry_upkeep
Create Date: 2026-12-10
"""

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

import htx_tasks.store.types

revision = "i15_one_outbox"
down_revision = "i9_registry_upkeep"
branch_labels = None
depends_on = None

STUCK = "Tiến trình gửi bị dừng giữa chừng; cần kiểm tra xem đã gửi chưa"  # as htx_tasks.delivery.outbox.STUCK
LEGACY_STANDING = "off_track"  # the old table did not keep the standing; one indicator and year is told once


def _alert_table() -> list:
    return [
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("indicator", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("recipient", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("text", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("created_at", htx_tasks.store.types.UTCDateTime(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("claim_token", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("sent_at", htx_tasks.store.types.UTCDateTime(), nullable=True),
        sa.Column("last_error", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("indicator", "year", "recipient", name="uq_indicator_alert"),
    ]


def _notification() -> sa.TableClause:
    """The notification columns the move reads and writes (types that convert times as stored)."""
    return sa.table(
        "notification",
        sa.column("id", sa.Integer()), sa.column("occurrence_id", sa.Integer()), sa.column("kind", sa.String()),
        sa.column("level", sa.Integer()), sa.column("detail", sa.Integer()),
        sa.column("due_at", htx_tasks.store.types.UTCDateTime()), sa.column("recipient", sa.String()),
        sa.column("created_at", htx_tasks.store.types.UTCDateTime()), sa.column("status", sa.String()),
        sa.column("attempts", sa.Integer()), sa.column("next_attempt_at", htx_tasks.store.types.UTCDateTime()),
        sa.column("claimed_at", htx_tasks.store.types.UTCDateTime()),
        sa.column("sent_at", htx_tasks.store.types.UTCDateTime()), sa.column("last_error", sa.String()),
        sa.column("delivered_urls", sa.String()), sa.column("subject", sa.String()), sa.column("body", sa.String()),
    )


def _alerts() -> sa.TableClause:
    return sa.table("indicator_alert", *(sa.column(c.name, c.type) for c in _alert_table() if isinstance(c, sa.Column)))


def upgrade() -> None:
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.alter_column("occurrence_id", existing_type=sa.Integer(), nullable=True)
        batch_op.add_column(sa.Column("subject", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=True))
        batch_op.add_column(sa.Column("body", sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch_op.create_unique_constraint("uq_notification_subject", ["subject", "recipient"])

    bind = op.get_bind()
    old = _alerts()
    rows = []
    for a in bind.execute(sa.select(old).order_by(old.c.id)).mappings():
        stuck = a["status"] == "sending"
        rows.append(dict(
            occurrence_id=None, kind="indicator", level=-1, detail=a["year"], due_at=a["created_at"],
            recipient=a["recipient"], created_at=a["created_at"], status="review" if stuck else a["status"],
            attempts=a["attempts"], next_attempt_at=a["created_at"] if a["status"] == "pending" else None,
            claimed_at=a["created_at"] if stuck else None, sent_at=a["sent_at"],
            last_error=STUCK if stuck else a["last_error"], delivered_urls="",
            subject=f"{a['indicator']}/{a['year']}/{LEGACY_STANDING}", body=a["text"]))
    if rows:
        bind.execute(sa.insert(_notification()), rows)

    with op.batch_alter_table("indicator_alert", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_indicator_alert_status"))
    op.drop_table("indicator_alert")


def downgrade() -> None:
    op.create_table("indicator_alert", *_alert_table())
    with op.batch_alter_table("indicator_alert", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_indicator_alert_status"), ["status"], unique=False)

    bind = op.get_bind()
    notification = _notification()
    told = list(bind.execute(sa.select(notification).where(notification.c.kind == "indicator")
                             .order_by(notification.c.id)).mappings())
    if told:
        bind.execute(sa.insert(_alerts()), [dict(
            indicator=(n["subject"] or "?").split("/")[0], year=n["detail"], recipient=n["recipient"],
            text=n["body"] or "", created_at=n["created_at"],
            status=n["status"] if n["status"] in ("pending", "sent") else "failed",
            attempts=n["attempts"], claim_token=None, sent_at=n["sent_at"], last_error=n["last_error"],
        ) for n in told])
        bind.execute(sa.delete(notification).where(notification.c.kind == "indicator"))

    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.drop_constraint("uq_notification_subject", type_="unique")
        batch_op.drop_column("body")
        batch_op.drop_column("subject")
        batch_op.alter_column("occurrence_id", existing_type=sa.Integer(), nullable=False)
