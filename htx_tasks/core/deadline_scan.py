"""What a deadline phrase mentions: dates, periods, cycles, events (no decision, no wording).

:func:`scan` works on folded text (:func:`htx_tasks.core.vntext.fold`), so diacritics, case,
dashes and spacing never change what it finds. Each pattern blanks what it took, so a later,
looser pattern cannot read the same words twice ("15/12/2026" is not also "12/2026").
``htx_tasks.core.deadlines`` decides what the findings mean.
"""

from __future__ import annotations

import calendar as _pycal
import datetime as dt
import re
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal

from htx_tasks.core.vntext import fold


class Cycle(StrEnum):
    """A recurring period; the values are the plan schema's ``every`` values."""

    MONTH = "month"
    QUARTER = "quarter"
    HALF_YEAR = "half_year"
    YEAR = "year"

    @property
    def months(self) -> int:
        return {"month": 1, "quarter": 3, "half_year": 6, "year": 12}[self.value]


ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "1": 1, "2": 2, "3": 3, "4": 4}
ROMAN_OUT = ("I", "II", "III", "IV")
_Q = r"(iv|iii|ii|i|[1-4])\b"
_YEAR_SEP = r"\s*(?:/|-|\.|,?\s*nam)\s*(\d{4})\b"
_NUMBER_WORDS = r"mot|hai|ba|bon|tu|nam|lam|sau|bay|tam|chin|muoi|moi|linh|le|tram"

# The pieces: (pattern, what it is). Order matters: longer, more precise forms first.
# A document's number and its own date ("279/SNN-PTNT ngày 31/01/2023"): a reference, never a deadline.
_DOC_NUMBER = re.compile(
    r"\b\d[\w.-]*/[\w./-]*[a-z][\w./-]*(?:\s*,?\s*ngay\s+\d{1,2}\s*(?:/|thang)\s*\d{1,2}\s*(?:/|nam)\s*\d{4})?"
)
_SPELLED = re.compile(rf"\(\s*(?:(?:{_NUMBER_WORDS})\s*)+\)")
_DAY_RANGE = re.compile(r"(\d{1,2})\s*-\s*(\d{1,2})\s*/\s*(\d{1,2})\s*/\s*(\d{4})\b")
_DATES = (
    re.compile(r"(\d{4})-(\d{2})-(\d{2})\b"),  # ISO, from spreadsheets: year first
    re.compile(r"\b(\d{1,2})\s*([/.-])\s*(\d{1,2})\s*\2\s*(\d{4})\b"),
    re.compile(r"\bngay\s+(\d{1,2})\s*(?:/|\s+thang\s+)(\d{1,2})\s*(?:/|,?\s*nam)\s*(\d{4})\b"),
)
_YEAR_RANGE = re.compile(r"(?:(giai doan|nhiem ky|thoi ky|cac nam|tu nam|nam)\s+)?(\d{4})\s*(?:-|den(?: nam)?)\s*(\d{4})\b")
_HALF = re.compile(r"(?<!ngay )\b(?:06|6|sau)\s+thang\s+(dau|cuoi)(?:\s+nam)+(?:\s+(\d{4}))?\b")
_QUARTER = re.compile(rf"\bquy\s+{_Q}(?:\s*(?:,|va|-|den)\s*(?:quy\s+)?{_Q})?(?:{_YEAR_SEP})?")
_Q_SHORT = re.compile(r"\bq([1-4])\s*[/-]\s*(\d{4})\b")
_MONTHS = re.compile(rf"(?:\bthang\s+|\bt)(\d{{1,2}})((?:\s*(?:,|va|-|den)\s*(?:thang\s+)?\d{{1,2}}\b)*)(?:{_YEAR_SEP})?")
_MONTH_BARE = re.compile(r"(?<![\d/.])(\d{1,2})\s*/\s*(\d{4})\b(?![/\d])")
_DAY_MONTH = re.compile(r"(?:\bngay\s+)?\b(\d{1,2})\s*(?:/|\s+thang\s+)(\d{1,2})\b(?!\s*[/.]?\s*\d)")
_OPEN_YEAR = re.compile(r"\bnam\s+(\d{4})\s+va\s+(?:cac|nhung)\s+nam\s+(?:tiep theo|sau)\b")
_YEAR = re.compile(r"(?:\bnam\s+)?(?<![\d/.-])(\d{4})\b(?![/\d])")
_SLOT = re.compile(r"\bngay\s+(\d{1,2})\s+(?:cua\s+)?thang\s+(cuoi|dau)\s+(?:cua\s+)?(?:moi\s+)?(quy|ky|nam)\b")
_NEXT = re.compile(r"\bngay\s+(\d{1,2})\s+(?:cua\s+)?thang\s+(?:sau|ke tiep|tiep theo)\b")
_LAST_DAY = re.compile(r"\bngay\s+cuoi\s+cung\s+(?:cua\s+)?(?:moi\s+)?thang\b")
_DAY = re.compile(r"\bngay\s+(\d{1,2})\b(?!\s*[/.-]\s*\d)")
_WORKING = re.compile(r"\b(\d{1,3})\s+ngay\s+lam\s+viec\b")
_CAL_DAYS = re.compile(r"\b(\d{1,3})\s+ngay\s+(?:ke tu|tu ngay|sau khi|sau ngay)\b")
_CYCLES = (
    (re.compile(r"\b(?:hang|moi)\s+thang\b|\bthang\s+mot\s+lan\b|\bthang bao cao\b"), Cycle.MONTH),
    (re.compile(r"\b(?:hang|moi)\s+quy\b|\bquy\s+mot\s+lan\b"), Cycle.QUARTER),
    (re.compile(
        r"\b(?:dinh ky|bao cao|so ket|ky)\s+(?:0?6|sau)\s+thang\b"
        r"|\b(?:0?6|sau)\s+thang\s+(?:mot lan|va\s+(?:hang|ca)?\s*nam)\b"
    ), Cycle.HALF_YEAR),
    (re.compile(
        r"(?:\b(?:hang|moi)\s+nam|\bnam\s+mot\s+lan|\bbao cao (?:ca )?nam|\bca nam|\bnam bao cao|\bnam lien ke)\b(?!\s*\d)"
    ), Cycle.YEAR),
)
_UNSUPPORTED = re.compile(r"\b(?:hang|moi)\s+(tuan|ngay)\b")
_CONTINUOUS = re.compile(r"\bthuong xuyen\b|\blien tuc\b")
EVENTS = {
    "ky hop": "kỳ họp", "phien hop": "phiên họp", "hoi nghi": "hội nghị", "dai hoi": "đại hội",
    "cuoc hop": "cuộc họp", "khi co yeu cau": "khi có yêu cầu", "theo yeu cau": "theo yêu cầu",
    "dot xuat": "đột xuất", "khi phat sinh": "khi phát sinh", "kip thoi": "kịp thời",
    "sau khi": "sau khi", "theo tien do": "theo tiến độ", "khi can thiet": "khi cần thiết",
}
_EVENT = re.compile(r"\b(" + "|".join(EVENTS) + r")\b")
_MID_YEAR = re.compile(r"\bgiua\s+nam(?:\s+\d{4})?\b")  # "kỳ họp giữa năm 2026": no day to offer, even as a hint
# Words that carry no deadline of their own; anything else left over lowers the confidence.
FILLER = set(
    "truoc cham nhat han hoan thanh trong ngay thang nam quy tu den het cuoi dau va hoac cua doi voi bao cao "
    "dinh ky gui ve thuc hien xong ky so ket tong ket thoi gian hang moi lan mot la the nay truc tiep duoc "
    "tai theo lien ke giai doan nhiem vu ke tiep sau tiep noi dung co quan don vi chu tri phoi hop so lieu "
    "trinh ban hanh du kien thoi diem con lai khoang phai ke hoach so cong van quyet dinh nghi quyet thong tu "
    "chi thi van ban ngay".split()
)


@dataclass(frozen=True)
class Span:
    """A named period: its first and last day and how a person writes it."""

    start: dt.date
    end: dt.date
    label: str
    before: bool = False  # "trước tháng 10/2024": the deadline is the day before it starts
    yearless: bool = False  # the year came from the caller, not the text


@dataclass
class Scan:
    text: str  # folded, with what was read blanked out
    folded: str = ""  # folded, whole
    year: int | None = None  # the caller's year for phrases that name none
    dates: list[dt.date] = field(default_factory=list)
    bad_dates: list[str] = field(default_factory=list)
    no_year: list[str] = field(default_factory=list)  # "quý I", "tháng 6" with no year anywhere
    day_ranges: list[tuple[dt.date, dt.date]] = field(default_factory=list)
    year_ranges: list[tuple[int, int, str]] = field(default_factory=list)
    spans: list[Span] = field(default_factory=list)
    day_months: list[tuple[int, int]] = field(default_factory=list)
    open_from: int | None = None
    cycles: set[Cycle] = field(default_factory=set)
    unsupported: str | None = None
    slot: str | None = None  # "cuoi" or "dau": the day is in the period's last / first month
    next_month: bool = False
    day: int | Literal["last"] | None = None  # a day of the month with no month, or "last"
    working_days: int | None = None
    calendar_days: int | None = None
    continuous: bool = False
    events: list[str] = field(default_factory=list)
    reference: bool = False
    residue: list[str] = field(default_factory=list)


def month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, _pycal.monthrange(year, month)[1])


def _date(scan: Scan, year: int, month: int, day: int, raw: str) -> None:
    try:
        scan.dates.append(dt.date(year, month, day))
    except ValueError:
        scan.bad_dates.append(raw.strip())


def _blank(text: str, match: re.Match[str]) -> str:
    return text[: match.start()] + " " * (match.end() - match.start()) + text[match.end():]


def _before(text: str, match: re.Match[str], *words: str) -> bool:
    head = text[: match.start()].rstrip().split()
    return bool(head) and head[-1] in words


def _take(scan: Scan, pattern: re.Pattern[str]) -> list[re.Match[str]]:
    found = list(pattern.finditer(scan.text))
    for match in found:
        scan.text = _blank(scan.text, match)
    return found


def scan(phrase: str, default_year: int | None = None) -> Scan:
    """Find what ``phrase`` mentions; ``default_year`` completes "15/6" or "quý I" without a year."""
    folded = _SPELLED.sub(" ", fold(phrase))
    result = Scan(folded, folded, default_year)
    result.reference = bool(_take(result, _DOC_NUMBER))
    result.events = [EVENTS[m.group(1)] for m in _EVENT.finditer(folded)]
    _take(result, _MID_YEAR)
    for m in _take(result, _DAY_RANGE):
        first, last, month, year = (int(g) for g in m.groups())
        try:
            result.day_ranges.append((dt.date(year, month, first), dt.date(year, month, last)))
        except ValueError:
            result.bad_dates.append(m.group(0))
    for m in _take(result, _DATES[0]):
        _date(result, int(m.group(1)), int(m.group(2)), int(m.group(3)), m.group(0))
    for m in _take(result, _DATES[1]):
        _date(result, int(m.group(4)), int(m.group(3)), int(m.group(1)), m.group(0))
    for m in _take(result, _DATES[2]):
        _date(result, int(m.group(3)), int(m.group(2)), int(m.group(1)), m.group(0))
    for m in _take(result, _YEAR_RANGE):
        first, last = int(m.group(2)), int(m.group(3))
        if first < last:
            result.year_ranges.append((first, last, m.group(1) or ""))
    _periods(result, default_year)
    _rules(result)
    result.residue = [w for w in re.findall(r"[a-z]+", result.text) if w not in FILLER]
    return result


def _add_span(scan: Scan, m: re.Match[str], start: dt.date, end: dt.date, label: str, yearless: bool) -> None:
    before = _before(scan.text, m, "truoc")
    scan.spans.append(Span(start, end, label, before, yearless))


def _periods(scan: Scan, default_year: int | None) -> None:
    for m in _take(scan, _HALF):
        year, yearless = (int(m.group(2)), False) if m.group(2) else (default_year, True)
        first = m.group(1) == "dau"
        if year is None:
            scan.no_year.append(m.group(0).strip())
            continue
        start = dt.date(year, 1 if first else 7, 1)
        label = f"6 tháng {'đầu' if first else 'cuối'} năm {year}"
        _add_span(scan, m, start, month_end(year, 6 if first else 12), label, yearless)
    quarters = [(m, ROMAN[m.group(1)], ROMAN[m.group(2) or m.group(1)], m.group(3)) for m in _take(scan, _QUARTER)]
    quarters += [(m, int(m.group(1)), int(m.group(1)), m.group(2)) for m in _take(scan, _Q_SHORT)]
    for m, first_q, last_q, year_text in quarters:
        year, yearless = (int(year_text), False) if year_text else (default_year, True)
        if year is None or last_q < first_q:
            (scan.no_year if year is None else scan.bad_dates).append(m.group(0).strip())
            continue
        names = ROMAN_OUT[first_q - 1] if first_q == last_q else f"{ROMAN_OUT[first_q - 1]}–{ROMAN_OUT[last_q - 1]}"
        start, end = dt.date(year, first_q * 3 - 2, 1), month_end(year, last_q * 3)
        _add_span(scan, m, start, end, f"quý {names}/{year}", yearless)
    for m in _take(scan, _SLOT):
        scan.day, scan.slot = int(m.group(1)), m.group(2)
        if m.group(3) == "quy":  # "ngày 10 tháng cuối quý" is itself a quarterly rule
            scan.cycles.add(Cycle.QUARTER)
    for m in _take(scan, _NEXT):
        scan.day, scan.next_month = int(m.group(1)), True
    for m in _take(scan, _DAY_MONTH):
        scan.day_months.append((int(m.group(1)), int(m.group(2))))
    for m in _take(scan, _MONTHS):
        months = [int(m.group(1)), *(int(x) for x in re.findall(r"\d{1,2}", m.group(2) or ""))]
        year, yearless = (int(m.group(3)), False) if m.group(3) else (default_year, True)
        if year is None or not all(1 <= x <= 12 for x in months) or months != sorted(months):
            (scan.no_year if year is None else scan.bad_dates).append(m.group(0).strip())
            continue
        label = f"tháng {months[0]}/{year}" if len(months) == 1 else f"tháng {months[0]}–{months[-1]}/{year}"
        _add_span(scan, m, dt.date(year, months[0], 1), month_end(year, months[-1]), label, yearless)
    for m in _take(scan, _MONTH_BARE):
        month, year = int(m.group(1)), int(m.group(2))
        if 1 <= month <= 12:
            _add_span(scan, m, dt.date(year, month, 1), month_end(year, month), f"tháng {month}/{year}", False)
        else:
            scan.bad_dates.append(m.group(0))
    for m in _take(scan, _OPEN_YEAR):
        scan.open_from = int(m.group(1))
    for m in _take(scan, _YEAR):
        year = int(m.group(1))
        if 1900 <= year <= 2100:
            _add_span(scan, m, dt.date(year, 1, 1), dt.date(year, 12, 31), f"năm {year}", False)


def _rules(scan: Scan) -> None:
    if _take(scan, _LAST_DAY):
        scan.day = "last"
    for m in _take(scan, _WORKING):
        scan.working_days = int(m.group(1))
    for m in _take(scan, _CAL_DAYS):
        scan.calendar_days = int(m.group(1))
    for pattern, cycle in _CYCLES:
        if _take(scan, pattern):
            scan.cycles.add(cycle)
    unsupported = _take(scan, _UNSUPPORTED)
    if unsupported:
        scan.unsupported = "hằng tuần" if unsupported[0].group(1) == "tuan" else "hằng ngày"
    for m in _take(scan, _DAY):
        scan.day = int(m.group(1)) if scan.day is None else scan.day
    scan.continuous = bool(_take(scan, _CONTINUOUS))
