"""The Vietnamese working-day calendar and Civil Code art. 147/148 deadlines."""

from __future__ import annotations

import datetime as dt

import pytest

from htx_tasks.core.calendar import WorkCalendar, format_date_vi, weekday_vi

D = dt.date.fromisoformat


@pytest.fixture(scope="module")
def cal() -> WorkCalendar:
    return WorkCalendar()


@pytest.mark.parametrize(
    ("day", "working"),
    [
        # Tết Nguyên đán 2027: 29 Tết (Thu 4/2) to mùng 5 (Wed 10/2)
        ("2027-02-03", True),
        *[(f"2027-02-{d:02d}", False) for d in range(4, 11)],
        ("2027-02-11", True),
        # Saturday 22/8/2026 is a government weekend working day (làm bù for Monday 31/8)
        ("2026-08-22", True),
        ("2026-08-23", False),
        ("2026-08-31", False),
        ("2026-09-01", False),
        ("2026-09-02", False),
        ("2026-09-03", True),
        # year end and New Year's Day
        ("2026-12-31", True),
        ("2027-01-01", False),
        ("2027-01-04", True),
        # 30/4 and 1/5 2027, 1/5 falling on a Saturday is observed on Monday 3/5
        ("2027-04-30", False),
        ("2027-05-01", False),
        ("2027-05-03", False),
        ("2027-05-04", True),
        # ordinary weekdays and weekends
        ("2027-03-22", True),
        ("2027-03-20", False),
        ("2027-03-21", False),
    ],
)
def test_is_working_day_follows_the_vietnamese_calendar(cal: WorkCalendar, day: str, working: bool) -> None:
    assert cal.is_working_day(D(day)) is working


@pytest.mark.parametrize(
    ("nominal", "deadline"),
    [
        ("2027-02-06", "2027-02-11"),  # Tết: the next working day after mùng 5
        ("2027-02-04", "2027-02-11"),
        ("2027-02-03", "2027-02-03"),  # a working day stays
        ("2027-03-20", "2027-03-22"),  # Saturday → Monday
        ("2027-03-21", "2027-03-22"),  # Sunday → Monday
        ("2027-04-30", "2027-05-04"),  # holiday Friday, 1/5 Saturday, 3/5 observed → Tuesday
        ("2027-05-01", "2027-05-04"),
        ("2026-08-22", "2026-08-22"),  # weekend working day counts as a working day
        ("2026-08-29", "2026-09-03"),  # Saturday, then 31/8 substitute, 1–2/9 National Day
        ("2026-08-31", "2026-09-03"),
        ("2026-12-31", "2026-12-31"),  # year end is a Thursday
        ("2027-01-01", "2027-01-04"),  # New Year's Day (Friday) → Monday
        ("2026-10-31", "2026-11-02"),
        ("2026-12-20", "2026-12-21"),
    ],
)
def test_deadline_on_a_day_off_moves_to_the_next_working_day(cal: WorkCalendar, nominal: str, deadline: str) -> None:
    assert cal.deadline(D(nominal)) == D(deadline)


def test_deadline_on_tet_moves_to_next_working_day(cal: WorkCalendar) -> None:
    assert cal.deadline(D("2027-02-06")) == D("2027-02-11")


@pytest.mark.parametrize(
    ("start", "count", "result"),
    [
        ("2027-02-03", 1, "2027-02-11"),  # across Tết
        ("2027-02-03", 3, "2027-02-15"),  # 11, 12, (weekend), 15
        ("2027-02-05", 1, "2027-02-11"),  # counting from a day off starts the day after
        ("2027-02-11", -1, "2027-02-03"),  # backwards across Tết
        ("2027-02-15", -3, "2027-02-03"),
        ("2027-03-22", -3, "2027-03-17"),
        ("2027-03-22", 0, "2027-03-22"),
        ("2027-03-20", 0, "2027-03-22"),  # zero moves a day off forward
        ("2026-12-31", 1, "2027-01-04"),  # across New Year's Day and a weekend
        ("2027-01-04", -1, "2026-12-31"),
        ("2026-08-21", 1, "2026-08-22"),  # the Saturday working day counts
        ("2026-08-22", 1, "2026-08-24"),
        ("2026-08-28", 1, "2026-09-03"),  # 29–30 weekend, 31/8 substitute, 1–2/9
        ("2027-04-29", 1, "2027-05-04"),
    ],
)
def test_add_working_days_counts_only_working_days(cal: WorkCalendar, start: str, count: int, result: str) -> None:
    assert cal.add_working_days(D(start), count) == D(result)


@pytest.mark.parametrize(
    ("start", "end", "count"),
    [
        ("2027-02-03", "2027-02-11", 1),  # Tết in between
        ("2027-02-03", "2027-02-03", 0),
        ("2027-02-11", "2027-02-03", -1),
        ("2027-03-19", "2027-03-22", 1),  # weekend in between
        ("2027-03-15", "2027-03-22", 5),
        ("2026-12-31", "2027-01-04", 1),
        ("2026-08-21", "2026-08-24", 2),  # Saturday 22/8 counts
        ("2026-12-01", "2026-12-31", 22),
    ],
)
def test_working_days_between_counts_the_half_open_interval(cal: WorkCalendar, start: str, end: str, count: int) -> None:
    assert cal.working_days_between(D(start), D(end)) == count


def test_working_days_between_inverts_add_working_days(cal: WorkCalendar) -> None:
    start = D("2027-01-20")
    for n in range(1, 30):
        assert cal.working_days_between(start, cal.add_working_days(start, n)) == n


@pytest.mark.parametrize(
    ("day", "on_or_before", "next_day"),
    [
        ("2027-02-07", "2027-02-03", "2027-02-11"),
        ("2027-03-21", "2027-03-19", "2027-03-22"),
        ("2027-03-22", "2027-03-22", "2027-03-23"),
        ("2026-08-23", "2026-08-22", "2026-08-24"),
    ],
)
def test_neighbouring_working_days(cal: WorkCalendar, day: str, on_or_before: str, next_day: str) -> None:
    assert cal.working_day_on_or_before(D(day)) == D(on_or_before)
    assert cal.next_working_day(D(day)) == D(next_day)


def test_holiday_names_and_weekend_working_day_reason_are_vietnamese(cal: WorkCalendar) -> None:
    assert cal.holiday_name(D("2027-02-06")) == "Tết Nguyên Đán"
    assert cal.holiday_name(D("2027-01-01")) == "Tết Dương lịch"
    assert "22/08/2026" in cal.holiday_name(D("2026-08-31"))
    assert cal.holiday_name(D("2027-03-22")) is None
    assert cal.working_day_reason(D("2026-08-22")) == "Ngày làm bù theo thông báo của Chính phủ"
    assert cal.working_day_reason(D("2026-08-29")) is None


def test_days_off_from_configuration_are_not_working_days() -> None:
    cal = WorkCalendar(days_off={D("2027-02-11"): "Nghỉ bù Tết theo thông báo"})
    assert not cal.is_working_day(D("2027-02-11"))
    assert cal.holiday_name(D("2027-02-11")) == "Nghỉ bù Tết theo thông báo"
    assert cal.deadline(D("2027-02-06")) == D("2027-02-12")
    assert cal.add_working_days(D("2027-02-03"), 1) == D("2027-02-12")
    assert cal.working_days_between(D("2027-02-03"), D("2027-02-12")) == 1


def test_working_days_from_configuration_override_weekends_and_holidays() -> None:
    cal = WorkCalendar(
        working_days={
            D("2027-02-20"): "Làm bù cho ngày 11/02/2027",  # a Saturday
            D("2027-02-10"): "Làm việc theo thông báo",  # officially mùng 5 Tết
        }
    )
    assert cal.is_working_day(D("2027-02-20"))
    assert cal.working_day_reason(D("2027-02-20")) == "Làm bù cho ngày 11/02/2027"
    assert cal.holiday_name(D("2027-02-10")) is None
    assert cal.deadline(D("2027-02-06")) == D("2027-02-10")
    assert cal.deadline(D("2027-02-20")) == D("2027-02-20")
    assert cal.add_working_days(D("2027-02-19"), 1) == D("2027-02-20")


def test_config_calendar_is_the_one_the_plan_uses(plan) -> None:
    # config/calendar.yaml announces nothing beyond the holidays package today
    assert plan.calendar.deadline(D("2027-02-06")) == D("2027-02-11")
    assert plan.calendar.is_working_day(D("2026-08-22"))


@pytest.mark.parametrize(
    ("day", "text"),
    [
        ("2026-12-18", "Thứ Sáu, 18/12/2026"),
        ("2027-02-07", "Chủ nhật, 07/02/2027"),
        ("2027-03-22", "Thứ Hai, 22/03/2027"),
    ],
)
def test_dates_are_written_the_vietnamese_way(day: str, text: str) -> None:
    assert format_date_vi(D(day)) == text
    assert format_date_vi(D(day), with_weekday=False) == text.split(", ")[1]
    assert weekday_vi(D(day)) == text.split(", ")[0]
