"""Periods and deadlines of recurring duties."""

from __future__ import annotations

import datetime as dt

import pytest

from htx_tasks.core.calendar import WorkCalendar
from htx_tasks.core.recurrence import Recurrence, case_deadline, once_period, period_of, periods_opening

D = dt.date.fromisoformat
CAL = WorkCalendar()


def rule(**kwargs) -> Recurrence:
    return Recurrence(**kwargs)


@pytest.mark.parametrize(
    ("recurrence", "year", "index", "key", "label", "start", "end", "nominal", "due"),
    [
        (rule(every="quarter", due_month=3, due_day=20), 2026, 3, "2026-Q4", "quý IV/2026",
         "2026-10-01", "2026-12-31", "2026-12-20", "2026-12-21"),
        (rule(every="quarter", due_month=3, due_day=20), 2027, 0, "2027-Q1", "quý I/2027",
         "2027-01-01", "2027-03-31", "2027-03-20", "2027-03-22"),
        (rule(every="quarter", due_month=1, due_day="last"), 2027, 0, "2027-Q1", "quý I/2027",
         "2027-01-01", "2027-03-31", "2027-01-31", "2027-02-01"),
        (rule(every="quarter", due_month=2, due_day="last"), 2027, 0, "2027-Q1", "quý I/2027",
         "2027-01-01", "2027-03-31", "2027-02-28", "2027-03-01"),
        (rule(every="quarter", due_month=2, due_day="last"), 2028, 0, "2028-Q1", "quý I/2028",
         "2028-01-01", "2028-03-31", "2028-02-29", "2028-02-29"),
        (rule(every="month", due_day=25), 2026, 11, "2026-M12", "tháng 12/2026",
         "2026-12-01", "2026-12-31", "2026-12-25", "2026-12-25"),
        (rule(every="month", due_day="last"), 2026, 11, "2026-M12", "tháng 12/2026",
         "2026-12-01", "2026-12-31", "2026-12-31", "2026-12-31"),
        (rule(every="month", due_day="last"), 2027, 1, "2027-M02", "tháng 2/2027",
         "2027-02-01", "2027-02-28", "2027-02-28", "2027-03-01"),
        (rule(every="month", due_day=6), 2027, 1, "2027-M02", "tháng 2/2027",
         "2027-02-01", "2027-02-28", "2027-02-06", "2027-02-11"),  # Tết
        (rule(every="half_year", due_month=6, due_day=20), 2026, 1, "2026-H2", "6 tháng cuối năm 2026",
         "2026-07-01", "2026-12-31", "2026-12-20", "2026-12-21"),
        (rule(every="half_year", due_month=6, due_day=15), 2027, 0, "2027-H1", "6 tháng đầu năm 2027",
         "2027-01-01", "2027-06-30", "2027-06-15", "2027-06-15"),
        (rule(every="year", due_month=1, due_day=31), 2027, 0, "2027", "năm 2027",
         "2027-01-01", "2027-12-31", "2027-01-31", "2027-02-01"),
        (rule(every="year", due_month=12, due_day="last"), 2026, 0, "2026", "năm 2026",
         "2026-01-01", "2026-12-31", "2026-12-31", "2026-12-31"),
        (rule(every="year", due_month=4, due_day=30), 2027, 0, "2027", "năm 2027",
         "2027-01-01", "2027-12-31", "2027-04-30", "2027-05-04"),
    ],
)
def test_period_keys_labels_and_due_days(recurrence, year, index, key, label, start, end, nominal, due) -> None:
    period = period_of(recurrence, CAL, year, index)
    assert (period.key, period.label) == (key, label)
    assert (period.start, period.end) == (D(start), D(end))
    assert period.nominal_due == D(nominal)
    assert period.due == D(due)
    assert CAL.is_working_day(period.due)
    assert period.opens == period.start  # no opens_days_before: opens when the period starts


def test_opens_days_before_counts_back_from_the_shifted_due_day() -> None:
    recurrence = rule(every="year", due_month=1, due_day=31, opens_days_before=45)
    period = period_of(recurrence, CAL, 2027, 0)
    assert period.due == D("2027-02-01")
    assert period.opens == D("2026-12-18")


@pytest.mark.parametrize(
    ("recurrence", "after", "until", "keys"),
    [
        (rule(every="quarter", due_month=3, due_day=20), "2026-09-30", "2027-04-01",
         ["2026-Q4", "2027-Q1", "2027-Q2"]),
        # the window is (after, until]: a period opening on `after` is not repeated
        (rule(every="quarter", due_month=3, due_day=20), "2026-10-01", "2026-12-31", []),
        (rule(every="quarter", due_month=3, due_day=20), "2026-09-30", "2026-10-01", ["2026-Q4"]),
        (rule(every="month", due_day=25), "2026-10-31", "2027-01-01",
         ["2026-M11", "2026-M12", "2027-M01"]),
        (rule(every="half_year", due_month=6, due_day=15), "2026-01-01", "2027-12-31",
         ["2026-H2", "2027-H1", "2027-H2"]),
        # an annual duty opening 45 days before its due day opens in the previous December
        (rule(every="year", due_month=1, due_day=31, opens_days_before=45), "2026-12-01", "2026-12-31",
         ["2027"]),
        (rule(every="year", due_month=1, due_day=31, opens_days_before=45), "2026-12-18", "2027-12-16", []),
        (rule(every="year", due_month=1, due_day=31, opens_days_before=45), "2026-12-17", "2027-12-17",
         ["2027", "2028"]),
        (rule(every="year", due_month=10, due_day=31), "2025-12-31", "2027-01-01", ["2026", "2027"]),
        (rule(every="once", due_date=D("2027-01-15"), opens_days_before=60), "2026-11-01", "2026-11-30",
         ["once"]),
        (rule(every="once", due_date=D("2027-01-15"), opens_days_before=60), "2026-11-16", "2027-12-31", []),
        (rule(every="case", case_kinds=[{"code": "dang-ky", "title": "Đăng ký", "working_days": 3}]),
         "2020-01-01", "2030-12-31", []),
    ],
)
def test_periods_opening_in_a_window_oldest_first(recurrence, after, until, keys) -> None:
    periods = list(periods_opening(recurrence, CAL, D(after), D(until)))
    assert [p.key for p in periods] == keys
    assert all(D(after) < p.opens <= D(until) for p in periods)
    assert [p.opens for p in periods] == sorted(p.opens for p in periods)


def test_once_period_opens_before_its_deadline_and_keeps_the_named_day_in_its_label() -> None:
    period = once_period(rule(every="once", due_date=D("2027-01-15"), opens_days_before=60), CAL)
    assert period.key == "once"
    assert period.label == "hạn 15/01/2027"
    assert period.due == D("2027-01-15")
    assert period.opens == D("2026-11-16")


def test_once_period_due_on_a_day_off_moves_and_defaults_to_opening_30_days_before() -> None:
    period = once_period(rule(every="once", due_date=D("2027-02-06")), CAL)
    assert period.nominal_due == D("2027-02-06")
    assert period.due == D("2027-02-11")
    assert period.opens == D("2027-01-12")
    assert period.label == "hạn 06/02/2027"


@pytest.mark.parametrize(
    ("received", "working_days", "deadline"),
    [
        ("2027-03-15", 3, "2027-03-18"),  # Monday → Thursday
        ("2027-03-18", 3, "2027-03-23"),  # Thursday → across the weekend → Tuesday
        ("2027-02-03", 3, "2027-02-15"),  # across Tết
        ("2027-04-28", 3, "2027-05-05"),  # 29/4, then 30/4–3/5 off, 4/5, 5/5
        ("2027-03-20", 1, "2027-03-22"),  # received on a Saturday: counting starts on Monday
        ("2026-12-30", 3, "2027-01-05"),  # across the New Year
    ],
)
def test_case_deadline_counts_working_days_after_receipt(received: str, working_days: int, deadline: str) -> None:
    assert case_deadline(CAL, D(received), working_days) == D(deadline)


def test_plan_duties_have_expected_first_periods(plan) -> None:
    # tracking starts in November 2026: Q4 reports fall due on working days in December
    xa = plan.duty("xa-tuyen-truyen").recurrence
    period = period_of(xa, plan.calendar, 2026, 3)
    assert (period.label, period.due) == ("quý IV/2026", D("2026-12-10"))
    monthly = plan.duty("ttvhtt-tuyen-truyen").recurrence
    assert period_of(monthly, plan.calendar, 2027, 3).due == D("2027-04-26")  # 25/4/2027 is a Sunday
