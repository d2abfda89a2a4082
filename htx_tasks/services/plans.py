"""Plans as the office runs them: list them with their counts, start following one, end one.

A plan's status lives in the ``plan`` table (``PlanStatus``). Starting (``activate_plan``) makes
a draft followed from the next pass. Ending (``close_plan``) is final: every open item of the plan
is ended (waived, with an audit line naming the plan and the reason), a report awaiting review is
closed with it, and nothing more is sent about the plan (pending notices cancelled; the passes
skip a closed plan). Other plans' items are not touched.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import cast

from sqlalchemy import ColumnElement, CursorResult, func, or_, select, update
from sqlmodel import Session, col

from htx_tasks.core.lifecycle import ACTIVE, State
from htx_tasks.core.policy import Assignment
from htx_tasks.core.statuses import NotificationStatus, PlanStatus, SubmissionDecision
from htx_tasks.plan.loader import Plan
from htx_tasks.services.actors import Act, Actor, authorize
from htx_tasks.services.errors import Conflict, Refused
from htx_tasks.services.inputs import Command, _note
from htx_tasks.store.models import Notification, Occurrence, PlanRow, Submission
from htx_tasks.store.writes import audit

OPEN_STATES = tuple(s.value for s in (*ACTIVE, State.SUBMITTED))
DONE_STATES = (State.DONE_ON_TIME.value, State.DONE_LATE.value)
LATE_STATES = (State.OVERDUE.value, State.ESCALATED.value)


class ClosePlan(Command):
    plan: str
    note: str
    _note = _note(required=True)


@dataclass
class PlanLine:
    """One plan as ``htx-tasks plans`` lists it."""

    code: str
    title: str
    document: str  # the issuing document ("Kế hoạch số ... ngày ..."); "" when the plan names none
    status: PlanStatus | None  # None: configured, never seen by a pass or ``init``
    configured: bool
    states: Counter = field(default_factory=Counter)  # the items the plan directs, by state
    request_states: Counter = field(default_factory=Counter)  # the items it asks for (III.7), by state
    issuer: str = ""  # who issued it (plan.issuer), when configured

    def _count(self, states: tuple[str, ...]) -> int:
        return sum(self.states[s] + self.request_states[s] for s in states)

    @property
    def open(self) -> int:
        return self._count(OPEN_STATES)

    @property
    def late(self) -> int:
        """Directed work past its term; a request past its date is not late (``past_requests``)."""
        return sum(self.states[s] for s in LATE_STATES)

    @property
    def past_requests(self) -> int:
        return sum(self.request_states[s] for s in LATE_STATES)

    @property
    def done(self) -> int:
        return self._count(DONE_STATES)

    @property
    def status_label(self) -> str:
        return self.status.label if self.status else "chưa nạp vào cơ sở dữ liệu"


def plan_lines(session: Session, plans: dict[str, Plan]) -> list[PlanLine]:
    """Every plan configured or stored, with its items counted by state (one grouped query)."""
    stored = {row.code: row for row in session.execute(select(PlanRow)).scalars()}
    counts: dict[tuple[str, bool], Counter] = {}  # (plan, asked rather than directed): states
    query = select(col(Occurrence.plan_code), col(Occurrence.unit_code), col(Occurrence.state), func.count()).group_by(
        col(Occurrence.plan_code), col(Occurrence.unit_code), col(Occurrence.state))
    for code, unit, state, count in session.execute(query):
        plan = plans.get(code)
        asked = plan is not None and plan.assignment_of(unit) is Assignment.REQUEST
        counts.setdefault((code, asked), Counter())[state] += count
    lines = []
    for code in [*plans, *(c for c in stored if c not in plans)]:
        row = stored.get(code)
        plan = plans.get(code)
        title = plan.meta.short_title if plan else row.title if row else code
        document = (plan.meta.document or "") if plan else (row.document or "") if row else ""
        lines.append(PlanLine(code=code, title=title, document=document, issuer=plan.meta.issuer if plan else "",
                              status=PlanStatus(row.status) if row else None, configured=plan is not None,
                              states=counts.get((code, False), Counter()),
                              request_states=counts.get((code, True), Counter())))
    return lines


def stored_statuses(session: Session) -> dict[str, PlanStatus]:
    """Where each stored plan stands."""
    return {code: PlanStatus(status) for code, status in session.execute(select(col(PlanRow.code), col(PlanRow.status)))}


def plan_of_item(session: Session, occurrence: int) -> str | None:
    """The code of the plan item ``occurrence`` belongs to; None when there is no such item (or the
    number is none a database holds: the service refuses it in its own words)."""
    if not 0 < occurrence < 2**31:
        return None
    return session.execute(select(col(Occurrence.plan_code)).where(col(Occurrence.id) == occurrence)).scalar()


def followed_plans(session: Session, plans: dict[str, Plan]) -> dict[str, Plan]:
    """The plans being followed, by code, in the configuration's order: active in the database, or
    as configured for a plan no pass has seen yet."""
    stored = stored_statuses(session)
    return {c: p for c, p in plans.items() if stored.get(c, p.meta.status) is PlanStatus.ACTIVE}


def _locked(session: Session, code: str) -> PlanRow:
    query = select(PlanRow).where(col(PlanRow.code) == code).with_for_update()
    row = session.execute(query).scalars().first()
    if row is None:
        raise Refused(f"kế hoạch '{code}' chưa được nạp vào cơ sở dữ liệu; hãy chạy 'htx-tasks init' trước")
    return row


def activate_plan(session: Session, plan: Plan, actor: Actor, *, now: dt.datetime) -> PlanRow:
    """A draft plan is followed from the next pass on; an ended plan stays ended."""
    authorize(plan, actor, Act.ACTIVATE_PLAN, owner=None, what=f"kế hoạch '{plan.meta.code}'")
    row = _locked(session, plan.meta.code)
    if row.status == PlanStatus.ACTIVE:
        raise Conflict(f"kế hoạch '{row.code}' đang được theo dõi")
    if row.status == PlanStatus.CLOSED:
        raise Refused(f"kế hoạch '{row.code}' đã kết thúc; không theo dõi lại được")
    audit(session, occurrence_id=None, at=now, actor=actor.name, action="activate_plan",
          reason=f"Bắt đầu theo dõi kế hoạch {plan.meta.label} ({row.code})", role=actor.role.value, via=actor.via)
    row.status, row.status_at = PlanStatus.ACTIVE, now
    session.add(row)
    session.flush()
    return row


@dataclass
class Closed:
    plan: str
    ended: int  # open items ended
    reports: int  # reports awaiting review closed with them
    cancelled: int  # notices not sent


def close_plan(session: Session, plan: Plan, actor: Actor, command: ClosePlan, *, now: dt.datetime) -> Closed:
    """End the plan: its open items end (audited one by one), its unsent notices are cancelled."""
    authorize(plan, actor, Act.CLOSE_PLAN, owner=None, what=f"kế hoạch '{plan.meta.code}'")
    if command.plan != plan.meta.code:
        raise Refused(f"lệnh kết thúc kế hoạch '{command.plan}' nhưng kế hoạch đang mở là '{plan.meta.code}'")
    row = _locked(session, plan.meta.code)
    if row.status == PlanStatus.CLOSED:
        raise Conflict(f"kế hoạch '{row.code}' đã kết thúc")
    reason = f"Kế hoạch {plan.meta.label} kết thúc: {command.note}"
    query = (select(Occurrence).where(col(Occurrence.plan_code) == row.code, col(Occurrence.state).in_(OPEN_STATES))
             .order_by(col(Occurrence.id)).with_for_update())
    items = list(session.execute(query).scalars())
    ids = [item.id for item in items]
    reports = 0
    if ids:
        reports = cast(CursorResult, session.execute(
            update(Submission).where(col(Submission.occurrence_id).in_(ids),
                                     col(Submission.decision) == SubmissionDecision.PENDING)
            .values(decision=SubmissionDecision.WAIVE, decided_at=now, decision_note=reason))).rowcount
    for item in items:
        audit(session, occurrence_id=item.id, at=now, actor=actor.name, action="close_plan", from_state=item.state,
              to_state=State.WAIVED.value, reason=reason, role=actor.role.value, via=actor.via)
        item.state, item.closed_at, item.next_action_at = State.WAIVED.value, now, None
        session.add(item)
    indicators = [f"{i.code}/" for i in plan.source.indicators]
    items_of_plan = select(col(Occurrence.id)).where(col(Occurrence.plan_code) == row.code)
    about_plan: list[ColumnElement[bool]] = [col(Notification.occurrence_id).in_(items_of_plan)]
    about_plan += [col(Notification.subject).startswith(prefix) for prefix in indicators]
    cancelled = cast(CursorResult, session.execute(
        update(Notification).where(col(Notification.status) == NotificationStatus.PENDING, or_(*about_plan))
        .values(status=NotificationStatus.CANCELLED, next_attempt_at=None)
        .execution_options(synchronize_session=False))).rowcount
    audit(session, occurrence_id=None, at=now, actor=actor.name, action="close_plan",
          reason=f"{reason} ({len(items)} nhiệm vụ kết thúc, {cancelled} thông báo không gửi)",
          role=actor.role.value, via=actor.via)
    row.status, row.status_at = PlanStatus.CLOSED, now
    session.add(row)
    session.flush()
    return Closed(plan=row.code, ended=len(items), reports=reports, cancelled=cancelled)
