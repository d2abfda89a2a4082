"""A unit's section number ("III.1") belongs to the plan that assigns it its duties (``sections`` in
``plans/<code>.yaml``), not to the office's shared directory of units: the seed plan's runs are
headed "III.1 Phòng Kinh tế", the demonstration plan's by the unit's name alone."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from office import DEMO, SEED, SEED_DIR, line_of, office_folder

from flows.deployments import specs
from htx_tasks.followup import UnitStanding
from htx_tasks.plan.loader import load_plan
from htx_tasks.plan.office import load_plans
from htx_tasks.plan.yamlio import ConfigError

NOW = dt.datetime(2026, 11, 16, 1, 0, tzinfo=dt.UTC)


def heading(plan, unit: str) -> str:  # type: ignore[no-untyped-def]
    return UnitStanding(plan=plan, unit=unit, now=NOW, rows=[]).heading


def problems_of(folder: Path) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_plans(folder)
    return [str(p) for p in caught.value.problems]


def test_each_plan_heads_a_unit_with_its_own_section(tmp_path: Path) -> None:
    plans = load_plans(office_folder(tmp_path / "config", demo=True))
    assert heading(plans[SEED], "phong-kinh-te") == "III.1 Phòng Kinh tế"
    assert heading(plans[SEED], "ubnd-xa-phuong") == "III.8 UBND các xã, phường"
    assert heading(plans[DEMO], "phong-kinh-te") == "Phòng Kinh tế"
    names = [s.name for s in specs(list(plans.values())) if "unit:phong-kinh-te" in s.tags]
    assert sorted(names) == [f"III.1 — Phòng Kinh tế · {SEED}", f"Phòng Kinh tế · {DEMO}"]


def test_the_one_plan_layout_still_numbers_its_units() -> None:
    plan = load_plan(SEED_DIR)  # plan.yaml: the seed plan with its sections, as tests/office.py rebuilds it
    assert {u.code: u.ref for u in plan.source.units if u.ref}["trung-tam-vhtt-tt"] == "III.6"
    assert heading(plan, "phong-kinh-te") == "III.1 Phòng Kinh tế"


def test_a_section_number_in_the_directory_is_refused_at_its_line(tmp_path: Path) -> None:
    folder = office_folder(tmp_path / "config")
    units = folder / "units.yaml"
    units.write_text(units.read_text(encoding="utf-8").replace(
        "    name: Phòng Kinh tế\n", "    name: Phòng Kinh tế\n    ref: III.1\n"), encoding="utf-8")
    assert problems_of(folder) == [
        f"{units}:{line_of(units, 'ref: III.1')}: số mục là của kế hoạch giao việc, không phải của đơn vị: bỏ 'ref' ở "
        "đây, ghi ở plans/<mã kế hoạch>.yaml, khóa sections (ví dụ '- {ref: III.1, unit: phong-kinh-te}')"]


def test_a_plans_sections_are_checked_against_the_directory_at_their_lines(tmp_path: Path) -> None:
    folder = office_folder(tmp_path / "config")
    path = folder / "plans" / f"{SEED}.yaml"
    path.write_text(path.read_text(encoding="utf-8")
                    .replace("{ref: III.2, unit: phong-tai-chinh-ke-hoach}", "{ref: III.2, unit: phong-khong-co}")
                    .replace("{ref: III.4, unit:", "{ref: III.3, unit:"), encoding="utf-8")
    assert problems_of(folder) == [
        f"{path}:{line_of(path, 'phong-khong-co')}: đơn vị 'phong-khong-co' không có trong danh mục đơn vị (units.yaml)",
        f"{path}:{line_of(path, 'unit: phong-tai-nguyen-moi-truong')}: mục III.3 đã giao cho đơn vị khác"]
