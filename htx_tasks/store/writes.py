"""Writes shared by the pass and the decisions: audit lines, and rows written in bulk.

On PostgreSQL a batch of rows goes as one statement with one array parameter per column
(``INSERT … SELECT FROM unnest(…)``, ``UPDATE … FROM unnest(…)``): the SQL text is the same
whatever the batch size, so it is parsed and planned once per connection instead of rendered
with thousands of bound values. SQLite gets an ``executemany`` of one-row statements, which its
driver runs without rendering anything either.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import Session

from htx_tasks.store.models import AuditEvent, Occurrence

ENGINE_ACTOR = "hệ thống"  # who the audit names for what the engine did by itself


def audit(session: Session, *, occurrence_id: int | None, at: dt.datetime, actor: str, action: str,
          from_state: str | None = None, to_state: str | None = None, reason: str | None = None,
          role: str = "system", via: str | None = None) -> None:
    session.add(AuditEvent(occurrence_id=occurrence_id, at=at, actor=actor, action=action,
                           from_state=from_state, to_state=to_state, reason=reason, role=role, via=via))


# Column-wise batches: one list per column, all of one length. A batch of a thousand rows is then
# a dozen lists, not a thousand dicts.
Columns = dict[str, list]
NOTIFICATION_COLUMNS = ("occurrence_id", "kind", "level", "detail", "due_at", "recipient", "created_at",
                        "status", "next_attempt_at")
AUDIT_COLUMNS = ("occurrence_id", "from_state", "to_state", "reason")
UPDATE_COLUMNS = ("id", "version", "state", "escalation_level", "last_action_at", "next_action_at")

# Binary parameters (``%b``): psycopg sends each array as it is, no text quoting per element; times
# go as timestamptz (aware, no conversion in Python) and are stored as UTC without an offset, as
# ``UTCDateTime`` stores them.
_PG_NOTIFICATIONS = """
INSERT INTO notification (occurrence_id, kind, level, detail, due_at, recipient, created_at, status,
                          attempts, next_attempt_at)
SELECT o, k, l, d, due AT TIME ZONE 'UTC', r, c AT TIME ZONE 'UTC', s, 0, n AT TIME ZONE 'UTC'
FROM unnest(%(occurrence_id)b::integer[], %(kind)b::varchar[], %(level)b::integer[], %(detail)b::integer[],
            %(due_at)b::timestamptz[], %(recipient)b::varchar[], %(created_at)b::timestamptz[],
            %(status)b::varchar[], %(next_attempt_at)b::timestamptz[]) AS t(o, k, l, d, due, r, c, s, n)
ON CONFLICT (occurrence_id, kind, level, due_at, recipient) DO NOTHING
"""
_PG_AUDITS = """
INSERT INTO audit_event (occurrence_id, at, actor, action, from_state, to_state, reason, role)
SELECT o, %(at)b::timestamptz AT TIME ZONE 'UTC', %(actor)b, %(action)b, f, t, r, %(role)b
FROM unnest(%(occurrence_id)b::integer[], %(from_state)b::varchar[], %(to_state)b::varchar[],
            %(reason)b::varchar[]) AS a(o, f, t, r)
"""
_PG_UPDATES = """
UPDATE occurrence AS o
SET state = u.state, escalation_level = u.level, last_action_at = u.last AT TIME ZONE 'UTC',
    next_action_at = u.next AT TIME ZONE 'UTC', version = o.version + 1
FROM unnest(%(id)b::integer[], %(version)b::integer[], %(state)b::varchar[], %(escalation_level)b::integer[],
            %(last_action_at)b::timestamptz[], %(next_action_at)b::timestamptz[])
     AS u(id, version, state, level, last, next)
WHERE o.id = u.id AND o.version = u.version
"""


# SQLite: the same writes as executemany of one-row statements, times as the text SQLAlchemy's
# SQLite DateTime stores (UTC, always with microseconds), so that comparisons stay textual.
_SQLITE_NOTIFICATIONS = """
INSERT INTO notification (occurrence_id, kind, level, detail, due_at, recipient, created_at, status,
                          next_attempt_at, attempts, delivered_urls)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, '')
ON CONFLICT (occurrence_id, kind, level, due_at, recipient) DO NOTHING
"""
_SQLITE_AUDITS = """
INSERT INTO audit_event (occurrence_id, from_state, to_state, reason, at, actor, action, role)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)
"""
_SQLITE_UPDATES = """
UPDATE occurrence SET version = version + 1, state = ?3, escalation_level = ?4, last_action_at = ?5,
                      next_action_at = ?6
WHERE id = ?1 AND version = ?2
"""
OCCURRENCE = Occurrence.metadata.tables["occurrence"]


def columns(names: tuple[str, ...]) -> Columns:
    return {name: [] for name in names}


def _postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _sqlite_time(value: dt.datetime | None) -> str | None:
    return None if value is None else value.astimezone(dt.UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


def _sqlite_rows(cols: Columns, times: tuple[str, ...], *constants: object) -> list[tuple]:
    text: dict[dt.datetime | None, str | None] = {}  # a batch's times repeat (one per event, many recipients)
    for c in times:
        for v in cols[c]:
            if v not in text:
                text[v] = _sqlite_time(v)
    values = [[text[v] for v in cols[c]] if c in times else cols[c] for c in cols]
    return [(*row, *constants) for row in zip(*values, strict=True)]


def insert_notifications(session: Session, cols: Columns) -> int:
    """Insert outbox rows; one whose key (occurrence, kind, level, time, recipient) is recorded
    already is left as it is. Returns how many rows were new."""
    if not cols["occurrence_id"]:
        return 0
    conn = session.connection()
    if _postgres(session):
        return conn.exec_driver_sql(_PG_NOTIFICATIONS, cols).rowcount
    rows = _sqlite_rows(cols, ("due_at", "created_at", "next_attempt_at"))
    return conn.exec_driver_sql(_SQLITE_NOTIFICATIONS, rows).rowcount


def insert_audits(session: Session, cols: Columns, *, at: dt.datetime, actor: str, action: str,
                  role: str = "system") -> None:
    """Audit lines of one actor and action, one per occurrence in ``cols``."""
    if not cols["occurrence_id"]:
        return
    conn = session.connection()
    if _postgres(session):
        conn.exec_driver_sql(_PG_AUDITS, {**cols, "at": at, "actor": actor, "action": action, "role": role})
    else:
        conn.exec_driver_sql(_SQLITE_AUDITS, _sqlite_rows(cols, (), _sqlite_time(at), actor, action, role))


def update_occurrences(session: Session, cols: Columns) -> None:
    """Write the new state and times of occurrences read at ``version``; bumps the version, like
    every ORM update does. A row changed meanwhile (impossible under the pass's row locks) raises
    ``StaleDataError`` rather than being overwritten."""
    if not cols["id"]:
        return
    conn = session.connection()
    if _postgres(session):
        changed = conn.exec_driver_sql(_PG_UPDATES, cols).rowcount
    else:
        rows = _sqlite_rows(cols, ("last_action_at", "next_action_at"))
        changed = conn.exec_driver_sql(_SQLITE_UPDATES, rows).rowcount
    if changed != len(cols["id"]):
        raise StaleDataError(f"{len(cols['id']) - changed} of {len(cols['id'])} occurrences changed while advanced")
