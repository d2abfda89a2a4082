"""Each target read as the plan words it: tables of values and what they are held to, pure.

Values sit exactly on every bound so that turning a `≥` into `>` (or `≤` into `<`, or a band's
`≤` into `<`) changes a standing here.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from htx_tasks.indicators.compute import Standing, assess, path_value
from htx_tasks.indicators.wording import gap_text, held_to, number_vi, target_text
from htx_tasks.plan.loader import Plan, load_plan
from htx_tasks.plan.targets import Indicator
from htx_tasks.plan.yamlio import ConfigError

PLAN_TEXT = Path(__file__).parent / "data" / "plan_muc_I2.txt"  # Section I.2 of the plan, as printed


def target(**kw) -> Indicator:
    base = {"code": "x", "title": "Chỉ tiêu thử", "source": "…", "year": 2030, "baseline_year": 2020,
            "numerator": {"where": {}}, "denominator": {"where": {}}}
    return Indicator.model_validate({**base, **kw})


def indicator(plan: Plan, code: str) -> Indicator:
    return next(i for i in plan.source.indicators if i.code == code)


BAND = {"comparator": "between", "low": 60, "high": 70}


@pytest.mark.parametrize("aim,year,value,standing,gap", [
    # "duy trì 60-70%": the band from the first year, whatever the baseline; bounds included
    ("maintain", 2021, 59.9, Standing.BELOW_RANGE, -0.1),
    ("maintain", 2021, 60.0, Standing.WITHIN_RANGE, 0.0),
    ("maintain", 2021, 65.0, Standing.WITHIN_RANGE, 0.0),
    ("maintain", 2021, 70.0, Standing.WITHIN_RANGE, 0.0),
    ("maintain", 2021, 70.1, Standing.ABOVE_RANGE, 0.1),
    ("maintain", 2026, 55.0, Standing.BELOW_RANGE, -5.0),  # a rising line from 50% would say "on track"
    ("maintain", 2030, 60.0, Standing.WITHIN_RANGE, 0.0),
    ("maintain", 2035, 75.0, Standing.ABOVE_RANGE, 5.0),
    # "phấn đấu 60-70%": a line from the baseline (50% in 2020) to 60% in 2030, then the band
    ("reach", 2026, 55.0, Standing.BEHIND, -1.0),  # path 2026 = 50 + 10 × 6/10 = 56
    ("reach", 2026, 56.0, Standing.ON_TRACK, 0.0),
    ("reach", 2026, 75.0, Standing.ABOVE_RANGE, 19.0),
    ("reach", 2030, 60.0, Standing.WITHIN_RANGE, 0.0),
    ("reach", 2030, 70.0, Standing.WITHIN_RANGE, 0.0),
    ("reach", 2030, 59.9, Standing.BELOW_RANGE, -0.1),
])
def test_a_band_is_maintained_every_year_or_reached_by_its_year(aim, year, value, standing, gap) -> None:
    result = assess(target(aim=aim, **BAND), year, value, 50.0)
    assert result.standing is standing
    assert result.gap == pytest.approx(gap)


def test_a_maintained_target_needs_no_baseline() -> None:
    band = target(aim="maintain", **BAND)
    assert assess(band, 2025, 65.0, None).standing is Standing.WITHIN_RANGE
    assert assess(target(**BAND), 2025, 65.0, None).standing is Standing.NO_BASELINE


@pytest.mark.parametrize("comparator,value,standing", [
    ("gte", 20.0, Standing.MET), ("gte", 19.9, Standing.MISSED),   # "phấn đấu 20%": 20,0% is met
    ("gt", 50.0, Standing.MISSED), ("gt", 50.1, Standing.MET),     # "trên 50%": 50,0% is not
    ("lte", 5.0, Standing.MET), ("lte", 5.1, Standing.MISSED),
    ("lt", 5.0, Standing.MISSED), ("lt", 4.9, Standing.MET),
])
def test_a_value_exactly_on_the_target_in_its_year(comparator: str, value: float, standing: Standing) -> None:
    bound = {"gte": 20, "gt": 50, "lte": 5, "lt": 5}[comparator]
    result = assess(target(comparator=comparator, value=bound), 2030, value, 0.0)
    assert result.standing is standing


def test_a_value_exactly_on_the_path_is_on_track() -> None:
    rising = target(comparator="gte", value=50)  # 20% in 2020 → 50% in 2030: 35% in 2025
    assert path_value(rising, 20.0, 2025) == 35.0
    assert assess(rising, 2025, 35.0, 20.0).standing is Standing.ON_TRACK
    assert assess(rising, 2025, 34.9, 20.0).standing is Standing.BEHIND


def test_a_long_term_path_goes_through_the_plans_milestone(plan: Plan) -> None:
    later, sooner = indicator(plan, "tmdt-2045"), indicator(plan, "tmdt-2030")  # 20% by 2030, then 30% by 2045
    assert [path_value(later, 4.0, y) for y in range(2022, 2031)] == [path_value(sooner, 4.0, y)
                                                                       for y in range(2022, 2031)]
    assert path_value(later, 4.0, 2026) == 12.0  # 4 + 16 × 4/8
    assert path_value(later, 4.0, 2035) == pytest.approx(20 + 10 * 5 / 15)
    assert path_value(later, 4.0, 2045) == 30
    assert assess(later, 2030, 20.0, 4.0).standing is Standing.ON_TRACK  # on the milestone, not yet the target


ZERO = {"aim": "eliminate", "unit": "hợp tác xã", "denominator": None, "baseline_year": 2022}


def test_elimination_is_a_count_brought_to_zero_in_whole_numbers() -> None:
    closing = target(**ZERO)
    assert (closing.comparator, closing.value, closing.rising) == ("lte", 0, False)
    # 6 in 2022 → 0 in 2030; the line 5,25 4,5 3,75 3 2,25 1,5 0,75 0, rounded up: what may still remain
    assert [path_value(closing, 6.0, y) for y in range(2023, 2031)] == [6, 5, 4, 3, 3, 2, 1, 0]
    assert [path_value(closing, 1.0, y) for y in (2028, 2029, 2030)] == [1, 1, 0]  # zero is asked in 2030, not before
    assert assess(closing, 2027, 3.0, 6.0).standing is Standing.ON_TRACK
    behind = assess(closing, 2028, 4.0, 6.0)
    assert (behind.standing, behind.path, behind.gap) == (Standing.BEHIND, 2, -2)
    assert assess(closing, 2030, 0.0, 6.0).standing is Standing.MET  # exactly zero in its year
    assert assess(closing, 2030, 1.0, 6.0).standing is Standing.MISSED
    assert target_text(closing) == "0 hợp tác xã"
    assert held_to(closing, 2028, behind) == "≤ 2 hợp tác xã"
    assert held_to(closing, 2029, assess(closing, 2029, 0.0, 0.0)) == "0 hợp tác xã"
    assert gap_text(closing, behind.gap) == "-2 hợp tác xã"


def test_a_rising_count_asks_no_more_than_its_line() -> None:
    growing = target(comparator="gte", value=10, unit="tổ hợp tác", denominator=None, year=2027)
    # 0 in 2020 → 10 in 2027: the line 1,43 2,86 4,29 5,71 7,14 8,57 10, rounded down: what is enough
    assert [path_value(growing, 0.0, y) for y in range(2021, 2028)] == [1, 2, 4, 5, 7, 8, 10]


@pytest.mark.parametrize("code,text", [
    ("htx-kha-tot-2030", "60–70%"), ("htx-cong-nghe-cao-2030", "> 50%"), ("tmdt-2030", "≥ 20%"),
    ("giai-the-htx-2030", "0 hợp tác xã"), ("tmdt-2045", "≥ 30%"), ("ktt-hieu-qua-2045", "> 90%"),
])
def test_each_target_reads_as_the_plan_states_it(plan: Plan, code: str, text: str) -> None:
    assert target_text(indicator(plan, code)) == text


def test_the_plans_aims(plan: Plan) -> None:
    aims = {i.code: i.aim for i in plan.source.indicators if i.kind == "target"}
    assert aims.pop("htx-kha-tot-2030") == "maintain" and aims.pop("giai-the-htx-2030") == "eliminate"
    assert set(aims.values()) == {"reach"}


@pytest.mark.parametrize("gap,unit,text", [
    (12.94, "%", "+12,9 điểm phần trăm"), (-0.6, "%", "-0,6 điểm phần trăm"), (-0.04, "%", "0 điểm phần trăm"),
    (0.0, "%", "0 điểm phần trăm"), (-2.0, "hợp tác xã", "-2 hợp tác xã"), (10.0, "hợp tác xã", "+10 hợp tác xã"),
    (None, "%", "—"),
])
def test_every_gap_carries_its_unit(gap, unit: str, text: str) -> None:
    measured = target(comparator="gte", value=20) if unit == "%" else target(**ZERO)
    assert gap_text(measured, gap) == text


def test_numbers_read_the_vietnamese_way() -> None:
    assert [number_vi(v) for v in (10, 100.0, 66.666, 0.04, -0.04, None)] == ["10", "100", "66,7", "0", "0", "—"]
    assert number_vi(10, 0) == "10"


def test_sources_quote_the_plan_word_for_word_with_misprints_marked(plan: Plan) -> None:
    printed = " ".join(PLAN_TEXT.read_text(encoding="utf-8").split())
    for item in plan.source.indicators:
        quoted = " ".join(item.source.replace(" [sic]", "").split())
        at = 0
        for piece in (p.strip() for p in quoted.split("…") if p.strip()):  # "…" stands for words left out
            at = printed.find(piece, at)
            assert at >= 0, (item.code, piece)
        assert not re.search(r"Phần đầu(?! \[sic\])", item.source), item.code  # never copied silently
        assert "Phấn đấu" not in item.source  # nor corrected silently
    assert sum("Phần đầu [sic]" in i.source for i in plan.source.indicators) == 3


def _refused_line(tmp_path: Path, config_dir: Path, old: str, new: str, message: str) -> str:
    """The plan.yaml line the loader blames for ``message`` once ``old`` is replaced by ``new``."""
    config = tmp_path / "config"
    shutil.copytree(config_dir, config)
    text = (config / "plan.yaml").read_text(encoding="utf-8")
    assert old in text
    (config / "plan.yaml").write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_plan(config)
    hits = [p for p in caught.value.problems if message in p.message]
    assert hits, [str(p) for p in caught.value.problems]
    return text.replace(old, new, 1).splitlines()[hits[0].line - 1]


@pytest.mark.parametrize("old,new,line_has,message", [
    ("    aim: eliminate\n", "    aim: eliminate\n    comparator: lte\n", "comparator",
     "mục tiêu 'eliminate' (giải thể dứt điểm) là đếm số tổ chức và đưa về 0: không ghi 'comparator'"),
    ("    aim: eliminate\n    unit: hợp tác xã\n", "    aim: eliminate\n", "aim",
     "mục tiêu 'eliminate' đếm tổ chức: cần 'unit'"),
    ("    aim: maintain\n", "    aim: keep\n", "aim", "'reach', 'maintain' hoặc 'eliminate'"),
    ("    kind: qualitative\n", "    kind: qualitative\n    aim: maintain\n", "aim", "mục tiêu định tính không dùng: aim"),
    ("milestones: [{year: 2030, value: 20}]", "milestones: [{year: 2046, value: 20}]", "milestones",
     "mốc chỉ dùng cho mục tiêu 'reach', năm tăng dần, sau năm gốc 2022 và trước năm đích 2045"),
    ("    aim: maintain\n", "    aim: maintain\n    milestones: [{year: 2026, value: 60}]\n", "milestones",
     "mốc chỉ dùng cho mục tiêu 'reach'"),
])
def test_a_bad_aim_is_refused_at_its_line(tmp_path: Path, config_dir: Path, old: str, new: str, line_has: str,
                                          message: str) -> None:
    assert _refused_line(tmp_path, config_dir, old, new, message).strip().startswith(line_has)


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
    line = _refused_line(tmp_path, config_dir, old, new, message)
    assert new.split(":")[0].strip("{ ") in line or "owner" in line
