"""The life of one obligation (occurrence), as pure functions of (occurrence, policy, now).

An occurrence is open, then due soon, then overdue, then escalated; or it is submitted (awaiting
the coordinator), done on time, done late, waived, or succeeded (moved to a successor unit).
Every follow-up it needs — assigned notice, reminders, overdue notice, escalations, repeats —
is a scheduled ``Event`` computed from its deadline and policy; a pass takes the events that
fall in (last_action_at, now] and stores the time of the next one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from itertools import count

from htx_tasks.core import wording
from htx_tasks.core.calendar import WorkCalendar
from htx_tasks.core.policy import Policy, Target
from htx_tasks.core.zones import at_local, local, local_date

ONE_DAY = dt.timedelta(days=1)


class State(StrEnum):
    OPEN = "open"
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"
    ESCALATED = "escalated"
    RETURNED = "returned"
    SUBMITTED = "submitted"
    DONE_ON_TIME = "done_on_time"
    DONE_LATE = "done_late"
    WAIVED = "waived"
    SUCCEEDED = "succeeded"
    MISSED = "missed"  # "Không báo cáo": still unanswered when the next period came due

    @property
    def active(self) -> bool:
        return self in ACTIVE

    @property
    def label(self) -> str:
        """As the plan's own bodies read it; ``label_for(request=True)`` for a request (III.7)."""
        return wording.state_label(self)

    def label_for(self, *, request: bool) -> str:
        return wording.state_label(self, request=request)


ACTIVE = frozenset({State.OPEN, State.DUE_SOON, State.OVERDUE, State.ESCALATED, State.RETURNED})
CLOSED = frozenset({State.DONE_ON_TIME, State.DONE_LATE, State.WAIVED, State.SUCCEEDED, State.MISSED})


class Outcome(StrEnum):
    """The four classes of Vietnamese task-tracking reports."""

    DONE_ON_TIME = "hoàn thành đúng hạn"
    DONE_LATE = "hoàn thành quá hạn"
    PENDING_IN_TIME = "chưa hoàn thành (trong hạn)"
    PENDING_OVERDUE = "chưa hoàn thành (quá hạn)"


class Kind(StrEnum):
    ASSIGNED = "assigned"
    REMINDER = "reminder"
    OVERDUE = "overdue"
    ESCALATION = "escalation"
    REPEAT = "repeat"
    EXTENSION_APPROVED = "ext_approved"  # the coordinator's answer to a request for more time
    EXTENSION_REFUSED = "ext_refused"
    INDICATOR = "indicator"  # a plan indicator off its path (no item: ``Notification.subject``)
    BRIEFING = "briefing"  # the weekly briefing's summary of what is still overdue (no item)

    @property
    def label(self) -> str:
        """As the coordinator reads it; messages name a notice per recipient (``wording.notice_title``)."""
        return wording.kind_label(self)


@dataclass(frozen=True)
class Snapshot:
    """What the lifecycle needs to know of an occurrence."""

    opened_at: dt.datetime
    deadline: dt.date  # local date; the term ends at the end of this day
    state: State
    escalation_level: int = -1
    last_action_at: dt.datetime | None = None
    submitted_at: dt.datetime | None = None
    closes_at: dt.datetime | None = None  # still unanswered then: closes as missed (``State.MISSED``)


@dataclass(frozen=True)
class Event:
    at: dt.datetime
    kind: Kind
    level: int  # escalation level (0 = the unit itself); -1 before the deadline
    target: Target
    detail: int = 0  # days before the deadline for a reminder, repeat number for a repeat


def closes_at(deadline: dt.date, next_due: dt.date | None, policy: Policy) -> dt.datetime | None:
    """When a periodic item still unanswered closes as missed: the morning the next period of its
    duty comes due (never before its own term has ended); None when the policy keeps it open."""
    if next_due is None or policy.close_when_next_due is False:
        return None
    return max(_morning(next_due, policy), deadline_at(deadline))


def _briefings(around: dt.datetime, policy: Policy, calendar: WorkCalendar) -> list[dt.datetime]:
    """The weekly briefings of the weeks around ``around``: the policy's weekday (default Monday)
    at its hour (default ``work_start``), a day off moving it to the next working day."""
    weekday = (policy.briefing_weekday or 1) - 1
    hour = policy.briefing_time or policy.work_start or dt.time(7, 30)
    day = local_date(around)
    monday = day - dt.timedelta(days=day.weekday())
    slots = {
        at_local(calendar.working_day_on_or_after(monday + dt.timedelta(days=7 * week + weekday)), hour.hour,
                 hour.minute)
        for week in range(-3, 3)
    }
    return sorted(slots)


def step_at(deadline: dt.date, policy: Policy, calendar: WorkCalendar, target: Target) -> tuple[int, dt.datetime] | None:
    """The escalation level that reaches ``target`` and when it falls, if the policy has one."""
    for level, step in enumerate(policy.escalation or []):
        if step.to is target:
            return level, _morning(calendar.add_working_days(deadline, step.after_working_days + 1), policy)
    return None


def next_briefing(at: dt.datetime, policy: Policy, calendar: WorkCalendar) -> dt.datetime:
    """The first weekly briefing at or after ``at``: when leadership hears of a new escalation."""
    return next(slot for slot in _briefings(at, policy, calendar) if slot >= at)


def last_briefing(now: dt.datetime, policy: Policy, calendar: WorkCalendar) -> dt.datetime:
    """The latest weekly briefing at or before ``now``."""
    return [slot for slot in _briefings(now, policy, calendar) if slot <= now][-1]


def deadline_at(deadline: dt.date) -> dt.datetime:
    """Art. 148(4): a term ends at 24:00 of its last day (local time), as UTC."""
    return at_local(deadline + ONE_DAY)


def due_soon_at(deadline: dt.date, policy: Policy, calendar: WorkCalendar) -> dt.datetime:
    """When an obligation with this deadline enters the policy's "due soon" window."""
    return _timeline(deadline, policy, calendar).due_soon


def _morning(day: dt.date, policy: Policy) -> dt.datetime:
    start = policy.work_start or dt.time(7, 30)
    return at_local(day, start.hour, start.minute)


def human_time(at: dt.datetime, policy: Policy, calendar: WorkCalendar) -> dt.datetime:
    """``at`` if it falls in working hours on a working day, else the next working morning."""
    moment = local(at)
    start, end = policy.work_start or dt.time(7, 30), policy.work_end or dt.time(17, 0)
    day = moment.date()
    if calendar.is_working_day(day) and start <= moment.time() < end:
        return at
    if not calendar.is_working_day(day) or moment.time() >= end:
        day = calendar.working_day_on_or_after(day + ONE_DAY)
    return _morning(day, policy)


def events(snapshot: Snapshot, policy: Policy, calendar: WorkCalendar) -> Iterator[Event]:
    """Every follow-up event of an active occurrence, in time order.

    Every notice falls at a working-day morning (or within working hours): the assignment of a
    period that opens at midnight or on a holiday is given at the next working morning. Past the
    deadline the unit is told on the escalation steps' days and repeated to on the policy's
    backoff days, then every ``repeat_every_days``, at most ``repeat_limit`` repeats in all
    (endless when the policy sets no limit).
    """
    timeline = _timeline(snapshot.deadline, policy, calendar)
    yield Event(human_time(snapshot.opened_at, policy, calendar), Kind.ASSIGNED, -1, Target.UNIT)
    for reminder in timeline.reminders:
        if reminder.at > snapshot.opened_at:
            yield reminder
    yield from timeline.steps
    steps = policy.escalation or []
    limit = policy.repeat_limit
    if not steps or not policy.repeat_every_days:
        return
    for n in count(timeline.backoff_repeats + 1):
        if limit is not None and n > limit:
            return
        day = calendar.working_day_on_or_after(
            timeline.last_day + dt.timedelta(days=policy.repeat_every_days * (n - timeline.backoff_repeats)))
        yield Event(_morning(day, policy), Kind.REPEAT, len(steps) - 1, Target.UNIT, detail=n)


@dataclass(frozen=True)
class _Timeline:
    """What of an occurrence's follow-up depends on its deadline and policy alone: many
    occurrences share both, so a pass computes it once for them (``_timeline``)."""

    reminders: tuple[Event, ...]  # one per day, the longest offset first; those before the opening are dropped
    steps: tuple[Event, ...]  # the overdue notice, the escalations and the backoff repeats, in time order
    last_day: dt.date  # the last of those days: the periodic repeats count from it
    backoff_repeats: int  # how many of ``steps`` are repeats
    due_soon: dt.datetime


_TIMELINES: dict[tuple[dt.date, int, int], tuple[Policy, WorkCalendar, _Timeline]] = {}


def _timeline(deadline: dt.date, policy: Policy, calendar: WorkCalendar) -> _Timeline:
    key = (deadline, id(policy), id(calendar))
    hit = _TIMELINES.get(key)
    if hit is not None and hit[0] is policy and hit[1] is calendar:  # the entry holds both: ids stay theirs
        return hit[2]
    reminders: list[Event] = []
    seen_days: set[dt.date] = set()
    for days in sorted(set(policy.reminder_days or []), reverse=True):
        day = calendar.working_day_on_or_before(deadline - dt.timedelta(days=days))
        if day not in seen_days:
            seen_days.add(day)
            reminders.append(Event(_morning(day, policy), Kind.REMINDER, -1, Target.UNIT, detail=days))
    steps: list[Event] = []
    escalation = policy.escalation or []
    step_days = {step.after_working_days for step in escalation}
    for level, step in enumerate(escalation):
        day = calendar.add_working_days(deadline, step.after_working_days + 1)
        steps.append(Event(_morning(day, policy), Kind.OVERDUE if level == 0 else Kind.ESCALATION, level, step.to))
    backoff = [d for d in policy.repeat_after_working_days or [] if d not in step_days] if escalation else []
    limit = policy.repeat_limit
    backoff = backoff if limit is None else backoff[:limit]
    for n, days in enumerate(backoff, start=1):
        level = max(i for i, step in enumerate(escalation) if step.after_working_days <= days)
        day = calendar.add_working_days(deadline, days + 1)
        steps.append(Event(_morning(day, policy), Kind.REPEAT, level, Target.UNIT, detail=n))
    steps.sort(key=lambda e: e.at)
    last_day = local_date(steps[-1].at) if steps else deadline
    due_soon = at_local(calendar.add_working_days(deadline, -(policy.due_soon_working_days or 0)))
    timeline = _Timeline(tuple(reminders), tuple(steps), last_day, len(backoff), due_soon)
    if len(_TIMELINES) >= 4096:
        _TIMELINES.clear()
    _TIMELINES[key] = (policy, calendar, timeline)
    return timeline


@dataclass(frozen=True)
class Step:
    """What a pass does to one occurrence at ``now``."""

    due: list[Event]
    state: State
    escalation_level: int
    last_action_at: dt.datetime | None
    next_action_at: dt.datetime | None


def time_state(snapshot: Snapshot, policy: Policy, calendar: WorkCalendar, now: dt.datetime, level: int) -> State:
    """The state an active occurrence is in at ``now`` by the clock alone."""
    return clock_state(snapshot.state, snapshot.deadline, policy, calendar, now, level)


def clock_state(state: State, deadline: dt.date, policy: Policy, calendar: WorkCalendar, now: dt.datetime,
                level: int) -> State:
    """``time_state`` from the facts it reads: the stored (active) state, the deadline, the level reached."""
    if now >= deadline_at(deadline):
        return State.ESCALATED if level >= 1 else State.OVERDUE
    if state is State.RETURNED:
        return State.RETURNED
    if now >= due_soon_at(deadline, policy, calendar):
        return State.DUE_SOON
    return State.OPEN


def opening_read(opened_at: dt.datetime, last_action_at: dt.datetime | None, policy: Policy,
                 calendar: WorkCalendar) -> tuple[str, dt.datetime] | None:
    """What ``advance`` still reads of an occurrence's opening: the opening itself while nothing
    has been said after it (its assignment notice and reminders are measured from it); once the
    last action is later, only the time of the assignment notice if it still falls after that
    action (every reminder then counts from the last action); None once both are behind it.

    Occurrences equal in this and in everything else ``advance`` reads (deadline, state, level,
    last action, closing time, policy, calendar) advance alike at one ``now``: a pass computes
    their step once (``htx_tasks.engine.planning``).
    """
    if last_action_at is None or opened_at > last_action_at:
        return ("opened", opened_at)
    assigned = human_time(opened_at, policy, calendar)
    return ("assigned", assigned) if assigned > last_action_at else None


def advance(snapshot: Snapshot, policy: Policy, calendar: WorkCalendar, now: dt.datetime) -> Step:
    """Events due in (last_action_at, now], the resulting state and the next action time."""
    if not snapshot.state.active:
        return Step([], snapshot.state, snapshot.escalation_level, snapshot.last_action_at, None)
    closes_at = snapshot.closes_at
    if closes_at is not None and now >= closes_at:  # the next period came due: nothing more is said
        return Step([], State.MISSED, snapshot.escalation_level, snapshot.last_action_at, None)
    after = snapshot.last_action_at
    due: list[Event] = []
    upcoming: dt.datetime | None = None
    level = snapshot.escalation_level
    for event in events(snapshot, policy, calendar):
        if after is not None and event.at <= after:
            continue
        if event.at > now:
            upcoming = event.at
            break
        due.append(event)
        level = max(level, event.level)
    state = time_state(snapshot, policy, calendar, now, level)
    # silent transitions (due soon, overdue) also need a pass at their own time
    for transition in (due_soon_at(snapshot.deadline, policy, calendar), deadline_at(snapshot.deadline)):
        if now < transition and (upcoming is None or transition < upcoming):
            upcoming = transition
    if closes_at is not None and (upcoming is None or closes_at < upcoming):
        upcoming = closes_at
    last = due[-1].at if due else snapshot.last_action_at
    return Step(due, state, level, last, upcoming)


def outcome(state: State, deadline: dt.date, submitted_at: dt.datetime | None, now: dt.datetime) -> Outcome | None:
    """The report class of an occurrence at ``now``; None when it no longer counts (waived, moved)."""
    if state in (State.WAIVED, State.SUCCEEDED):
        return None
    if state is State.MISSED:  # "Không báo cáo": counted as missed in every rate
        return Outcome.PENDING_OVERDUE
    end = deadline_at(deadline)
    if state in (State.DONE_ON_TIME, State.DONE_LATE, State.SUBMITTED):
        if state is State.DONE_ON_TIME:
            return Outcome.DONE_ON_TIME
        if state is State.DONE_LATE:
            return Outcome.DONE_LATE
        assert submitted_at is not None  # a submitted occurrence has its report's time
        return Outcome.DONE_ON_TIME if submitted_at <= end else Outcome.DONE_LATE
    return Outcome.PENDING_IN_TIME if now < end else Outcome.PENDING_OVERDUE


def closing_state(submitted_at: dt.datetime, deadline: dt.date) -> State:
    """Accepted work is on time when it was submitted before the term ended."""
    return State.DONE_ON_TIME if submitted_at <= deadline_at(deadline) else State.DONE_LATE


def working_days_overdue(deadline: dt.date, now: dt.datetime, calendar: WorkCalendar) -> int:
    """Whole working days elapsed since the term ended (0 on the first working day after it)."""
    today = local_date(now)
    if today <= deadline:
        return 0
    elapsed = calendar.working_days_between(deadline, today)
    if calendar.is_working_day(today):
        elapsed -= 1  # today is still under way; on a day off every working day before it is whole
    return max(0, elapsed)


def days_left(deadline: dt.date, now: dt.datetime) -> int:
    """Calendar days from today to the deadline (negative once past)."""
    return (deadline - local_date(now)).days
