"""The office's pass over many plans: its database work follows what is due, not how many plans
there are (SQLite and PostgreSQL). Statements are counted, never timed (bench/sweep.py times it)."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from sqlalchemy import Engine, event
from sqlmodel import Session, select
from test_plans import D, M, other_plan

from htx_tasks.briefing import record_briefings
from htx_tasks.core.zones import at_local
from htx_tasks.engine import base, run_pass, sync_plan
from htx_tasks.plan.loader import Plan
from htx_tasks.services.passes import init_database
from htx_tasks.store.db import session_scope
from htx_tasks.store.models import AuditEvent, DutyRow, Notification, Occurrence, OpeningCursor, PlanRow, UnitRow


def statements(engine: Engine, plans: list[Plan], now) -> list[str]:  # noqa: ANN001
    """Every statement one pass sends to the database."""
    seen: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany) -> None:  # noqa: ANN001
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        run_pass(engine, plans, now)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return seen


def office(plan: Plan, size: int) -> list[Plan]:
    """The seed plan and ``size - 1`` others over the same units, taking turns between two policies."""
    return [plan, *(other_plan(plan, code=f"ke-hoach-{i}", **({"reminder_days": [0]} if i % 2 else {})) for i in range(1, size))]


def test_a_pass_with_nothing_due_sends_as_many_statements_for_eight_plans_as_for_two(
    db_engine: Engine, another_db_engine, plan: Plan
) -> None:
    """Mirroring the plans, their opening cursors and the weekly briefing's check are one read each
    for all plans; a plan with nothing to open or advance costs no statement of its own."""
    counts, quiet = {}, {}
    for engine, size in ((db_engine, 2), (another_db_engine(), 8)):
        plans = office(plan, size)
        run_pass(engine, plans, M("2026-11-02"))
        # Monday at work_start: every plan's briefing is due, but nothing is past its term yet, so
        # none is recorded and each pass of the week checks them all again
        calm = statements(engine, plans, M("2026-11-02"))
        assert not written(calm)
        assert [s for s in calm if "FROM occurrence" in s and "deadline" in s]  # the briefing's check ran
        quiet[size] = len(calm)
        first = run_pass(engine, plans, M("2027-01-05"))  # opens, advances, records each plan's briefing
        assert first.opened and first.advanced and first.notifications
        again = statements(engine, plans, M("2027-01-05"))  # the same moment: nothing new is due
        assert not written(again)
        counts[size] = len(again)
    assert counts[8] == counts[2], counts
    assert quiet[8] == quiet[2], quiet


def written(seen: list[str]) -> list[str]:
    return [s for s in seen if s.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]


def briefings(engine: Engine) -> Counter:
    with Session(engine) as session:
        occ = {o.id: (o.plan_code, o.duty_code, o.unit_code, o.period_key) for o in session.exec(select(Occurrence))}
        return Counter(
            (occ.get(n.occurrence_id), n.kind, n.level, n.due_at, n.recipient, n.subject)
            for n in session.exec(select(Notification))
            if n.recipient == "leadership" or n.subject
        )


def test_the_briefings_of_several_plans_recorded_together_are_those_each_plan_records_alone(
    db_engine: Engine, another_db_engine, plan: Plan
) -> None:
    """Each plan keeps its own briefing day and its own "since the previous briefing", though all
    plans' briefings are checked in the same reads: three plans passed together (one briefed on
    Wednesday afternoon) leave the rows they leave when each passes alone."""
    plans = [
        plan,
        other_plan(plan, code="ke-hoach-1", reminder_days=[0]),
        other_plan(plan, code="ke-hoach-2", briefing_weekday=3, briefing_time=dt.time(14, 0)),
    ]
    moments = [M("2026-11-02"), at_local(D("2026-12-02"), 15), M("2027-01-05"), at_local(D("2027-01-13"), 15), M("2027-02-01")]
    alone = another_db_engine()
    for now in moments:
        run_pass(db_engine, plans, now)
        for each in plans:
            run_pass(alone, each, now)
    together = briefings(db_engine)
    assert together == briefings(alone)
    weekly: dict[str, set[int]] = {}
    for *_, subject in together:
        if subject:
            code, day = subject.split("/")[1:]
            weekly.setdefault(code, set()).add(dt.date.fromisoformat(day).isoweekday())
    assert weekly == {plan.meta.code: {1}, "ke-hoach-1": {1}, "ke-hoach-2": {3}}  # each plan on its own day
    leadership = {(key[0], due_at) for key, kind, _, due_at, *_ in together if kind == "escalation" and key}
    assert len({due_at for _, due_at in leadership}) > 2  # escalations held for several briefings


def natural(engine: Engine) -> tuple[Counter, Counter, Counter, Counter]:
    """What the passes wrote, by natural keys (plan, duty, unit, period): ids depend on batching."""
    with Session(engine) as session:
        occ = {o.id: (o.plan_code, o.duty_code, o.unit_code, o.period_key) for o in session.exec(select(Occurrence))}
        rows = Counter((*occ[o.id], o.state, o.escalation_level, o.next_action_at) for o in session.exec(select(Occurrence)))
        outbox = Counter(
            (occ.get(n.occurrence_id), n.kind, n.level, n.detail, n.due_at, n.recipient, n.status, n.subject)
            for n in session.exec(select(Notification))
        )
        trail = Counter((*occ[a.occurrence_id], a.action, a.to_state) for a in session.exec(select(AuditEvent)))
        cursors = Counter((c.plan_code, c.duty_code, c.unit_code, c.opened_through) for c in session.exec(select(OpeningCursor)))
    return rows, outbox, trail, cursors


@pytest.mark.parametrize("sizes", [(7, 5)])
def test_openings_of_several_plans_share_batches_and_write_what_one_batch_per_plan_writes(
    db_engine: Engine, another_db_engine, plan: Plan, monkeypatch, sizes: tuple[int, int]
) -> None:
    """Small batches that span plans (a batch ends inside one plan, the next carries on into the
    next) open, advance and record exactly what large batches do; each plan keeps its own policy."""
    plans = office(plan, 3)
    whole = another_db_engine()
    for now in (M("2026-11-02"), M("2027-01-05")):
        run_pass(whole, plans, now)
    monkeypatch.setattr(base, "OPEN_BATCH", sizes[0])
    monkeypatch.setattr(base, "BATCH", sizes[1])
    for now in (M("2026-11-02"), M("2027-01-05")):
        seen: list[int] = []
        result = run_pass(db_engine, plans, now, progress=lambda r, seen=seen: seen.append(r.opened))
        # one report per committed batch of openings, each batch full but the last, counts growing
        assert len(seen) >= result.opened // sizes[0] > 1 and seen == sorted(seen) and seen[-1] == result.opened
    assert natural(db_engine) == natural(whole)
    with Session(db_engine) as session:
        reminders = session.execute(
            select(Occurrence.plan_code, Notification.detail)
            .join(Occurrence, Occurrence.id == Notification.occurrence_id)
            .where(Notification.kind == "reminder", Occurrence.duty_code == "qldt-theo-doi-htx")
        ).all()
    assert {d for code, d in reminders if code == "ke-hoach-1"} == {0}  # reminders on the day only
    assert {d for code, d in reminders if code == plan.meta.code} - {0}  # the seed plan's ahead of time


def mirrored(engine: Engine) -> tuple[set, set, set]:
    """The plan, unit and duty rows as stored, by value."""
    with engine.connect() as conn:
        return tuple(  # type: ignore[return-value]
            {tuple(row) for row in conn.execute(select(*table.c))}
            for table in (PlanRow.__table__, UnitRow.__table__, DutyRow.__table__)
        )


def test_init_mirrors_every_plan_in_one_read_and_stores_what_mirroring_them_one_by_one_stores(
    db_engine: Engine, another_db_engine, plan: Plan
) -> None:
    reads, six = {}, another_db_engine()
    for engine, size in ((db_engine, 2), (six, 6)):
        plans = office(plan, size)
        init_database(engine, plans, now=M("2026-11-02"))
        seen: list[str] = []

        def count(conn, cursor, statement, parameters, context, executemany, seen=seen) -> None:  # noqa: ANN001
            seen.append(statement)

        event.listen(engine, "before_cursor_execute", count)
        try:
            init_database(engine, plans, now=M("2026-11-02"))  # again: nothing changed
        finally:
            event.remove(engine, "before_cursor_execute", count)
        tables = ("FROM unit", "FROM duty", 'FROM "plan"', "FROM plan ")
        reads[size] = [s for s in seen if s.lstrip().upper().startswith("SELECT") and any(t in s for t in tables)]
        assert not written(seen)
    assert len(reads[6]) == len(reads[2]) == 3, reads  # the plan, unit and duty tables: one read each
    one_by_one = another_db_engine()
    plans = office(plan, 6)
    with session_scope(one_by_one) as session:
        for each in plans:
            sync_plan(session, each)
    assert mirrored(one_by_one) == mirrored(six)


def test_the_briefings_are_recorded_for_plans_given_as_any_iterable(db_engine: Engine, plan: Plan) -> None:
    plans = office(plan, 2)
    for now in (M("2026-11-02"), M("2026-12-31")):  # the briefing of Monday 28/12 recorded
        run_pass(db_engine, plans, now)
    with session_scope(db_engine) as session:  # Monday 04/01/2027, the plans handed over as a generator
        assert record_briefings(session, (each for each in plans), M("2027-01-04")) >= 2 * len(plans)
