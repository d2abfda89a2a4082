"""Indicator arithmetic, pure: a value from a registry snapshot, its path, whether it is on it.

Definitions (the tests hold hand-computed tables for each):
- The value for year Y is measured on the registry as of 31/12/Y (the year in progress: as of
  the day of computation). The numerator is counted among the organisations of the
  denominator, so a rate never exceeds 100%.
- An empty registry on that day, a zero denominator, or nobody in it having the ``needs_data`` field (e.g. nobody rated yet):
  no value ("chưa có số liệu"), never 0%.
- Path: the straight line from the baseline year's value to the target (a range's lower bound)
  in the target year; before the baseline there is no path, after the target year it is the
  target.
- On track: before the target year, at or above the path (at or below for a falling target);
  from the target year on, the comparator itself must hold. Gap = how far ahead of the path
  (negative: behind), in the indicator's unit.
- A ``between`` target exceeded from above ("60–70%", value 75%) is reported as "vượt khoảng
  mục tiêu": on track, never an alert; more organisations doing well is not a failure.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from htx_tasks.indicators.filters import matches
from htx_tasks.plan.schema import Count, Indicator
from htx_tasks.registry.fields import BY_NAME, Coop, Labelled


class Standing(Labelled):
    ON_TRACK = "on_track", "đúng lộ trình"
    BEHIND = "behind", "chậm so với lộ trình"
    ABOVE_RANGE = "above_range", "vượt khoảng mục tiêu"
    MET = "met", "đạt mục tiêu"
    MISSED = "missed", "không đạt mục tiêu"
    NO_DATA = "no_data", "chưa có số liệu"
    NO_BASELINE = "no_baseline", "chưa có số liệu năm gốc"

    @property
    def on_track(self) -> bool | None:
        if self in (Standing.NO_DATA, Standing.NO_BASELINE):
            return None
        return self in (Standing.ON_TRACK, Standing.ABOVE_RANGE, Standing.MET)


@dataclass(frozen=True)
class Measure:
    numerator: float
    denominator: float | None
    value: float | None
    note: str | None = None


@dataclass(frozen=True)
class Assessment:
    path: float | None
    gap: float | None
    standing: Standing

    @property
    def on_track(self) -> bool | None:
        return self.standing.on_track


def _total(coops: list[Coop], count: Count) -> float:
    if count.sum is None:
        return float(len(coops))
    return float(sum(getattr(c, count.sum) or 0 for c in coops))


def measure(indicator: Indicator, coops: list[Coop], on: dt.date) -> Measure:
    """The indicator's value among ``coops`` (a snapshot) on day ``on``."""
    assert indicator.numerator is not None
    if not coops:
        return Measure(0, None if indicator.denominator is None else 0, None,
                       "sổ theo dõi chưa có tổ chức nào tại ngày này")
    if indicator.denominator is None:
        hits = [c for c in coops if matches(c, indicator.numerator.where, on)]
        number = _total(hits, indicator.numerator)
        return Measure(number, None, number)
    base = [c for c in coops if matches(c, indicator.denominator.where, on)]
    hits = [c for c in base if matches(c, indicator.numerator.where, on)]
    numerator, denominator = _total(hits, indicator.numerator), _total(base, indicator.denominator)
    if indicator.needs_data and not any(getattr(c, indicator.needs_data) not in (None, "") for c in base):
        header = BY_NAME[indicator.needs_data].header.lower()
        return Measure(numerator, denominator, None, f"chưa có tổ chức nào có thông tin '{header}'")
    if denominator == 0:
        return Measure(numerator, denominator, None, "mẫu số bằng 0: không có tổ chức nào thuộc diện tính")
    return Measure(numerator, denominator, 100 * numerator / denominator)


def path_value(indicator: Indicator, baseline: float, year: int) -> float | None:
    """Where the straight line from the baseline to the target stands in ``year``."""
    assert indicator.baseline_year is not None
    start, end, target = indicator.baseline_year, indicator.year, indicator.threshold
    if year < start:
        return None
    if year >= end:
        return target
    return baseline + (target - baseline) * (year - start) / (end - start)


def satisfied(indicator: Indicator, value: float) -> bool:
    c = indicator.comparator
    if c == "between":
        return indicator.low <= value <= indicator.high  # type: ignore[operator]
    return {"gt": value > indicator.value, "gte": value >= indicator.value,  # type: ignore[operator]
            "lt": value < indicator.value, "lte": value <= indicator.value}[c]  # type: ignore[index,operator]


def assess(indicator: Indicator, year: int, value: float | None, baseline: float | None) -> Assessment:
    """Is ``value`` (measured for ``year``) on the path from ``baseline`` to the target?"""
    if value is None:
        return Assessment(None, None, Standing.NO_DATA)
    if baseline is None or indicator.baseline_year is None or year < indicator.baseline_year:
        return Assessment(None, None, Standing.NO_BASELINE)
    path = path_value(indicator, baseline, year)
    assert path is not None
    gap = value - path if indicator.rising else path - value
    above = indicator.comparator == "between" and value > indicator.high  # type: ignore[operator]
    if above:
        return Assessment(path, gap, Standing.ABOVE_RANGE)
    if year >= indicator.year:
        return Assessment(path, gap, Standing.MET if satisfied(indicator, value) else Standing.MISSED)
    return Assessment(path, gap, Standing.ON_TRACK if gap >= -1e-9 else Standing.BEHIND)


def target_text(indicator: Indicator) -> str:
    """'60–70%', '> 50%', '≤ 0 hợp tác xã'."""
    unit = indicator.unit if indicator.unit == "%" else f" {indicator.unit}"
    if indicator.comparator == "between":
        return f"{number_vi(indicator.low)}–{number_vi(indicator.high)}{unit}"
    sign = {"gt": ">", "gte": "≥", "lt": "<", "lte": "≤"}[indicator.comparator or "gte"]
    return f"{sign} {number_vi(indicator.value)}{unit}"


def number_vi(value: Any, digits: int = 1) -> str:
    """A number the Vietnamese way: decimal comma, no trailing ',0'."""
    if value is None:
        return "—"
    text = f"{float(value):.{digits}f}".rstrip("0").rstrip(".")
    return text.replace(".", ",")
