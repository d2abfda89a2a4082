"""The Vietnamese deadline reader: published phrases (tests/data/deadline_phrases.yaml) and properties."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from htx_tasks.core.calendar import WorkCalendar
from htx_tasks.core.deadlines import Cycle, DeadlineKind, Reading, effective_due, read_deadline
from htx_tasks.core.recurrence import Recurrence
from htx_tasks.core.vntext import strip_marks
from htx_tasks.plan.schema import Active

TABLE = yaml.safe_load((Path(__file__).parent / "data" / "deadline_phrases.yaml").read_text(encoding="utf-8"))
CAL = WorkCalendar()
ROMAN = ("I", "II", "III", "IV")
DASHES = ["-", "–", "—", " - ", " – ", "- ", " -", "−"]
dates = st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2099, 12, 31))
years = st.integers(min_value=2000, max_value=2099)


def observed(reading: Reading) -> dict[str, Any]:
    """What a table row can state about a reading."""
    got: dict[str, Any] = {"kind": reading.kind.value, "review": reading.needs_review}
    if reading.due:
        got["due"] = reading.due
    if reading.rule:
        got["every"] = reading.rule.every.value
        got["due_month"] = reading.rule.due_month
        got["due_day"] = reading.rule.due_day
    if reading.window:
        got.update({"from": reading.window.start, "until": reading.window.until, "active_year": reading.window.year})
    if reading.working_days:
        got["working_days"] = reading.working_days
    if reading.hint:
        got["hint"] = reading.hint
    return got


def same_reading(a: Reading, b: Reading) -> bool:
    return (a.kind, a.due, a.rule, a.window, a.hint, a.confidence, a.understood) == (
        b.kind, b.due, b.rule, b.window, b.hint, b.confidence, b.understood)


def test_the_table_holds_at_least_sixty_sourced_phrases() -> None:
    assert len(TABLE) >= 60
    assert all(str(row.get("source", "")).strip() for row in TABLE), "every row names where it came from"
    published = [row for row in TABLE if not str(row["source"]).startswith(("issue 19 (forms)", "config/", "same line"))]
    assert len(published) >= 60


@pytest.mark.parametrize("row", TABLE, ids=[f"{i:02d}-{row['phrase'][:40]}" for i, row in enumerate(TABLE)])
def test_published_phrase_reads_as_expected(row: dict[str, Any]) -> None:
    reading = read_deadline(row["phrase"], year=row.get("year"))
    expect = {"review": row["expect"]["kind"] == "unread", **row["expect"]}
    got = observed(reading)
    assert {key: got.get(key) for key in expect} == expect, reading.understood
    assert reading.phrase == row["phrase"]
    assert reading.understood.strip()
    if reading.kind is DeadlineKind.UNREAD:
        assert reading.due is None and reading.rule is None, "what is not read is never given a deadline"


@pytest.mark.parametrize("row", TABLE, ids=[f"{i:02d}" for i in range(len(TABLE))])
def test_what_is_read_fits_the_plan_schema(row: dict[str, Any]) -> None:
    reading = read_deadline(row["phrase"], year=row.get("year"))
    fields = reading.plan_fields()
    if reading.kind is DeadlineKind.UNREAD or (reading.rule and not reading.rule.complete):
        assert reading.needs_review
        return
    if "recurrence" in fields:
        recurrence = dict(fields["recurrence"])
        if recurrence["every"] == "case":
            recurrence["case_kinds"] = [{"code": "viec", "title": "Việc", **recurrence["case_kinds"][0]}]
        assert Recurrence.model_validate(recurrence).every == recurrence["every"]
    if "active" in fields:
        Active.model_validate(fields["active"])
    assert fields or reading.kind is DeadlineKind.CONTINUOUS


DATE_FORMS = [
    "trước ngày {d}/{m}/{y}", "Chậm nhất ngày {d:02d}/{m:02d}/{y}", "ngày {d} tháng {m} năm {y}",
    "hoàn thành trước ngày {d:02d} tháng {m:02d} năm {y}", "{y}-{m:02d}-{d:02d}", "hạn {d}.{m}.{y}",
    "TRƯỚC NGÀY {d}-{m}-{y}", "chậm nhất   ngày {d}/{m} năm {y}",
]


@given(day=dates, form=st.sampled_from(DATE_FORMS))
def test_any_date_written_in_a_supported_form_reads_back(day: dt.date, form: str) -> None:
    reading = read_deadline(form.format(d=day.day, m=day.month, y=day.year))
    assert (reading.kind, reading.due) == (DeadlineKind.DATE, day)
    assert not reading.needs_review


MONTH_FORMS = ["trong tháng {m}/{y}", "Tháng {m:02d}/{y}", "tháng {m} năm {y}", "T{m}/{y}", "{m:02d}/{y}"]
WINDOW_WORDS = ["giai đoạn", "Giai đoạn", "GIAI ĐOẠN", "nhiệm kỳ"]


@given(day=dates, form=st.sampled_from(MONTH_FORMS))
def test_a_month_is_due_on_its_last_day(day: dt.date, form: str) -> None:
    reading = read_deadline(form.format(m=day.month, y=day.year))
    next_month = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    assert reading.kind is DeadlineKind.DATE
    assert reading.due == next_month - dt.timedelta(days=1)


@given(year=years, quarter=st.integers(1, 4), dash=st.sampled_from(["/", " / ", " năm ", "/", "-"]))
def test_roman_and_arabic_quarters_agree(year: int, quarter: int, dash: str) -> None:
    roman = read_deadline(f"quý {ROMAN[quarter - 1]}{dash}{year}")
    arabic = read_deadline(f"Quý {quarter}{dash}{year}")
    end_month = quarter * 3
    last = dt.date(year + end_month // 12, end_month % 12 + 1, 1) - dt.timedelta(days=1)
    assert roman.kind is arabic.kind is DeadlineKind.DATE
    assert roman.due == arabic.due == last
    assert roman.window == arabic.window


@given(year=years, first=st.booleans())
def test_half_years(year: int, first: bool) -> None:
    reading = read_deadline(f"6 tháng {'đầu' if first else 'cuối'} năm {year}")
    assert reading.due == (dt.date(year, 6, 30) if first else dt.date(year, 12, 31))


@given(first=years, length=st.integers(1, 20), dash=st.sampled_from(DASHES), word=st.sampled_from(WINDOW_WORDS))
def test_periods_of_years_are_windows(first: int, length: int, dash: str, word: str) -> None:
    reading = read_deadline(f"{word} {first}{dash}{first + length}")
    assert reading.kind is DeadlineKind.WINDOW and reading.due is None
    assert reading.plan_fields()["active"] == {"from": dt.date(first, 1, 1), "until": dt.date(first + length, 12, 31)}


@given(day=st.integers(1, 30), cycle=st.sampled_from(["hằng quý", "Hàng quý", "định kỳ hằng quý"]))
def test_a_day_of_the_last_month_of_each_quarter(day: int, cycle: str) -> None:
    reading = read_deadline(f"{cycle}, trước ngày {day} tháng cuối quý")
    assert reading.kind is DeadlineKind.RECURRING
    assert reading.rule is not None and (reading.rule.every, reading.rule.due_month, reading.rule.due_day) == (
        Cycle.QUARTER, 3, day)


@given(day=st.integers(1, 30), month=st.integers(1, 6))
def test_half_yearly_rules_from_their_two_days(day: int, month: int) -> None:
    reading = read_deadline(f"định kỳ 6 tháng (trước ngày {day}/{month} và {day}/{month + 6})")
    assert reading.rule is not None and (reading.rule.every, reading.rule.due_month, reading.rule.due_day) == (
        Cycle.HALF_YEAR, month, day)
    if day <= 28:  # a later day is not in every month of the slot: the schema asks for "last"
        Recurrence.model_validate(reading.plan_fields()["recurrence"])


@given(day=st.integers(1, 28), month=st.integers(1, 6))
def test_two_days_that_are_not_six_months_apart_are_flagged(day: int, month: int) -> None:
    reading = read_deadline(f"định kỳ 6 tháng (trước ngày {day}/{month} và {day}/{month + 5})")
    assert reading.kind is DeadlineKind.UNREAD and reading.needs_review


def _variants(text: str) -> st.SearchStrategy[str]:
    return st.sampled_from([
        strip_marks(text), text.upper(), strip_marks(text).upper(), "  " + text.replace(" ", "   ") + " ",
        text.replace("–", "-").replace("-", "—"),
    ])


@given(data=st.data(), row=st.sampled_from(TABLE))
def test_spelling_never_changes_the_reading(data: st.DataObject, row: dict[str, Any]) -> None:
    variant = data.draw(_variants(row["phrase"]))
    assert same_reading(read_deadline(variant, year=row.get("year")), read_deadline(row["phrase"], year=row.get("year")))


@given(day=dates, form=st.sampled_from(DATE_FORMS))
def test_removing_diacritics_never_changes_a_generated_date(day: dt.date, form: str) -> None:
    text = form.format(d=day.day, m=day.month, y=day.year)
    assert same_reading(read_deadline(strip_marks(text)), read_deadline(text))


@given(st.text(alphabet=st.sampled_from(list("aăâbcdđeêghiklmnoôơpqrstuưvxyáàảãạếềểễệ ,.;()")), max_size=80))
def test_text_without_numbers_never_yields_a_date(text: str) -> None:
    reading = read_deadline(text)
    assert reading.due is None and reading.window is None and reading.hint is None


@given(day=dates, event=st.sampled_from(["Kỳ họp chuyên đề", "trình phiên họp thường kỳ", "Hội nghị sơ kết", "khi có yêu cầu"]),
       form=st.sampled_from(DATE_FORMS[:3] + ["tháng {m}/{y}", "quý I/{y}", "năm {y}"]))
def test_an_event_is_never_read_as_a_deadline(day: dt.date, event: str, form: str) -> None:
    reading = read_deadline(f"{event} {form.format(d=day.day, m=day.month, y=day.year)}")
    assert reading.kind is DeadlineKind.UNREAD and reading.due is None and reading.rule is None
    assert reading.hint is not None and reading.confidence < 0.5


@given(day=dates)
def test_the_document_date_of_a_reference_is_not_a_deadline(day: dt.date) -> None:
    reading = read_deadline(f"theo Công văn số 279/SNN-PTNT ngày {day.day}/{day.month}/{day.year}")
    assert reading.due is None and reading.kind is DeadlineKind.UNREAD


@given(day=dates)
def test_a_deadline_on_a_day_off_moves_to_the_next_working_day(day: dt.date) -> None:
    reading = read_deadline(f"trước ngày {day.day}/{day.month}/{day.year}")
    due = effective_due(reading, CAL)
    assert due is not None and CAL.is_working_day(due) and day <= due
    assert all(not CAL.is_working_day(day + dt.timedelta(days=n)) for n in range((due - day).days))


def test_a_case_counts_working_days_from_receipt() -> None:
    reading = read_deadline("trong 03 ngày làm việc kể từ ngày nhận hồ sơ hợp lệ")
    assert reading.kind is DeadlineKind.CASE and reading.working_days == 3
    assert effective_due(reading, CAL, received=dt.date(2026, 12, 31)) == dt.date(2027, 1, 6)  # New Year, weekend


@pytest.mark.parametrize(("phrase", "year", "due"), [
    ("trước ngày 30/6", 2026, dt.date(2026, 6, 30)),
    ("quý I", 2027, dt.date(2027, 3, 31)),
    ("6 tháng đầu năm", 2026, dt.date(2026, 6, 30)),
])
def test_a_phrase_without_a_year_takes_the_plans_year_and_asks_for_review(phrase: str, year: int, due: dt.date) -> None:
    with_year, without = read_deadline(phrase, year=year), read_deadline(phrase)
    assert with_year.due == due and with_year.needs_review and "năm của kế hoạch" in with_year.understood
    assert without.kind is DeadlineKind.UNREAD and without.due is None


@pytest.mark.parametrize("phrase", ["trước ngày 31/02/2026", "tháng 13/2026", "quý IV-II/2026", "hằng tuần", "ngày 30/2"])
def test_impossible_or_unsupported_phrases_are_flagged(phrase: str) -> None:
    reading = read_deadline(phrase, year=2026)
    assert reading.kind is DeadlineKind.UNREAD and reading.due is None and reading.needs_review


def test_a_meeting_month_is_offered_only_as_a_low_confidence_hint() -> None:
    reading = read_deadline("Kỳ họp chuyên đề tháng 5/2026")
    assert (reading.kind, reading.due, reading.hint) == (DeadlineKind.UNREAD, None, dt.date(2026, 5, 31))
    assert "không dùng làm hạn" in reading.understood and reading.plan_fields() == {}
