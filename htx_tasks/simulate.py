"""Replay the plan through virtual time on a scratch database, assuming nobody reports."""

from __future__ import annotations

import dataclasses
import datetime as dt
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sqlmodel import col, select

from htx_tasks.core.lifecycle import Kind
from htx_tasks.core.recurrence import Every
from htx_tasks.core.statuses import NotificationStatus
from htx_tasks.core.zones import at_local, local
from htx_tasks.delivery.noise import Noise, measure
from htx_tasks.engine import run_pass
from htx_tasks.plan.loader import Plan
from htx_tasks.services import Actor, OpenCase, open_case
from htx_tasks.store.db import make_engine, session_scope, upgrade
from htx_tasks.store.models import Notification, Occurrence


@dataclass(frozen=True)
class SimEvent:
    at: dt.datetime  # local time
    kind: str
    recipient: str
    level: int
    occurrence: int
    unit: str
    duty: str
    ref: str
    period: str
    deadline: dt.date

    def as_json(self) -> dict:
        data = dataclasses.asdict(self)
        data["at"], data["deadline"] = self.at.isoformat(), self.deadline.isoformat()
        return data


@dataclass(frozen=True)
class Simulation:
    start: dt.date
    end: dt.date
    events: list[SimEvent]
    opened: list[dict]
    briefings: list[tuple[dt.datetime, str]] = dataclasses.field(default_factory=list)  # (local time, recipient)

    def noise(self, plan: Plan) -> list[Noise]:
        """Per person, what the simulated year asks of them (``delivery.noise``)."""
        rows: list[tuple[dt.datetime, str, int | None]] = [(e.at, e.recipient, e.occurrence) for e in self.events]
        rows += [(at, recipient, None) for at, recipient in self.briefings]
        return measure(plan, rows, self.start, self.end)

    def coverage(self, plan: Plan) -> dict:
        units = {e.unit for e in self.events}
        duties = {e.duty for e in self.events}
        leaf_units = [u.code for u in plan.source.units if u.members is None]
        # a duty whose `active` window lies outside the simulated span is not missing: it is not due
        outside = {d.code for d in plan.source.duties if d.active and not d.active.covers(self.start, self.end)}
        return {
            "units_missing": sorted(set(leaf_units) - units),
            "duties_missing": sorted(set(plan.duties) - duties - outside),
            "duties_outside_window": sorted(outside),
        }


def simulate(plan: Plan, start: dt.date, end: dt.date, *, sample_cases: bool = True) -> Simulation:
    """Every opening, reminder, overdue notice and escalation from ``start`` to ``end``."""
    scratch_plan = dataclasses.replace(plan, source=plan.source.model_copy(
        update={"plan": plan.source.plan.model_copy(update={"tracking_from": start})}
    ))
    with tempfile.TemporaryDirectory(prefix="htx-sim-") as folder:
        engine = make_engine(f"sqlite:///{Path(folder) / 'sim.db'}")
        upgrade(engine)
        first_morning = at_local(start, 7, 30)
        if sample_cases:
            _open_sample_cases(engine, scratch_plan, start, first_morning)
        day = start
        while day <= end:
            run_pass(engine, scratch_plan, at_local(day, 7, 30))
            day += dt.timedelta(days=1)
        run_pass(engine, scratch_plan, at_local(end + dt.timedelta(days=1)) - dt.timedelta(seconds=1))
        with session_scope(engine) as session:
            rows = session.exec(
                select(Notification, Occurrence)
                .join(Occurrence, col(Occurrence.id) == Notification.occurrence_id)
                .where(Notification.status != NotificationStatus.SUPERSEDED)
                .order_by(col(Notification.due_at), col(Notification.id))
            ).all()
            events = [
                SimEvent(
                    at=local(n.due_at), kind=n.kind, recipient=n.recipient, level=n.level,
                    occurrence=o.id, unit=o.unit_code, duty=o.duty_code,
                    ref=plan.duty(o.duty_code).ref, period=o.period_label, deadline=o.deadline,
                )
                for n, o in rows
                if o.id is not None and start <= local(n.due_at).date() <= end  # an id: read from the database
            ]
            briefings = [
                (local(n.due_at), n.recipient)
                for n in session.exec(select(Notification).where(col(Notification.kind) == Kind.BRIEFING.value)
                                      .order_by(col(Notification.due_at), col(Notification.id)))
                if start <= local(n.due_at).date() <= end
            ]
            opened = [
                {"occurrence": o.id, "unit": o.unit_code, "duty": o.duty_code, "period": o.period_label,
                 "deadline": o.deadline.isoformat(), "opened_at": local(o.opened_at).isoformat()}
                for o in session.exec(select(Occurrence).order_by(col(Occurrence.id)))
            ]
        engine.dispose()
    return Simulation(start, end, events, opened, briefings)


def _open_sample_cases(engine, plan: Plan, start: dt.date, now: dt.datetime) -> None:
    """One illustrative case per case kind, received on the first working day of the window."""
    received = plan.calendar.working_day_on_or_after(start)
    now = max(now, at_local(received, 7, 30))  # a case is recorded once received, never before
    with session_scope(engine) as session:
        for duty in plan.source.duties:
            if duty.recurrence.every is not Every.CASE or not duty.active_on(received):
                continue
            for assignee in plan.assignees(duty):
                for kind in duty.recurrence.case_kinds or []:
                    command = OpenCase.parse(duty=duty.code, unit=assignee, kind=kind.code, received=received,
                                             ref=f"mau-{kind.code}")
                    open_case(session, plan, Actor.of_unit(assignee, "simulate"), command, now=now)
