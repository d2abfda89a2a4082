"""The plans' mirror (``engine.mirror``): a pass that changes nothing writes no unit or duty row,
whatever plans it covers and in whatever order, even when one plan asks a unit another directs
(SQLite and PostgreSQL). Statements are counted as the database receives them."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, text
from test_plans import M, other_plan
from test_plans_pass import statements

from htx_tasks.engine import run_pass
from htx_tasks.plan.loader import Plan
from htx_tasks.plan.schema import Assignment

ASKED = "phong-kinh-te"  # a department the seed plan directs


def asking(plan: Plan) -> Plan:
    """A second plan that asks ``ASKED`` (as a drafted plan's "Đề nghị" rows do) instead of directing it
    (built anew, so it shares no cache with the seed plan)."""
    second = other_plan(plan).source
    units = [u.model_copy(update={"assignment": Assignment.REQUEST}) if u.code == ASKED else u for u in second.units]
    return Plan(source=second.model_copy(update={"units": units}), calendar=plan.calendar, config_dir=plan.config_dir)


def mirror_writes(engine: Engine, plans: list[Plan], now) -> list[str]:  # noqa: ANN001
    """The statements of one pass that write the unit or duty tables."""
    return [s for s in statements(engine, plans, now) if s.split()[0].upper() in ("INSERT", "UPDATE", "DELETE")
            and {"unit", "duty"} & {w.strip('"').lower() for w in s.split()[1:4]}]


def units(engine: Engine) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text("SELECT * FROM unit ORDER BY code"))]


def test_a_unit_one_plan_asks_and_another_directs_is_not_rewritten_by_later_passes(db_engine: Engine, plan: Plan) -> None:
    second = asking(plan)
    assert (plan.assignment_of(ASKED), second.assignment_of(ASKED)) == (Assignment.DIRECT, Assignment.REQUEST)
    now = M("2026-11-02")
    assert mirror_writes(db_engine, [plan, second], now)  # the first pass writes the office's units
    stored = units(db_engine)
    assert ASKED in {row[0] for row in stored}
    for plans in ([plan, second], [second, plan], [second], [plan]):  # the office's pass, a plan alone
        assert mirror_writes(db_engine, plans, now) == [], [p.meta.code for p in plans]
    assert units(db_engine) == stored


@pytest.mark.parametrize("later", ["2026-11-02", "2027-01-05"])
def test_a_second_pass_of_the_seed_plan_writes_no_unit_or_duty_row(db_engine: Engine, plan: Plan, later: str) -> None:
    run_pass(db_engine, plan, M("2026-11-02"))
    assert mirror_writes(db_engine, [plan], M(later)) == []  # whether or not other work is due
