"""What a digest adds from the web app: the recipient's signed page link, decisions' notes."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Row
from sqlmodel import Session, col, select

from htx_tasks.core.lifecycle import Kind
from htx_tasks.core.policy import COORDINATOR
from htx_tasks.core.statuses import ExtensionDecision
from htx_tasks.links import LinkMaker
from htx_tasks.plan.loader import Plan
from htx_tasks.store.answers import ExtensionRequest
from htx_tasks.store.models import Notification

DECISIONS = {Kind.EXTENSION_APPROVED.value, Kind.EXTENSION_REFUSED.value}


def web_page(session: Session, plan: Plan, links: LinkMaker | None, recipient: str) -> str | None:
    """A unit's own page, or the coordinator's; None without the web app or for other roles."""
    if links is None:
        return None
    if recipient in plan.units:
        return links.unit_page(session, recipient)
    if recipient == COORDINATOR:
        return links.coordinator_page(session)
    return None


def decision_notes(session: Session, rows: Sequence[Notification | Row]) -> dict[int, str]:
    """For each decision on a request for more time: the proposed date and the coordinator's note."""
    wanted = [r for r in rows if r.kind in DECISIONS]
    if not wanted:
        return {}
    requests = session.exec(select(ExtensionRequest).where(
        col(ExtensionRequest.occurrence_id).in_([r.occurrence_id for r in wanted]),
        ExtensionRequest.decision != ExtensionDecision.PENDING)).all()
    notes: dict[int, str] = {}
    for row in wanted:
        match = [q for q in requests if q.occurrence_id == row.occurrence_id and q.decided_at == row.due_at]
        if match and row.id is not None:
            request = match[-1]
            asked = f"đề nghị gia hạn đến {request.proposed:%d/%m/%Y}"
            notes[row.id] = f"{asked}. {request.decision_note}" if request.decision_note else asked
    return notes
