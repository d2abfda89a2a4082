"""Indicator arithmetic, pure: a value from a registry snapshot, what it is held to, whether it holds.

Definitions (the tests hold hand-computed tables for each):
- The value for year Y is measured on the registry as of 31/12/Y (the year in progress: as of
  the day of computation). The numerator is counted among the organisations of the
  denominator, so a rate never exceeds 100%.
- An empty registry on that day, a zero denominator, or nobody in it having the ``needs_data``
  field (e.g. nobody rated yet): no value ("chưa có số liệu"), never 0%.
- What a year's value is held to follows the target's ``aim`` (``htx_tasks.plan.targets``):
  ``reach``: before the target year, the straight line from the baseline year's value to the
  target (a range's lower bound), through the plan's milestones; from the target year on, the
  target itself. ``maintain``: the target itself every year, from the start. ``eliminate``: the
  line from the baseline count down to zero.
- A count's path is in whole numbers, rounded the lenient way: a count falling to zero may keep
  ⌈line⌉ organisations, a rising count needs ⌊line⌋. It never asks more than the line, nor
  asks for zero before the plan's year.
- Gap: how far ahead of what the value is held to (negative: behind), in the indicator's unit
  (percentage points for a rate). Inside a band the gap is 0; outside it, the distance to the
  nearer bound.
- A band exceeded from above ("60–70%", value 75%) is "vượt khoảng mục tiêu": on track, never an
  alert; more organisations doing well is not a failure.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from itertools import pairwise

from htx_tasks.core.coops import BY_NAME, Coop, Labelled
from htx_tasks.indicators.filters import matches
from htx_tasks.plan.targets import Count, Indicator

EPSILON = 1e-9  # a path computed in floating point and a value on it are equal


class Standing(Labelled):
    ON_TRACK = "on_track", "đúng lộ trình"
    BEHIND = "behind", "chậm so với lộ trình"
    WITHIN_RANGE = "within_range", "trong khoảng mục tiêu"
    BELOW_RANGE = "below_range", "dưới khoảng mục tiêu"
    ABOVE_RANGE = "above_range", "vượt khoảng mục tiêu"
    MET = "met", "đạt mục tiêu"
    MISSED = "missed", "không đạt mục tiêu"
    NO_DATA = "no_data", "chưa có số liệu"
    NO_BASELINE = "no_baseline", "chưa có số liệu năm gốc"

    @property
    def on_track(self) -> bool | None:
        if self in (Standing.NO_DATA, Standing.NO_BASELINE):
            return None
        return self in (Standing.ON_TRACK, Standing.WITHIN_RANGE, Standing.ABOVE_RANGE, Standing.MET)


@dataclass(frozen=True)
class Measure:
    numerator: float
    denominator: float | None
    value: float | None
    note: str | None = None


@dataclass(frozen=True)
class Assessment:
    """What a year's value is held to (a number on the path or the target, or a band), and how it stands."""

    path: float | None
    band: tuple[float, float] | None
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
    """Where the line from the baseline through the milestones to the target stands in ``year``
    (whole for a count)."""
    assert indicator.baseline_year is not None
    start, end, target = indicator.baseline_year, indicator.year, indicator.threshold
    if year < start:
        return None
    if year >= end:
        return target
    points = [(start, baseline), *((m.year, m.value) for m in indicator.milestones), (end, target)]
    (y0, v0), (y1, v1) = next((a, b) for a, b in pairwise(points) if year < b[0])
    line = v0 + (v1 - v0) * (year - y0) / (y1 - y0)
    if not indicator.counted:
        return line
    return float(math.floor(line + EPSILON) if indicator.rising else math.ceil(line - EPSILON))


def satisfied(indicator: Indicator, value: float) -> bool:
    c = indicator.comparator
    if c == "between":
        return indicator.low <= value <= indicator.high  # type: ignore[operator]
    return {"gt": value > indicator.value, "gte": value >= indicator.value,  # type: ignore[operator]
            "lt": value < indicator.value, "lte": value <= indicator.value}[c]  # type: ignore[index,operator]


def assess(indicator: Indicator, year: int, value: float | None, baseline: float | None) -> Assessment:
    """How ``value`` (measured for ``year``) stands against what the target asks of that year."""
    if value is None:
        return Assessment(None, None, None, Standing.NO_DATA)
    if indicator.aim == "maintain" or year >= indicator.year:
        return against_target(indicator, value)
    if baseline is None or indicator.baseline_year is None or year < indicator.baseline_year:
        return Assessment(None, None, None, Standing.NO_BASELINE)
    path = path_value(indicator, baseline, year)
    assert path is not None
    gap = value - path if indicator.rising else path - value
    if indicator.comparator == "between" and value > indicator.high:  # type: ignore[operator]
        return Assessment(path, None, gap, Standing.ABOVE_RANGE)
    return Assessment(path, None, gap, Standing.ON_TRACK if gap >= -EPSILON else Standing.BEHIND)


def against_target(indicator: Indicator, value: float) -> Assessment:
    """``value`` held to the target itself (a "maintain" target every year, any target in its year)."""
    held = satisfied(indicator, value)
    if indicator.comparator == "between":
        band = (float(indicator.low), float(indicator.high))  # type: ignore[arg-type]
        if held:
            return Assessment(None, band, 0.0, Standing.WITHIN_RANGE)
        above = value > band[1]
        return Assessment(None, band, value - band[1 if above else 0],
                          Standing.ABOVE_RANGE if above else Standing.BELOW_RANGE)
    target = float(indicator.value)  # type: ignore[arg-type]
    gap = value - target if indicator.rising else target - value
    return Assessment(target, None, gap, Standing.MET if held else Standing.MISSED)
