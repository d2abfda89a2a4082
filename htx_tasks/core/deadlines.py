"""Reading the deadlines plans and trackers write in Vietnamese: a date, a rule, a window, or a flag.

``read_deadline("hằng quý, trước ngày 15 tháng cuối quý")`` gives a :class:`Reading`: what kind of
deadline the phrase sets, the values in the plan schema's shapes (``plan_fields()``: a
``recurrence`` of ``every: once|month|quarter|half_year|year|case``, an ``active`` window), what
it understood in Vietnamese, how sure it is, and the phrase as written.

Rules of reading (each one a person can check):
- "trước ngày 15/12" and "chậm nhất ngày 15/12" both set the deadline 15/12, as offices use them.
- A named period ("tháng 6/2027", "quý I/2026", "6 tháng đầu năm 2027", "năm 2026") is due on its
  last day; "trước tháng 10/2024" on the day before it starts.
- "Giai đoạn 2026–2030" is a window (``active``), not a deadline; "thường xuyên" is continuous work
  with no deadline.
- A meeting, an event or a request ("Kỳ họp chuyên đề tháng 5/2026", "khi có yêu cầu") is never
  read as a deadline: the reading is UNREAD and flagged; a date it mentions is only a ``hint``.
- Two readings that disagree (two cycles, two dates, a cycle and a fixed date) are flagged, never
  resolved by a guess. A document's own date ("Công văn số 279/SNN-PTNT ngày 31/01/2023") is a
  reference, not a deadline.
Confidence below :data:`REVIEW_BELOW` means a person should confirm before anything is sent.
"""

from __future__ import annotations

import calendar as _pycal
import datetime as dt
import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Literal

from htx_tasks.core.calendar import WorkCalendar
from htx_tasks.core.deadline_scan import Cycle, Scan, Span, scan

__all__ = ["REVIEW_BELOW", "Cycle", "DeadlineKind", "Reading", "Rule", "Window", "effective_due", "read_deadline"]

REVIEW_BELOW = 0.8
DAY = dt.timedelta(days=1)


class DeadlineKind(StrEnum):
    DATE = "date"  # one deadline on a given day
    RECURRING = "recurring"  # every month / quarter / half-year / year
    WINDOW = "window"  # the duty applies during a window; no deadline of its own
    CONTINUOUS = "continuous"  # "thường xuyên": ongoing, no deadline
    CASE = "case"  # each case received is due N working days later
    UNREAD = "unread"  # left as text for a person

    @property
    def label(self) -> str:
        return {
            "date": "Hạn một lần", "recurring": "Định kỳ", "window": "Thời gian áp dụng",
            "continuous": "Thường xuyên", "case": "Theo từng việc", "unread": "Chưa đọc được",
        }[self.value]


@dataclass(frozen=True)
class Rule:
    """``every`` with the plan's ``due_month`` (month of the period, 1-based) and ``due_day``."""

    every: Cycle
    due_month: int | None = None
    due_day: int | Literal["last"] | None = None

    @property
    def complete(self) -> bool:
        return self.due_day is not None and (self.every is Cycle.MONTH or self.due_month is not None)


@dataclass(frozen=True)
class Window:
    start: dt.date | None = None
    until: dt.date | None = None
    year: int | None = None  # a whole calendar year: the plan's ``active: {year: ...}``

    @property
    def label(self) -> str:
        if self.year is not None:
            return f"năm {self.year}"
        if self.start and self.until:
            return f"từ {_d(self.start)} đến {_d(self.until)}"
        return f"từ {_d(self.start)}" if self.start else f"đến {_d(self.until)}"

    def plan_active(self) -> dict[str, Any]:
        if self.year is not None:
            return {"year": self.year}
        return {k: v for k, v in (("from", self.start), ("until", self.until)) if v is not None}


@dataclass(frozen=True)
class Reading:
    phrase: str  # as written
    kind: DeadlineKind
    understood: str  # what the reader understood, in Vietnamese
    confidence: float  # 0..1
    due: dt.date | None = None
    rule: Rule | None = None
    window: Window | None = None
    working_days: int | None = None
    hint: dt.date | None = None  # a date mentioned beside an event: never the deadline

    @property
    def needs_review(self) -> bool:
        return self.kind is DeadlineKind.UNREAD or self.confidence < REVIEW_BELOW

    def plan_fields(self) -> dict[str, Any]:
        """The reading in the plan's YAML shapes (``recurrence``, ``active``); empty when unread."""
        fields: dict[str, Any] = {}
        if self.kind is DeadlineKind.DATE and self.due:
            fields["recurrence"] = {"every": "once", "due_date": self.due}
        elif self.kind is DeadlineKind.RECURRING and self.rule:
            recurrence: dict[str, Any] = {"every": self.rule.every.value}
            if self.rule.due_month is not None and self.rule.every is not Cycle.MONTH:
                recurrence["due_month"] = self.rule.due_month
            if self.rule.due_day is not None:
                recurrence["due_day"] = self.rule.due_day
            fields["recurrence"] = recurrence
        elif self.kind is DeadlineKind.CASE:
            fields["recurrence"] = {"every": "case", "case_kinds": [{"working_days": self.working_days}]}
        if self.window and self.kind is not DeadlineKind.DATE:
            fields["active"] = self.window.plan_active()
        return fields


def read_deadline(phrase: str, *, year: int | None = None) -> Reading:
    """Read ``phrase``; ``year`` (the plan's year) completes "trước ngày 30/6" or "quý I"."""
    found = scan(phrase, year)
    kind, values, understood, confidence = _decide(found)
    if kind is not DeadlineKind.UNREAD and found.residue:
        confidence -= min(0.15, 0.03 * len(found.residue))
        understood += f" Phần không đọc: “{' '.join(found.residue)}”."
    if found.reference and kind is not DeadlineKind.UNREAD:
        understood += " Ngày của văn bản được dẫn không tính là hạn."
    return Reading(phrase, kind, understood, round(max(confidence, 0.0), 2), **values)


def effective_due(reading: Reading, calendar: WorkCalendar, *, received: dt.date | None = None) -> dt.date | None:
    """The working day the deadline falls on (Civil Code art. 148); for a case, counted from ``received``."""
    if reading.kind is DeadlineKind.DATE and reading.due:
        return calendar.deadline(reading.due)
    if reading.kind is DeadlineKind.CASE and reading.working_days and received:
        return calendar.add_working_days(received, reading.working_days)
    return None


Decision = tuple[DeadlineKind, dict[str, Any], str, float]


def _d(day: dt.date | None) -> str:
    return f"{day:%d/%m/%Y}" if day else ""


def _unread(why: str, hint: dt.date | None = None) -> Decision:
    if hint:
        why += f" Gợi ý (độ tin cậy thấp, không dùng làm hạn): {_d(hint)}."
    return DeadlineKind.UNREAD, {"hint": hint}, why + " Cần người xác định.", 0.2 if hint else 0.0


def _applies(window: Window, confidence: float) -> Decision:
    return DeadlineKind.WINDOW, {"window": window}, f"Áp dụng {window.label}; không đặt hạn.", confidence


def _window(found: Scan) -> Window | None:
    if len(found.year_ranges) == 1:
        first, last, _ = found.year_ranges[0]
        return Window(dt.date(first, 1, 1), dt.date(last, 12, 31))
    if found.open_from:
        return Window(dt.date(found.open_from, 1, 1))
    return None


def _decide(found: Scan) -> Decision:
    dated = [s for s in found.spans if not s.yearless]
    if found.events:
        hint = next(iter([*found.dates, *(s.end for s in dated), *(r[1] for r in found.day_ranges)]), None)
        events = ", ".join(dict.fromkeys(found.events))
        return _unread(f"Gắn với một sự việc ({events}), không phải một ngày hạn.", hint)
    if found.bad_dates:
        return _unread(f"Ngày không có thật: {', '.join(found.bad_dates)}.")
    if found.unsupported:
        return _unread(f"Chu kỳ {found.unsupported}: kế hoạch chưa theo dõi chu kỳ này.")
    if found.calendar_days is not None:
        return _unread(f"{found.calendar_days} ngày tính từ một sự việc: chưa đọc được mốc tính.")
    if found.cycles:
        return _recurring(found)
    if found.working_days:
        days = found.working_days
        values = {"working_days": days, "window": _window(found)}
        return DeadlineKind.CASE, values, f"Mỗi việc phát sinh: hạn {days:02d} ngày làm việc kể từ ngày nhận.", 0.9
    points = len(set(found.dates)) + len(set(found.spans)) + len(found.day_ranges) + len(set(found.day_months))
    points += len(found.year_ranges) + bool(found.open_from) + len(found.no_year)
    if found.continuous:
        if points - len(found.year_ranges) - bool(found.open_from):
            return _unread("Vừa ghi thường xuyên vừa nêu mốc thời gian.")
        window = _window(found)
        extra = f" Áp dụng {window.label}." if window else ""
        return DeadlineKind.CONTINUOUS, {"window": window}, "Thường xuyên: làm liên tục, không có hạn." + extra, 0.95
    return _one_point(found, points)


def _one_point(found: Scan, points: int) -> Decision:
    dates = sorted(set(found.dates))
    if len(dates) == 2 and points == 2 and re.search(r"\btu\b.*\bden\b", found.folded):
        return _applies(Window(dates[0], dates[1]), 0.9)
    if len(dates) == 1 and points == 1 and re.search(r"\b(?:tu|ke tu|bat dau tu)\s+(?:ngay\s+)?\d", found.folded):
        return _applies(Window(dates[0]), 0.85)
    if len(dates) == 1 and all(s.start <= dates[0] <= s.end for s in found.spans) and points == 1 + len(set(found.spans)):
        return DeadlineKind.DATE, {"due": dates[0]}, f"Hạn ngày {_d(dates[0])}.", 0.95
    if points != 1:
        return _unread("Nêu nhiều mốc thời gian khác nhau." if points else "Không nêu ngày, tháng, quý, năm hay chu kỳ nào.")
    if found.day_ranges:
        return _applies(Window(*found.day_ranges[0]), 0.85)
    if found.day_months:
        day, month = found.day_months[0]
        if found.year is None:
            return _unread(f"Ngày {day}/{month} không ghi năm.")
        try:
            due = dt.date(found.year, month, day)
        except ValueError:
            return _unread(f"Ngày {day}/{month}/{found.year} không có thật.")
        understood = f"Hạn ngày {_d(due)}. Năm {found.year} lấy theo năm của kế hoạch."
        return DeadlineKind.DATE, {"due": due}, understood, 0.75
    if found.no_year:
        return _unread(f"“{found.no_year[0]}” không ghi năm.")
    if found.spans:
        return _period(found.spans[0])
    window = _window(found)
    assert window is not None
    return _applies(window, 0.9 if found.open_from or found.year_ranges[0][2] else 0.8)


def _period(span: Span) -> Decision:
    if span.before:
        due = span.start - DAY
        understood = f"Hạn ngày {_d(due)} (trước {span.label})."
    else:
        due = span.end
        understood = f"Hạn ngày {_d(due)} (hết {span.label})."
    whole_year = span.start.month == 1 and span.end == dt.date(span.start.year, 12, 31)
    window = Window(year=span.start.year) if whole_year else Window(span.start, span.end)
    if span.yearless:
        understood += f" Năm {span.start.year} lấy theo năm của kế hoạch."
    return DeadlineKind.DATE, {"due": due, "window": window}, understood, 0.75 if span.yearless else 0.9


def _recurring(found: Scan) -> Decision:
    cycles = set(found.cycles)
    if Cycle.HALF_YEAR in cycles:
        cycles.discard(Cycle.YEAR)  # "báo cáo 6 tháng và hằng năm": two reports a year
    if len(cycles) > 1:
        return _unread("Nêu nhiều chu kỳ khác nhau.")
    every = cycles.pop()
    if found.dates or found.day_ranges or any(not s.yearless for s in found.spans):
        return _unread("Vừa nêu chu kỳ vừa nêu mốc thời gian cụ thể.")
    due_month: int | None = None
    due_day: int | Literal["last"] | None = None
    if found.day_months:
        slots = {(day, (month - 1) % every.months + 1) for day, month in found.day_months}
        if len(slots) > 1:
            return _unread("Các ngày hạn không cùng một vị trí trong kỳ.")
        due_day, due_month = slots.pop()
    elif isinstance(found.day, int) or found.day == "last":
        due_day = found.day
        due_month = every.months if found.slot == "cuoi" else 1 if found.slot == "dau" or every is Cycle.MONTH else None
    rule = Rule(every, None if every is Cycle.MONTH else due_month, due_day)
    confidence = 0.95 if rule.complete else 0.6
    understood = _rule_text(rule)
    if isinstance(due_day, int):
        shortest = min(_pycal.monthrange(2026, m)[1] for m in _slot_months(rule))
        if not 1 <= due_day <= 31:
            return _unread(f"Ngày {due_day} không có thật.")
        if due_day > shortest:
            confidence, understood = 0.6, understood + f" Ngày {due_day} không có ở mọi tháng của kỳ."
    if found.next_month:
        confidence, understood = 0.75, understood + " Hạn rơi vào tháng sau kỳ báo cáo."
    window = _window(found)
    if window:
        understood += f" Áp dụng {window.label}."
    if found.continuous:
        understood += " Công việc làm thường xuyên."
    return DeadlineKind.RECURRING, {"rule": rule, "window": window}, understood, confidence


def _slot_months(rule: Rule) -> list[int]:
    first = rule.due_month or 1
    return list(range(first, 13, rule.every.months))


def _rule_text(rule: Rule) -> str:
    name = {Cycle.MONTH: "Hằng tháng", Cycle.QUARTER: "Hằng quý", Cycle.HALF_YEAR: "6 tháng một lần",
            Cycle.YEAR: "Hằng năm"}[rule.every]
    if not rule.complete:
        return f"{name}; văn bản không nêu ngày hạn trong kỳ, cần người định."
    day = "cuối tháng" if rule.due_day == "last" else f"ngày {rule.due_day}"
    if rule.every is Cycle.MONTH:
        return f"{name}, hạn {day}."
    months = _slot_months(rule)
    if rule.due_day == "last":
        return f"{name}, hạn ngày cuối tháng {_joined([str(m) for m in months])}."
    return f"{name}, hạn ngày {_joined([f'{rule.due_day}/{m}' for m in months])}."


def _joined(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} và {items[-1]}"
