"""Read model: the status rows of open work (the outcome counts are ``reporting.tally``'s)."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass

from sqlmodel import Session, col, select

from htx_tasks.core import wording
from htx_tasks.core.itemview import Reading
from htx_tasks.core.lifecycle import ACTIVE, CLOSED, State
from htx_tasks.core.statuses import NotificationStatus
from htx_tasks.core.zones import local_date
from htx_tasks.plan.loader import Plan
from htx_tasks.readings import reading_of
from htx_tasks.store.models import Notification, Occurrence


@dataclass(frozen=True)
class StatusRow:
    id: int
    unit: str
    unit_name: str
    duty: str
    ref: str
    period: str
    deadline: dt.date
    state: str  # as of now (``core.itemview``), not the last pass's
    state_label: str  # in the unit's register: a request is never "Quá hạn"
    days_left: int
    working_days_overdue: int
    escalation_level: int
    last_reminder: dt.datetime | None
    next_action_at: dt.datetime | None
    version: int  # what a decision on the row sends back (``--version``), so a stale one is refused
    request: bool = False  # the plan asks the unit (III.7); its words are a request's
    overdue: bool = False  # past its term and an assignment (a request past its date is not overdue)
    past: bool = False  # past its term or date, either kind
    due_soon: bool = False
    timing: str = ""  # "còn 3 ngày", "quá hạn 2 ngày làm việc", "đã qua mốc"
    lateness: str = ""  # "5 ngày (3 ngày làm việc)" while past
    cell: str = ""  # a table's "Còn / quá hạn" cell (``Reading.cell``)

    @classmethod
    def of(cls, plan: Plan, row: Occurrence, seen: Reading, *, last_reminder: dt.datetime | None) -> StatusRow:
        duty = plan.duties.get(row.duty_code)
        assert row.id is not None
        return cls(
            id=row.id, unit=row.unit_code, unit_name=plan.unit_name(row.unit_code), duty=row.duty_code,
            ref=duty.ref if duty else "", period=wording.period_cell(row.period_label), deadline=row.deadline,
            state=seen.state.value,
            state_label=seen.label, days_left=seen.days_left, working_days_overdue=seen.working_days_overdue,
            escalation_level=row.escalation_level, last_reminder=last_reminder, next_action_at=row.next_action_at,
            version=row.version, request=seen.request, overdue=seen.overdue, past=seen.past, due_soon=seen.due_soon,
            timing=seen.timing, lateness=seen.lateness, cell=seen.cell,
        )

    def as_json(self) -> dict:
        data = asdict(self)
        for key, value in data.items():
            if isinstance(value, dt.date | dt.datetime):
                data[key] = value.isoformat()
        return data


def status_rows(session: Session, plan: Plan, now: dt.datetime, *, unit: str | None = None,
                overdue_only: bool = False, include_closed_since: dt.datetime | None = None) -> list[StatusRow]:
    """Open obligations (and, if asked, those closed since a time), soonest deadline first."""
    query = select(Occurrence).where(col(Occurrence.plan_code) == plan.meta.code)  # this plan's items
    states = [s.value for s in (*ACTIVE, State.SUBMITTED)]
    if include_closed_since is None:
        query = query.where(col(Occurrence.state).in_(states))
    else:
        query = query.where(
            col(Occurrence.state).in_(states)
            | (col(Occurrence.state).in_([s.value for s in CLOSED]) & (col(Occurrence.closed_at) >= include_closed_since))
        )
    if unit:
        query = query.where(col(Occurrence.unit_code).in_(plan.followed(unit, local_date(now))))
    rows = session.exec(query.order_by(col(Occurrence.deadline), col(Occurrence.unit_code), col(Occurrence.id))).all()
    last_sent = _last_reminders(session, [r.id for r in rows if r.id is not None])
    out = []
    for row in rows:
        seen = reading_of(plan, row, now)
        if overdue_only and not seen.overdue:
            continue
        out.append(StatusRow.of(plan, row, seen, last_reminder=last_sent.get(row.id) if row.id is not None else None))
    return out


def _last_reminders(session: Session, ids: list[int]) -> dict[int, dt.datetime]:
    if not ids:
        return {}
    out: dict[int, dt.datetime] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        for occurrence_id, sent_at in session.exec(
            select(col(Notification.occurrence_id), col(Notification.sent_at)).where(
                col(Notification.occurrence_id).in_(chunk), Notification.status == NotificationStatus.SENT
            )
        ).all():
            if occurrence_id is None or sent_at is None:
                continue  # a sent row always has both; the columns are nullable for the others
            if occurrence_id not in out or sent_at > out[occurrence_id]:
                out[occurrence_id] = sent_at
    return out
