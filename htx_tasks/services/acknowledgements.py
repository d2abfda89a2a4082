"""A unit acknowledges an item ("Đã nhận, đang thực hiện"): an expected date and a progress note.

Like every decision: the occurrence locked, the version the unit saw checked, ``authorize`` (a
unit, on its own item), the expected state (still open), then the row and an audit line naming
the actor. It is not an extension: the deadline stays, the item is still overdue when it is; only
the repeats about it pause until the expected date (``core.acknowledgement.holds``). The version
moves on, so a page opened before it (the coordinator's) shows the news before deciding.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from pydantic import field_validator
from sqlmodel import Session, col, select

from htx_tasks.core.acknowledgement import expected_problem
from htx_tasks.core.zones import local_date
from htx_tasks.plan.loader import Plan
from htx_tasks.services.actors import Act, Actor
from htx_tasks.services.decisions import begin_decision
from htx_tasks.services.errors import InvalidInput
from htx_tasks.services.inputs import NOTE_MAX, Seen, check_date, clean_text
from htx_tasks.store.answers import Acknowledgement
from htx_tasks.store.writes import audit


class Acknowledge(Seen):
    expected: dt.date
    note: str

    @field_validator("expected", mode="before")
    @classmethod
    def _expected(cls, value: object) -> dt.date:
        return check_date(value)

    @field_validator("note", mode="before")
    @classmethod
    def _note(cls, value: object) -> str:
        return clean_text(value, limit=NOTE_MAX, multiline=True, required=True)


def acknowledge(session: Session, plan: Plan, actor: Actor, command: Acknowledge, *,
                now: dt.datetime) -> Acknowledgement:
    row = begin_decision(session, plan, actor, Act.ACKNOWLEDGE, command.occurrence, command.expected_version)
    problem = expected_problem(command.expected, local_date(now))
    if problem:
        raise InvalidInput.one("expected", problem)
    said = Acknowledgement(occurrence_id=command.occurrence, unit_code=row.unit_code, acknowledged_at=now,
                           expected_on=command.expected, note=command.note, deadline_then=row.deadline,
                           via=actor.via)
    session.add(said)
    audit(session, occurrence_id=row.id, at=now, actor=actor.name, action="acknowledge",
          from_state=row.state, to_state=row.state, role=actor.role.value, via=actor.via,
          reason=f"Dự kiến hoàn thành {command.expected:%d/%m/%Y}: {command.note}")
    session.flush()
    return said


def latest(session: Session, occurrence_ids: Iterable[int]) -> dict[int, Acknowledgement]:
    """The acknowledgement that counts for each occurrence (its latest), by occurrence id."""
    ids = sorted(set(occurrence_ids))
    found: dict[int, Acknowledgement] = {}
    for start in range(0, len(ids), 2000):
        for ack in session.exec(select(Acknowledgement).where(col(Acknowledgement.occurrence_id).in_(
                ids[start:start + 2000])).order_by(col(Acknowledgement.id))):
            found[ack.occurrence_id] = ack
    return found
