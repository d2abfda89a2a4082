"""People's actions for tests: the service entries with a test actor and keyword inputs."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session

from htx_tasks import services
from htx_tasks.plan.loader import Plan
from htx_tasks.services import Actor, Decision
from htx_tasks.store.models import Occurrence

VIA = "cli:kiem-thu"
COORDINATOR = Actor.coordinator(VIA)


def seen(session: Session, occurrence: int) -> int:
    """The item's version as a coordinator looking at it now sees it (a decision sends it back)."""
    row = session.get(Occurrence, occurrence)
    return row.version if row is not None else 1


def submit(session: Session, plan: Plan, occurrence: int, *, unit: str, note: str, evidence: str | None = None,
           now: dt.datetime, actor: Actor | None = None) -> Occurrence:
    command = services.SubmitReport.parse(occurrence=occurrence, results=note, evidence=evidence,
                                          expected_version=seen(session, occurrence))
    return services.submit(session, plan, actor or Actor.of_unit(unit, VIA), command, now=now)


def review(session: Session, plan: Plan, occurrence: int, *, decision: Decision, note: str, now: dt.datetime,
           actor: Actor = COORDINATOR) -> Occurrence:
    command = services.ReviewReport.parse(occurrence=occurrence, decision=decision, note=note,
                                          expected_version=seen(session, occurrence))
    return services.review(session, plan, actor, command, now=now)


def extend(session: Session, plan: Plan, occurrence: int, *, to: dt.date, note: str, now: dt.datetime,
           actor: Actor = COORDINATOR) -> Occurrence:
    command = services.ExtendDeadline.parse(occurrence=occurrence, to=to, note=note,
                                            expected_version=seen(session, occurrence))
    return services.extend(session, plan, actor, command, now=now)


def waive(session: Session, plan: Plan, occurrence: int, *, note: str, now: dt.datetime,
          actor: Actor = COORDINATOR) -> Occurrence:
    command = services.Waive.parse(occurrence=occurrence, note=note, expected_version=seen(session, occurrence))
    return services.waive(session, plan, actor, command, now=now)


def open_case(session: Session, plan: Plan, duty: str, *, unit: str, kind: str | None, received: dt.date, ref: str,
              now: dt.datetime, actor: Actor | None = None) -> Occurrence:
    command = services.OpenCase.parse(duty=duty, unit=unit, kind=kind, received=received, ref=ref)
    return services.open_case(session, plan, actor or Actor.of_unit(unit, VIA), command, now=now)
