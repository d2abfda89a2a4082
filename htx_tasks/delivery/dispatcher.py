"""The outbox dispatcher: claim due notifications, send one digest per recipient, record results.

Rows are claimed with a compare-and-set (``status = 'pending'`` → ``'sending'`` with a token),
so two dispatchers never send the same row. Failures are retried with backoff and recorded per
URL; after the last attempt the coordinator's fallback channel is told. A row found ``sending``
after its lease expired (the process died mid-send) is neither resent nor dropped: it is put in
``review`` for a person to decide.

A pass works through its recipients in batches of ``BATCH``: one claim, one read of what the
digests show, then the digests go out ``in_flight`` at a time (different recipients at once; one
recipient's digests one after another, in order), then one write of every result. The SQL lives
in ``outbox``.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import time
from collections import defaultdict
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass, field

from sqlalchemy import Engine, Row

from htx_tasks import clock
from htx_tasks.briefing import Standing, overdue_by_unit
from htx_tasks.core import wording
from htx_tasks.core.lifecycle import Kind
from htx_tasks.core.policy import FALLBACK
from htx_tasks.core.zones import local
from htx_tasks.delivery import outbox
from htx_tasks.delivery.handover import Handover, handovers
from htx_tasks.delivery.handover import intro as handover_intro
from htx_tasks.delivery.messages import (
    Message,
    combine,
    make_item,
    render_across_plans,
    render_failure,
    render_indicators,
    with_briefing,
)
from htx_tasks.delivery.noise import digest_of
from htx_tasks.delivery.outbox import BACKOFF, LEASE, MAX_ATTEMPTS, Digest
from htx_tasks.delivery.ports import Route, Senders, UrlResult, scrub
from htx_tasks.delivery.weblinks import decision_notes, web_page
from htx_tasks.links import LinkMaker
from htx_tasks.plan.loader import Plan
from htx_tasks.store.db import session_scope

__all__ = ["BACKOFF", "LEASE", "MAX_ATTEMPTS", "DispatchResult", "dispatch", "in_working_hours"]
log = logging.getLogger(__name__)
# digests on their way at once; Apprise runs each in its own pool of cpu + 4 threads, so no more
IN_FLIGHT = min(8, (os.cpu_count() or 1) + 4)
BATCH = 64  # recipients claimed, sent and recorded together: bounds how long a claim waits to be sent


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


def dispatch(engine: Engine, plan: Plan | Mapping[str, Plan], now: dt.datetime, *, channels: Senders,
             links: LinkMaker | None = None,
             recipients: set[str] | None = None, respect_hours: bool = True, retries_only: bool = False,
             wall: dt.datetime | None = None, in_flight: int | None = None) -> DispatchResult:
    """Deliver what is due at ``now`` through ``channels``; ``recipients`` limits the pass to those tags.

    ``channels`` are the senders the front door built (Apprise's: ``delivery.channels.Channels``,
    from the context); this module loads no Apprise of its own.

    ``plan`` is the plan, or every plan of the configuration by code: a recipient gets one digest
    for all its items, each read under its own plan, grouped by plan (its title first).

    ``links`` (the context's link maker) puts each recipient's web page in its messages.

    ``retries_only`` sends only rows that already failed once (their backoff has run out), so a
    frequent retry pass never breaks the one-digest-a-day rhythm of fresh notifications.

    ``now`` is the instant the pass is computed for (a caught-up run keeps its scheduled time);
    ``wall`` is the real time, read once from the clock module, that claims and their lease are
    measured in, so a late run's old ``now`` never makes another dispatcher's fresh claim look stuck.

    ``in_flight`` (default ``IN_FLIGHT``) bounds the digests being sent at once: a pool of that
    many workers lives as long as the pass.
    """
    wall = wall or clock.utcnow()
    result = DispatchResult()
    # secrets are read before the transaction, which holds SQLite's write lock
    plans = {plan.meta.code: plan} if isinstance(plan, Plan) else dict(plan)
    plan = next(iter(plans.values()))  # the office's: recipients' names, working hours, the fallback
    run = _Pass(engine, plans, now, channels, channels.template_values(), links, retries_only)
    started = time.monotonic()
    with session_scope(engine) as session:  # one transaction: tidy up, count, claim the first batch
        result.review = outbox.set_aside_stuck(session, wall, recipients)
        result.dropped = outbox.drop_closed(session, recipients)
        result.dropped += outbox.hold_acknowledged(session, local(now).date(), recipients)
        due = outbox.due_counts(session, now, recipients, retries_only)
        if respect_hours:  # what falls outside a recipient's hours waits for its next working morning
            for recipient in [r for r in due if not in_working_hours(plan, now, r)]:
                result.deferred += due.pop(recipient)
        # one person's tags (Phòng Kinh tế: the unit and the coordinator) are claimed together
        people: dict[str, list[str]] = defaultdict(list)
        for recipient in sorted(due):
            people[digest_of(plan, recipient)].append(recipient)
        order = [people[p] for p in sorted(people)]
        first = run.load(session, _flat(order[:BATCH]), wall) if order else None
    if not order:
        return result
    with ThreadPoolExecutor(max_workers=max(1, in_flight or IN_FLIGHT), thread_name_prefix="htx-dispatch") as pool:
        for start in range(0, len(order), BATCH):
            if start:
                # a later batch's claim is stamped with the time the pass has run since: its lease
                # starts when it is claimed, not when the pass began
                with session_scope(engine) as session:
                    batch = run.load(session, _flat(order[start:start + BATCH]),
                                     wall + dt.timedelta(seconds=time.monotonic() - started))
            else:
                batch = first
            if batch is not None:
                run.deliver(pool, batch, result)
    return result


@dataclass
class _Batch:
    """Claimed rows of some recipients, as digests, with what their messages show."""

    token: str
    jobs: dict[str, list[Digest]]  # recipient → its digests, in the order they go out
    found: dict[int, Row]  # occurrences
    pages: dict[str, str | None]  # each recipient's web page
    notes: dict[int, str]  # decisions' notes, by row
    handed: dict[int, Handover] = field(default_factory=dict)  # items taken over from former units
    standing: dict[str, list[Standing]] = field(default_factory=dict)  # each plan's weekly briefing count, by plan
    # code, for the plans whose briefing is in the batch

    @property
    def digests(self) -> list[Digest]:
        return [d for digests in self.jobs.values() for d in digests]


class _Pass:
    """What one dispatch pass shares: its time, channels, links, and each recipient's URLs."""

    def __init__(self, engine: Engine, plans: dict[str, Plan], now: dt.datetime, channels: Senders,
                 template: dict[str, str], links: LinkMaker | None, retries_only: bool) -> None:
        self.plans, self.plan = plans, next(iter(plans.values()))
        self.engine, self.now, self.channels = engine, now, channels
        self.template, self.links, self.retries_only = template, links, retries_only

    def route(self, recipient: str) -> list[Route]:
        """The recipient's URLs, built once while the channels are in use."""
        return list(self.channels.routes(recipient, self.template))

    def route_all(self, digest: Digest) -> list[Route]:
        """The URLs of every tag whose rows the digest carries (one person's roles that have news
        today), each address once; ``digest.owners`` records, for each URL it will be sent to, the
        tag it belongs to."""
        chosen: dict[object, tuple[Route, str]] = {}
        for tag in dict.fromkeys(r.recipient for r in digest.rows):
            for target in self.route(tag):
                # one configured URL tagged with both roles is one server: sent to once
                server = target.server
                key = id(server) if server is not None else (tag, target.url_id)
                chosen.setdefault(key, (target, tag))
        digest.owners = [tag for target, tag in chosen.values() if target.url_id not in digest.already]
        return [target for target, _ in chosen.values()]

    def load(self, session, recipients: list[str], claimed_at: dt.datetime) -> _Batch | None:
        """Claim the rows due for ``recipients`` and read what their digests show (the caller's
        transaction)."""
        token, rows = outbox.claim(session, self.now, recipients, claimed_at, self.retries_only)
        if not rows:
            return None
        jobs: dict[str, list[Digest]] = defaultdict(list)
        for recipient, group in _digests(self.plan, rows):
            jobs[recipient].append(Digest(recipient, group, set(filter(None, group[0].delivered_urls.split(",")))))
        found = outbox.occurrences(session, (r.occurrence_id for r in rows))
        tags = {r.recipient for r in rows}
        briefed = dict.fromkeys(self.briefing_plan(r) for r in rows if r.kind == Kind.BRIEFING)
        return _Batch(token, jobs, found, {r: web_page(session, self.plan, self.links, r) for r in tags},
                      decision_notes(session, rows), handovers(session, self.plan, found, self.now),
                      {code: overdue_by_unit(session, self.plans[code], self.now) for code in briefed})

    def deliver(self, pool: ThreadPoolExecutor, batch: _Batch, result: DispatchResult) -> None:
        """Send the batch's digests, ``pool``'s size at once, then write every result at once."""
        try:  # outside the claim's transaction: parsing the channels takes a while
            self.channels.prepare(batch.jobs, self.template)
        except Exception:  # each digest meets it again in ``route`` and records it as its failure
            log.exception("channels of %d recipients could not be prepared", len(batch.jobs))
        futures = [pool.submit(self._send_all, digests, batch) for digests in batch.jobs.values()]
        try:
            for future in futures:
                future.result()
        except BaseException:  # interrupted: keep what is known, hand back what was never sent
            for future in futures:
                future.cancel()
            wait(futures)
            outbox.release(self.engine, batch.token, batch.digests)
            outbox.record(self.engine, batch.token, batch.digests, self.now)
            raise
        done = outbox.record(self.engine, batch.token, batch.digests, self.now)
        result.sent += done.sent
        result.messages += done.messages
        result.failed += done.failed
        result.retrying += done.retrying
        result.recipients += done.recipients
        self.tell_fallback(done.gave_up)

    def _send_all(self, digests: list[Digest], batch: _Batch) -> None:
        """One recipient's digests, in order (runs in a worker thread)."""
        for digest in digests:
            digest.started = True
            recipient = digest.recipient
            try:
                message = self.render(digest, batch)
                digest.outcomes = self.channels.send(self.route_all(digest), recipient, message,
                                                     skip=digest.already, template=self.template)
            except Exception as exc:  # a broken plug-in or row must not leave rows claimed forever
                log.exception("delivery to %s failed", recipient)
                digest.outcomes = [UrlResult("", recipient, "failure", scrub(str(exc), self.template)[:500])]

    def render(self, digest: Digest, batch: _Batch) -> Message:
        """One message: a section per tag the digest carries (the role's first), the weekly
        briefing's count after the items of the tag it is for."""
        plan = self.plan
        if digest.rows[0].kind == Kind.INDICATOR:  # a year's indicators off their path (no item)
            return render_indicators(plan, digest.recipient, digest.rows[0].detail,
                                     [r.body or "" for r in digest.rows], self.now)
        tags: dict[str, list[Row]] = defaultdict(list)
        for r in digest.rows:
            tags[r.recipient].append(r)
        sections = [self._section(tag, tags[tag], batch) for tag in sorted(tags, key=lambda t: t in plan.units)]
        spoken = {self.briefing_plan(r) if r.kind == Kind.BRIEFING else batch.found[r.occurrence_id].plan_code
                  for r in digest.rows}  # the plans the sections speak of, in the configuration's order
        covered = [self.plans[code] for code in self.plans if code in spoken]
        return combine(plan, digest.recipient, sections, covered)

    def _section(self, recipient: str, rows: list[Row], batch: _Batch) -> tuple[str, Message]:
        plan, page, notes = self.plan, batch.pages.get(recipient), batch.notes
        items: dict[str, list] = defaultdict(list)
        handed: dict[int, Handover] = {}
        for r in rows:
            if r.kind == Kind.BRIEFING:
                continue
            occurrence = batch.found[r.occurrence_id]
            # every plan with notices pending is given (``Context.office_plans``); a closed plan has none:
            # closing cancels them and ``outbox.drop_closed`` every later one (tests/test_demo_plan.py)
            plan = self.plans[occurrence.plan_code]
            handover = batch.handed.get(r.occurrence_id) if r.kind == Kind.ASSIGNED else None
            if handover is not None and recipient == occurrence.unit_code:
                handed[r.occurrence_id] = handover
            items[plan.meta.code].append(make_item(
                plan, occurrence_id=r.occurrence_id, kind=r.kind, level=r.level, unit=occurrence.unit_code,
                duty=occurrence.duty_code, period=occurrence.period_label, deadline=occurrence.deadline,
                now=self.now, link=f"{page}/o/{r.occurrence_id}" if page and recipient in plan.units else None,
                note=notes.get(r.id), recipient=recipient, state=occurrence.state,
                handed_from=wording.handed_from(handed[r.occurrence_id].names) if r.occurrence_id in handed else None))
        message = None
        if items:
            order = list(self.plans)  # the configuration's order of plans
            parts = [(self.plans.get(code, self.plan), items[code])
                     for code in sorted(items, key=lambda c: order.index(c) if c in order else len(order))]
            message = render_across_plans(parts, recipient, self.now, page_link=page, handover=handover_intro(handed))
        due = {self.briefing_plan(r) for r in rows if r.kind == Kind.BRIEFING}
        briefed = [code for code in self.plans if code in due]  # the configuration's order
        if briefed:
            message = with_briefing([(self.plans[c], batch.standing[c]) for c in briefed], recipient, message,
                                    self.now)
        assert message is not None  # a section has items or is the briefing
        return recipient, message

    def briefing_plan(self, row: Row) -> str:
        """The plan a weekly briefing row is for (its subject: ``briefing/<plan code>/<date>``); the
        first plan for a row of a plan no longer followed."""
        parts = (row.subject or "").split("/")
        return parts[1] if len(parts) == 3 and parts[1] in self.plans else self.plan.meta.code

    def tell_fallback(self, gave_up: list[tuple[Digest, str]]) -> None:
        """The coordinator's fallback channel hears of each recipient given up on (after its rows
        are recorded as failed), one notice after another."""
        notices = []
        for digest, error in gave_up:
            if digest.recipient == FALLBACK:
                continue
            notice = render_failure(self.plan, digest.recipient, error, len(digest.rows), self.now)
            try:
                told = self.channels.send(self.route(FALLBACK), FALLBACK, notice, skip=set(), template=self.template)
            except Exception as exc:  # the rows are recorded as failed already; keep dispatching others
                log.exception("fallback notice about %s failed", digest.recipient)
                told = [UrlResult("", FALLBACK, "failure", scrub(str(exc), self.template)[:500])]
            notices.append((digest.ids, told))
        outbox.record_notices(self.engine, notices, FALLBACK, self.now)


def _flat(groups: list[list[str]]) -> list[str]:
    return [tag for group in groups for tag in group]


def _digests(plan: Plan, rows: list[Row]):
    """(recipient, rows) per digest: one person's tags share one digest (``noise.digest_of``);
    rows a partly failed digest already took to some URLs go again only to the others, one
    digest per set of URLs already reached. Indicator alerts go in a message of their own, one
    per year."""
    groups: dict[tuple[str, str, int | None], list[Row]] = defaultdict(list)
    for row in rows:  # by recipient, then due time and id
        year = row.detail if row.kind == Kind.INDICATOR else None
        person = row.recipient if year is not None else digest_of(plan, row.recipient)
        groups[(person, row.delivered_urls, year)].append(row)
    return [(recipient, group) for (recipient, _, _), group in groups.items()]
