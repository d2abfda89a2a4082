"""One engine pass: sync the plan, hand over succeeded units, open periods, advance what is due.

Decisions become rows (state changes, audit events, outbox notifications) in one transaction;
delivery is a separate step (``htx_tasks.delivery``). The pass touches only occurrences whose
indexed ``next_action_at`` has come, so it stays cheap however many occurrences are stored.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import Engine, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from htx_tasks.clock import local_date
from htx_tasks.core.lifecycle import ACTIVE, Event, Kind, Snapshot, State, advance
from htx_tasks.opening import ENGINE_ACTOR, cursors, new_occurrence, open_batch, openings
from htx_tasks.plan.loader import Plan
from htx_tasks.plan.schema import Assignment, Target
from htx_tasks.store.db import session_scope
from htx_tasks.store.models import DutyRow, Notification, Occurrence, Submission, UnitRow
from htx_tasks.store.writes import audit

log = logging.getLogger(__name__)
BATCH = 2000  # occurrences advanced per transaction
OPEN_BATCH = 500  # occurrences opened per transaction
FLUSH_EVERY = 200  # occurrences advanced between two writes of their outbox rows (same transaction)
COORDINATOR, LEADERSHIP = Target.COORDINATOR.value, Target.LEADERSHIP.value  # recipient tags of the roles


@dataclass
class PassResult:
    """What one pass did, for logs, the CLI and the flows."""

    now: dt.datetime
    opened: int = 0
    advanced: int = 0
    notifications: int = 0
    transferred: int = 0
    not_opened: list[str] = field(default_factory=list)  # periods born too close to their deadline
    failed: list[tuple[int, str]] = field(default_factory=list)
    events: Counter = field(default_factory=Counter)
    repeats_folded: int = 0  # weekly repeats of one item that fell in one catch-up, kept as the newest


Progress = Callable[[PassResult], None]


def run_pass(engine: Engine, plan: Plan, now: dt.datetime, *, units: set[str] | None = None,
             progress: Progress | None = None) -> PassResult:
    """One complete pass at ``now``; ``units`` limits it to those units' occurrences.

    Work is committed in batches (``OPEN_BATCH`` openings, ``BATCH`` advances), so memory stays
    flat however long the gap since the last pass; a pass cut short (the database went away)
    keeps what it committed, and the next pass carries on from there. ``progress`` is called
    after each batch.
    """
    result = PassResult(now=now)
    with session_scope(engine) as session:
        sync_plan(session, plan)
        result.transferred = transfer_succeeded(session, plan, now)
    stream = openings(plan, now, units, cursors(engine), result.not_opened)
    while True:
        with session_scope(engine) as session:
            opened, more = open_batch(session, plan, now, stream, limit=OPEN_BATCH)
        result.opened += opened
        if progress and (more or result.opened):
            progress(result)
        if not more:
            break
    while True:
        with session_scope(engine) as session:
            done = advance_due(session, plan, now, result, units=units)
        if progress and done:
            progress(result)
        if done < BATCH:
            break
    return result


def sync_plan(session: Session, plan: Plan) -> None:
    """Mirror units and duties into the database so reports and joins can name them."""
    groups = {m: u.code for u in plan.source.units for m in (u.members or [])}
    wanted: list[UnitRow | DutyRow] = [
        UnitRow(
            code=unit.code,
            name=unit.name,
            kind=unit.kind.value,
            assignment=plan.assignment_of(unit.code).value,
            group_code=groups.get(unit.code),
            successor_code=unit.successor.unit if unit.successor else None,
            successor_on=unit.successor.on if unit.successor else None,
            ref=unit.ref,
        )
        for unit in plan.source.units
    ]
    wanted += [
        DutyRow(
            code=duty.code,
            ref=duty.ref,
            title=duty.title,
            unit_code=duty.unit,
            every=duty.recurrence.every.value,
            deliverable=duty.deliverable,
        )
        for duty in plan.source.duties
    ]
    stored = {
        (type(row), row.code): row.model_dump()
        for model in (UnitRow, DutyRow)
        for row in session.exec(select(model)).scalars()
    }
    for row in wanted:  # write only what changed: a pass usually writes nothing here
        if stored.get((type(row), row.code)) != row.model_dump():
            session.merge(row)
    session.flush()


def transfer_succeeded(session: Session, plan: Plan, now: dt.datetime) -> int:
    """Move the open occurrences of units succeeded by ``now`` to their successors, history kept."""
    today = local_date(now)
    moved = 0
    for unit in plan.source.units:
        if unit.successor is None or unit.successor.on > today:
            continue
        holder = plan.current_holder(unit.code, today)
        query = select(Occurrence).where(
            Occurrence.unit_code == unit.code,
            Occurrence.state.in_([s.value for s in (*ACTIVE, State.SUBMITTED)]),
        )
        if session.get_bind().dialect.name == "postgresql":  # overlapping passes move each row once
            query = query.with_for_update(skip_locked=True)
        rows = session.exec(query).scalars().all()
        for old in rows:
            reason = (
                f"Chuyển từ {plan.unit_name(unit.code)} sang {plan.unit_name(holder)} "
                f"từ ngày {unit.successor.on:%d/%m/%Y}" + (f" ({unit.successor.why})" if unit.successor.why else "")
            )
            audit(session, occurrence_id=old.id, at=now, actor=ENGINE_ACTOR, action="succeed",
                  from_state=old.state, to_state=State.SUCCEEDED.value, reason=reason)
            submitted = old.state == State.SUBMITTED.value
            copy = new_occurrence(
                session, plan, duty_code=old.duty_code, unit_code=holder, period_key=old.period_key,
                period_label=old.period_label, deadline=old.deadline, opened_at=now, now=now,
                reason=reason, original_deadline=old.original_deadline, case_kind=old.case_kind,
                case_ref=old.case_ref, received_on=old.received_on, predecessor_id=old.id,
            )
            old.state, old.closed_at, old.next_action_at = State.SUCCEEDED.value, now, None
            session.add(old)
            if copy is not None:
                # the successor carries on where the unit stood (deadline, level, progress) and is told
                # of it once: the occurrence opens for it now, so its "assigned" notice is due now
                copy.state = State.SUBMITTED.value if submitted else State.OPEN.value
                copy.escalation_level, copy.last_action_at = old.escalation_level, old.last_action_at
                copy.submitted_at = old.submitted_at
                copy.next_action_at = None if submitted else now
                session.add(copy)
                _move_pending_submissions(session, old, copy)
                moved += 1
            elif submitted:  # the successor has the same duty and period already: the report joins it
                _join_submission(session, plan, old, holder, now, reason)
    session.flush()
    return moved


def _move_pending_submissions(session: Session, old: Occurrence, new: Occurrence) -> None:
    """A report still awaiting review follows its obligation to the successor."""
    session.execute(
        update(Submission)
        .where(Submission.occurrence_id == old.id, Submission.decision == "pending")
        .values(occurrence_id=new.id)
    )


def _join_submission(session: Session, plan: Plan, old: Occurrence, holder: str, now: dt.datetime,
                     reason: str) -> None:
    """Merged into a unit that owes the same report: its open obligation takes the pending report."""
    target = session.exec(
        select(Occurrence).where(
            Occurrence.duty_code == old.duty_code, Occurrence.unit_code == holder,
            Occurrence.period_key == old.period_key,
        )
    ).scalars().first()
    if target is None or not State(target.state).active:
        return
    _move_pending_submissions(session, old, target)
    audit(session, occurrence_id=target.id, at=now, actor=ENGINE_ACTOR, action="submit",
          from_state=target.state, to_state=State.SUBMITTED.value,
          reason=f"Nhận báo cáo chờ duyệt của nhiệm vụ số {old.id}. {reason}")
    target.state, target.submitted_at, target.next_action_at = State.SUBMITTED.value, old.submitted_at, None
    session.add(target)


def recipients(plan: Plan, event: Event, row: Occurrence, today: dt.date) -> list[str]:
    """Who hears of an event: always the unit; escalations also the level's target (never the
    unit itself again); the assignment and the first overdue notice also the coordinating units,
    as copies."""
    out = [row.unit_code]
    if event.target is Target.COORDINATOR:
        out.append(COORDINATOR)
    elif event.target is Target.LEADERSHIP:
        out.extend([COORDINATOR, LEADERSHIP])
    out = [r for r in out if r == row.unit_code or plan.role_unit(Target(r)) != row.unit_code]
    if event.kind is Kind.ESCALATION and plan.assignment_of(row.unit_code) is Assignment.REQUEST:
        out.remove(row.unit_code)  # a request past its date: the organisation hears once, the coordinator liaises
    if event.kind is Kind.ASSIGNED or (event.kind is Kind.OVERDUE and event.level == 0):
        out += plan.copy_recipients(row.duty_code, row.unit_code, today)
    return out


def snapshot_of(row: Occurrence) -> Snapshot:
    return Snapshot(
        opened_at=row.opened_at, deadline=row.deadline, state=State(row.state),
        escalation_level=row.escalation_level, last_action_at=row.last_action_at,
        submitted_at=row.submitted_at,
    )


def advance_due(session: Session, plan: Plan, now: dt.datetime, result: PassResult,
                *, units: set[str] | None = None) -> int:
    """Advance up to BATCH occurrences whose next action time has come; returns how many."""
    query = (
        select(Occurrence)
        .where(Occurrence.next_action_at.is_not(None), Occurrence.next_action_at <= now)
        .order_by(Occurrence.next_action_at, Occurrence.id)
        .limit(BATCH)
    )
    if units is not None:
        query = query.where(Occurrence.unit_code.in_(sorted(units)))
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    rows = session.exec(query).scalars().all()
    outbox: list[dict] = []
    for done, row in enumerate(rows):
        if done and done % FLUSH_EVERY == 0:  # outbox rows and audit lines of a long gap add up: write them
            result.notifications += record_notifications(session, outbox)
            outbox = []
            session.flush()
        try:
            step = advance(snapshot_of(row), plan.policy_for(row.duty_code, row.unit_code), plan.calendar, now)
        except Exception as exc:  # one bad item never stops a pass
            log.exception("occurrence %s could not be advanced", row.id)
            result.failed.append((row.id, str(exc)))
            row.next_action_at = None
            session.add(row)
            continue
        # a catch-up over months of overdue would record every weekly repeat of the gap; the
        # newest one says it all (its number counts the others), so only it is recorded
        newest_repeat = max((e.at for e in step.due if e.kind is Kind.REPEAT), default=None)
        for event in step.due:
            if event.kind is Kind.REPEAT and event.at != newest_repeat:
                result.repeats_folded += 1
                continue
            result.events[event.kind.value] += 1
            for recipient in recipients(plan, event, row, local_date(now)):
                outbox.append(dict(
                    occurrence_id=row.id, kind=event.kind.value, level=event.level, detail=event.detail,
                    due_at=event.at, recipient=recipient, created_at=now, status="pending",
                    attempts=0, next_attempt_at=event.at,
                ))
        if step.state.value != row.state:
            audit(session, occurrence_id=row.id, at=now, actor=ENGINE_ACTOR, action="clock",
                  from_state=row.state, to_state=step.state.value, reason=state_reason(step.state, row))
        row.state = step.state.value
        row.escalation_level = step.escalation_level
        row.last_action_at = step.last_action_at
        row.next_action_at = step.next_action_at
        session.add(row)
    result.advanced += len(rows)
    result.notifications += record_notifications(session, outbox)
    session.flush()
    return len(rows)


def state_reason(state: State, row: Occurrence) -> str:
    if state in (State.OVERDUE, State.ESCALATED):
        return f"Quá hạn {row.deadline:%d/%m/%Y}"
    if state is State.DUE_SOON:
        return f"Sắp đến hạn {row.deadline:%d/%m/%Y}"
    return f"Hạn {row.deadline:%d/%m/%Y}"


def record_notifications(session: Session, rows: list[dict]) -> int:
    """Insert outbox rows; one already recorded under the same key is left as it is.

    When a pass catches up several events of one occurrence for the same recipient, only the
    newest is delivered; the older ones are kept as ``superseded`` so the trail stays complete
    (all but repeats: of those only the newest is recorded, see ``advance_due``).
    """
    if not rows:
        return 0
    newest: dict[tuple, dt.datetime] = {}
    for row in rows:
        key = (row["occurrence_id"], row["recipient"])
        newest[key] = max(newest.get(key, row["due_at"]), row["due_at"])
    for row in rows:
        if row["due_at"] < newest[(row["occurrence_id"], row["recipient"])]:
            row["status"] = "superseded"
            row["next_attempt_at"] = None
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(Notification).on_conflict_do_nothing(
        index_elements=["occurrence_id", "kind", "level", "due_at", "recipient"]
    ).returning(Notification.id)
    return len(session.connection().execute(stmt, rows).all())
