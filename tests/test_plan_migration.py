"""Migration i18_plans: a database made by the single-plan schema moves onto its plan, history intact.

The old database is made the way today's users made theirs: the services write occurrences,
reports, decisions, extensions, cases and notices (some delivered), then the schema goes back to
the single-plan revision (checked equal to a database built only up to it). Upgrading must keep
every row as it was, put each on the plan, and leave the next pass nothing to redo.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from actions import COORDINATOR, extend, open_case, review, submit
from alembic import command
from office import SEED_DIR
from sqlalchemy import Engine, inspect, text

from htx_tasks.board import build_board, render_markdown
from htx_tasks.config import load_config
from htx_tasks.core.zones import at_local
from htx_tasks.delivery.dispatcher import dispatch
from htx_tasks.engine import run_pass
from htx_tasks.plan.loader import Plan
from htx_tasks.services import Decision
from htx_tasks.store.db import alembic_config, current_revision, make_engine, read_scope, session_scope, upgrade

BEFORE = "i15_one_outbox"  # the single-plan head
CONFIG_DIR = SEED_DIR
TABLES = ("occurrence", "submission", "audit_event", "notification", "opening_cursor", "duty", "unit",
          "delivery", "extension_request")
D = dt.date.fromisoformat


def M(day: str) -> dt.datetime:
    return at_local(D(day), 7, 30)


# what later migrations changed, read as the single-plan schema had it: i20_unit_reports renamed the
# report's note to its results and added its other parts; i21_unit_assignment_dropped dropped the unit's assignment
LATER = {"submission": {"results": "note", "difficulties": None, "proposals": None, "figures": None},
         "unit": {"assignment": None}}


def snapshot(engine: Engine) -> dict[str, list[tuple]]:
    """Every row of every table that holds the plan's history, plan codes left out, in key order."""
    out = {}
    with engine.connect() as conn:
        for table in TABLES:
            later = LATER.get(table, {})
            names = [c["name"] for c in inspect(conn).get_columns(table) if c["name"] != "plan_code"
                     and later.get(c["name"], c["name"]) is not None]
            columns = sorted(names, key=lambda name: later.get(name, name))
            key = ", ".join(inspect(conn).get_pk_constraint(table)["constrained_columns"])
            rows = conn.execute(text(f"SELECT {', '.join(columns)} FROM {table} ORDER BY {key}"))
            out[table] = [tuple(r) for r in rows]
    return out


def shape(engine: Engine) -> dict[str, object]:
    """The schema as a reader of it sees it: columns, keys, unique constraints, indexes."""
    found = inspect(engine)
    return {
        table: (sorted((c["name"], c["nullable"]) for c in found.get_columns(table)),
                sorted(found.get_pk_constraint(table)["constrained_columns"]),
                sorted((u["name"], tuple(u["column_names"])) for u in found.get_unique_constraints(table)),
                sorted((i["name"], tuple(i["column_names"])) for i in found.get_indexes(table)))
        for table in ("occurrence", "duty", "opening_cursor")
    } | {"tables": sorted(found.get_table_names())}


def history(engine: Engine, plan: Plan, tmp_path: Path) -> None:
    """Four weeks of a real installation's work, through the services and the dispatcher."""
    channels = load_config(CONFIG_DIR, tmp_path / "inbox").channels
    run_pass(engine, plan, M("2026-11-02"))
    dispatch(engine, plan, M("2026-11-02"), channels=channels)
    with session_scope(engine) as session:
        ids = [r[0] for r in session.execute(text(
            "SELECT id FROM occurrence WHERE duty_code = 'xa-tuyen-truyen' ORDER BY id"))]
        submit(session, plan, ids[0], unit=_unit(session, ids[0]), note="Đã tuyên truyền", now=M("2026-11-20"))
        review(session, plan, ids[0], decision=Decision.ACCEPT, note="Đạt", now=M("2026-11-21"))
        submit(session, plan, ids[1], unit=_unit(session, ids[1]), note="Báo cáo sơ bộ", now=M("2026-11-20"))
        review(session, plan, ids[1], decision=Decision.RETURN, note="Bổ sung số liệu", now=M("2026-11-21"))
        submit(session, plan, ids[2], unit=_unit(session, ids[2]), note="Chờ duyệt", now=M("2026-11-22"))
        extend(session, plan, ids[3], to=D("2027-02-26"), note="Chờ số liệu quý", now=M("2026-11-21"),
               actor=COORDINATOR)
        open_case(session, plan, "tckh-thu-tuc", unit="phong-tai-chinh-ke-hoach", kind="dang-ky",
                  received=D("2026-11-23"), ref="HS-01", now=M("2026-11-23"))
    run_pass(engine, plan, M("2026-12-28"))
    dispatch(engine, plan, M("2026-12-28"), channels=channels)


def _unit(session, occurrence_id: int) -> str:
    return session.execute(text("SELECT unit_code FROM occurrence WHERE id = :i"), {"i": occurrence_id}).scalar()


def board_text(engine: Engine, plan: Plan, now: dt.datetime) -> str:
    with read_scope(engine) as session:
        return render_markdown(build_board(session, plan, now), plan)


def test_a_single_plan_database_moves_onto_its_plan_with_its_history(
        db_engine: Engine, plan: Plan, tmp_path: Path) -> None:
    history(db_engine, plan, tmp_path)
    command.downgrade(alembic_config(db_engine), BEFORE)
    # what the downgrade left is the schema the single-plan code made, not an approximation of it
    if db_engine.dialect.name == "sqlite":
        old = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
        command.upgrade(alembic_config(old), BEFORE)
        assert shape(db_engine) == shape(old)
        old.dispose()
    assert "plan" not in inspect(db_engine).get_table_names()
    assert "plan_code" not in {c["name"] for c in inspect(db_engine).get_columns("occurrence")}
    before = snapshot(db_engine)
    assert len(before["submission"]) == 3
    assert before["delivery"] and len(before["notification"]) > 50

    assert upgrade(db_engine, plan=plan.meta.code) == BEFORE
    assert snapshot(db_engine) == before  # every row, every value, every id
    with db_engine.connect() as conn:
        for table in ("occurrence", "duty", "opening_cursor"):
            assert conn.execute(text(f"SELECT DISTINCT plan_code FROM {table}")).scalars().all() == [plan.meta.code]
        assert conn.execute(text("SELECT code, status FROM plan")).all() == [(plan.meta.code, "active")]
    # the next pass finds nothing to reopen or retell, and fills in the plan's own words
    again = run_pass(db_engine, plan, M("2026-12-28"))
    assert (again.opened, again.notifications, again.transferred) == (0, 0, 0)
    after = snapshot(db_engine)
    assert {t: after[t] for t in TABLES if t != "audit_event"} == {t: before[t] for t in TABLES if t != "audit_event"}
    assert after["audit_event"] == before["audit_event"]
    with db_engine.connect() as conn:
        assert conn.execute(text("SELECT title FROM plan")).scalar() == plan.meta.short_title
    assert board_text(db_engine, plan, M("2026-12-28")).count("\n") > 20
    # and the pass after goes on as it would have: the next week's repeats are told
    later = run_pass(db_engine, plan, M("2027-01-04"))
    assert later.notifications > 0 and not later.failed


def test_the_moved_database_reads_as_one_made_on_the_new_schema(plan: Plan, tmp_path: Path) -> None:
    """The same history, moved across or written on the new schema directly, reads the same (SQLite files)."""
    now = M("2026-12-28")
    databases = []
    for name in ("moved", "fresh"):
        (tmp_path / name).mkdir()
        engine = make_engine(f"sqlite:///{tmp_path / name / 'htx.db'}")
        upgrade(engine)
        history(engine, plan, tmp_path / name)
        databases.append(engine)
    moved, fresh = databases
    command.downgrade(alembic_config(moved), BEFORE)
    upgrade(moved, plan=plan.meta.code)
    assert current_revision(fresh) == current_revision(moved)
    assert board_text(moved, plan, now) == board_text(fresh, plan, now)
    assert snapshot(moved)["occurrence"] == snapshot(fresh)["occurrence"]
    for engine in databases:
        engine.dispose()


def test_going_down_refuses_a_database_holding_two_plans(db_engine: Engine, plan: Plan) -> None:
    run_pass(db_engine, plan, M("2026-11-02"))
    with session_scope(db_engine) as session:
        session.execute(text("UPDATE opening_cursor SET plan_code = 'ke-hoach-khac' WHERE duty_code = 'xa-tuyen-truyen'"))
    with pytest.raises(RuntimeError, match="nhiều kế hoạch"):
        command.downgrade(alembic_config(db_engine), BEFORE)
