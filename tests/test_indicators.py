"""Indicator arithmetic against hand-computed tables, on SQLite and PostgreSQL.

The registry below has seven organisations whose history is small enough to count by hand.
Each expected figure is written next to the reasoning that gives it.
"""

from __future__ import annotations

import datetime as dt
import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from sqlmodel import Session

from htx_tasks.indicators.compute import Standing, assess, measure, path_value, target_text
from htx_tasks.indicators.service import evaluate
from htx_tasks.plan.loader import Plan, load_plan
from htx_tasks.plan.yamlio import ConfigError
from htx_tasks.registry import service
from htx_tasks.registry.fields import Coop
from htx_tasks.store.db import session_scope

NOW = dt.datetime(2026, 1, 20, 3, 0, tzinfo=dt.UTC)
BA_NGOI, CAM_LAP = "phuong-ba-ngoi", "xa-cam-lap"


def coop(code: str, **kw) -> Coop:
    base = {"name": f"HTX {code}", "kind": "hop-tac-xa", "ward": BA_NGOI, "sector": "nong-nghiep",
            "follow_unit": "phong-kinh-te", "status": "dang-hoat-dong", "founded_on": dt.date(2015, 1, 10),
            "valid_from": dt.date(2023, 1, 1)}
    base.update(kw)
    return Coop(code=code, **base)


A = coop("A", rating="kha", rating_year=2022, key_product_count=2, ecommerce_products=1)
B = coop("B", ward=CAM_LAP, founded_on=dt.date(2016, 5, 5), rating="tot", rating_year=2022, tech=True,
         tech_note="tưới tự động", key_product_count=1, ecommerce_products=0)
C = coop("C", ward=CAM_LAP, sector="thuong-mai", founded_on=dt.date(2018, 3, 3), rating="trung-binh",
         rating_year=2022, key_product_count=3, ecommerce_products=1)
D = coop("D", founded_on=dt.date(2024, 7, 1), valid_from=dt.date(2024, 7, 1), tech=True, tech_note="mã QR",
         key_product_count=1, ecommerce_products=1)  # founded mid-2024, never rated
E = coop("E", founded_on=dt.date(2010, 1, 1), rating="yeu", rating_year=2022)
E_DISSOLVED = replace(E, status="da-giai-the", rating=None, rating_year=None, valid_from=dt.date(2024, 6, 30))
F = coop("F", founded_on=dt.date(2012, 2, 2), status="ngung-hoat-dong")
F_AWAITING = replace(F, status="cho-giai-the", valid_from=dt.date(2025, 3, 1))
G = coop("G", kind="to-hop-tac", founded_on=dt.date(2019, 6, 1), tech=True, tech_note="phần mềm kế toán")
REGISTRY = [A, B, C, D, E, E_DISSOLVED, F, F_AWAITING, G]


def with_baseline(plan: Plan, code: str, year: int = 2023):
    indicator = next(i for i in plan.source.indicators if i.code == code)
    return indicator.model_copy(update={"baseline_year": year})


@pytest.fixture
def plan2023(plan: Plan) -> Plan:
    """The real plan with every measured indicator's baseline moved to 2023 (our table's first year)."""
    source = plan.source.model_copy(update={"indicators": [
        i.model_copy(update={"baseline_year": 2023}) if i.kind == "target" else i for i in plan.source.indicators
    ]})
    return Plan(source=source, calendar=plan.calendar, config_dir=plan.config_dir)


# (indicator, year) → (numerator, denominator, value) counted by hand from REGISTRY
EXPECTED = {
    # 2023: rated HTX in the denominator are A, B, C, E (G is a tổ hợp tác; D not founded): A kha, B tot
    ("htx-kha-tot-2030", 2023): (2, 4, 50.0),
    # 2024: E dissolved mid-year leaves; D is not 12 months old yet → A, B, C; A and B khá/tốt
    ("htx-kha-tot-2030", 2024): (2, 3, 200 / 3),
    # 2025: D is 17 months old, still unrated → A, B, C, D
    ("htx-kha-tot-2030", 2025): (2, 4, 50.0),
    # agricultural HTX, active: 2023 A, B, E (B uses tech); 2024 A, B, D (B, D use tech)
    ("htx-cong-nghe-cao-2030", 2023): (1, 3, 100 / 3),
    ("htx-cong-nghe-cao-2030", 2024): (2, 3, 200 / 3),
    # key products of active HTX: 2023 A2 B1 C3 E0 = 6, sold online A1 C1 = 2; 2024 adds D (1 of 1), drops E
    ("tmdt-2030", 2023): (2, 6, 100 / 3),
    ("tmdt-2030", 2024): (3, 7, 300 / 7),
    # stopped or awaiting dissolution, not dissolved: F every year (E went straight to dissolved)
    ("giai-the-htx-2030", 2023): (1, None, 1.0),
    ("giai-the-htx-2030", 2024): (1, None, 1.0),
    ("giai-the-htx-2030", 2025): (1, None, 1.0),
    # HTX and unions, active, ≥ 12 months: khá/tốt AND tech → only B. 2023: A B C E; 2024: A B C
    ("ktt-hieu-qua-2045", 2023): (1, 4, 25.0),
    ("ktt-hieu-qua-2045", 2024): (1, 3, 100 / 3),
}


@pytest.fixture
def loaded(db_engine):
    with session_scope(db_engine) as session:
        service.apply(session, REGISTRY, source="import", now=NOW)
    return db_engine


@pytest.mark.parametrize("code,year", sorted(EXPECTED))
def test_indicator_matches_the_hand_computed_table(loaded, plan2023: Plan, code: str, year: int) -> None:
    with Session(loaded) as session:
        kpi = evaluate(session, plan2023, year, today=dt.date(2026, 1, 20))
    result = next(r for r in kpi.results if r.indicator.code == code)
    numerator, denominator, value = EXPECTED[(code, year)]
    m = result.point.measure
    assert (m.numerator, m.denominator) == (numerator, denominator)
    assert m.value == pytest.approx(value)
    assert result.point.on == dt.date(year, 12, 31)


def test_path_and_standing_follow_the_straight_line_from_the_baseline(loaded, plan2023: Plan) -> None:
    with Session(loaded) as session:
        kpi = evaluate(session, plan2023, 2025, today=dt.date(2026, 1, 20))
    by_code = {r.indicator.code: r for r in kpi.results}
    rated = by_code["htx-kha-tot-2030"]
    # baseline 2023 = 50%, target 60% (lower bound) in 2030: path 2025 = 50 + 10 × 2/7
    assert rated.point.assessment.path == pytest.approx(50 + 20 / 7)
    assert rated.point.assessment.gap == pytest.approx(50 - (50 + 20 / 7))
    assert rated.standing is Standing.BEHIND and rated.point.assessment.on_track is False
    assert [p.year for p in rated.history] == [2023, 2024, 2025]
    assert rated.history[1].assessment.standing is Standing.ON_TRACK  # 66.7% against a path of 51.4%
    closing = by_code["giai-the-htx-2030"]
    # a falling count: 1 → 0 by 2030, path 2025 = 1 − 2/7; still 1 → behind by 2/7
    assert closing.point.assessment.path == pytest.approx(1 - 2 / 7)
    assert closing.point.assessment.gap == pytest.approx(-2 / 7)
    assert closing.standing is Standing.BEHIND


def test_per_ward_values_have_their_own_baseline(loaded, plan2023: Plan) -> None:
    with Session(loaded) as session:
        kpi = evaluate(session, plan2023, 2024, today=dt.date(2026, 1, 20))
    rated = next(r for r in kpi.results if r.indicator.code == "htx-kha-tot-2030")
    ba_ngoi, cam_lap = rated.by_ward[BA_NGOI], rated.by_ward[CAM_LAP]
    # Ba Ngòi 2024: only A counts (D too young, E dissolved) and A is khá → 100%, above 60–70%
    assert (ba_ngoi.measure.numerator, ba_ngoi.measure.denominator) == (1, 1)
    assert ba_ngoi.assessment.standing is Standing.ABOVE_RANGE and ba_ngoi.assessment.on_track is True
    # Cam Lập: B tốt, C trung bình → 50%; its 2023 baseline was also 50%
    assert cam_lap.measure.value == pytest.approx(50.0)
    assert cam_lap.assessment.path == pytest.approx(50 + 10 / 7)
    assert cam_lap.assessment.standing is Standing.BEHIND


def test_nobody_rated_yet_gives_no_value_not_zero(plan: Plan) -> None:
    indicator = with_baseline(plan, "htx-kha-tot-2030")
    unrated = [replace(A, rating=None, rating_year=None), replace(C, rating=None, rating_year=None)]
    m = measure(indicator, unrated, dt.date(2024, 12, 31))
    assert (m.numerator, m.denominator, m.value) == (0, 2, None)
    assert "xếp loại" in m.note
    assert assess(indicator, 2024, m.value, 50.0).standing is Standing.NO_DATA


def test_zero_denominator_gives_no_value(plan: Plan) -> None:
    indicator = with_baseline(plan, "htx-cong-nghe-cao-2030")
    m = measure(indicator, [C, G], dt.date(2024, 12, 31))  # a trade HTX and a tổ hợp tác: no agricultural HTX
    assert (m.denominator, m.value) == (0, None)
    assert "mẫu số bằng 0" in m.note


def test_empty_registry_measures_nothing_even_for_a_count(plan: Plan) -> None:
    m = measure(with_baseline(plan, "giai-the-htx-2030"), [], dt.date(2024, 12, 31))
    assert m.value is None


@pytest.mark.parametrize("year,value,standing,on_track", [
    (2030, 75.0, Standing.ABOVE_RANGE, True),  # a range exceeded from above: not an alert
    (2027, 75.0, Standing.ABOVE_RANGE, True),
    (2030, 65.0, Standing.MET, True),
    (2030, 70.0, Standing.MET, True),
    (2030, 59.9, Standing.MISSED, False),
    (2027, 55.0, Standing.BEHIND, False),  # path 2027 = 50 + 10 × 4/7 = 55.71
    (2027, 56.0, Standing.ON_TRACK, True),
    (2031, 61.0, Standing.MET, True),  # after the target year the target itself is the path
    (2022, 61.0, Standing.NO_BASELINE, None),  # before the baseline year there is no path
])
def test_between_target_standing(plan: Plan, year: int, value: float, standing: Standing, on_track) -> None:
    indicator = with_baseline(plan, "htx-kha-tot-2030")
    result = assess(indicator, year, value, 50.0)
    assert result.standing is standing and result.on_track is on_track


def test_strict_target_must_be_exceeded_in_the_target_year(plan: Plan) -> None:
    indicator = with_baseline(plan, "htx-cong-nghe-cao-2030")  # "trên 50%"
    assert assess(indicator, 2030, 50.0, 20.0).standing is Standing.MISSED
    assert assess(indicator, 2030, 50.1, 20.0).standing is Standing.MET
    assert path_value(indicator, 20.0, 2026) == pytest.approx(20 + 30 * 3 / 7)
    assert target_text(indicator) == "> 50%"
    assert target_text(with_baseline(plan, "giai-the-htx-2030")) == "≤ 0 hợp tác xã"


def _config_copy(tmp_path: Path, config_dir: Path, old: str, new: str) -> Path:
    target = tmp_path / "config"
    shutil.copytree(config_dir, target)
    text = (target / "plan.yaml").read_text(encoding="utf-8")
    assert old in text
    (target / "plan.yaml").write_text(text.replace(old, new, 1), encoding="utf-8")
    return target


@pytest.mark.parametrize("old,new,message", [
    ("rating: [tot, kha]}", "xep_loai: [tot, kha]}", "trường 'xep_loai' không có trong sổ theo dõi"),
    ("rating: [tot, kha]}", "rating: [tot, gioi]}", "giá trị 'gioi' không hợp lệ cho 'rating'"),
    ("age_months: {gte: 12}, rating", "age_months: {gte: mot}, rating", "'gte' cần một số"),
    ("sum: ecommerce_products", "sum: name", "'sum' cần một trường số"),
    ("status: dang-hoat-dong, age_months: {gte: 12}, rating", "status: {gte: 3}, age_months: {gte: 12}, rating",
     "'gte' chỉ dùng cho trường số"),
    ("owner: phong-tai-chinh-ke-hoach", "owner: phong-khong-co", "đơn vị 'phong-khong-co' không có"),
])
def test_validate_names_the_line_of_a_bad_filter(tmp_path: Path, config_dir: Path, old: str, new: str,
                                                 message: str) -> None:
    config = _config_copy(tmp_path, config_dir, old, new)
    with pytest.raises(ConfigError) as caught:
        load_plan(config)
    lines = (config / "plan.yaml").read_text(encoding="utf-8").splitlines()
    hits = [p for p in caught.value.problems if message in p.message]
    assert hits, [str(p) for p in caught.value.problems]
    assert new.split(":")[0].strip("{ ") in lines[hits[0].line - 1] or "owner" in lines[hits[0].line - 1]
