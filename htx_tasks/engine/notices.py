"""Who hears of an event, and the outbox rows a pass records for the events due."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

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
KIND_VALUES = {kind: kind.value for kind in Kind}  # looked up per outbox row: a dict is quicker than the enum
PENDING, SUPERSEDED = NotificationStatus.PENDING, NotificationStatus.SUPERSEDED
MEMO_LIMIT = 20_000  # entries a pass's memo keeps between batches before starting afresh


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


@dataclass(frozen=True, eq=False)  # known by identity: shared by the rows whose step it is
class Folded:
    """The events of one step as the outbox records them: a catch-up's weekly repeats folded into
    the newest, each event with its kind's value."""

    events: tuple[tuple[Event, str], ...]
    folded: int  # repeats left out


def fold(due: list[Event]) -> Folded:
    repeats = [e.at for e in due if e.kind is Kind.REPEAT]
    newest_repeat = max(repeats) if repeats else None
    kept = tuple((e, KIND_VALUES[e.kind]) for e in due if e.kind is not Kind.REPEAT or e.at == newest_repeat)
    return Folded(kept, len(due) - len(kept))


class Notices:
    """Outbox rows for the events due, one per event and recipient, collected as rows and handed
    over column-wise by ``finish``.

    A catch-up over months of overdue would record every weekly repeat of the gap; the newest
    one says it all (its number counts the others), so only it is recorded (``fold``). Of several
    events caught up for one recipient only the newest is delivered; the older ones are kept as
    ``superseded``, so the trail stays complete.

    Rows of one (plan, duty, unit) whose steps are one ``Folded`` get the same rows but for the
    occurrence: they are worked out once per pass (``now`` is one) and copied.
    """

    def __init__(self, plans: Plans, now: dt.datetime) -> None:
        self.plans, self.now, self.today = plans, now, local_date(now)
        self.rows: list[tuple[int, list[tuple]]] = []  # (occurrence, its rows but the occurrence) per row told
        self.told: dict[tuple, list[str]] = {}  # recipients by (kind, level, target, (plan, duty, unit)): few per pass
        self.made: dict[tuple[tuple[str, str, str], Folded], list[tuple]] = {}  # the rows but their occurrence
        self.uses: Counter[Folded] = Counter()  # counted in the result's events by ``finish``

    def add(self, occurrence: int, triple: tuple[str, str, str], due: Folded, row: Row) -> None:
        """The outbox rows of ``due``'s events for ``occurrence`` (``row``) of ``triple`` (plan, duty, unit)."""
        self.uses[due] += 1
        made = self.made.get((triple, due))
        if made is None:
            made = self.made[(triple, due)] = self._rows(row, triple, due)
        self.rows.append((occurrence, made))

    def _rows(self, row: Row, triple: tuple[str, str, str], due: Folded) -> list[tuple]:
        told: list[tuple[Event, str, str]] = []  # (event, its kind's value, recipient)
        newest: dict[str, dt.datetime] = {}
        for event, kind in due.events:
            key = (event.kind, event.level, event.target, triple)
            heard = self.told.get(key)
            if heard is None:  # leadership's own notices wait for the weekly briefing
                own = self.plans[row.plan_code]
                heard = self.told[key] = [
                    r
                    for r in recipients(own, event, row, self.today)
                    if not held_for_briefing(own, r, row.duty_code, row.unit_code)
                ]
            at = event.at
            for recipient in heard:
                told.append((event, kind, recipient))
                if recipient not in newest or at > newest[recipient]:
                    newest[recipient] = at
        now = self.now
        return [
            (kind, event.level, event.detail, event.at, recipient, now, PENDING, event.at)
            if event.at == newest[recipient]
            else (kind, event.level, event.detail, event.at, recipient, now, SUPERSEDED, None)
            for event, kind, recipient in told
        ]

    def finish(self, outbox: Columns, result: PassResult) -> None:
        """Hand the rows collected over to the outbox's columns, and count the events told in ``result``."""
        counted = result.events
        for due, uses in self.uses.items():
            result.repeats_folded += due.folded * uses
            for _, kind in due.events:
                counted[kind] += uses
        self.uses.clear()
        if len(self.made) > MEMO_LIMIT:  # memory stays flat over a long pass
            self.made.clear()
        if not self.rows:
            return
        outbox[NOTIFICATION_COLUMNS[0]].extend([occurrence for occurrence, made in self.rows for _ in made])
        rest = zip(*(row for _, made in self.rows for row in made), strict=True)
        for name, values in zip(NOTIFICATION_COLUMNS[1:], rest, strict=True):
            outbox[name].extend(values)
        self.rows = []


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
