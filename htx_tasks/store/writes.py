"""Writes shared by the pass and the decisions: audit lines, and rows written in bulk.

On PostgreSQL a batch of rows goes as one statement with one array parameter per column
(``INSERT … SELECT FROM unnest(…)``, ``UPDATE … FROM unnest(…)``): the SQL text is the same
whatever the batch size, so it is parsed and planned once per connection instead of rendered
with thousands of bound values. SQLite gets an ``executemany`` of one-row statements, which its
driver runs without rendering anything either.
"""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session

from htx_tasks.store.models import AuditEvent


def audit(session: Session, *, occurrence_id: int | None, at: dt.datetime, actor: str, action: str,
          from_state: str | None = None, to_state: str | None = None, reason: str | None = None,
          role: str = "system", via: str | None = None) -> None:
    session.add(AuditEvent(occurrence_id=occurrence_id, at=at, actor=actor, action=action,
                           from_state=from_state, to_state=to_state, reason=reason, role=role, via=via))
