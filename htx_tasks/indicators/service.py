"""Indicators for a year, from registry snapshots: city-wide, per ward or commune, and by year.

Read models only (dataclasses, no wording beyond the labels): the CLI, the flow, the charts
and the report render them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlmodel import Session

from htx_tasks.core.coops import Coop
from htx_tasks.indicators.compute import Assessment, Measure, Standing, assess, measure
from htx_tasks.indicators.wording import gap_text, gap_unit, held_to, target_text
from htx_tasks.plan.loader import Plan
from htx_tasks.plan.targets import Indicator
from htx_tasks.registry import service as registry


def as_of(year: int, today: dt.date) -> dt.date:
    """The day a year's value is read on: 31/12, or today for the year in progress."""
    return min(dt.date(year, 12, 31), today)


@dataclass(frozen=True)
class Point:
    """An indicator's value in one year, beside its path."""

    year: int
    on: dt.date
    measure: Measure
    assessment: Assessment

    @property
    def value(self) -> float | None:
        return self.measure.value


@dataclass
class Result:
    indicator: Indicator
    year: int
    point: Point
    baseline: Measure
    history: list[Point]  # baseline year .. the year asked (at most the current year)
    by_ward: dict[str, Point] = field(default_factory=dict)

    @property
    def standing(self) -> Standing:
        return self.point.assessment.standing

    @property
    def target(self) -> str:
        return target_text(self.indicator)

    def as_json(self, plan: Plan) -> dict:
        i = self.indicator
        return {
            "code": i.code, "title": i.title, "source": i.source, "aim": i.aim, "unit": i.unit,
            "year": self.year, "as_of": self.point.on.isoformat(), "target": self.target, "target_year": i.year,
            "baseline_year": i.baseline_year, "baseline_value": self.baseline.value,
            **point_json(i, self.point), "owner": i.owner, "owner_name": plan.unit_name(i.owner or ""),
            "reading": i.reading, "by_ward": {ward: point_json(i, pt) for ward, pt in self.by_ward.items()},
        }


def point_json(indicator: Indicator, point: Point) -> dict:
    """A value, what it is held to that year, and the gap with its unit."""
    m, a = point.measure, point.assessment
    return {"value": m.value, "numerator": m.numerator, "denominator": m.denominator, "note": m.note,
            "path": a.path, "band": list(a.band) if a.band else None,
            "held_to": held_to(indicator, point.year, a), "gap": a.gap, "gap_unit": gap_unit(indicator),
            "gap_text": gap_text(indicator, a.gap), "on_track": a.on_track, "standing": a.standing.value,
            "standing_label": a.standing.label}


@dataclass
class Kpi:
    year: int
    on: dt.date
    results: list[Result]
    qualitative: list[Indicator]
    organisations: int  # in the registry on ``on`` (dissolved ones included)
    synthetic: bool

    @property
    def off_track(self) -> list[Result]:
        return [r for r in self.results if r.point.assessment.on_track is False]

    def as_json(self, plan: Plan) -> dict:
        return {"year": self.year, "as_of": self.on.isoformat(), "synthetic": self.synthetic,
                "organisations": self.organisations,
                "indicators": [r.as_json(plan) for r in self.results],
                "qualitative": [{"code": q.code, "title": q.title, "year": q.year, "source": q.source,
                                 "owner": q.owner} for q in self.qualitative]}


class Snapshots:
    """Registry snapshots by day, read once each."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._cache: dict[dt.date, list[Coop]] = {}

    def on(self, day: dt.date) -> list[Coop]:
        if day not in self._cache:
            self._cache[day] = registry.snapshot(self.session, day)
        return self._cache[day]


def _point(indicator: Indicator, coops: list[Coop], year: int, on: dt.date, baseline: Measure) -> Point:
    m = measure(indicator, coops, on)
    return Point(year, on, m, assess(indicator, year, m.value, baseline.value))


def evaluate(session: Session, plan: Plan, year: int, *, today: dt.date,
             wards: bool = True) -> Kpi:
    """Every measured indicator for ``year`` (with its history), and the qualitative clauses."""
    snaps = Snapshots(session)
    on = as_of(year, today)
    results = []
    for indicator in plan.source.indicators:
        if indicator.kind != "target":
            continue
        assert indicator.baseline_year is not None
        base_on = as_of(indicator.baseline_year, today)
        baseline = measure(indicator, snaps.on(base_on), base_on)
        history = [
            _point(indicator, snaps.on(as_of(y, today)), y, as_of(y, today), baseline)
            for y in range(indicator.baseline_year, min(year, today.year) + 1)
        ]
        point = _point(indicator, snaps.on(on), year, on, baseline)
        result = Result(indicator, year, point, baseline, history)
        if wards:
            result.by_ward = _by_ward(indicator, snaps.on(on), snaps.on(base_on), year, on, base_on, baseline)
        results.append(result)
    coops = snaps.on(on)
    return Kpi(year=year, on=on, results=results,
               qualitative=[i for i in plan.source.indicators if i.kind == "qualitative"],
               organisations=len(coops), synthetic=any(c.synthetic for c in coops))


def _by_ward(indicator: Indicator, coops: list[Coop], base: list[Coop], year: int, on: dt.date,
             base_on: dt.date, city: Measure) -> dict[str, Point]:
    """The same indicator within each ward or commune, judged by the city's rule.

    A rate is held to what the city's is held to that year (the same band, the same point on the
    city's path), so a higher rate never stands worse than a lower one. A count is brought to zero
    from the ward's own baseline count: counts of wards of different sizes do not compare.
    """
    out = {}
    for ward in sorted({c.ward for c in coops}):
        baseline = measure(indicator, [c for c in base if c.ward == ward], base_on) if indicator.counted else city
        out[ward] = _point(indicator, [c for c in coops if c.ward == ward], year, on, baseline)
    return out
