"""Who hears of an event, and the outbox rows a pass records for the events due."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Row
from sqlmodel import Session

from htx_tasks.briefing import held_for_briefing
from htx_tasks.core.lifecycle import Event, Kind
from htx_tasks.core.policy import Assignment, Target
from htx_tasks.core.statuses import NotificationStatus
from htx_tasks.core.zones import local_date
from htx_tasks.engine.base import PassResult, Plans, append
from htx_tasks.plan.loader import Plan
from htx_tasks.store.models import Occurrence
from htx_tasks.store.writes import NOTIFICATION_COLUMNS, Columns, columns, insert_notifications

COORDINATOR, LEADERSHIP = Target.COORDINATOR.value, Target.LEADERSHIP.value  # recipient tags of the roles


def recipients(plan: Plan, event: Event, row: Occurrence | Row, today: dt.date) -> list[str]:
    """Who hears of an event: always the unit; escalations also the level's target (never the
    unit itself again); the assignment and the first overdue notice also the coordinating units,
    as copies."""
    out = [row.unit_code]
    if event.target is Target.COORDINATOR:
        out.append(COORDINATOR)
    elif event.target is Target.LEADERSHIP:
        out.extend([COORDINATOR, LEADERSHIP])
    out = [r for r in out if r == row.unit_code or plan.role_unit(Target(r)) != row.unit_code]
    if event.kind is Kind.ESCALATION and plan.assignment_of(row.unit_code) is Assignment.REQUEST:
        out.remove(row.unit_code)  # a request past its date: the organisation hears once, the coordinator liaises
    if event.kind is Kind.ASSIGNED or (event.kind is Kind.OVERDUE and event.level == 0):
        out += plan.copy_recipients(row.duty_code, row.unit_code, today)
    return out


class Notices:
    """Outbox rows for the events due, one per event and recipient, appended column-wise.

    A catch-up over months of overdue would record every weekly repeat of the gap; the newest
    one says it all (its number counts the others), so only it is recorded. Of several events
    caught up for one recipient only the newest is delivered; the older ones are kept as
    ``superseded``, so the trail stays complete.
    """

    def __init__(self, plans: Plans, now: dt.datetime, outbox: Columns, result: PassResult) -> None:
        self.plans, self.now, self.today, self.result = plans, now, local_date(now), result
        self.columns = [outbox[c].append for c in NOTIFICATION_COLUMNS]
        self.told: dict[tuple, list[str]] = {}  # recipients by (kind, level, target, unit, plan, duty): few per pass

    def add(self, row: Row, due: list[Event]) -> None:
        newest_repeat = max((e.at for e in due if e.kind is Kind.REPEAT), default=None)
        told: list[tuple[Event, str]] = []
        for event in due:
            if event.kind is Kind.REPEAT and event.at != newest_repeat:
                self.result.repeats_folded += 1
                continue
            self.result.events[event.kind.value] += 1
            key = (event.kind, event.level, event.target, row.unit_code, row.plan_code, row.duty_code)
            if key not in self.told:  # leadership's own notices wait for the weekly briefing
                own = self.plans[row.plan_code]
                self.told[key] = [
                    r
                    for r in recipients(own, event, row, self.today)
                    if not held_for_briefing(own, r, row.duty_code, row.unit_code)
                ]
            told += ((event, recipient) for recipient in self.told[key])
        newest: dict[str, dt.datetime] = {}
        for event, recipient in told:
            if recipient not in newest or event.at > newest[recipient]:
                newest[recipient] = event.at
        occurrence, kind, level, detail, due_at, to, created, status, next_attempt = self.columns
        for event, recipient in told:
            current = event.at == newest[recipient]
            occurrence(row.id)
            kind(event.kind.value)
            level(event.level)
            detail(event.detail)
            due_at(event.at)
            to(recipient)
            created(self.now)
            status(NotificationStatus.PENDING if current else NotificationStatus.SUPERSEDED)
            next_attempt(event.at if current else None)


def record_notifications(session: Session, rows: list[dict]) -> int:
    """Insert outbox rows given one dict each; one already recorded under the same key is left
    as it is. Of several rows of one occurrence and recipient only the newest stays pending."""
    if not rows:
        return 0
    newest: dict[tuple, dt.datetime] = {}
    for row in rows:
        key = (row["occurrence_id"], row["recipient"])
        newest[key] = max(newest.get(key, row["due_at"]), row["due_at"])
    outbox = columns(NOTIFICATION_COLUMNS)
    for row in rows:
        current = row["due_at"] == newest[(row["occurrence_id"], row["recipient"])]
        append(
            outbox,
            *(row[c] for c in NOTIFICATION_COLUMNS[:-2]),
            row["status"] if current else NotificationStatus.SUPERSEDED,
            row["next_attempt_at"] if current else None,
        )
    return insert_notifications(session, outbox)
