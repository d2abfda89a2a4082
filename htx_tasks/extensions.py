"""Requests for more time ("đề nghị gia hạn"): a unit asks, the coordinator approves or refuses.

While a request waits, the obligation stays active and its reminders continue. Approving moves
the deadline as ``extend`` does (art. 148 shift included); refusing needs a note. Either way the
unit is told through the outbox, in the same transaction as the decision.
"""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session, select

from htx_tasks.clock import local_date
from htx_tasks.core.lifecycle import Kind, State
from htx_tasks.engine import audit
from htx_tasks.plan.loader import Plan
from htx_tasks.services import COORDINATOR_ACTOR, Refused, extend, get_occurrence
from htx_tasks.store.answers import ExtensionRequest
from htx_tasks.store.models import Notification

PENDING, APPROVED, REFUSED = "pending", "approved", "refused"
MAX_TEXT = 4000


def pending_request(session: Session, occurrence_id: int) -> ExtensionRequest | None:
    return session.exec(select(ExtensionRequest).where(
        ExtensionRequest.occurrence_id == occurrence_id, ExtensionRequest.decision == PENDING)).first()


def request_extension(session: Session, plan: Plan, occurrence_id: int, *, unit: str, proposed: dt.date,
                      reason: str, now: dt.datetime, actor: str) -> ExtensionRequest:
    row = get_occurrence(session, occurrence_id)
    if unit != row.unit_code:
        raise Refused(f"nhiệm vụ số {occurrence_id} không thuộc đơn vị này")
    if not State(row.state).active:
        raise Refused(f"nhiệm vụ số {occurrence_id} đang ở trạng thái '{State(row.state).label}', "
                      "không đề nghị gia hạn được")
    if pending_request(session, row.id) is not None:
        raise Refused("nhiệm vụ này đã có đề nghị gia hạn đang chờ quyết định")
    reason = reason.strip()
    if not reason:
        raise Refused("cần nêu lý do đề nghị gia hạn")
    if len(reason) > MAX_TEXT:
        raise Refused(f"lý do dài quá {MAX_TEXT} ký tự")
    if proposed <= row.deadline:
        raise Refused(f"ngày đề nghị phải sau hạn hiện tại ({row.deadline:%d/%m/%Y})")
    if proposed > local_date(now) + dt.timedelta(days=366):
        raise Refused("ngày đề nghị quá xa (tối đa một năm kể từ hôm nay)")
    request = ExtensionRequest(occurrence_id=row.id, unit_code=unit, requested_at=now, proposed=proposed,
                               reason=reason, deadline_then=row.deadline)
    session.add(request)
    audit(session, occurrence_id=row.id, at=now, actor=actor, action="request_extension",
          from_state=row.state, to_state=row.state,
          reason=f"Đề nghị gia hạn đến {proposed:%d/%m/%Y}: {reason}")
    session.flush()
    return request


def decide_extension(session: Session, plan: Plan, request_id: int, *, approve: bool, note: str,
                     now: dt.datetime, actor: str = COORDINATOR_ACTOR) -> ExtensionRequest:
    request = session.get(ExtensionRequest, request_id)
    if request is None:
        raise Refused(f"không có đề nghị gia hạn số {request_id}")
    if request.decision != PENDING:
        raise Refused("đề nghị gia hạn này đã được quyết định")
    note = note.strip()
    if len(note) > MAX_TEXT:
        raise Refused(f"ý kiến dài quá {MAX_TEXT} ký tự")
    if approve:
        row = extend(session, plan, request.occurrence_id, to=request.proposed,
                     note=note or "đồng ý đề nghị của đơn vị", now=now, actor=actor)
        request.new_deadline = row.deadline
    else:
        if not note:
            raise Refused("từ chối gia hạn cần ghi rõ lý do")
        row = get_occurrence(session, request.occurrence_id)
        audit(session, occurrence_id=row.id, at=now, actor=actor, action="refuse_extension",
              from_state=row.state, to_state=row.state, reason=note)
    request.decision, request.decided_at, request.decision_note = (APPROVED if approve else REFUSED), now, note
    session.add(request)
    kind = Kind.EXTENSION_APPROVED if approve else Kind.EXTENSION_REFUSED
    session.add(Notification(occurrence_id=row.id, kind=kind.value, level=-1, due_at=now,
                             recipient=row.unit_code, created_at=now, next_attempt_at=now))
    session.flush()
    return request
