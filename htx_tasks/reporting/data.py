"""What the consolidated implementation report says, gathered from the database (no wording).

The report covers a period (``2026-H1``, ``2026-H2`` or a whole year ``2026``): duties due in
it by unit in the four outcome classes, the overdue items with the reasons units gave, the
Section I.2 indicators with their charts, the qualitative clauses with the owner units' notes,
and the difficulties units reported (extension requests, notes that name a difficulty).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

from sqlmodel import Session, col, select

from htx_tasks.core.lifecycle import State, working_days_overdue
from htx_tasks.core.vntext import sort_key
from htx_tasks.core.zones import at_local, local_date
from htx_tasks.indicators.service import Kpi, evaluate
from htx_tasks.plan.loader import Plan
from htx_tasks.plan.targets import Indicator
from htx_tasks.readings import is_request
from htx_tasks.reporting.tally import Tracking, total_of, unit_tally
from htx_tasks.reports import status_rows
from htx_tasks.store.models import AuditEvent, Occurrence, Submission

DIFFICULTY = re.compile(r"khó khăn|vướng mắc|kiến nghị|đề xuất", re.IGNORECASE)


@dataclass(frozen=True)
class Period:
    code: str
    start: dt.date
    end: dt.date
    label: str  # "6 tháng cuối năm 2026"

    @property
    def year(self) -> int:
        return self.end.year


@dataclass(frozen=True)
class OverdueLine:
    occurrence_id: int
    unit_name: str
    ref: str
    title: str
    period: str
    deadline: dt.date
    working_days_overdue: int
    reason: str | None


@dataclass(frozen=True)
class Note:
    unit_name: str
    ref: str
    on: dt.date
    text: str
    source: str  # "báo cáo", "xin gia hạn", "trả lại"


@dataclass
class Consolidated:
    plan: Plan
    period: Period
    made_on: dt.date
    units: list[Tracking]  # the units the plan directs (giao), as ``tally`` counts them
    overdue: list[OverdueLine]  # their work past its term (never a request)
    kpi: Kpi
    qualitative: list[tuple[Indicator, list[Note]]]
    difficulties: list[Note]
    charts: dict[str, Path] = field(default_factory=dict)
    requests: list[Tracking] = field(default_factory=list)  # the bodies the plan asks (III.7), apart

    @property
    def total(self) -> Tracking:
        return total_of(self.units)

    @property
    def synthetic(self) -> bool:
        return self.kpi.synthetic


def gather(session: Session, plan: Plan, period: Period, now: dt.datetime) -> Consolidated:
    """Everything the report states, as of ``now`` (or the period's end if that is earlier)."""
    today = local_date(now)
    until = min(now, at_local(period.end + dt.timedelta(days=1)))
    rows = [r for r in unit_tally(session, plan, period.start, period.end, until).values() if r.assigned]
    return Consolidated(
        plan=plan, period=period, made_on=today, units=[r for r in rows if not is_request(plan, r.code)],
        requests=[r for r in rows if is_request(plan, r.code)],
        overdue=_overdue(session, plan, period, until),
        kpi=evaluate(session, plan, period.year, today=min(today, period.end)),
        qualitative=[(i, _notes_of(session, plan, period, i.owner)) for i in plan.source.indicators
                     if i.kind == "qualitative"],
        difficulties=_difficulties(session, plan, period),
    )


def _overdue(session: Session, plan: Plan, period: Period, until: dt.datetime) -> list[OverdueLine]:
    rows = [r for r in status_rows(session, plan, until) if period.start <= r.deadline <= period.end and r.overdue]
    # periods closed as "Không báo cáo" (the next period came due) are not done either: listed with the rest
    missed = session.exec(select(Occurrence).where(
        Occurrence.plan_code == plan.meta.code, Occurrence.state == State.MISSED.value,
        col(Occurrence.deadline) >= period.start,
        col(Occurrence.deadline) <= period.end, col(Occurrence.closed_at) <= until)).all()
    reasons = _last_reasons(session, [r.id for r in rows] + [o.id for o in missed if o.id is not None])
    lines = [OverdueLine(r.id, r.unit_name, r.ref, _titled(plan, r.duty),
                         r.period, r.deadline, r.working_days_overdue, reasons.get(r.id)) for r in rows]
    lines += [OverdueLine(o.id, plan.unit_name(o.unit_code), _ref(plan, o.duty_code), _titled(plan, o.duty_code),
                          o.period_label, o.deadline,
                          working_days_overdue(o.deadline, o.closed_at or until, plan.calendar),
                          reasons.get(o.id) or State.MISSED.label)
              for o in missed if o.id is not None and not is_request(plan, o.unit_code)]
    return sorted(lines, key=lambda r: (sort_key(r.unit_name), r.deadline, r.occurrence_id))


def _titled(plan: Plan, duty_code: str) -> str:
    """A duty's title; one the standing office added says so (it is not the plan's own)."""
    duty = plan.duties.get(duty_code)
    if duty is None:
        return duty_code
    return f"{duty.title} ({duty.origin.label.lower()})" if duty.added else duty.title


def _last_reasons(session: Session, ids: list[int]) -> dict[int, str]:
    """The latest reason a person gave on each occurrence (extension, return, report)."""
    out: dict[int, str] = {}
    if not ids:
        return out
    events = session.exec(select(AuditEvent).where(col(AuditEvent.occurrence_id).in_(ids),
                                                   col(AuditEvent.action).in_(["extend", "return", "submit"]),
                                                   col(AuditEvent.reason).is_not(None))
                          .order_by(col(AuditEvent.at), col(AuditEvent.id))).all()
    for event in events:
        out[event.occurrence_id] = event.reason  # type: ignore[index,assignment]
    return out


def _in_period(period: Period):
    return at_local(period.start), at_local(period.end + dt.timedelta(days=1))


def _notes_of(session: Session, plan: Plan, period: Period, unit: str | None) -> list[Note]:
    """The owner unit's reports on this plan's items in the period, newest first (at most five)."""
    if unit is None:
        return []
    start, end = _in_period(period)
    found = session.exec(select(Submission, Occurrence).join(Occurrence, col(Occurrence.id) == Submission.occurrence_id)
                         .where(Submission.unit_code == unit, Submission.submitted_at >= start,
                                Submission.submitted_at < end, col(Occurrence.plan_code) == plan.meta.code)
                         .order_by(col(Submission.submitted_at).desc()).limit(5)).all()
    return [Note(plan.unit_name(s.unit_code), _ref(plan, o.duty_code), local_date(s.submitted_at), s.results, "báo cáo")
            for s, o in found]


def _difficulties(session: Session, plan: Plan, period: Period) -> list[Note]:
    """Reasons for extensions, and report notes that name a difficulty or a proposal, on this plan's items."""
    start, end = _in_period(period)
    notes = []
    for event, occurrence in session.exec(
        select(AuditEvent, Occurrence).join(Occurrence, col(Occurrence.id) == AuditEvent.occurrence_id)
        .where(AuditEvent.action == "extend", AuditEvent.at >= start, AuditEvent.at < end,
               col(Occurrence.plan_code) == plan.meta.code)
        .order_by(col(AuditEvent.at), col(AuditEvent.id))
    ).all():
        notes.append(Note(plan.unit_name(occurrence.unit_code), _ref(plan, occurrence.duty_code),
                          local_date(event.at), event.reason or "", "xin gia hạn"))
    for submission, occurrence in session.exec(
        select(Submission, Occurrence).join(Occurrence, col(Occurrence.id) == Submission.occurrence_id)
        .where(Submission.submitted_at >= start, Submission.submitted_at < end,
               col(Occurrence.plan_code) == plan.meta.code)
        .order_by(col(Submission.submitted_at), col(Submission.id))
    ).all():
        if DIFFICULTY.search(submission.results or ""):
            notes.append(Note(plan.unit_name(submission.unit_code), _ref(plan, occurrence.duty_code),
                              local_date(submission.submitted_at), submission.results, "báo cáo"))
    return notes


def _ref(plan: Plan, duty_code: str) -> str:
    duty = plan.duties.get(duty_code)
    return duty.ref if duty else duty_code
