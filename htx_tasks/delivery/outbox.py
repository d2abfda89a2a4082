"""The outbox's SQL: what is due, claims, and results, each one statement per batch of recipients.

A claim is a compare-and-set: ``status = 'pending'`` → ``'sending'`` with a fresh token, rows
locked in id order (``FOR UPDATE`` on PostgreSQL; SQLite takes its write lock first), so two
dispatchers never hold the same row and never wait on each other in a cycle. Results are written
with the token in the condition: one ``executemany`` for the rows sent, one for the rows that
failed, one for the per-URL delivery records.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import Engine, Row, Table, bindparam, func, insert, select, update
from sqlalchemy.sql import ColumnElement

from htx_tasks.core.acknowledgement import HELD_FROM_OTHERS, HELD_FROM_UNIT, holds
from htx_tasks.core.lifecycle import ACTIVE
from htx_tasks.core.statuses import NotificationStatus
from htx_tasks.delivery.ports import UrlResult
from htx_tasks.store.answers import Acknowledgement
from htx_tasks.store.models import LEASE, Delivery, Notification, Occurrence

BACKOFF = (dt.timedelta(minutes=2), dt.timedelta(minutes=10), dt.timedelta(minutes=30), dt.timedelta(hours=2))
MAX_ATTEMPTS = len(BACKOFF) + 1
CHUNK = 2000  # ids in one ``IN (...)`` list: SQLite and psycopg cap the bound parameters
STUCK = "Tiến trình gửi bị dừng giữa chừng; cần kiểm tra xem đã gửi chưa"

_N: Table = Notification.__table__  # type: ignore[attr-defined]
_O: Table = Occurrence.__table__  # type: ignore[attr-defined]
_D: Table = Delivery.__table__  # type: ignore[attr-defined]
CLAIMED = (_N.c.id, _N.c.recipient, _N.c.occurrence_id, _N.c.kind, _N.c.level, _N.c.detail, _N.c.due_at,
           _N.c.attempts, _N.c.delivered_urls, _N.c.subject, _N.c.body)


@dataclass
class Digest:
    """One message to send: rows of one recipient that share the URLs already reached."""

    recipient: str
    rows: list[Row]
    already: set[str]
    started: bool = False  # handed to the sender: if no outcome comes back, nobody knows
    outcomes: list[UrlResult] | None = None
    owners: list[str] = field(default_factory=list)  # the tag each outcome's URL is configured for, in order

    @property
    def ids(self) -> str:
        return ",".join(str(r.id) for r in self.rows)


@dataclass
class Recorded:
    """What the result writes did, for the pass's totals."""

    sent: int = 0
    messages: int = 0
    failed: int = 0
    retrying: int = 0
    recipients: list[str] = field(default_factory=list)
    gave_up: list[tuple[Digest, str]] = field(default_factory=list)  # (digest, last error)


def due_filter(table, now: dt.datetime, recipients: Iterable[str] | None,
               retries_only: bool = False) -> list[ColumnElement]:
    where = [table.c.status == NotificationStatus.PENDING, table.c.next_attempt_at <= now]
    if retries_only:
        where.append(table.c.attempts > 0)
    if recipients is not None:
        where.append(table.c.recipient.in_(sorted(recipients)))
    return where


def due_counts(session, now: dt.datetime, recipients: set[str] | None, retries_only: bool) -> dict[str, int]:
    """Rows due per recipient: counts only, as thousands may be due after a long catch-up."""
    query = (select(_N.c.recipient, func.count()).where(*due_filter(_N, now, recipients, retries_only))
             .group_by(_N.c.recipient))
    return {recipient: count for recipient, count in session.execute(query).all()}


def set_aside_stuck(session, wall: dt.datetime, recipients: set[str] | None) -> int:
    stmt = update(_N).where(_N.c.status == NotificationStatus.SENDING, _N.c.claimed_at < wall - LEASE).values(
        status=NotificationStatus.REVIEW, last_error=STUCK)
    if recipients is not None:
        stmt = stmt.where(_N.c.recipient.in_(sorted(recipients)))
    return session.execute(stmt).rowcount or 0


def drop_closed(session, recipients: set[str] | None) -> int:
    """Nothing is sent for an obligation that is done, waived, submitted or succeeded."""
    closed = select(_O.c.id).where(_O.c.state.not_in([s.value for s in ACTIVE]))
    stmt = update(_N).where(_N.c.status == NotificationStatus.PENDING, _N.c.occurrence_id.in_(closed)).values(
        status=NotificationStatus.CANCELLED, next_attempt_at=None)
    if recipients is not None:
        stmt = stmt.where(_N.c.recipient.in_(sorted(recipients)))
    return session.execute(stmt).rowcount or 0


def hold_acknowledged(session, today: dt.date, recipients: set[str] | None) -> int:
    """Repeats an acknowledgement pauses (``core.acknowledgement.holds``) are cancelled, not sent:
    the unit said it has the work in hand and when it expects to finish. After that date the
    engine's next repeat goes as usual; a first notice or escalation is never held."""
    acks = Acknowledgement.__table__  # type: ignore[attr-defined]
    newest = select(func.max(acks.c.id)).group_by(acks.c.occurrence_id)
    query = (select(_N.c.id, _N.c.kind, _N.c.recipient, _O.c.unit_code, acks.c.expected_on)
             .join(_O, _O.c.id == _N.c.occurrence_id).join(acks, acks.c.occurrence_id == _O.c.id)
             .where(_N.c.status == NotificationStatus.PENDING, acks.c.id.in_(newest),
                    _N.c.kind.in_(sorted(HELD_FROM_UNIT | HELD_FROM_OTHERS)), acks.c.expected_on >= today))
    if recipients is not None:
        query = query.where(_N.c.recipient.in_(sorted(recipients)))
    held = [r.id for r in session.execute(query).all()
            if holds(r.kind, to_unit=r.recipient == r.unit_code, until=r.expected_on, today=today)]
    for start in range(0, len(held), CHUNK):
        session.execute(update(_N).where(_N.c.id.in_(held[start:start + CHUNK]))
                        .values(status=NotificationStatus.CANCELLED, next_attempt_at=None))
    return len(held)


def claim(session, now: dt.datetime, recipients: Sequence[str], wall: dt.datetime,
          retries_only: bool = False) -> tuple[str, list[Row]]:
    """Claim every row due for ``recipients`` in one statement; returns the token and the rows.

    Rows come back by recipient, then due time and id (the order a digest lists them in).
    """
    token = uuid.uuid4().hex
    due = _N.alias("due")
    wanted = (select(due.c.id).where(*due_filter(due, now, recipients, retries_only))
              .order_by(due.c.id).with_for_update())
    stmt = (update(_N).where(_N.c.id.in_(wanted))
            .values(status=NotificationStatus.SENDING, claim_token=token, claimed_at=wall).returning(*CLAIMED))
    rows = list(session.execute(stmt).all())
    rows.sort(key=lambda r: (r.recipient, r.due_at, r.id))
    return token, rows


def occurrences(session, ids: Iterable[int | None]) -> dict[int, Row]:
    """The occurrence fields a digest line needs, by id (rows about no item have none)."""
    ids = sorted({i for i in ids if i is not None})
    found = {}
    for start in range(0, len(ids), CHUNK):
        query = select(_O.c.id, _O.c.unit_code, _O.c.duty_code, _O.c.period_label,
                       _O.c.deadline, _O.c.state, _O.c.plan_code, _O.c.period_key,
                       _O.c.predecessor_id).where(_O.c.id.in_(ids[start:start + CHUNK]))
        found.update({r.id: r for r in session.execute(query).all()})
    return found


def record(engine: Engine, token: str, digests: list[Digest], now: dt.datetime) -> Recorded:
    """Write the outcome of every digest that has one, in one transaction.

    A digest reached every URL: its rows are sent. Otherwise each row is tried again after its
    backoff, or, after the last attempt, failed (``gave_up`` lists those for the fallback).
    """
    done = Recorded()
    deliveries, sent, failed = [], [], []
    for digest in digests:
        if digest.outcomes is None:
            continue
        ids = digest.ids
        owners = digest.owners if len(digest.owners) == len(digest.outcomes) else [digest.recipient] * len(digest.outcomes)
        deliveries += [dict(recipient=owner, at=now, url=o.url, url_id=o.url_id, status=o.status,
                            notification_ids=ids, error=o.error) for o, owner in zip(digest.outcomes, owners, strict=True)]
        reached = ",".join(sorted(digest.already | {o.url_id for o in digest.outcomes if o.ok}))
        failures = [o for o in digest.outcomes if not o.ok]
        if not failures:
            sent += [dict(row_id=r.id, reached=reached) for r in digest.rows]
            done.sent += len(digest.rows)
            done.messages += 1
            done.recipients += sorted({r.recipient for r in digest.rows})  # every tag the digest carried
            continue
        error = failures[-1].error
        gave_up = False
        for r in digest.rows:
            last = r.attempts + 1 >= MAX_ATTEMPTS
            failed.append(dict(row_id=r.id, reached=reached,
                               new_status=NotificationStatus.FAILED if last else NotificationStatus.PENDING,
                               retry_at=None if last else now + BACKOFF[r.attempts], error=error))
            gave_up |= last
            done.failed += last
            done.retrying += not last
        if gave_up:
            done.gave_up.append((digest, error or ""))
    mine = [_N.c.id == bindparam("row_id"), _N.c.claim_token == token]
    with engine.begin() as conn:
        if deliveries:
            conn.execute(insert(_D), deliveries)
        if sent:
            conn.execute(update(_N).where(*mine).values(
                status=NotificationStatus.SENT, sent_at=now, last_error=None, claim_token=None, attempts=_N.c.attempts + 1,
                delivered_urls=bindparam("reached")), sent)
        if failed:
            conn.execute(update(_N).where(*mine).values(
                status=bindparam("new_status"), next_attempt_at=bindparam("retry_at"),
                last_error=bindparam("error"), claim_token=None, attempts=_N.c.attempts + 1,
                delivered_urls=bindparam("reached")), failed)
    return done


def record_notices(engine: Engine, notices: list[tuple[str, list[UrlResult]]], recipient: str,
                   now: dt.datetime) -> None:
    """The fallback's notices are on record too: (ids the notice is about, outcomes)."""
    rows = [dict(recipient=recipient, at=now, url=o.url, url_id=o.url_id, status=o.status, notification_ids=ids,
                 error=o.error) for ids, outcomes in notices for o in outcomes]
    if rows:
        with engine.begin() as conn:
            conn.execute(insert(_D), rows)


def release(engine: Engine, token: str, digests: list[Digest]) -> None:
    """Rows of digests never handed to the sender go back to pending (the pass was interrupted)."""
    ids = [r.id for d in digests if not d.started for r in d.rows]
    if not ids:
        return
    with engine.begin() as conn:
        for start in range(0, len(ids), CHUNK):
            conn.execute(update(_N).where(_N.c.id.in_(ids[start:start + CHUNK]), _N.c.claim_token == token)
                         .values(status=NotificationStatus.PENDING, claim_token=None, claimed_at=None))
