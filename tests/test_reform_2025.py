"""The 2025 arrangement around Cam Ranh (config/examples/sap-xep-2025): it validates, it is the
seed's directory plus only the verified successions, and applied to a database made with the seed
plan it moves the four former communes' open items, in every plan, to xã Nam Cam Ranh, which is
told once, by name, whose work it took over."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from actions import submit
from office import CONFIG_DIR, SEED, office_folder, sections
from sqlalchemy import Engine, select
from sqlmodel import Session
from test_office_config import SECOND, SECOND_PLAN

from htx_tasks.config import load_config
from htx_tasks.core.zones import at_local
from htx_tasks.delivery.dispatcher import dispatch
from htx_tasks.engine import run_pass
from htx_tasks.plan.office import UnitsFile
from htx_tasks.plan.yamlio import load_yaml, parse_model
from htx_tasks.store.db import session_scope
from htx_tasks.store.models import AuditEvent, Occurrence, Submission

EXAMPLE = CONFIG_DIR / "examples" / "sap-xep-2025" / "units.yaml"
FORMER = ["xa-cam-binh", "xa-cam-lap", "xa-cam-thinh-dong", "xa-cam-thinh-tay"]
NAMES = ["UBND xã Cam Bình", "UBND xã Cam Lập", "UBND xã Cam Thịnh Đông", "UBND xã Cam Thịnh Tây"]
NEW = "xa-nam-cam-ranh"
D = dt.date.fromisoformat
SECOND_TITLE, SEED_TITLE = "━━ Kế hoạch minh họa (kiểm thử) ━━", "━━ Kế hoạch thực hiện Chương trình hành động số 46-CTr/TU"


def M(day: str) -> dt.datetime:
    return at_local(D(day), 7, 30)


def test_the_example_is_the_seeds_directory_with_only_the_verified_successions(tmp_path: Path) -> None:
    example = parse_model(UnitsFile, load_yaml(EXAMPLE))
    seed = load_config(CONFIG_DIR).plans[SEED]
    assert example.policy == seed.source.policy
    changed = {u.code: u for u in example.units} | {}
    for unit in (u.model_copy(update={"ref": None}) for u in seed.source.units):  # sections: the plan's
        mine = changed.pop(unit.code)
        if unit.code in FORMER:
            assert mine.successor is not None and (mine.successor.unit, mine.successor.on) == (NEW, D("2025-07-01"))
            assert "1667/NQ-UBTVQH15" in (mine.successor.why or "")
            assert mine.model_copy(update={"successor": None}) == unit
        else:
            assert mine == unit  # nothing else is changed: the other arrangements are not verified
    assert list(changed) == [NEW] and changed[NEW].name == "UBND xã Nam Cam Ranh"
    text = EXAMPLE.read_text(encoding="utf-8")
    for source in ("Nghị quyết số 1667/NQ-UBTVQH15 ngày 16/6/2025", "202/2025/QH15", "203/2025/QH15"):
        assert source in text
    # it validates in the office layout, beside the seed plan and another plan
    folder = office_folder(tmp_path / "config")
    shutil.copyfile(EXAMPLE, folder / "units.yaml")
    (folder / "plans" / f"{SECOND}.yaml").write_text(SECOND_PLAN, encoding="utf-8")
    assert set(load_config(folder).plans) == {SECOND, seed.meta.code}


def test_it_is_not_active_by_default() -> None:
    assert "successor" not in sections((CONFIG_DIR / "units.yaml").read_text(encoding="utf-8"))["units"].split(
        "# ---")[0].replace("# successor", "")
    assert NEW not in load_config(CONFIG_DIR).plans[SEED].units


@pytest.fixture
def folders(tmp_path: Path) -> tuple[Path, Path]:
    """Before and after: the seed plan and a plan for xã Cam Lập, with the seed's units, then the example's."""
    before = office_folder(tmp_path / "before")
    (before / "plans" / f"{SECOND}.yaml").write_text(SECOND_PLAN.replace("phuong-ba-ngoi", "xa-cam-lap"),
                                                     encoding="utf-8")
    after = tmp_path / "after"
    shutil.copytree(before, after)
    shutil.copyfile(EXAMPLE, after / "units.yaml")
    return before, after


def open_items(engine: Engine, units: list[str]) -> list[Occurrence]:
    with Session(engine) as session:
        return list(session.execute(select(Occurrence).where(
            Occurrence.unit_code.in_(units), Occurrence.state.not_in(["succeeded", "waived", "done_on_time"]))
            .order_by(Occurrence.id)).scalars())


def test_the_four_communes_open_work_moves_to_nam_cam_ranh_with_one_notice(
        db_engine: Engine, folders: tuple[Path, Path], tmp_path: Path) -> None:
    before, after = (load_config(f, tmp_path / f"inbox-{f.name}") for f in folders)
    for plan in before.plans.values():
        run_pass(db_engine, plan, M("2026-11-02"))
    dispatch(db_engine, before.plans, M("2026-11-02"), channels=before.channels)
    held = open_items(db_engine, FORMER)
    assert {o.unit_code for o in held} == set(FORMER) and {o.plan_code for o in held} == set(before.plans)
    lap = next(o for o in held if o.unit_code == "xa-cam-lap" and o.plan_code != SECOND)
    seed = before.plans[lap.plan_code]
    with session_scope(db_engine) as session:
        submit(session, seed, lap.id, unit="xa-cam-lap", note="Đã tuyên truyền", now=M("2026-11-05"))
    others = {o.id: (o.state, o.version) for o in open_items(db_engine, ["phuong-ba-ngoi", "phong-kinh-te"])}

    now = M("2026-11-09")
    for plan in after.plans.values():
        run_pass(db_engine, plan, now)
    assert open_items(db_engine, FORMER) == []
    moved = open_items(db_engine, [NEW])
    # one item per plan, duty and period: the communes' items of one period are one report now
    assert sorted((o.plan_code, o.duty_code, o.period_key) for o in moved) == sorted(
        {(o.plan_code, o.duty_code, o.period_key) for o in held})
    assert {o.plan_code for o in moved} == set(after.plans)  # every plan's work moved, each in its plan
    carried = next(o for o in moved if (o.duty_code, o.period_key) == (lap.duty_code, lap.period_key)
                   and o.plan_code == lap.plan_code)
    assert carried.state == "submitted"  # Cam Lập's report awaiting review came along
    with Session(db_engine) as session:
        report = session.execute(select(Submission).where(Submission.occurrence_id == carried.id)).scalars().one()
        reasons = session.execute(select(AuditEvent.reason).where(AuditEvent.action == "succeed")).scalars().all()
    assert report.results == "Đã tuyên truyền" and report.decision == "pending"
    assert len(reasons) == len(held)
    assert all("sang UBND xã Nam Cam Ranh từ ngày 01/07/2025 (sáp nhập vào xã Nam Cam Ranh theo Nghị quyết số "
               "1667/NQ-UBTVQH15)" in r for r in reasons)
    assert {o.id: (o.state, o.version) for o in open_items(db_engine, ["phuong-ba-ngoi", "phong-kinh-te"])} == others

    inbox = tmp_path / "inbox-after"
    dispatch(db_engine, after.plans, now, channels=after.channels)
    text = (inbox / f"{NEW}.txt").read_text(encoding="utf-8")
    messages = [m for m in text.split("=" * 72) if m.strip()]
    intros = [line for line in text.splitlines() if line.startswith("Nhận bàn giao:")]
    assert intros and all(", ".join(NAMES) in line and "từ ngày 01/07/2025" in line for line in intros)
    assert len(intros) == len(messages) == 1  # one notice, for both plans, naming all four
    assert messages[0].index(SECOND_TITLE) < messages[0].index(SEED_TITLE)  # each plan's part, its title first
    seed_told = [o for o in moved if o.state != "submitted" and o.plan_code != SECOND]
    assert text.count("Nhận bàn giao từ: " + ", ".join(NAMES) + "\n") == len(seed_told) > 0
    assert text.count("Nhận bàn giao từ: UBND xã Cam Lập\n") == 1  # the other plan had work of Cam Lập only
    assert not any((inbox / f"{unit}.txt").exists() for unit in FORMER)
