"""What people do to an occurrence: report, review, extend, waive, open a case.

Each function takes a session (the caller owns the transaction), checks its inputs, changes the
occurrence, writes the audit trail and recomputes the next action time. Errors are ``Refused``
with a Vietnamese message naming what is wrong.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import update
from sqlmodel import Session, select

from htx_tasks.clock import local_date
from htx_tasks.core.lifecycle import ACTIVE, State, advance, closing_state
from htx_tasks.core.recurrence import case_deadline
from htx_tasks.engine import ENGINE_ACTOR, state_reason, audit, new_occurrence, snapshot_of
from htx_tasks.plan.loader import Plan
from htx_tasks.plan.schema import Every
from htx_tasks.store.models import Notification, Occurrence, Submission

COORDINATOR_ACTOR = "cơ quan thường trực"


class Refused(Exception):
    """An action that is not allowed, with the reason in Vietnamese."""


class Decision(StrEnum):
    ACCEPT = "accept"
    RETURN = "return"


def get_occurrence(session: Session, occurrence_id: int) -> Occurrence:
    row = session.get(Occurrence, occurrence_id)
    if row is None:
        raise Refused(f"không có nhiệm vụ số {occurrence_id}")
    return row


def _set_state(session: Session, row: Occurrence, state: State, *, now: dt.datetime, actor: str,
               action: str, reason: str) -> None:
    audit(session, occurrence_id=row.id, at=now, actor=actor, action=action,
          from_state=row.state, to_state=state.value, reason=reason)
    row.state = state.value


def _reschedule(session: Session, row: Occurrence, plan: Plan, now: dt.datetime) -> None:
    """After a person's action: follow-up resumes from ``now`` (nothing past is replayed).

    Notices recorded but not yet sent describe the old situation (an old deadline, a report not
    yet returned): they are cancelled, not delivered.
    """
    session.execute(
        update(Notification)
        .where(Notification.occurrence_id == row.id, Notification.status == "pending")
        .values(status="cancelled", next_attempt_at=None)
    )
    row.last_action_at = now
    step = advance(snapshot_of(row), plan.policy_for(row.duty_code, row.unit_code), plan.calendar, now)
    if State(row.state).active and step.state.value != row.state:
        # the clock moves it on at once (due soon, overdue): the trail records that step too
        _set_state(session, row, step.state, now=now, actor=ENGINE_ACTOR, action="clock",
                   reason=state_reason(step.state, row))
    row.next_action_at = step.next_action_at


def submit(session: Session, plan: Plan, occurrence_id: int, *, unit: str, note: str,
           evidence: str | None, now: dt.datetime) -> Occurrence:
    row = get_occurrence(session, occurrence_id)
    if unit != row.unit_code:
        raise Refused(
            f"đơn vị '{unit}' không phụ trách nhiệm vụ số {occurrence_id} "
            f"(thuộc {plan.unit_name(row.unit_code)})"
        )
    if not State(row.state).active:
        raise Refused(f"nhiệm vụ số {occurrence_id} đang ở trạng thái '{State(row.state).label}', không nhận báo cáo")
    if not note.strip():
        raise Refused("cần ghi nội dung báo cáo (--note)")
    session.add(Submission(occurrence_id=row.id, unit_code=unit, submitted_at=now, note=note,
                           evidence_url=evidence))
    _set_state(session, row, State.SUBMITTED, now=now, actor=unit, action="submit", reason=note)
    row.submitted_at, row.next_action_at = now, None
    session.add(row)
    session.flush()
    return row


def review(session: Session, plan: Plan, occurrence_id: int, *, decision: Decision, note: str,
           now: dt.datetime, actor: str = COORDINATOR_ACTOR) -> Occurrence:
    row = get_occurrence(session, occurrence_id)
    if row.state != State.SUBMITTED.value:
        raise Refused(f"nhiệm vụ số {occurrence_id} chưa có báo cáo chờ duyệt")
    if decision is Decision.RETURN and not note.strip():
        raise Refused("trả lại báo cáo cần ghi rõ nội dung cần hoàn thiện (--note)")
    pending = session.exec(
        select(Submission).where(Submission.occurrence_id == row.id, Submission.decision == "pending")
        .order_by(Submission.id.desc())
    ).first()
    if pending is not None:
        pending.decision, pending.decided_at, pending.decision_note = decision.value, now, note
        session.add(pending)
    if decision is Decision.ACCEPT:
        assert row.submitted_at is not None
        state = closing_state(row.submitted_at, row.deadline)
        _set_state(session, row, state, now=now, actor=actor, action="accept", reason=note)
        row.closed_at, row.next_action_at = now, None
    else:
        _set_state(session, row, State.RETURNED, now=now, actor=actor, action="return", reason=note)
        row.submitted_at = None
        _reschedule(session, row, plan, now)
    session.add(row)
    session.flush()
    return row


def extend(session: Session, plan: Plan, occurrence_id: int, *, to: dt.date, note: str,
           now: dt.datetime, actor: str = COORDINATOR_ACTOR) -> Occurrence:
    row = get_occurrence(session, occurrence_id)
    if not State(row.state).active:
        raise Refused(f"nhiệm vụ số {occurrence_id} đã đóng ('{State(row.state).label}'), không gia hạn được")
    if not note.strip():
        raise Refused("gia hạn cần ghi lý do (--note)")
    new_deadline = plan.calendar.deadline(to)
    if new_deadline < local_date(now):
        raise Refused(f"hạn mới {to:%d/%m/%Y} đã qua")
    reason = f"Gia hạn từ {row.deadline:%d/%m/%Y} đến {new_deadline:%d/%m/%Y}: {note}"
    row.deadline, row.escalation_level = new_deadline, -1
    _set_state(session, row, State.OPEN, now=now, actor=actor, action="extend", reason=reason)
    _reschedule(session, row, plan, now)
    session.add(row)
    session.flush()
    return row


def waive(session: Session, plan: Plan, occurrence_id: int, *, note: str, now: dt.datetime,
          actor: str = COORDINATOR_ACTOR) -> Occurrence:
    row = get_occurrence(session, occurrence_id)
    if State(row.state) not in (*ACTIVE, State.SUBMITTED):
        raise Refused(f"nhiệm vụ số {occurrence_id} đã đóng ('{State(row.state).label}')")
    if not note.strip():
        raise Refused("miễn thực hiện cần nêu lý do (--note)")
    _set_state(session, row, State.WAIVED, now=now, actor=actor, action="waive", reason=note)
    row.closed_at, row.next_action_at = now, None
    session.add(row)
    session.flush()
    return row


def open_case(session: Session, plan: Plan, duty_code: str, *, unit: str, kind: str | None,
              received: dt.date, ref: str, now: dt.datetime) -> Occurrence:
    try:
        duty = plan.duty(duty_code)
    except KeyError as exc:
        raise Refused(str(exc.args[0])) from None
    if duty.recurrence.every is not Every.CASE:
        raise Refused(f"nhiệm vụ '{duty_code}' không phải loại tiếp nhận hồ sơ (case)")
    holders = {plan.current_holder(a, local_date(now)) for a in plan.assignees(duty)}
    if unit not in plan.assignees(duty) and unit not in holders:
        raise Refused(f"đơn vị '{unit}' không phụ trách nhiệm vụ '{duty_code}'")
    kinds = {k.code: k for k in duty.recurrence.case_kinds or []}
    if kind is None and len(kinds) == 1:
        kind = next(iter(kinds))
    if kind not in kinds:
        raise Refused(f"loại hồ sơ '{kind}' không hợp lệ; chọn một trong: {', '.join(kinds)}")
    if not ref.strip():
        raise Refused("cần số hồ sơ (--ref)")
    case = kinds[kind]
    deadline = case_deadline(plan.calendar, received, case.working_days)
    holder = plan.current_holder(unit, max(received, local_date(now)))
    row = new_occurrence(
        session, plan, duty_code=duty_code, unit_code=holder, period_key=f"case:{ref}",
        period_label=f"hồ sơ {ref}", deadline=deadline, opened_at=now, now=now, actor=holder,
        case_kind=kind, case_ref=ref, received_on=received,
        reason=f"Tiếp nhận hồ sơ {ref} ({case.title}) ngày {received:%d/%m/%Y}, hạn {deadline:%d/%m/%Y}",
    )
    if row is None:
        raise Refused(f"hồ sơ '{ref}' đã được mở cho nhiệm vụ '{duty_code}'")
    return row
