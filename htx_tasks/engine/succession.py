"""Handing over: the open work of a unit succeeded (merged, split, renamed) moves to its successors."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update
from sqlmodel import Session, col

from htx_tasks.core.lifecycle import ACTIVE, State
from htx_tasks.core.statuses import SubmissionDecision
from htx_tasks.core.zones import local_date
from htx_tasks.opening import new_occurrence
from htx_tasks.plan.loader import Plan
from htx_tasks.store.models import Occurrence, Submission
from htx_tasks.store.writes import ENGINE_ACTOR, OCCURRENCE, audit


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
        query = (
            select(Occurrence)
            .where(
                OCCURRENCE.c.unit_code == unit.code,
                OCCURRENCE.c.state.in_([s.value for s in (*ACTIVE, State.SUBMITTED)]),
            )
            .execution_options(populate_existing=True)
        )
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
            audit(
                session,
                occurrence_id=old.id,
                at=now,
                actor=ENGINE_ACTOR,
                action="succeed",
                from_state=old.state,
                to_state=State.SUCCEEDED.value,
                reason=reason,
            )
            copy = None if target is not None else _copy(session, plan, old, holder, now, reason)
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
    copy = _copy(session, plan, old, unit_code, now, reason)
    if copy is None:  # it owes this period already
        return False
    copy.escalation_level, copy.last_action_at, copy.next_action_at = old.escalation_level, old.last_action_at, now
    session.add(copy)
    return True


def _copy(session: Session, plan: Plan, old: Occurrence, unit_code: str, now: dt.datetime, reason: str) -> Occurrence | None:
    """``old``'s duty and period, opened now for ``unit_code`` in ``old``'s plan (None: it has it already)."""
    return new_occurrence(
        session,
        plan,
        plan_code=old.plan_code,
        duty_code=old.duty_code,
        unit_code=unit_code,
        period_key=old.period_key,
        period_label=old.period_label,
        deadline=old.deadline,
        opened_at=now,
        now=now,
        reason=reason,
        original_deadline=old.original_deadline,
        case_kind=old.case_kind,
        case_ref=old.case_ref,
        received_on=old.received_on,
        predecessor_id=old.id,
    )


def _successor_row(session: Session, old: Occurrence, holder: str, postgres: bool) -> tuple[Occurrence | None, bool]:
    """The successor's own occurrence of ``old``'s duty and period, locked, if it has one; and
    whether a person's decision holds its lock right now (PostgreSQL)."""
    c = OCCURRENCE.c
    where = (c.plan_code == old.plan_code, c.duty_code == old.duty_code, c.unit_code == holder, c.period_key == old.period_key)
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
    audit(
        session,
        occurrence_id=target.id,
        at=now,
        actor=ENGINE_ACTOR,
        action="submit",
        from_state=target.state,
        to_state=State.SUBMITTED.value,
        reason=f"Nhận báo cáo chờ duyệt của nhiệm vụ số {old.id}. {reason}",
    )
    target.state, target.submitted_at, target.next_action_at = State.SUBMITTED.value, old.submitted_at, None
    session.add(target)
