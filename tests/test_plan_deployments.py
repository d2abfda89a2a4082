"""Prefect with two plans: deployments per plan and unit, tagged ``plan:<code>`` for the UI's filter;
a unit's runs of either plan send it one digest; the board publishes the office-wide board (every
plan, worst first) beside each plan's own."""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from pathlib import Path

import pytest
from flowkit import markdown, table
from office import DEMO, SEED, office_folder
from sqlalchemy import Engine
from sqlmodel import Session, select

from flows import deployments, logs
from flows.board import coordinator_board
from flows.units import follow_up_unit
from htx_tasks.board import BOARD_KEY, build_board
from htx_tasks.config import load_config
from htx_tasks.core.zones import at_local
from htx_tasks.engine import run_pass
from htx_tasks.followup import artifact_key
from htx_tasks.office_board import plan_board_key
from htx_tasks.store.db import make_engine, upgrade
from htx_tasks.store.models import Occurrence

WARD = "phuong-ba-ngoi"
SEPARATOR = "=" * 72


def test_each_plan_has_its_units_deployments_tagged_for_the_ui(tmp_path: Path) -> None:
    plans = list(load_config(office_folder(tmp_path / "config", demo=True)).plans.values())
    specs = deployments.specs(plans)
    units = [s for s in specs if s.flow is follow_up_unit]
    by_plan = Counter(tag for s in units for tag in s.tags if tag.startswith("plan:"))
    assert by_plan == {f"plan:{SEED}": 8, f"plan:{DEMO}": 3}  # one plan tag each
    demo = [s for s in units if f"plan:{DEMO}" in s.tags]
    assert [s.name for s in demo] == [
        f"Phòng Kinh tế · {DEMO}",
        f"UBND phường Ba Ngòi · {DEMO}",
        f"UBND phường Cam Linh · {DEMO}",
    ]
    assert all(s.parameters["plan"].unfreeze() == DEMO for s in demo)
    assert not any(t.startswith("muc-") for s in demo for t in s.tags)  # the seed's sections are not the demo's
    seed_kt = next(s for s in units if f"plan:{SEED}" in s.tags and "unit:phong-kinh-te" in s.tags)
    assert seed_kt.name == f"III.1 — Phòng Kinh tế · {SEED}" and "muc-III.1" in seed_kt.tags
    for flow in {s.flow for s in specs}:  # a deployment's name is unique within its flow
        names = [s.name for s in specs if s.flow is flow]
        assert len(names) == len(set(names))
    [board] = [s for s in specs if s.flow is coordinator_board]
    assert {f"plan:{SEED}", f"plan:{DEMO}"} <= set(board.tags) and board.parameters == {}
    assert [s.name for s in specs if s.name.startswith(deployments.INDICATORS_NAME)] == [
        f"{deployments.INDICATORS_NAME} · {SEED}"
    ]  # the demonstration plan has no targets
    assert len([s for s in specs if s.name.startswith(deployments.REPORT_NAME)]) == 2
    # Prefect takes every one (it refuses '/' in a name: the plans' labels carry document numbers)
    served = deployments.runner_deployments(plans)
    assert sorted(d.name for d in served) == sorted(s.name for s in specs)
    assert sorted(d.tags for d in served) == sorted(s.tags for s in specs)


@pytest.fixture
def office(prefect_api: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Engine:
    """The shipped office (both plans) installed for the flows, its first pass on 16/11/2026."""
    folder = office_folder(tmp_path / "config", demo=True)
    url = f"sqlite:///{tmp_path / 'htx.db'}"
    for name, value in (("HTX_CONFIG_DIR", folder), ("HTX_VAR_DIR", tmp_path / "var"), ("HTX_DATABASE_URL", url)):
        monkeypatch.setenv(name, str(value))
    engine = make_engine(url)
    upgrade(engine)
    run_pass(engine, list(load_config(folder).plans.values()), at_local(dt.date(2026, 11, 16), 7, 30))
    return engine


def digests(tmp_path: Path, tag: str) -> list[str]:
    path = tmp_path / "var" / "inbox" / f"{tag}.txt"
    return [m for m in path.read_text(encoding="utf-8").split(SEPARATOR) if m.strip()] if path.exists() else []


def test_a_wards_runs_of_both_plans_send_it_one_digest_and_the_board_ranks_the_plans(office: Engine, tmp_path: Path) -> None:
    now = "2026-11-23T07:30"  # the demonstration plan's ward reports (due 20/11) are overdue
    before = len(digests(tmp_path, WARD))
    for plan in (SEED, DEMO):  # the two deployments of the ward, one after the other
        state = follow_up_unit(unit=WARD, plan=plan, now=now, return_state=True)
        assert state.is_completed() or state.is_failed(), state
    after = digests(tmp_path, WARD)
    assert len(after) == before + 1  # the first run sent the ward's one digest; the second found it done
    assert "[2 kế hoạch]" in after[-1].splitlines()[1]
    demo_rows = table(artifact_key(WARD, DEMO))
    assert [r["Số"] for r in demo_rows] and all("minh họa" in str(r) for r in demo_rows)

    state = coordinator_board(now=now, return_state=True)
    assert state.is_completed(), state
    office_board = markdown(BOARD_KEY)
    demo_title, seed_title = "Kế hoạch minh họa rà soát nhanh hợp tác xã", "Kế hoạch thực hiện Chương trình hành động"
    assert office_board.startswith("# Bảng theo dõi chung toàn cơ quan")
    # worst first: the demonstration plan has the overdue ward reports, the seed plan none yet
    assert office_board.index(f"| {demo_title}") < office_board.index(f"| {seed_title}")
    assert f"## {demo_title} — quá hạn (2)" in office_board
    for code, title in ((SEED, seed_title), (DEMO, demo_title)):  # each plan's own board beside it
        assert title in markdown(plan_board_key(load_config(tmp_path / "config").plans[code]))


def test_a_units_console_line_names_the_plan_of_its_run(office: Engine) -> None:
    """A unit runs once per plan (one deployment each): its one console line says which plan's run
    it was, or the ward's two lines would read as two different counts of the same thing."""
    lines: list[str] = []
    handler = logging.Handler()
    handler.emit = lambda record: lines.append(record.getMessage())  # type: ignore[method-assign]
    level = logs.RUNS.level
    logs.RUNS.addHandler(handler)
    logs.RUNS.setLevel(logging.INFO)
    try:
        for plan in (SEED, DEMO):
            follow_up_unit(unit=WARD, plan=plan, now="2026-11-23T07:30", return_state=True)
    finally:
        logs.RUNS.removeHandler(handler)
        logs.RUNS.setLevel(level)
    assert [line.split(":", 1)[0] for line in lines] == [f"{WARD} · {SEED}", f"{WARD} · {DEMO}"]


def test_each_plans_board_counts_its_own_escalations(db_engine: Engine, tmp_path: Path) -> None:
    config = load_config(office_folder(tmp_path / "config", demo=True))
    plans = list(config.plans.values())
    run_pass(db_engine, plans, at_local(dt.date(2026, 11, 16), 7, 30))
    monday = at_local(dt.date(2026, 11, 23), 7, 30)  # the demonstration plan's wards are told they are late
    run_pass(db_engine, plans, monday)
    with Session(db_engine) as session:
        owner = {o.id: o.plan_code for o in session.exec(select(Occurrence)).all()}
        boards = {p.meta.code: build_board(session, p, monday) for p in plans}
    assert boards[DEMO].escalations  # the wards' overdue notices of today
    for code, board in boards.items():
        assert {owner[e.occurrence_id] for e in board.escalations} <= {code}
