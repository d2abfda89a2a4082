"""What the units reported in a period, by Section III unit and task and by Section II group, and
the tracking figures: the facts the consolidated report's draft is written from (no wording).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlmodel import Session

from htx_tasks.core import wording
from htx_tasks.core.statuses import SubmissionDecision
from htx_tasks.core.zones import at_local, local_date
from htx_tasks.followup import section_units
from htx_tasks.indicators.service import Kpi, evaluate
from htx_tasks.plan.loader import Plan
from htx_tasks.plan.schema import Duty
from htx_tasks.readings import is_request
from htx_tasks.reporting.data import Period
from htx_tasks.reporting.tally import Tracking, period_items, total_of
from htx_tasks.store.answers import reports_in_period
from htx_tasks.store.models import Occurrence


@dataclass(frozen=True)
class Said:
    """One unit's report on one item: its own words, attributed."""

    occurrence_id: int
    duty_code: str
    unit_code: str
    unit_name: str
    on: dt.date
    results: str
    difficulties: str = ""
    proposals: str = ""
    figures: list[tuple[str, str]] = field(default_factory=list)  # the duty's figures: label, "2 hợp tác xã"


@dataclass(frozen=True)
class DutyResults:
    duty: Duty
    said: list[Said]
    silent: list[str]  # the units with an item in the period and no report, by name
    request: bool = False  # the plan asks (III.7): results shared on request, not a report owed


@dataclass(frozen=True)
class UnitResults:
    code: str
    name: str
    ref: str
    request: bool  # the plan asks this unit (III.7): an exchange of results, not a report owed
    duties: list[DutyResults]


@dataclass
class Results:
    plan: Plan
    period: Period
    as_of: dt.datetime
    units: list[UnitResults]
    groups: list[tuple[str, str, list[DutyResults]]]  # Section II: ref, title, its duties' results
    tracking: list[Tracking]
    kpi: Kpi
    said: list[Said] = field(default_factory=list)

    @property
    def total(self) -> Tracking:
        return total_of(self.tracking)


def reports_in(session: Session, plan: Plan, period: Period, until: dt.datetime) -> list[Said]:
    """The latest report on each of the plan's items of the period (``store.answers.reports_in_period``)
    sent by ``until``; one the coordinator returned for completion is not quoted."""
    out = []
    for row in reports_in_period(session, plan.meta.code, period.start, period.end):
        if not row.latest or row.submitted_at > until or row.decision is SubmissionDecision.RETURN:
            continue
        duty = plan.duties.get(row.duty_code)
        figures = [(f.label, wording.figure_text(row.figures[f.key], f.unit))
                   for f in (duty.report.figures if duty else []) if f.key in row.figures]
        out.append(Said(row.occurrence_id, row.duty_code, row.unit_code, plan.unit_name(row.unit_code),
                        local_date(row.submitted_at), row.results, row.difficulties, row.proposals, figures))
    return out


def gather(session: Session, plan: Plan, period: Period, now: dt.datetime) -> Results:
    """The period's results as of ``now`` (or the period's end, if earlier)."""
    until = min(now, at_local(period.end + dt.timedelta(days=1)))
    items = [o for o in period_items(session, plan, period.start, period.end) if _plans_own(plan, o.duty_code)]
    said = [s for s in reports_in(session, plan, period, until) if _plans_own(plan, s.duty_code)]
    by_duty: dict[str, DutyResults] = {}
    for code in sorted({o.duty_code for o in items} | {s.duty_code for s in said}):
        reported = [s for s in said if s.duty_code == code]
        named = {s.unit_code for s in reported}
        silent = sorted({plan.unit_name(o.unit_code) for o in items if o.duty_code == code and o.unit_code not in named})
        by_duty[code] = DutyResults(plan.duty(code), reported, silent, is_request(plan, plan.duty(code).unit))
    units = []
    for unit in section_units(plan):  # a member (a ward, an organisation): under its Section III unit
        duties = [by_duty[d.code] for d in plan.source.duties if d.unit == unit.code and d.code in by_duty]
        units.append(UnitResults(unit.code, unit.name, unit.ref or "", is_request(plan, unit.code), duties))
    groups = [(g.ref, g.title, [by_duty[c] for c in g.duties if c in by_duty]) for g in plan.source.task_groups]
    return Results(
        plan,
        period,
        until,
        units,
        groups,
        _tracking(plan, units, items, until),
        evaluate(session, plan, period.year, today=min(local_date(now), period.end)),
        said,
    )


def _plans_own(plan: Plan, duty_code: str) -> bool:
    """A duty of the plan's Section III. The standing office's own additions (among them this very
    report, III.1) are followed, but the report states what the plan asked."""
    duty = plan.duties.get(duty_code)
    return duty is not None and not duty.added


def _tracking(plan: Plan, units: list[UnitResults], items: list[Occurrence], until: dt.datetime) -> list[Tracking]:
    """One row per Section III unit the plan directs, its items of its own duties due by ``until``
    (``tally.Tracking``); the bodies it asks (III.7) owe no deadline."""
    rows = []
    for unit in units:
        if unit.request:
            continue
        row = Tracking(unit.name)
        owned = {unit.code, *plan.members(unit.code)}
        for item in items:
            if item.unit_code in owned and plan.duty(item.duty_code).unit == unit.code:
                row.count(item, until)
        rows.append(row)
    return rows
