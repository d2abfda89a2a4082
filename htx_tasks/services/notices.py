"""Outbox rows a person must look at: rows being sent (with their lease) and rows set aside.

A row found ``sending`` past its lease is set aside as ``review`` by the dispatcher: the process
stopped mid-send, and nobody can tell whether the message arrived. The coordinator resolves it
with ``resolve_notice``: it did arrive (``delivered``), or send it again (``resend``). The
change is one compare-and-set statement (``... WHERE status = 'review'``) and is audited.
"""

from __future__ import annotations

import datetime as dt
from typing import cast

from sqlalchemy import CursorResult, update
from sqlmodel import Session, col, select

from htx_tasks.core.statuses import NotificationStatus
from htx_tasks.plan.loader import Plan
from htx_tasks.services.actors import Act, Actor, authorize
from htx_tasks.services.errors import Conflict, Refused
from htx_tasks.services.inputs import NoticeOutcome, ResolveNotice
from htx_tasks.store.models import LEASE, AuditEvent, Notification
from htx_tasks.store.writes import audit

RESOLVED = ("notice_delivered", "notice_resend")  # the audit actions of a resolved review row


def lease_until(row: Notification) -> dt.datetime | None:
    """When a row being sent counts as stuck (then the next dispatch sets it aside for review)."""
    return row.claimed_at + LEASE if row.claimed_at is not None else None


def resolve_notice(session: Session, plan: Plan, actor: Actor, command: ResolveNotice, *,
                   now: dt.datetime) -> Notification:
    authorize(plan, actor, Act.RESOLVE_NOTICE, owner=None)
    row = session.get(Notification, command.notification)
    if row is None:
        raise Refused(f"không có thông báo số {command.notification}")
    if command.outcome is NoticeOutcome.DELIVERED:
        values = {"status": NotificationStatus.SENT, "sent_at": row.claimed_at or now, "last_error": None, "claim_token": None}
        action, what = RESOLVED[0], "đã đến nơi"
    else:
        values = {"status": NotificationStatus.PENDING, "next_attempt_at": now, "claim_token": None, "claimed_at": None}
        action, what = RESOLVED[1], "gửi lại"
    changed = cast(CursorResult, session.execute(
        update(Notification).where(col(Notification.id) == row.id, col(Notification.status) == NotificationStatus.REVIEW)
        .values(**values)
    )).rowcount
    if not changed:
        session.refresh(row)
        label = NotificationStatus(row.status).label
        if _resolved_before(session, row):
            raise Conflict(f"thông báo số {row.id} đã có người xử lý trước (nay: '{label}')")
        raise Refused(f"thông báo số {row.id} đang ở trạng thái '{label}', không cần kiểm tra")
    audit(session, occurrence_id=row.occurrence_id, at=now, actor=actor.name, action=action,
          reason=f"Thông báo số {row.id} (gửi {row.recipient}, {row.kind}): {what}. {command.note}",
          role=actor.role.value, via=actor.via)
    session.flush()
    session.refresh(row)
    return row


def _resolved_before(session: Session, row: Notification) -> bool:
    about = col(AuditEvent.occurrence_id).is_(None) if row.occurrence_id is None else \
        AuditEvent.occurrence_id == row.occurrence_id  # an indicator's notice is about no item
    return session.exec(select(AuditEvent.id).where(
        about, col(AuditEvent.action).in_(RESOLVED),
        col(AuditEvent.reason).like(f"Thông báo số {row.id} (%"),
    )).first() is not None


def rows_with_status(session: Session, status: NotificationStatus) -> list[Notification]:
    return list(session.exec(
        select(Notification).where(Notification.status == status).order_by(col(Notification.due_at), col(Notification.id))
    ).all())
