"""Indicator values and standings against hand-computed tables, on SQLite and PostgreSQL.

The registry below has nine organisations whose history is small enough to count by hand. Each
expected figure is written next to the reasoning that gives it. Baselines are moved to 2023 (the
table's first year); the target year stays 2030 (2045 for the long-term ones).
"""

from __future__ import annotations

import datetime as dt
import warnings
from dataclasses import replace

import pytest
from matplotlib.text import Text
from sqlmodel import Session

from htx_tasks.core.coops import Coop
from htx_tasks.indicators.charts import figure
from htx_tasks.indicators.compute import Standing, assess, measure
from htx_tasks.indicators.service import evaluate
from htx_tasks.indicators.wording import target_text
from htx_tasks.plan.loader import Plan
from htx_tasks.registry import service
from htx_tasks.store.db import session_scope

NOW = dt.datetime(2026, 1, 20, 3, 0, tzinfo=dt.UTC)
BA_NGOI, CAM_LAP = "phuong-ba-ngoi", "xa-cam-lap"
D = dt.date


def coop(code: str, **kw) -> Coop:
    base = {"name": f"HTX {code}", "kind": "hop-tac-xa", "ward": BA_NGOI, "sector": "nong-nghiep",
            "follow_unit": "phong-kinh-te", "status": "dang-hoat-dong", "founded_on": D(2015, 1, 10),
            "valid_from": D(2023, 1, 1)}
    base.update(kw)
    return Coop(code=code, **base)


A = coop("A", rating="kha", rating_year=2022, key_product_count=2, ecommerce_products=1)
B = coop("B", ward=CAM_LAP, founded_on=D(2016, 5, 5), rating="tot", rating_year=2022, tech=True,
         tech_note="tưới tự động", key_product_count=1, ecommerce_products=0)
C = coop("C", ward=CAM_LAP, sector="thuong-mai", founded_on=D(2018, 3, 3), rating="trung-binh",
         rating_year=2022, key_product_count=3, ecommerce_products=1)
C_2030 = replace(C, valid_from=D(2030, 1, 1), key_product_count=6, ecommerce_products=0)
D_YOUNG = coop("D", founded_on=D(2024, 7, 1), valid_from=D(2024, 7, 1), tech=True, tech_note="mã QR",
               key_product_count=1, ecommerce_products=1)  # founded mid-2024, not rated in its first year
D_RATED = replace(D_YOUNG, valid_from=D(2025, 9, 1), rating="kha", rating_year=2025)
E = coop("E", founded_on=D(2010, 1, 1), rating="yeu", rating_year=2022, key_product_count=2, ecommerce_products=0)
E_DISSOLVED = replace(E, status="da-giai-the", rating=None, rating_year=None, valid_from=D(2024, 6, 30))
# stopped, yet the registry still lists its key products: they must not count in the e-commerce rate
F = coop("F", founded_on=D(2012, 2, 2), status="ngung-hoat-dong", key_product_count=2, ecommerce_products=1)
F_AWAITING = replace(F, status="cho-giai-the", valid_from=D(2025, 3, 1))
F_DISSOLVED = replace(F, status="da-giai-the", valid_from=D(2029, 5, 1))
G = coop("G", kind="to-hop-tac", founded_on=D(2019, 6, 1), tech=True, tech_note="phần mềm kế toán")
H = coop("H", kind="lien-hiep-htx", ward=CAM_LAP, founded_on=D(2014, 4, 4), rating="trung-binh", rating_year=2022)
H_STOPPED = replace(H, status="ngung-hoat-dong", valid_from=D(2025, 5, 1))
H_DISSOLVED = replace(H, status="da-giai-the", valid_from=D(2030, 6, 1))
REGISTRY = [A, B, C, C_2030, D_YOUNG, D_RATED, E, E_DISSOLVED, F, F_AWAITING, F_DISSOLVED, G, H, H_STOPPED,
            H_DISSOLVED]


@pytest.fixture
def plan2023(plan: Plan) -> Plan:
    """The real plan with every measured indicator's baseline moved to 2023 (our table's first year)."""
    source = plan.source.model_copy(update={"indicators": [
        i.model_copy(update={"baseline_year": 2023}) if i.kind == "target" else i for i in plan.source.indicators
    ]})
    return Plan(source=source, calendar=plan.calendar, config_dir=plan.config_dir)


# (indicator, year) → (numerator, denominator, value, standing, gap) counted by hand from REGISTRY
EXPECTED = {
    # "tổng số hợp tác xã": every HTX not dissolved, stopped and young ones included; band 60–70% every year.
    # 2023: A khá, B tốt, C trung bình, E yếu, F stopped (unrated) → 2/5, 20 points under the band
    ("htx-kha-tot-2030", 2023): (2, 5, 40.0, Standing.BELOW_RANGE, -20.0),
    # 2024: E dissolved, D founded (unrated) → A B C D F, still 2 khá/tốt
    ("htx-kha-tot-2030", 2024): (2, 5, 40.0, Standing.BELOW_RANGE, -20.0),
    # 2025: D rated khá → 3/5, exactly on the band's floor
    ("htx-kha-tot-2030", 2025): (3, 5, 60.0, Standing.WITHIN_RANGE, 0.0),
    # 2030: F dissolved → A B C D, 3 khá/tốt: above the band, not an alert
    ("htx-kha-tot-2030", 2030): (3, 4, 75.0, Standing.ABOVE_RANGE, 5.0),
    # active agricultural HTX: 2023 A B E (B uses tech); from 2024 A B D (B, D use tech). Path from
    # 33.3% (2023) to 50% (2030): 2024 = 100/3 + (50 − 100/3)/7; 2030: "trên 50%" holds
    ("htx-cong-nghe-cao-2030", 2023): (1, 3, 100 / 3, Standing.ON_TRACK, 0.0),
    ("htx-cong-nghe-cao-2030", 2024): (2, 3, 200 / 3, Standing.ON_TRACK, 200 / 3 - (100 / 3 + (50 - 100 / 3) / 7)),
    ("htx-cong-nghe-cao-2030", 2030): (2, 3, 200 / 3, Standing.MET, 200 / 3 - 50),
    # key products of active HTX (F stopped and E dissolved list products too, and do not count):
    # 2023 A2 B1 C3 E2 = 8, sold online A1 C1 = 2; 2024 drops E, adds D (1 of 1) → 3/7.
    # 2030: C lists 6 products, none online → A1 + D1 of A2 B1 C6 D1 = 2/10, exactly "≥ 20%"
    ("tmdt-2030", 2023): (2, 8, 25.0, Standing.ON_TRACK, 0.0),
    ("tmdt-2030", 2024): (3, 7, 300 / 7, Standing.ON_TRACK, 300 / 7 - (25 - 5 / 7)),
    ("tmdt-2030", 2030): (2, 10, 20.0, Standing.MET, 0.0),
    # the same products toward 30% in 2045, through the plan's 20% in 2030: the 2030 path until 2030
    ("tmdt-2045", 2024): (3, 7, 300 / 7, Standing.ON_TRACK, 300 / 7 - (25 - 5 / 7)),
    ("tmdt-2045", 2030): (2, 10, 20.0, Standing.ON_TRACK, 0.0),  # exactly on the milestone
    # stopped or awaiting dissolution: F from 2023, H from 2025; F dissolved 2029, H in 2030.
    # Baseline 1 (2023) → 0 (2030): at most ⌈1 − k/7⌉ = 1 may remain until 2029, then 0.
    ("giai-the-htx-2030", 2023): (1, None, 1.0, Standing.ON_TRACK, 0.0),
    ("giai-the-htx-2030", 2024): (1, None, 1.0, Standing.ON_TRACK, 0.0),
    ("giai-the-htx-2030", 2025): (2, None, 2.0, Standing.BEHIND, -1.0),
    ("giai-the-htx-2030", 2030): (0, None, 0.0, Standing.MET, 0.0),  # exactly the target of zero
    # HTX and unions, active, ≥ 12 months: khá/tốt AND tech. 2023: A B C E H, only B; 2024: A B C H, B;
    # 2025: A B C D (H stopped), B and D
    ("ktt-hieu-qua-2045", 2023): (1, 5, 20.0, Standing.ON_TRACK, 0.0),
    ("ktt-hieu-qua-2045", 2024): (1, 4, 25.0, Standing.ON_TRACK, 25 - (20 + 70 / 22)),
    ("ktt-hieu-qua-2045", 2025): (2, 4, 50.0, Standing.ON_TRACK, 50 - (20 + 2 * 70 / 22)),
}


@pytest.fixture
def loaded(db_engine):
    with session_scope(db_engine) as session:
        service.apply(session, REGISTRY, source="import", now=NOW)
    return db_engine


def _results(engine, plan: Plan, year: int) -> dict:
    with Session(engine) as session:
        kpi = evaluate(session, plan, year, today=D(2031, 1, 20))
    return {r.indicator.code: r for r in kpi.results}


@pytest.mark.parametrize("code,year", sorted(EXPECTED))
def test_indicator_matches_the_hand_computed_table(loaded, plan2023: Plan, code: str, year: int) -> None:
    result = _results(loaded, plan2023, year)[code]
    numerator, denominator, value, standing, gap = EXPECTED[(code, year)]
    m, a = result.point.measure, result.point.assessment
    assert (m.numerator, m.denominator) == (numerator, denominator)
    assert m.value == pytest.approx(value)
    assert a.standing is standing
    assert a.gap == pytest.approx(gap, abs=1e-9)
    assert result.point.on == D(year, 12, 31)


def test_a_maintained_band_has_no_path_and_the_history_is_judged_against_it(loaded, plan2023: Plan) -> None:
    rated = _results(loaded, plan2023, 2025)["htx-kha-tot-2030"]
    assert [(p.year, p.assessment.standing, p.assessment.band, p.assessment.path) for p in rated.history] == [
        (2023, Standing.BELOW_RANGE, (60.0, 70.0), None),
        (2024, Standing.BELOW_RANGE, (60.0, 70.0), None),
        (2025, Standing.WITHIN_RANGE, (60.0, 70.0), None),
    ]


def test_wards_hold_a_band_to_the_same_band(loaded, plan2023: Plan) -> None:
    rated = _results(loaded, plan2023, 2025)["htx-kha-tot-2030"]
    ba_ngoi, cam_lap = rated.by_ward[BA_NGOI], rated.by_ward[CAM_LAP]
    # Ba Ngòi: A khá, D khá, F awaiting dissolution (unrated) → 2/3; Cam Lập: B tốt, C trung bình → 1/2
    assert (ba_ngoi.measure.numerator, ba_ngoi.measure.denominator) == (2, 3)
    assert ba_ngoi.assessment.standing is Standing.WITHIN_RANGE and ba_ngoi.assessment.gap == 0
    assert cam_lap.measure.value == pytest.approx(50.0)
    assert cam_lap.assessment.standing is Standing.BELOW_RANGE and cam_lap.assessment.gap == pytest.approx(-10)


def test_a_wards_rate_is_held_to_the_citys_path_not_its_own(loaded, plan2023: Plan) -> None:
    effective = _results(loaded, plan2023, 2024)["ktt-hieu-qua-2045"]
    city_path = 20 + 70 / 22  # the city's 20% in 2023, rising to 90% in 2045
    # Cam Lập 2024: B (tốt, tech), C, H → 1/3. Its own 2023 value was also 1/3, whose own path would
    # ask 35.9% in 2024; the city's path asks 23.2%, and Ba Ngòi's 0% (A only) stays behind it.
    cam_lap, ba_ngoi = effective.by_ward[CAM_LAP], effective.by_ward[BA_NGOI]
    assert cam_lap.assessment.path == pytest.approx(city_path) == ba_ngoi.assessment.path
    assert cam_lap.assessment.standing is Standing.ON_TRACK
    assert cam_lap.assessment.gap == pytest.approx(100 / 3 - city_path)
    assert (ba_ngoi.measure.value, ba_ngoi.assessment.standing) == (0.0, Standing.BEHIND)


def test_a_wards_count_falls_to_zero_from_its_own_baseline(loaded, plan2023: Plan) -> None:
    closing = _results(loaded, plan2023, 2025)["giai-the-htx-2030"]
    ba_ngoi, cam_lap = closing.by_ward[BA_NGOI], closing.by_ward[CAM_LAP]
    # Ba Ngòi had F in 2023 and still has it: at most 1 until 2029. Cam Lập had none; H stopped in 2025.
    assert (ba_ngoi.value, ba_ngoi.assessment.path, ba_ngoi.assessment.standing) == (1, 1, Standing.ON_TRACK)
    assert (cam_lap.value, cam_lap.assessment.path, cam_lap.assessment.standing) == (1, 0, Standing.BEHIND)
    assert cam_lap.assessment.gap == -1


def test_nobody_rated_yet_gives_no_value_not_zero(plan: Plan) -> None:
    indicator = next(i for i in plan.source.indicators if i.code == "htx-kha-tot-2030")
    unrated = [replace(A, rating=None, rating_year=None), replace(C, rating=None, rating_year=None)]
    m = measure(indicator, unrated, D(2024, 12, 31))
    assert (m.numerator, m.denominator, m.value) == (0, 2, None)
    assert m.note is not None and "xếp loại" in m.note
    assert assess(indicator, 2024, m.value, 50.0).standing is Standing.NO_DATA


def test_zero_denominator_gives_no_value(plan: Plan) -> None:
    indicator = next(i for i in plan.source.indicators if i.code == "htx-cong-nghe-cao-2030")
    m = measure(indicator, [C, G], D(2024, 12, 31))  # a trade HTX and a tổ hợp tác: no agricultural HTX
    assert (m.denominator, m.value) == (0, None)
    assert m.note is not None and "mẫu số bằng 0" in m.note


def test_empty_registry_measures_nothing_even_for_a_count(plan: Plan) -> None:
    indicator = next(i for i in plan.source.indicators if i.code == "giai-the-htx-2030")
    assert measure(indicator, [], D(2024, 12, 31)).value is None


def test_the_chart_draws_what_each_year_is_held_to_and_states_the_gap_with_its_unit(loaded, plan2023: Plan) -> None:
    results = _results(loaded, plan2023, 2025)
    rated = figure(results["htx-kha-tot-2030"], synthetic=False)
    words = " ".join(t.get_text() for t in rated.findobj(Text))
    assert "Trong khoảng mục tiêu (năm 2025): mức cần đạt 60–70%, chênh lệch 0 điểm phần trăm" in words
    assert "Khoảng mục tiêu 60–70% (duy trì hằng năm)" in words and "Lộ trình" not in words  # no rising line
    closing = figure(results["giai-the-htx-2030"], synthetic=False)
    words = " ".join(t.get_text() for t in closing.findobj(Text))
    assert "mức cần đạt ≤ 1 hợp tác xã, chênh lệch -1 hợp tác xã" in words
    assert "Chênh lệch -1 hợp tác xã" in words  # the red mark between the value and what it is held to
    [path] = [line for line in closing.axes[0].get_lines() if str(line.get_label()).startswith("Lộ trình")]
    assert list(path.get_ydata()) == [1, 1, 1, 1, 1, 1, 1, 0]  # whole organisations, 2023 → 2030



@pytest.mark.parametrize("registry", [[], REGISTRY], ids=["empty", "filled"])
def test_every_chart_names_its_target_in_a_legend_even_with_no_baseline_to_draw_a_path_from(
        db_engine, plan: Plan, registry: list[Coop]) -> None:
    """The seed plan's baselines are at the end of 2022 and this registry starts in 2023 (or is
    empty): no path can be drawn, and the green star is the only mark of the target. The legend names
    it (matplotlib warned "No artists with labels found to put in legend" for the charts with neither
    a path nor a band, e.g. the e-commerce rate, the registry having no products listed)."""
    with session_scope(db_engine) as session:
        service.apply(session, registry, source="import", now=NOW)
    results = _results(db_engine, plan, 2025)
    for code, result in results.items():
        assert result.baseline.value is None, code
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            drawn = figure(result, synthetic=False)
        legend = drawn.axes[0].get_legend()
        assert legend is not None, code
        labels = [t.get_text() for t in legend.get_texts()]
        if result.indicator.comparator == "between":  # the band names it
            assert labels[0] == "Khoảng mục tiêu 60–70% (duy trì hằng năm)", code
        else:
            assert labels[0] == f"Mục tiêu {target_text(result.indicator)} ({result.indicator.year})", code


def test_a_chart_with_a_path_leaves_the_target_to_the_paths_label(loaded, plan2023: Plan) -> None:
    for code, result in _results(loaded, plan2023, 2025).items():
        labels = [t.get_text() for t in figure(result, synthetic=False).axes[0].get_legend().get_texts()]
        assert labels[0].startswith(("Lộ trình", "Khoảng")), (code, labels)
        assert not any(label.startswith("Mục tiêu") for label in labels), (code, labels)
