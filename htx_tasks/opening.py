"""Opening periods: which periods of which duties are begun and not opened yet, and opening them.

A stream of openings is computed lazily from the plan (recurrence, ``active`` windows, lead
time, successions) and the per-(duty, unit) cursors; ``open_batch`` inserts a bounded part of it
per transaction. Inserting is idempotent (unique duty × unit × period), so overlapping passes and
reruns open each period once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterator

from sqlalchemy import Engine, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col

from htx_tasks.core import wording
from htx_tasks.core.lifecycle import State
from htx_tasks.core.recurrence import Every, Period, periods_opening
from htx_tasks.core.zones import at_local, local_date
from htx_tasks.plan.loader import Plan
from htx_tasks.store.db import session_scope
from htx_tasks.store.models import Occurrence, OpeningCursor
from htx_tasks.store.writes import ENGINE_ACTOR, audit

# one step of the opening stream: a period to open for (duty, holder), or a cursor to move
Opening = tuple[str, str, str, Period | None]


def new_occurrence(
    session: Session, plan: Plan, *, duty_code: str, unit_code: str, period_key: str,
    period_label: str, deadline: dt.date, opened_at: dt.datetime, now: dt.datetime,
    actor: str = ENGINE_ACTOR, reason: str | None = None, role: str = "system", via: str | None = None,
    **extra,
) -> Occurrence | None:
    """Insert an occurrence of ``plan`` (or of ``plan_code``, a row moved to a successor) unless it
    exists already (unique plan × duty × unit × period)."""
    values = dict(
        plan_code=extra.pop("plan_code", None) or plan.meta.code,
        duty_code=duty_code, unit_code=unit_code, period_key=period_key, period_label=period_label,
        deadline=deadline, original_deadline=extra.pop("original_deadline", deadline),
        opened_at=opened_at, state=State.OPEN.value, next_action_at=opened_at, **extra,
    )
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(Occurrence).values(**values).on_conflict_do_nothing(
        index_elements=["plan_code", "duty_code", "unit_code", "period_key"]
    ).returning(col(Occurrence.id))
    new_id = session.execute(stmt).scalar()
    if new_id is None:
        return None
    audit(session, occurrence_id=new_id, at=now, actor=actor, action="open", to_state=State.OPEN.value,
          reason=reason or f"Mở kỳ {period_label}, hạn {deadline:%d/%m/%Y}", role=role, via=via)
    return session.get(Occurrence, new_id)


def cursors(engine: Engine, plan_codes: Collection[str]) -> dict[str, dict[tuple[str, str], dt.date]]:
    """How far each (duty, unit) of each plan has been opened, by plan code: one read for all."""
    c = OpeningCursor.metadata.tables["opening_cursor"].c
    out: dict[str, dict[tuple[str, str], dt.date]] = {code: {} for code in plan_codes}
    with session_scope(engine) as session:
        query = select(c.plan_code, c.duty_code, c.unit_code, c.opened_through).where(c.plan_code.in_(sorted(out)))
        for plan_code, duty_code, unit_code, opened_through in session.execute(query):
            out[plan_code][(duty_code, unit_code)] = opened_through
    return out


def openings(plan: Plan, now: dt.datetime, units: set[str] | None,
             cursors: dict[tuple[str, str], dt.date], not_opened: list[str]) -> Iterator[Opening]:
    """Every period begun by ``now`` and not opened yet, oldest first per duty and assignee, each
    pair followed by its cursor move; lazily, so a decade of periods is never held at once.

    Periods outside a duty's ``active`` window are never opened. When a duty is first followed
    for a unit (tracking starts, a duty or unit is added), a period whose deadline falls within
    the lead time is not opened (listed in ``not_opened``): nobody is handed work already late.
    """
    today = local_date(now)
    tracking_from = plan.meta.tracking_from
    for duty in plan.source.duties:
        if duty.recurrence.every is Every.CASE:
            continue
        for assignee in plan.assignees(duty):
            # whoever holds the duty today: a unit succeeded since the period began is not told; a
            # unit split in several: each of them
            holders = plan.holders(assignee, today)
            if units is not None and not units.intersection(holders):
                continue
            first_seen = (duty.code, assignee) not in cursors
            after = cursors.get((duty.code, assignee), tracking_from - dt.timedelta(days=400))
            if after >= today:
                continue
            born = max(today, tracking_from) + dt.timedelta(days=plan.lead_days(duty.code, assignee))
            for period in periods_opening(duty.recurrence, plan.calendar, after, today):
                if period.due < tracking_from or (duty.active and not duty.active.covers(period.start, period.end)):
                    continue
                if first_seen and period.due < born:
                    which = wording.period_line(period.label)  # empty for a one-off duty
                    which = f" kỳ {period.label}" if which.startswith("Kỳ") else (f" {which}" if which else "")
                    not_opened.append(f"{duty.ref} {plan.unit_name(assignee)}{which} (hạn {period.due:%d/%m/%Y})")
                    continue
                for holder in holders:
                    yield duty.code, assignee, holder, period
            yield duty.code, assignee, holders[0], None


def open_batch(session: Session, plan: Plan, now: dt.datetime, stream: Iterator[Opening], *,
               limit: int) -> tuple[int, bool]:
    """Open up to ``limit`` periods from the stream; returns (opened, whether more may follow)."""
    opened = 0
    for duty_code, assignee, holder, period in stream:
        if period is None:
            _advance_cursor(session, plan.meta.code, duty_code, assignee, local_date(now))
            continue
        occurrence = new_occurrence(
            session, plan, duty_code=duty_code, unit_code=holder, period_key=period.key,
            period_label=period.label, deadline=period.due, opened_at=_open_at(plan, period), now=now,
        )
        opened += occurrence is not None
        if opened >= limit:
            session.flush()
            return opened, True
    session.flush()
    return opened, False


def _open_at(plan: Plan, period: Period) -> dt.datetime:
    return at_local(max(period.opens, plan.meta.tracking_from))


def _advance_cursor(session: Session, plan_code: str, duty_code: str, unit_code: str, today: dt.date) -> None:
    """Upsert: two passes that both found no cursor must not collide on its key."""
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    stmt = insert(OpeningCursor).values(plan_code=plan_code, duty_code=duty_code, unit_code=unit_code,
                                        opened_through=today)
    session.execute(stmt.on_conflict_do_update(
        index_elements=["plan_code", "duty_code", "unit_code"], set_={"opened_through": stmt.excluded.opened_through}
    ))
