"""How an indicator's figures read: one wording for the CLI, Prefect, the charts, the report and alerts.

A rate reads "67,9%" and its gap "+7,9 điểm phần trăm"; a count reads "4 hợp tác xã" and its gap
"-2 hợp tác xã". What a year's value is held to reads "60–70%" (a band), "≥ 12,5%" (a point on
a rising path), "≤ 2 hợp tác xã" (a count falling to zero) or the target itself in its year.
"""

from __future__ import annotations

from typing import Any

from htx_tasks.indicators.compute import Assessment, Measure
from htx_tasks.plan.targets import Indicator

SIGNS = {"gt": ">", "gte": "≥", "lt": "<", "lte": "≤"}
RATE_GAP_UNIT = "điểm phần trăm"


def number_vi(value: Any, digits: int = 1) -> str:
    """A number the Vietnamese way: decimal comma, no trailing ',0'."""
    if value is None:
        return "—"
    text = f"{float(value):.{digits}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text.replace(".", ",")


def _suffix(indicator: Indicator) -> str:
    return "%" if indicator.unit == "%" else f" {indicator.unit}"


def amount(indicator: Indicator, value: float | None) -> str:
    """'67,9%', '4 hợp tác xã'."""
    return "—" if value is None else f"{number_vi(value)}{_suffix(indicator)}"


def band_text(indicator: Indicator, low: float, high: float) -> str:
    return f"{number_vi(low)}–{number_vi(high)}{_suffix(indicator)}"


def target_text(indicator: Indicator) -> str:
    """'60–70%', '> 50%', '0 hợp tác xã' (brought to zero, never '≤ 0')."""
    if indicator.aim == "eliminate":
        return amount(indicator, 0)
    if indicator.comparator == "between":
        return band_text(indicator, indicator.low, indicator.high)  # type: ignore[arg-type]
    return f"{SIGNS[indicator.comparator or 'gte']} {amount(indicator, indicator.value)}"


def held_to(indicator: Indicator, year: int, assessment: Assessment) -> str:
    """What the value of ``year`` is held to: '60–70%', '≥ 12,5%', '≤ 2 hợp tác xã', '> 50%'."""
    if assessment.path is None and assessment.band is None:
        return "—"
    if indicator.aim == "maintain" or year >= indicator.year or (indicator.aim == "eliminate" and assessment.path == 0):
        return target_text(indicator)
    return f"{'≥' if indicator.rising else '≤'} {amount(indicator, assessment.path)}"


def gap_unit(indicator: Indicator) -> str:
    """A rate's gap is in percentage points, a count's in the things counted."""
    return RATE_GAP_UNIT if indicator.unit == "%" else indicator.unit


def gap_text(indicator: Indicator, gap: float | None) -> str:
    """'+12,9 điểm phần trăm', '-2 hợp tác xã', '0 điểm phần trăm'."""
    if gap is None:
        return "—"
    text = number_vi(gap)
    return f"{'+' if text != '0' and gap > 0 else ''}{text} {gap_unit(indicator)}"


def value_text(indicator: Indicator, measure: Measure) -> str:
    """The value, or why there is none."""
    return amount(indicator, measure.value) if measure.value is not None else (measure.note or "—")


def ratio_text(measure: Measure) -> str:
    """'19/28' for a rate, empty for a count."""
    return "" if measure.denominator is None else f"{number_vi(measure.numerator)}/{number_vi(measure.denominator)}"
