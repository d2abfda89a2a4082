"""The outbox dispatcher: claim due notifications, send one digest per recipient, record results.

Rows are claimed with a compare-and-set (``status = 'pending'`` → ``'sending'`` with a token),
so two dispatchers never send the same row. Failures are retried with backoff and recorded per
URL; after the last attempt the coordinator's fallback channel is told. A row found ``sending``
after its lease expired (the process died mid-send) is neither resent nor dropped: it is put in
``review`` for a person to decide.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import Engine, update
from sqlmodel import select

from htx_tasks import clock
from htx_tasks.clock import local
from htx_tasks.core.lifecycle import ACTIVE
from htx_tasks.delivery.channels import FALLBACK, Channels, load_channels
from htx_tasks.delivery.messages import make_item, render_digest, render_failure
from htx_tasks.delivery.sender import UrlResult, scrub, send
from htx_tasks.delivery.weblinks import decision_notes, web_page
from htx_tasks.plan.loader import Plan
from htx_tasks.settings import Settings
from htx_tasks.store.db import session_scope
from htx_tasks.store.models import Delivery, Notification, Occurrence
from htx_tasks.web.links import LinkMaker

log = logging.getLogger(__name__)
BACKOFF = (dt.timedelta(minutes=2), dt.timedelta(minutes=10), dt.timedelta(minutes=30), dt.timedelta(hours=2))
MAX_ATTEMPTS = len(BACKOFF) + 1
LEASE = dt.timedelta(minutes=15)


@dataclass
class DispatchResult:
    sent: int = 0  # outbox rows delivered
    messages: int = 0  # digests delivered
    failed: int = 0  # rows given up on (fallback told)
    retrying: int = 0  # rows to try again later
    deferred: int = 0  # rows waiting for working hours
    review: int = 0  # rows found stuck mid-send, set aside for a person
    dropped: int = 0  # rows whose obligation closed before delivery
    recipients: list[str] = field(default_factory=list)


def in_working_hours(plan: Plan, now: dt.datetime, recipient: str | None = None) -> bool:
    """Messages go out on working days between the recipient's ``work_start`` and ``work_end``."""
    policy = plan.unit_policy(recipient) if recipient else plan.source.policy
    moment = local(now)
    start, end = policy.work_start or dt.time(7, 30), policy.work_end or dt.time(17, 0)
    return plan.calendar.is_working_day(moment.date()) and start <= moment.time() < end


def dispatch(engine: Engine, plan: Plan, now: dt.datetime, *, recipients: set[str] | None = None,
             settings: Settings | None = None, channels: Channels | None = None,
             respect_hours: bool = True, retries_only: bool = False,
             wall: dt.datetime | None = None) -> DispatchResult:
    """Deliver what is due at ``now``; ``recipients`` limits the pass to those tags.

    ``retries_only`` sends only rows that already failed once (their backoff has run out), so a
    frequent retry pass never breaks the one-digest-a-day rhythm of fresh notifications.

    ``now`` is the instant the pass is computed for (a caught-up run keeps its scheduled time);
    ``wall`` is the real time, read once from the clock module, that claims and their lease are
    measured in, so a late run's old ``now`` never makes another dispatcher's fresh claim look stuck.
    """
    wall = wall or clock.utcnow()
    settings = settings or Settings.from_env(plan.config_dir)
    channels = channels or load_channels(plan, settings.config_dir, settings.var_dir / "inbox")
    result = DispatchResult()
    with session_scope(engine) as session:
        result.review = _set_aside_stuck(session, wall, recipients)
        result.dropped = _drop_closed(session, now, recipients)
        # ids and recipients only: after a long catch-up thousands of rows may be due at once
        pending = session.execute(_due_query(now, recipients, retries_only)
                                  .with_only_columns(Notification.id, Notification.recipient)).all()
    by_recipient: dict[str, list[int]] = defaultdict(list)
    for row in pending:
        by_recipient[row.recipient].append(row.id)
    if respect_hours:  # what falls outside a recipient's hours waits for its next working morning
        for recipient in [r for r in by_recipient if not in_working_hours(plan, now, r)]:
            result.deferred += len(by_recipient.pop(recipient))
    template = channels.template_values()
    links = LinkMaker.from_env() if by_recipient else None
    for recipient, ids in sorted(by_recipient.items()):
        claimed = _claim(engine, ids, wall)
        # rows a partly failed digest already took to some URLs go again only to the others:
        # one digest per set of URLs already reached (a single digest when nothing failed)
        by_reached: dict[str, list[Notification]] = defaultdict(list)
        for row in claimed:
            by_reached[row.delivered_urls].append(row)
        for group in by_reached.values():
            _deliver(engine, plan, channels, recipient, group, now, template, result, links)
    return result


def _due_query(now: dt.datetime, recipients: set[str] | None, retries_only: bool = False):
    query = select(Notification).where(
        Notification.status == "pending", Notification.next_attempt_at <= now
    ).order_by(Notification.recipient, Notification.due_at, Notification.id)
    if retries_only:
        query = query.where(Notification.attempts > 0)
    if recipients is not None:
        query = query.where(Notification.recipient.in_(sorted(recipients)))
    return query


def _set_aside_stuck(session, wall: dt.datetime, recipients: set[str] | None) -> int:
    stmt = update(Notification).where(
        Notification.status == "sending", Notification.claimed_at < wall - LEASE
    ).values(status="review", last_error="Tiến trình gửi bị dừng giữa chừng; cần kiểm tra xem đã gửi chưa")
    if recipients is not None:
        stmt = stmt.where(Notification.recipient.in_(sorted(recipients)))
    return session.execute(stmt).rowcount or 0


def _drop_closed(session, now: dt.datetime, recipients: set[str] | None) -> int:
    """Nothing is sent for an obligation that is done, waived, submitted or succeeded."""
    closed = select(Occurrence.id).where(Occurrence.state.not_in([s.value for s in ACTIVE]))
    stmt = update(Notification).where(
        Notification.status == "pending", Notification.occurrence_id.in_(closed)
    ).values(status="cancelled", next_attempt_at=None)
    if recipients is not None:
        stmt = stmt.where(Notification.recipient.in_(sorted(recipients)))
    return session.execute(stmt).rowcount or 0


def _claim(engine: Engine, ids: list[int], wall: dt.datetime) -> list[Notification]:
    """Compare-and-set: only rows still pending become ours."""
    token = uuid.uuid4().hex
    with session_scope(engine) as session:
        session.execute(
            update(Notification)
            .where(Notification.id.in_(ids), Notification.status == "pending")
            .values(status="sending", claim_token=token, claimed_at=wall)
        )
    with session_scope(engine) as session:
        # by primary key first: claim_token has no index, and the table only grows
        return list(session.exec(select(Notification).where(
            Notification.id.in_(ids), Notification.claim_token == token)).all())


def _deliver(engine: Engine, plan: Plan, channels: Channels, recipient: str, rows: list[Notification],
             now: dt.datetime, template: dict[str, str], result: DispatchResult,
             links: LinkMaker | None = None) -> None:
    with session_scope(engine) as session:
        occurrences = {o.id: o for o in session.exec(
            select(Occurrence).where(Occurrence.id.in_([r.occurrence_id for r in rows]))
        ).all()}
        page = web_page(session, plan, links, recipient)
        notes = decision_notes(session, rows)
    items = [
        make_item(plan, occurrence_id=r.occurrence_id, kind=r.kind, level=r.level,
                  unit=occurrences[r.occurrence_id].unit_code, duty=occurrences[r.occurrence_id].duty_code,
                  period=occurrences[r.occurrence_id].period_label,
                  deadline=occurrences[r.occurrence_id].deadline, now=now,
                  link=f"{page}/o/{r.occurrence_id}" if page and recipient in plan.units else None,
                  note=notes.get(r.id), recipient=recipient)
        for r in rows
    ]
    message = render_digest(plan, recipient, items, now, page_link=page)
    already = set(filter(None, rows[0].delivered_urls.split(",")))  # the same for every row here
    try:
        outcomes = send(channels.apprise_for(recipient), recipient, message, skip=already, template=template)
    except Exception as exc:  # a broken plug-in must not leave rows claimed forever
        log.exception("delivery to %s failed", recipient)
        outcomes = [UrlResult("", recipient, "failure", scrub(str(exc), template)[:500])]
    _record(engine, plan, channels, recipient, rows, outcomes, already, now, template, result)


def _record(engine: Engine, plan: Plan, channels: Channels, recipient: str, rows: list[Notification],
            outcomes: list[UrlResult], already: set[str], now: dt.datetime, template: dict[str, str],
            result: DispatchResult) -> None:
    ids = ",".join(str(r.id) for r in rows)
    reached = already | {o.url_id for o in outcomes if o.ok}
    failures = [o for o in outcomes if not o.ok]
    gave_up = False
    with session_scope(engine) as session:
        for outcome in outcomes:
            session.add(Delivery(recipient=recipient, at=now, url=outcome.url, url_id=outcome.url_id,
                                 status=outcome.status, notification_ids=ids, error=outcome.error))
        if not failures:  # the usual case: one statement for the whole digest
            session.execute(
                update(Notification)
                .where(Notification.id.in_([r.id for r in rows]), Notification.claim_token == rows[0].claim_token)
                .values(status="sent", sent_at=now, last_error=None, claim_token=None,
                        attempts=Notification.attempts + 1, delivered_urls=",".join(sorted(reached)))
            )
            result.sent += len(rows)
        for row in rows if failures else []:
            row = session.merge(row)
            row.attempts += 1
            row.delivered_urls = ",".join(sorted(reached))
            row.claim_token = None
            if row.attempts >= MAX_ATTEMPTS:
                row.status, row.last_error = "failed", failures[-1].error
                result.failed += 1
                gave_up = True
            else:
                row.status = "pending"
                row.next_attempt_at = now + BACKOFF[row.attempts - 1]
                row.last_error = failures[-1].error
                result.retrying += 1
            session.add(row)
    if not failures:
        result.messages += 1
        result.recipients.append(recipient)
    if gave_up and recipient != FALLBACK:
        notice = render_failure(plan, recipient, failures[-1].error or "", len(rows), now)
        try:
            told = send(channels.apprise_for(FALLBACK), FALLBACK, notice, skip=set(), template=template)
        except Exception as exc:  # the rows are recorded as failed already; keep dispatching others
            log.exception("fallback notice about %s failed", recipient)
            told = [UrlResult("", FALLBACK, "failure", scrub(str(exc), template)[:500])]
        with session_scope(engine) as session:  # the notice is on record too
            for outcome in told:
                session.add(Delivery(recipient=FALLBACK, at=now, url=outcome.url, url_id=outcome.url_id,
                                     status=outcome.status, notification_ids=ids, error=outcome.error))
