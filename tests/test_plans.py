"""Plans as stored objects: each row carries its plan, each plan's pass touches only its own rows
and applies its own policy; a draft or closed plan is not followed (SQLite and PostgreSQL)."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from sqlalchemy import Engine, event, exc, select, text
from sqlmodel import Session

from htx_tasks.core.policy import Policy
from htx_tasks.core.zones import at_local
from htx_tasks.engine import PassResult, advance_due, run_pass
from htx_tasks.plan.loader import Plan
from htx_tasks.store.db import session_scope
from htx_tasks.store.models import Notification, Occurrence, PlanRow

D = dt.date.fromisoformat
OTHER = "ke-hoach-thu-hai"


def M(day: str) -> dt.datetime:
    return at_local(D(day), 7, 30)


def other_plan(plan: Plan, *, code: str = OTHER, status: str = "active", **policy) -> Plan:
    """The seed plan under another code (the same duties and units), with its own policy."""
    meta = plan.source.plan.model_copy(update={"code": code, "short_title": "Kế hoạch thứ hai", "status": status})
    source = plan.source.model_copy(update={"plan": meta, "policy": plan.source.policy.model_copy(update=policy)})
    return dataclasses.replace(plan, source=source)


def rows(engine: Engine, plan_code: str) -> dict[int, tuple]:
    with Session(engine) as session:
        found = session.execute(select(Occurrence).where(Occurrence.plan_code == plan_code)).scalars()
        return {o.id: (o.state, o.version, o.escalation_level, o.next_action_at) for o in found}


def test_two_plans_keep_their_own_rows_and_a_pass_of_one_leaves_the_other_alone(db_engine: Engine, plan: Plan) -> None:
    second = other_plan(plan)
    run_pass(db_engine, plan, M("2026-11-02"))
    run_pass(db_engine, second, M("2026-11-02"))
    first_rows = rows(db_engine, plan.meta.code)
    assert first_rows and len(rows(db_engine, OTHER)) == len(first_rows)
    # months later the second plan runs alone: the first plan's items, all past due, stay as they were
    result = run_pass(db_engine, second, M("2027-02-15"))
    assert result.opened > 0 and result.advanced > 0 and result.notifications > 0
    assert rows(db_engine, plan.meta.code) == first_rows
    # the same duty, unit and period may be open once in each plan
    with Session(db_engine) as session:
        same = session.execute(text(
            "SELECT duty_code, unit_code, period_key, COUNT(*) FROM occurrence GROUP BY duty_code, unit_code, period_key "
            "HAVING COUNT(*) > 1")).all()
        assert same and all(count == 2 for *_, count in same)
        assert {r.code: r.status for r in session.execute(select(PlanRow)).scalars()} == {
            plan.meta.code: "active", OTHER: "active"}
    with pytest.raises(exc.IntegrityError):  # but not twice in one plan
        with session_scope(db_engine) as session:
            first = session.get(Occurrence, min(first_rows))
            assert first is not None
            session.add(Occurrence(plan_code=plan.meta.code, duty_code=first.duty_code, unit_code=first.unit_code,
                                   period_key=first.period_key, period_label="x", deadline=first.deadline,
                                   original_deadline=first.deadline, opened_at=first.opened_at, state="open"))


def test_advancing_applies_each_rows_own_plan(db_engine: Engine, plan: Plan) -> None:
    # the second plan reminds only on the day; the first 7, 3, 1 days before and on the day
    second = other_plan(plan, reminder_days=[0], lead_days=0)
    run_pass(db_engine, plan, M("2026-11-02"))
    run_pass(db_engine, second, M("2026-11-02"))
    now = M("2027-01-05")
    result = PassResult(now=now)
    with session_scope(db_engine) as session:
        while advance_due(session, {plan.meta.code: plan, OTHER: second}, now, result):
            pass
    with Session(db_engine) as session:
        reminders = session.execute(
            select(Occurrence.plan_code, Occurrence.duty_code, Occurrence.unit_code, Notification.detail)
            .join(Occurrence, Occurrence.id == Notification.occurrence_id).where(Notification.kind == "reminder")).all()
    plans = {plan.meta.code: plan, OTHER: second}
    assert {code for code, *_ in reminders} == set(plans)
    for code, duty, unit, detail in reminders:  # each row reminded on its own plan's days
        assert detail in (plans[code].policy_for(duty, unit).reminder_days or [])
    # and the two plans' days differ on rows the first plan reminded ahead of time
    assert any(detail not in (second.policy_for(duty, unit).reminder_days or [])
               for code, duty, unit, detail in reminders if code == plan.meta.code)


def test_a_draft_plan_is_checked_but_not_followed(db_engine: Engine, plan: Plan) -> None:
    draft = other_plan(plan, status="draft")
    result = run_pass(db_engine, draft, M("2026-11-02"))
    assert (result.opened, result.advanced, result.notifications) == (0, 0, 0)
    assert rows(db_engine, OTHER) == {}
    with Session(db_engine) as session:
        stored = session.get(PlanRow, OTHER)
        assert stored is not None and stored.status == "draft" and stored.title == "Kế hoạch thứ hai"


def test_policy_defaults_of_the_helper_are_the_seeds(plan: Plan) -> None:
    assert other_plan(plan).source.policy == plan.source.policy
    assert isinstance(other_plan(plan, reminder_days=[0]).source.policy, Policy)


def test_one_office_pass_advances_every_plans_due_rows_in_one_read(db_engine: Engine, plan: Plan) -> None:
    """The cost of the advance follows what is due: one read of the due index per batch, however many
    plans; each row still under its own plan; a draft among them is left out."""
    others = [other_plan(plan, code=f"ke-hoach-{i}", reminder_days=[0], lead_days=0) for i in range(3)]
    draft = other_plan(plan, code="ke-hoach-du-thao", status="draft")
    plans = [plan, *others, draft]
    run_pass(db_engine, plans, M("2026-11-02"))
    due_reads: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany) -> None:  # noqa: ANN001
        if "FROM occurrence" in statement and "next_action_at <=" in statement:
            due_reads.append(statement)

    event.listen(db_engine, "before_cursor_execute", count)
    try:
        result = run_pass(db_engine, plans, M("2027-01-05"))
    finally:
        event.remove(db_engine, "before_cursor_execute", count)
    assert len(due_reads) == 1  # below BATCH due rows: one read for all five plans
    assert result.advanced == sum(len(rows(db_engine, p.meta.code)) for p in (plan, *others))  # every row was due
    assert rows(db_engine, "ke-hoach-du-thao") == {}
    with Session(db_engine) as session:
        told = session.execute(
            select(Occurrence.plan_code, Notification.detail).join(Occurrence, Occurrence.id == Notification.occurrence_id)
            .where(Notification.kind == "reminder", Occurrence.duty_code == "qldt-theo-doi-htx")).all()  # default policy
    assert {detail for code, detail in told if code != plan.meta.code} == {0}
    assert {detail for code, detail in told if code == plan.meta.code} - {0}


def test_a_units_follow_up_covers_its_items_of_every_plan(db_engine: Engine, plan: Plan) -> None:
    """The per-unit follow-up (the Prefect unit flow) passes over every plan, for that unit only."""
    from htx_tasks.followup import follow_up

    second = other_plan(plan)
    result = follow_up(db_engine, plan, "phuong-ba-ngoi", M("2026-11-02"), plans=[plan, second])
    with Session(db_engine) as session:
        found = session.execute(select(Occurrence.plan_code, Occurrence.unit_code)).all()
    assert {code for code, _ in found} == {plan.meta.code, OTHER}
    assert {unit for _, unit in found} == {"phuong-ba-ngoi"}
    assert result.opened == len(found) == 2 * len(rows(db_engine, OTHER))
