"""One engine pass: sync the plan, hand over succeeded units, open periods, advance what is due.

Decisions become rows (state changes, audit events, outbox notifications) in one transaction;
delivery is a separate step (``htx_tasks.delivery``). The pass touches only occurrences whose
indexed ``next_action_at`` has come, so it stays cheap however many occurrences are stored.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from sqlalchemy import Engine, Row, select, update
from sqlmodel import Session, col

from htx_tasks.briefing import held_for_briefing, record_briefing
from htx_tasks.core.lifecycle import ACTIVE, Event, Kind, Snapshot, State, advance, closes_at
from htx_tasks.core.policy import Assignment, Target
from htx_tasks.core.statuses import NotificationStatus, PlanStatus, SubmissionDecision
from htx_tasks.core.zones import local_date
from htx_tasks.opening import cursors, new_occurrence, open_batch, openings
from htx_tasks.plan.loader import Plan
from htx_tasks.store.db import session_scope
from htx_tasks.store.models import DutyRow, Occurrence, PlanRow, Submission, UnitRow
from htx_tasks.store.writes import (
    AUDIT_COLUMNS,
    ENGINE_ACTOR,
    NOTIFICATION_COLUMNS,
    OCCURRENCE,
    UPDATE_COLUMNS,
    Columns,
    audit,
    columns,
    insert_audits,
    insert_notifications,
    update_occurrences,
)

log = logging.getLogger(__name__)
BATCH = 2000  # occurrences advanced per transaction
OPEN_BATCH = 500  # occurrences opened per transaction
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
Plans = Mapping[str, Plan]  # plans by code: a due row is advanced under its own plan


def by_code(plans: Plan | Plans) -> Plans:
    return {plans.meta.code: plans} if isinstance(plans, Plan) else plans


def run_pass(engine: Engine, plan: Plan | Sequence[Plan], now: dt.datetime, *, units: set[str] | None = None,
             progress: Progress | None = None) -> PassResult:
    """One complete pass at ``now`` over a plan, or over every plan given (the office's pass);
    ``units`` limits it to those units' occurrences.

    Each plan is mirrored and opens its own periods; a draft or closed plan does neither. The due
    rows of all the active plans are then advanced together, each under its own plan, in one
    indexed read per batch: the cost follows what is due, not how many plans there are.

    Work is committed in batches (``OPEN_BATCH`` openings, ``BATCH`` advances), so memory stays
    flat however long the gap since the last pass; a pass cut short (the database went away)
    keeps what it committed, and the next pass carries on from there. ``progress`` is called
    after each batch.
    """
    plans = [plan] if isinstance(plan, Plan) else list(plan)
    result = PassResult(now=now)
    with session_scope(engine) as session:
        statuses = {each.meta.code: sync_plan(session, each) for each in plans}
        # units are the office's: one plan's directory moves every plan's work of a succeeded unit
        result.transferred = transfer_succeeded(session, plans[0], now)
    # a draft is not followed yet, a closed plan no more
    active = {each.meta.code: each for each in plans if statuses[each.meta.code] is PlanStatus.ACTIVE}
    if not active:
        return result
    for each in active.values():
        stream = openings(each, now, units, cursors(engine, each.meta.code), result.not_opened)
        while True:
            with session_scope(engine) as session:
                opened, more = open_batch(session, each, now, stream, limit=OPEN_BATCH)
            result.opened += opened
            if progress and (more or result.opened):
                progress(result)
            if not more:
                break
    while True:
        with session_scope(engine) as session:
            done = advance_due(session, active, now, result, units=units)
        if progress and done:
            progress(result)
        if done < BATCH:
            break
    for each in active.values():  # each plan's weekly briefing, recorded once when its time has come
        with session_scope(engine) as session:
            result.notifications += record_briefing(session, each, now)
    return result


def sync_plan(session: Session, plan: Plan) -> PlanStatus:
    """Mirror the plan, its units and duties into the database so reports and joins can name
    them; returns where the plan stands. A plan seen for the first time starts in the status its
    configuration gives; after that the stored status rules (``plan activate``, ``plan close``)."""
    stored_plan = session.get(PlanRow, plan.meta.code)
    title, document = plan.meta.short_title, plan.meta.document or plan.meta.issuer
    if stored_plan is None:
        stored_plan = PlanRow(code=plan.meta.code, title=title, document=document, status=plan.meta.status)
        session.add(stored_plan)
    elif (stored_plan.title, stored_plan.document) != (title, document):
        stored_plan.title, stored_plan.document = title, document
        session.add(stored_plan)
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
            plan_code=plan.meta.code,
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
        (type(row), getattr(row, "plan_code", None), row.code): row.model_dump()
        for model in (UnitRow, DutyRow)
        for row in session.execute(select(model)).scalars()
    }
    for row in wanted:  # write only what changed: a pass usually writes nothing here
        if stored.get((type(row), getattr(row, "plan_code", None), row.code)) != row.model_dump():
            session.merge(row)
    session.flush()
    return PlanStatus(stored_plan.status)


def transfer_succeeded(session: Session, plan: Plan, now: dt.datetime) -> int:
    """Move the open occurrences of units succeeded by ``now`` to their successors, history kept:
    in every plan (units are shared), each moved row staying in its own plan.

    Every occurrence written is locked first (PostgreSQL: ``FOR UPDATE SKIP LOCKED``; SQLite
    transactions are serial): one a person is deciding on at this moment is left for the next
    pass, never overwritten (a decision committed meanwhile would otherwise fail the pass).
    """
    today = local_date(now)
    postgres = session.get_bind().dialect.name == "postgresql"
    moved = 0
    for unit in plan.source.units:
        if unit.successor is None or unit.successor.on > today:
            continue
        holders = plan.holders(unit.code, today)  # a split: the main holder first, then the others
        holder = holders[0]
        query = select(Occurrence).where(
            OCCURRENCE.c.unit_code == unit.code,
            OCCURRENCE.c.state.in_([s.value for s in (*ACTIVE, State.SUBMITTED)]),
        ).execution_options(populate_existing=True)
        if postgres:  # overlapping passes move each row once
            query = query.with_for_update(skip_locked=True)
        for old in session.execute(query).scalars().all():
            submitted = old.state == State.SUBMITTED.value
            target = None
            if submitted:  # the successor may owe the same report already: the report joins it
                target, busy = _successor_row(session, old, holder, postgres)
                if busy:
                    continue
            reason = (
                f"Chuyển từ {plan.unit_name(unit.code)} sang {', '.join(plan.unit_name(h) for h in holders)} "
                f"từ ngày {unit.successor.on:%d/%m/%Y}" + (f" ({unit.successor.why})" if unit.successor.why else "")
            )
            audit(session, occurrence_id=old.id, at=now, actor=ENGINE_ACTOR, action="succeed",
                  from_state=old.state, to_state=State.SUCCEEDED.value, reason=reason)
            copy = None if target is not None else new_occurrence(
                session, plan, plan_code=old.plan_code, duty_code=old.duty_code, unit_code=holder, period_key=old.period_key,
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
            elif target is not None:
                _join_submission(session, old, target, now, reason)
            if not submitted:  # a split: each other unit owes the open work too (a report made goes to the first)
                moved += sum(_share(session, plan, old, other, now, reason) for other in holders[1:])
    session.flush()
    return moved


def _share(session: Session, plan: Plan, old: Occurrence, unit_code: str, now: dt.datetime, reason: str) -> bool:
    """A split: ``unit_code`` takes its own copy of ``old``'s open work, where the unit stood."""
    copy = new_occurrence(
        session, plan, plan_code=old.plan_code, duty_code=old.duty_code, unit_code=unit_code, period_key=old.period_key,
        period_label=old.period_label, deadline=old.deadline, opened_at=now, now=now, reason=reason,
        original_deadline=old.original_deadline, case_kind=old.case_kind, case_ref=old.case_ref,
        received_on=old.received_on, predecessor_id=old.id,
    )
    if copy is None:  # it owes this period already
        return False
    copy.escalation_level, copy.last_action_at, copy.next_action_at = old.escalation_level, old.last_action_at, now
    session.add(copy)
    return True


def _successor_row(session: Session, old: Occurrence, holder: str, postgres: bool) -> tuple[Occurrence | None, bool]:
    """The successor's own occurrence of ``old``'s duty and period, locked, if it has one; and
    whether a person's decision holds its lock right now (PostgreSQL)."""
    c = OCCURRENCE.c
    where = (c.plan_code == old.plan_code, c.duty_code == old.duty_code, c.unit_code == holder,
             c.period_key == old.period_key)
    query = select(Occurrence).where(*where).execution_options(populate_existing=True)
    if postgres:
        query = query.with_for_update(skip_locked=True)
    target = session.execute(query).scalars().first()
    busy = target is None and postgres and session.execute(select(c.id).where(*where)).first() is not None
    return target, busy


def _move_pending_submissions(session: Session, old: Occurrence, new: Occurrence) -> None:
    """A report still awaiting review follows its obligation to the successor."""
    session.execute(
        update(Submission)
        .where(col(Submission.occurrence_id) == old.id, col(Submission.decision) == SubmissionDecision.PENDING)
        .values(occurrence_id=new.id)
    )


def _join_submission(session: Session, old: Occurrence, target: Occurrence, now: dt.datetime, reason: str) -> None:
    """Merged into a unit that owes the same report: its open obligation takes the pending report."""
    if not State(target.state).active:
        return
    _move_pending_submissions(session, old, target)
    audit(session, occurrence_id=target.id, at=now, actor=ENGINE_ACTOR, action="submit",
          from_state=target.state, to_state=State.SUBMITTED.value,
          reason=f"Nhận báo cáo chờ duyệt của nhiệm vụ số {old.id}. {reason}")
    target.state, target.submitted_at, target.next_action_at = State.SUBMITTED.value, old.submitted_at, None
    session.add(target)


def recipients(plan: Plan, event: Event, row: Occurrence | Row, today: dt.date) -> list[str]:
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


def snapshot_of(row: Occurrence | Row, plan: Plan | None = None) -> Snapshot:
    """What the lifecycle needs of a row; with ``plan``, also when it closes as missed."""
    closing = None
    if plan is not None:
        policy = plan.policy_for(row.duty_code, row.unit_code)
        closing = closes_at(row.deadline, plan.next_due(row.duty_code, row.period_key), policy)
    return Snapshot(
        opened_at=row.opened_at, deadline=row.deadline, state=State(row.state),
        escalation_level=row.escalation_level, last_action_at=row.last_action_at,
        submitted_at=row.submitted_at, closes_at=closing,
    )


DUE_COLUMNS = tuple(OCCURRENCE.c[name] for name in (  # what advancing needs of a due row
    "id", "plan_code", "duty_code", "unit_code", "opened_at", "deadline", "state", "escalation_level",
    "last_action_at", "submitted_at", "version", "period_key",
))


def advance_due(session: Session, plan: Plan | Plans, now: dt.datetime, result: PassResult,
                *, units: set[str] | None = None) -> int:
    """Advance up to BATCH occurrences of the given plans whose next action time has come; returns
    how many. Each row is advanced under its own plan's policy; other plans' rows are not read.

    The due rows are read as plain rows (no ORM objects) and written back column-wise in three
    statements: audit lines, outbox rows, occurrence updates (``htx_tasks.store.writes``).
    """
    c = OCCURRENCE.c
    query = (
        select(*DUE_COLUMNS)
        .where(c.next_action_at.is_not(None), c.next_action_at <= now)
        .where(c.plan_code.in_(sorted(by_code(plan))))
        .order_by(c.next_action_at, c.id)
        .limit(BATCH)
    )
    if units is not None:
        query = query.where(c.unit_code.in_(sorted(units)))
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    rows = session.execute(query).all()
    advances = plan_advances(plan, rows, now, result)
    result.advanced += len(rows)
    result.notifications += write_advances(session, advances, now)
    return len(rows)


@dataclass
class Advances:
    """What advancing a batch of due occurrences writes, one list per column."""

    updates: Columns = field(default_factory=lambda: columns(UPDATE_COLUMNS))
    audits: Columns = field(default_factory=lambda: columns(AUDIT_COLUMNS))
    outbox: Columns = field(default_factory=lambda: columns(NOTIFICATION_COLUMNS))
    closed: list[int] = field(default_factory=list)  # closed by the clock (missed): their closing time is set


def plan_advances(plan: Plan | Plans, rows: Sequence[Row], now: dt.datetime, result: PassResult) -> Advances:
    """The lifecycle applied to due rows at ``now``, each under its own plan: new states and times,
    clock audit lines for the state changes, outbox rows. Pure: nothing is read or written here."""
    out = Advances()
    plans = by_code(plan)
    notices = _Notices(plans, now, out.outbox, result)
    for row in rows:
        try:
            own = plans[row.plan_code]
            step = advance(snapshot_of(row, own), own.policy_for(row.duty_code, row.unit_code), own.calendar, now)
        except Exception as exc:  # one bad item never stops a pass
            log.exception("occurrence %s could not be advanced", row.id)
            result.failed.append((row.id, str(exc)))
            _append(out.updates, row.id, row.version, row.state, row.escalation_level, row.last_action_at, None)
            continue
        if step.due:
            notices.add(row, step.due)
        if step.state.value != row.state:
            _append(out.audits, row.id, row.state, step.state.value,
                    state_reason(step.state, row, plans[row.plan_code]))
            if step.state is State.MISSED:
                out.closed.append(row.id)
        _append(out.updates, row.id, row.version, step.state.value, step.escalation_level, step.last_action_at,
                step.next_action_at)
    return out


def _append(cols: Columns, *values: object) -> None:
    for values_of_column, value in zip(cols.values(), values, strict=True):
        values_of_column.append(value)


class _Notices:
    """Outbox rows for the events due, one per event and recipient, appended column-wise.

    A catch-up over months of overdue would record every weekly repeat of the gap; the newest
    one says it all (its number counts the others), so only it is recorded. Of several events
    caught up for one recipient only the newest is delivered; the older ones are kept as
    ``superseded``, so the trail stays complete.
    """

    def __init__(self, plans: Plans, now: dt.datetime, outbox: Columns, result: PassResult) -> None:
        self.plans, self.now, self.today, self.result = plans, now, local_date(now), result
        self.columns = [outbox[c].append for c in NOTIFICATION_COLUMNS]
        self.told: dict[tuple, list[str]] = {}  # recipients by (kind, level, target, unit, plan, duty): few per pass

    def add(self, row: Row, due: list[Event]) -> None:
        newest_repeat = max((e.at for e in due if e.kind is Kind.REPEAT), default=None)
        told: list[tuple[Event, str]] = []
        for event in due:
            if event.kind is Kind.REPEAT and event.at != newest_repeat:
                self.result.repeats_folded += 1
                continue
            self.result.events[event.kind.value] += 1
            key = (event.kind, event.level, event.target, row.unit_code, row.plan_code, row.duty_code)
            if key not in self.told:  # leadership's own notices wait for the weekly briefing
                own = self.plans[row.plan_code]
                self.told[key] = [r for r in recipients(own, event, row, self.today)
                                  if not held_for_briefing(own, r, row.duty_code, row.unit_code)]
            told += ((event, recipient) for recipient in self.told[key])
        newest: dict[str, dt.datetime] = {}
        for event, recipient in told:
            if recipient not in newest or event.at > newest[recipient]:
                newest[recipient] = event.at
        occurrence, kind, level, detail, due_at, to, created, status, next_attempt = self.columns
        for event, recipient in told:
            current = event.at == newest[recipient]
            occurrence(row.id)
            kind(event.kind.value)
            level(event.level)
            detail(event.detail)
            due_at(event.at)
            to(recipient)
            created(self.now)
            status(NotificationStatus.PENDING if current else NotificationStatus.SUPERSEDED)
            next_attempt(event.at if current else None)


def write_advances(session: Session, advances: Advances, now: dt.datetime) -> int:
    """Write what ``plan_advances`` decided; returns how many outbox rows were new."""
    insert_audits(session, advances.audits, at=now, actor=ENGINE_ACTOR, action="clock")
    inserted = insert_notifications(session, advances.outbox)
    update_occurrences(session, advances.updates)
    for start in range(0, len(advances.closed), 500):
        session.execute(update(Occurrence).where(col(Occurrence.id).in_(advances.closed[start:start + 500]))
                        .values(closed_at=now).execution_options(synchronize_session=False))
    return inserted


def state_reason(state: State, row: Occurrence | Row, plan: Plan | None = None) -> str:
    if state is State.MISSED:
        following = plan.next_due(row.duty_code, row.period_key) if plan else None
        when = f" (hạn {following:%d/%m/%Y})" if following else ""
        return f"Không báo cáo: đã đến hạn báo cáo kỳ sau{when}; kỳ này thôi đôn đốc"
    if state in (State.OVERDUE, State.ESCALATED):
        return f"Quá hạn {row.deadline:%d/%m/%Y}"
    if state is State.DUE_SOON:
        return f"Sắp đến hạn {row.deadline:%d/%m/%Y}"
    return f"Hạn {row.deadline:%d/%m/%Y}"


def record_notifications(session: Session, rows: list[dict]) -> int:
    """Insert outbox rows given one dict each; one already recorded under the same key is left
    as it is. Of several rows of one occurrence and recipient only the newest stays pending."""
    if not rows:
        return 0
    newest: dict[tuple, dt.datetime] = {}
    for row in rows:
        key = (row["occurrence_id"], row["recipient"])
        newest[key] = max(newest.get(key, row["due_at"]), row["due_at"])
    outbox = columns(NOTIFICATION_COLUMNS)
    for row in rows:
        current = row["due_at"] == newest[(row["occurrence_id"], row["recipient"])]
        _append(outbox, *(row[c] for c in NOTIFICATION_COLUMNS[:-2]), row["status"] if current else NotificationStatus.SUPERSEDED,
                row["next_attempt_at"] if current else None)
    return insert_notifications(session, outbox)
