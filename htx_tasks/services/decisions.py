"""The decisions people take on an occurrence: submit, review, extend, waive, open a case.

Each entry takes the caller's session (the caller owns the transaction), the plan, a required
``Actor``, a validated command and ``now``. It then, in this order and nowhere else:

1. locks the occurrence row (``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite transactions start
   with ``BEGIN IMMEDIATE``), so two decisions on one item are taken one after the other;
2. checks the version the person saw (``expected_version``): required of every action, a
   coordinator's decision as a unit's report, request or acknowledgement, from every front door
   (the command models say so, and ``require_seen`` refuses a command built without it), so that
   no front door can forget it;
3. asks ``authorize`` whether this actor may take this action on this item;
4. checks the state the action expects; when another person's decision got there first the
   refusal is a ``Conflict`` saying "đã có người xử lý trước", and nothing is written;
5. changes the row (the ORM update is itself a compare-and-set on ``version``), writes the
   audit row naming the actor, its role and how the action came, and reschedules follow-up.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import Session, col

from htx_tasks.core.lifecycle import ACTIVE, State, advance, closing_state
from htx_tasks.core.recurrence import Every, case_deadline
from htx_tasks.core.statuses import NotificationStatus, SubmissionDecision
from htx_tasks.core.zones import local, local_date
from htx_tasks.engine import new_occurrence, snapshot_of, state_reason
from htx_tasks.plan.loader import Plan
from htx_tasks.readings import is_request
from htx_tasks.services.actors import Act, Actor, authorize
from htx_tasks.services.errors import Conflict, InvalidInput, Refused
from htx_tasks.services.inputs import (
    EXTENSION_HORIZON,
    RECEIVED_HORIZON,
    VERSION_NEEDED,
    Decision,
    ExtendDeadline,
    OpenCase,
    ReviewReport,
    SubmitReport,
    Waive,
    vn_date,
)
from htx_tasks.services.reportform import check_report
from htx_tasks.store.answers import EvidenceFile, latest_report
from htx_tasks.store.models import Notification, Occurrence, Submission
from htx_tasks.store.writes import ENGINE_ACTOR, audit

PREEMPTED = "đã có người xử lý trước"
DECIDED = frozenset({State.DONE_ON_TIME, State.DONE_LATE, State.WAIVED})  # closed by a person's decision
EXPECTS: dict[Act, frozenset[State]] = {  # the states each action starts from
    Act.SUBMIT: ACTIVE,
    Act.ACCEPT: frozenset({State.SUBMITTED}),
    Act.RETURN: frozenset({State.SUBMITTED}),
    Act.EXTEND: ACTIVE,
    Act.WAIVE: ACTIVE | {State.SUBMITTED},
    Act.REQUEST_EXTENSION: ACTIVE,
    Act.ACKNOWLEDGE: ACTIVE,
    Act.DECIDE_EXTENSION: ACTIVE | {State.SUBMITTED},  # approving still needs an active item (extend)
}


def get_occurrence(session: Session, occurrence_id: int) -> Occurrence:
    row = session.get(Occurrence, occurrence_id)
    if row is None:
        raise Refused(f"không có nhiệm vụ số {occurrence_id}")
    return row


def lock_occurrence(session: Session, occurrence_id: int, expected_version: int | None = None) -> Occurrence:
    """The occurrence, locked until the caller's transaction ends, as last committed."""
    row = session.execute(
        select(Occurrence).where(col(Occurrence.id) == occurrence_id).with_for_update()
        .execution_options(populate_existing=True)
    ).scalars().first()
    if row is None:
        raise Refused(f"không có nhiệm vụ số {occurrence_id}")
    if expected_version is not None and row.version != expected_version:
        raise Conflict(f"nhiệm vụ số {row.id} {PREEMPTED} (nay: '{State(row.state).label}'); "
                       "không ghi nhận thao tác này, hãy xem lại nhiệm vụ")
    return row


def require_state(session: Session, row: Occurrence, act: Act) -> None:
    """Refuse unless ``row`` is in a state ``act`` starts from; say so when somebody got there first."""
    state = State(row.state)
    if state in EXPECTS[act]:
        return
    n = row.id
    if state in DECIDED:
        raise Conflict(f"nhiệm vụ số {n} {PREEMPTED}: đã đóng ('{state.label}'), không {act.label} được nữa")
    if state is State.SUCCEEDED:
        raise Refused(f"nhiệm vụ số {n} đã đóng ('{state.label}'); hãy thao tác trên nhiệm vụ của đơn vị kế thừa")
    if state is State.SUBMITTED:
        if act is Act.SUBMIT:
            raise Conflict(f"nhiệm vụ số {n} {PREEMPTED}: đã có báo cáo chờ duyệt")
        raise Refused(f"nhiệm vụ số {n} đang có báo cáo chờ duyệt; hãy chấp nhận hoặc trả lại trước khi {act.label}")
    last = latest_report(session, n) if n is not None else None
    if last is not None and last.decided_at is not None:
        decided = SubmissionDecision(last.decision).label
        raise Conflict(f"nhiệm vụ số {n} {PREEMPTED}: báo cáo đã được {decided} "
                       f"lúc {local(last.decided_at):%H:%M %d/%m/%Y}")
    raise Refused(f"nhiệm vụ số {n} chưa có báo cáo chờ duyệt")


def set_state(session: Session, row: Occurrence, state: State, *, now: dt.datetime, actor: Actor,
               action: str, reason: str) -> None:
    audit(session, occurrence_id=row.id, at=now, actor=actor.name, action=action, from_state=row.state,
          to_state=state.value, reason=reason, role=actor.role.value, via=actor.via)
    row.state = state.value


def _close_submission(session: Session, row: Occurrence, decision: SubmissionDecision, note: str,
                      now: dt.datetime) -> None:
    """The report awaiting review gets its outcome: accept, return, or waive (the item is dropped)."""
    session.execute(
        update(Submission).where(col(Submission.occurrence_id) == row.id, col(Submission.decision) == SubmissionDecision.PENDING)
        .values(decision=decision, decided_at=now, decision_note=note)
    )


def save_decision(session: Session, row: Occurrence) -> Occurrence:
    session.add(row)
    try:
        session.flush()
    except StaleDataError:
        raise Conflict(f"nhiệm vụ số {row.id} {PREEMPTED}; không ghi nhận thao tác này") from None
    return row


def _reschedule(session: Session, row: Occurrence, plan: Plan, now: dt.datetime) -> None:
    """After a person's action: follow-up resumes from ``now`` (nothing past is replayed).

    Notices recorded but not yet sent describe the old situation (an old deadline, a report not
    yet returned): they are cancelled, not delivered.
    """
    session.execute(
        update(Notification)
        .where(col(Notification.occurrence_id) == row.id, col(Notification.status) == NotificationStatus.PENDING)
        .values(status=NotificationStatus.CANCELLED, next_attempt_at=None)
    )
    row.last_action_at = now
    snapshot = snapshot_of(row, plan)
    if snapshot.closes_at is not None and snapshot.closes_at <= now:  # a person's action reopened it: no closing
        snapshot = dataclasses.replace(snapshot, closes_at=None)
    step = advance(snapshot, plan.policy_for(row.duty_code, row.unit_code), plan.calendar, now)
    if State(row.state).active and step.state.value != row.state:
        # the clock moves it on at once (due soon, overdue): the trail records that step too
        audit(session, occurrence_id=row.id, at=now, actor=ENGINE_ACTOR, action="clock", from_state=row.state,
              to_state=step.state.value, reason=state_reason(step.state, row))
        row.state = step.state.value
    row.next_action_at = step.next_action_at


def require_seen(seen: object, *, field: str = "expected_version") -> None:
    """Refuse an action without what the person saw (the command models require it of every
    action; a command built without validation is refused here too)."""
    if seen is None:
        raise InvalidInput.missing(field, VERSION_NEEDED)


def begin_decision(session: Session, plan: Plan, actor: Actor, act: Act, occurrence_id: int,
           expected_version: int | None) -> Occurrence:
    require_seen(expected_version)
    row = lock_occurrence(session, occurrence_id, expected_version)
    authorize(plan, actor, act, owner=row.unit_code, what=f"nhiệm vụ số {row.id}")
    require_state(session, row, act)
    return row


@dataclass(frozen=True)
class Attachment:
    """A file sent with a report; the front end keeps its bytes, under their ``sha256``."""

    sha256: str
    name: str
    kind: str  # pdf, docx, xlsx, jpg, png: detected from the content by the front end
    size: int


def submit(session: Session, plan: Plan, actor: Actor, command: SubmitReport, *, now: dt.datetime,
           attachments: Sequence[Attachment] = ()) -> Occurrence:
    row = begin_decision(session, plan, actor, Act.SUBMIT, command.occurrence, command.expected_version)
    figures = check_report(plan.duty(row.duty_code), command,  # what the duty asks (InvalidInput)
                           request=is_request(plan, row.unit_code))
    report = Submission(occurrence_id=command.occurrence, unit_code=row.unit_code, submitted_at=now,
                        results=command.results, difficulties=command.difficulties, proposals=command.proposals,
                        figures=figures, evidence_url=command.evidence)
    session.add(report)
    if attachments:
        session.flush()  # the report's id, for its files
        assert report.id is not None
        session.add_all(EvidenceFile(submission_id=report.id, sha256=a.sha256, name=a.name, kind=a.kind, size=a.size)
                        for a in attachments)
    set_state(session, row, State.SUBMITTED, now=now, actor=actor, action="submit", reason=command.results)
    row.submitted_at, row.next_action_at = now, None
    return save_decision(session, row)


def review(session: Session, plan: Plan, actor: Actor, command: ReviewReport, *, now: dt.datetime) -> Occurrence:
    accept = command.decision is Decision.ACCEPT
    row = begin_decision(session, plan, actor, Act.ACCEPT if accept else Act.RETURN, command.occurrence,
                 command.expected_version)
    _close_submission(session, row, SubmissionDecision(command.decision), command.note, now)
    if accept:
        assert row.submitted_at is not None
        set_state(session, row, closing_state(row.submitted_at, row.deadline), now=now, actor=actor,
                   action="accept", reason=command.note)
        row.closed_at, row.next_action_at = now, None
    else:
        set_state(session, row, State.RETURNED, now=now, actor=actor, action="return", reason=command.note)
        row.submitted_at = None
        _reschedule(session, row, plan, now)
    return save_decision(session, row)


def extend(session: Session, plan: Plan, actor: Actor, command: ExtendDeadline, *, now: dt.datetime) -> Occurrence:
    row = begin_decision(session, plan, actor, Act.EXTEND, command.occurrence, command.expected_version)
    today, to = local_date(now), command.to
    if to < today:
        raise InvalidInput.one("to", f"hạn mới {vn_date(to)} đã qua")
    if to > today + EXTENSION_HORIZON:
        raise InvalidInput.one("to", f"hạn mới {vn_date(to)} quá xa: chậm nhất {today + EXTENSION_HORIZON:%d/%m/%Y}")
    new_deadline = plan.calendar.deadline(to)
    if new_deadline == row.deadline and row.deadline != row.original_deadline:
        raise Conflict(f"nhiệm vụ số {row.id} {PREEMPTED}: đã được gia hạn đến {row.deadline:%d/%m/%Y}")
    if new_deadline <= row.deadline:
        raise InvalidInput.one("to", f"hạn mới {new_deadline:%d/%m/%Y} phải sau hạn hiện tại {row.deadline:%d/%m/%Y}")
    reason = f"Gia hạn từ {row.deadline:%d/%m/%Y} đến {new_deadline:%d/%m/%Y}: {command.note}"
    row.deadline, row.escalation_level = new_deadline, -1
    set_state(session, row, State.OPEN, now=now, actor=actor, action="extend", reason=reason)
    _reschedule(session, row, plan, now)
    return save_decision(session, row)


def waive(session: Session, plan: Plan, actor: Actor, command: Waive, *, now: dt.datetime) -> Occurrence:
    row = begin_decision(session, plan, actor, Act.WAIVE, command.occurrence, command.expected_version)
    _close_submission(session, row, SubmissionDecision.WAIVE, command.note, now)
    set_state(session, row, State.WAIVED, now=now, actor=actor, action="waive", reason=command.note)
    row.closed_at, row.next_action_at = now, None
    return save_decision(session, row)


def open_case(session: Session, plan: Plan, actor: Actor, command: OpenCase, *, now: dt.datetime) -> Occurrence:
    duty = plan.duty(command.duty)  # UnknownCode, a refusal, for a code the plan does not hold
    plan.unit(command.unit)
    if duty.recurrence.every is not Every.CASE:
        raise Refused(f"nhiệm vụ '{duty.code}' không phải loại tiếp nhận hồ sơ (case)")
    today, received = local_date(now), command.received
    if not duty.active_on(received):  # a dated duty (III.1.3's follow-on) takes no case outside its window
        assert duty.active is not None
        raise Refused(f"nhiệm vụ '{duty.code}' chỉ áp dụng {duty.active.label}; "
                      f"không mở hồ sơ nhận ngày {received:%d/%m/%Y}")
    if received > today:
        raise InvalidInput.one("received", f"ngày nhận hồ sơ {vn_date(received)} chưa đến")
    if received < today - RECEIVED_HORIZON:
        raise InvalidInput.one("received", f"ngày nhận hồ sơ {vn_date(received)} quá xa: sớm nhất "
                               f"{today - RECEIVED_HORIZON:%d/%m/%Y}")
    unit = command.unit
    holders = {h for a in plan.assignees(duty) for h in plan.holders(a, today)}
    if unit not in plan.assignees(duty) and unit not in holders:
        raise Refused(f"đơn vị '{unit}' không phụ trách nhiệm vụ '{duty.code}'")
    authorize(plan, actor, Act.OPEN_CASE, owner=unit, what=f"nhiệm vụ '{duty.code}'")
    kinds = {k.code: k for k in duty.recurrence.case_kinds or []}
    kind = command.kind
    if kind is None and len(kinds) == 1:
        kind = next(iter(kinds))
    if kind not in kinds:
        raise InvalidInput.one("kind", f"loại hồ sơ '{kind}' không hợp lệ; chọn một trong: {', '.join(kinds)}")
    case = kinds[kind]
    deadline = case_deadline(plan.calendar, received, case.working_days)
    holder = plan.current_holder(unit, max(received, today))
    row = new_occurrence(
        session, plan, duty_code=duty.code, unit_code=holder, period_key=f"case:{command.ref}",
        period_label=f"hồ sơ {command.ref}", deadline=deadline, opened_at=now, now=now, actor=actor.name,
        role=actor.role.value, via=actor.via, case_kind=kind, case_ref=command.ref, received_on=received,
        reason=f"Tiếp nhận hồ sơ {command.ref} ({case.title}) ngày {received:%d/%m/%Y}, hạn {deadline:%d/%m/%Y}",
    )
    if row is None:
        raise Conflict(f"{PREEMPTED}: hồ sơ '{command.ref}' đã được mở cho nhiệm vụ '{duty.code}'")
    return row

