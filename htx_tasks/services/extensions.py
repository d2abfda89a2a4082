"""Requests for more time ("đề nghị gia hạn"): a unit asks, the coordinator approves or refuses.

A new step in an obligation's life, beside its state: while a request waits, the obligation stays
active and its reminders continue. Approving moves the deadline through ``extend`` (art. 148 shift
included, follow-up rescheduled); refusing needs a note. Either way the unit is told through the
outbox, in the same transaction as the decision. Both entries follow ``decisions``: lock, version,
``authorize``, expected state, then the change and an audit row naming the actor.
"""

from __future__ import annotations

import datetime as dt
from typing import Self, cast

from pydantic import field_validator, model_validator
from sqlalchemy import CursorResult, func, update
from sqlmodel import Session, col, select

from htx_tasks.core.lifecycle import ACTIVE, Kind, State
from htx_tasks.core.statuses import ExtensionDecision
from htx_tasks.core.zones import local_date
from htx_tasks.plan.loader import Plan
from htx_tasks.services.actors import Act, Actor
from htx_tasks.services.decisions import PREEMPTED, begin_decision, extend
from htx_tasks.services.errors import Conflict, InvalidInput, Refused
from htx_tasks.services.inputs import EXTENSION_HORIZON, NOTE_MAX, Command, ExtendDeadline, Seen, check_date, check_id, clean_text
from htx_tasks.store.answers import ExtensionRequest
from htx_tasks.store.models import Notification, Occurrence
from htx_tasks.store.writes import audit

PENDING, APPROVED, REFUSED = ExtensionDecision.PENDING, ExtensionDecision.APPROVED, ExtensionDecision.REFUSED


class RequestExtension(Seen):
    proposed: dt.date
    reason: str

    @field_validator("proposed", mode="before")
    @classmethod
    def _proposed(cls, value: object) -> dt.date:
        return check_date(value)

    @field_validator("reason", mode="before")
    @classmethod
    def _reason(cls, value: object) -> str:
        return clean_text(value, limit=NOTE_MAX, multiline=True, required=True)


class DecideExtension(Command):
    expected_version: int  # the obligation's version the coordinator saw beside the request
    request: int
    approve: bool
    note: str = ""

    @field_validator("request", mode="before")
    @classmethod
    def _request(cls, value: object) -> int:
        return check_id(value, "số đề nghị")

    @field_validator("note", mode="before")
    @classmethod
    def _note(cls, value: object) -> str:
        return clean_text(value, limit=NOTE_MAX, multiline=True, required=False)

    @model_validator(mode="after")
    def _refusal_needs_a_note(self) -> Self:
        if not self.approve and not self.note:
            raise InvalidInput.one("note", "không đồng ý gia hạn cần ghi rõ lý do")
        return self


def pending_request(session: Session, occurrence_id: int) -> ExtensionRequest | None:
    return session.exec(select(ExtensionRequest).where(
        ExtensionRequest.occurrence_id == occurrence_id, ExtensionRequest.decision == PENDING)).first()


def pending_count(session: Session) -> int:
    """Requests awaiting the coordinator's decision on obligations still open (for the board)."""
    return session.exec(select(func.count()).select_from(ExtensionRequest)
                        .join(Occurrence, col(Occurrence.id) == ExtensionRequest.occurrence_id)
                        .where(ExtensionRequest.decision == PENDING,
                               col(Occurrence.state).in_([s.value for s in (*ACTIVE, State.SUBMITTED)]))).one()


def request_extension(session: Session, plan: Plan, actor: Actor, command: RequestExtension, *,
                      now: dt.datetime) -> ExtensionRequest:
    row = begin_decision(session, plan, actor, Act.REQUEST_EXTENSION, command.occurrence, command.expected_version)
    if pending_request(session, command.occurrence) is not None:
        raise Conflict(f"nhiệm vụ số {row.id} đã có đề nghị gia hạn đang chờ quyết định")
    if command.proposed <= row.deadline:
        raise InvalidInput.one("proposed", f"ngày đề nghị phải sau hạn hiện tại ({row.deadline:%d/%m/%Y})")
    if command.proposed > local_date(now) + EXTENSION_HORIZON:
        raise InvalidInput.one("proposed", "ngày đề nghị quá xa: chậm nhất "
                               f"{local_date(now) + EXTENSION_HORIZON:%d/%m/%Y}")
    request = ExtensionRequest(occurrence_id=command.occurrence, unit_code=row.unit_code, requested_at=now,
                               proposed=command.proposed, reason=command.reason, deadline_then=row.deadline)
    session.add(request)
    audit(session, occurrence_id=row.id, at=now, actor=actor.name, action="request_extension",
          from_state=row.state, to_state=row.state, role=actor.role.value, via=actor.via,
          reason=f"Đề nghị gia hạn đến {command.proposed:%d/%m/%Y}: {command.reason}")
    session.flush()
    return request


def decide_extension(session: Session, plan: Plan, actor: Actor, command: DecideExtension, *,
                     now: dt.datetime) -> ExtensionRequest:
    request = session.get(ExtensionRequest, command.request)
    if request is None:
        raise Refused(f"không có đề nghị gia hạn số {command.request}")
    row = begin_decision(session, plan, actor, Act.DECIDE_EXTENSION, request.occurrence_id, command.expected_version)
    decision = APPROVED if command.approve else REFUSED
    # compare-and-set on the request: of two decisions taken at once, one wins, the other writes nothing
    won = cast(CursorResult, session.execute(
        update(ExtensionRequest).where(col(ExtensionRequest.id) == request.id, col(ExtensionRequest.decision) == PENDING)
        .values(decision=decision, decided_at=now, decision_note=command.note)
    )).rowcount
    if not won:
        raise Conflict(f"đề nghị gia hạn số {request.id} {PREEMPTED}")
    if command.approve:
        note = command.note or "đồng ý đề nghị của đơn vị"
        row = extend(session, plan, actor, ExtendDeadline.parse(occurrence=row.id, to=request.proposed, note=note,
                                                                    expected_version=row.version),
                     now=now)
        session.execute(update(ExtensionRequest).where(col(ExtensionRequest.id) == request.id)
                        .values(new_deadline=row.deadline))
    else:
        audit(session, occurrence_id=row.id, at=now, actor=actor.name, action="refuse_extension",
              from_state=row.state, to_state=row.state, reason=command.note, role=actor.role.value, via=actor.via)
    kind = Kind.EXTENSION_APPROVED if command.approve else Kind.EXTENSION_REFUSED
    session.add(Notification(occurrence_id=request.occurrence_id, kind=kind.value, level=-1, due_at=now,
                             recipient=row.unit_code, created_at=now, next_attempt_at=now))
    session.flush()
    session.refresh(request)
    return request
