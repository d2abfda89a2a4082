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
CLOSED = frozenset({State.DONE_ON_TIME, State.DONE_LATE, State.WAIVED, State.SUCCEEDED})


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


@dataclass(frozen=True)
class Event:
    at: dt.datetime
    kind: Kind
    level: int  # escalation level (0 = the unit itself); -1 before the deadline
    target: Target
    detail: int = 0  # days before the deadline for a reminder, repeat number for a repeat


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
    """Every follow-up event of an active occurrence, in time order. Infinite while overdue.

    Every notice falls at a working-day morning (or within working hours): the assignment of a
    period that opens at midnight or on a holiday is given at the next working morning.
    """
    timeline = _timeline(snapshot.deadline, policy, calendar)
    yield Event(human_time(snapshot.opened_at, policy, calendar), Kind.ASSIGNED, -1, Target.UNIT)
    for reminder in timeline.reminders:
        if reminder.at > snapshot.opened_at:
            yield reminder
    yield from timeline.steps
    steps = policy.escalation or []
    if not steps or not policy.repeat_every_days:
        return
    top = len(steps) - 1
    for n in count(1):
        day = calendar.working_day_on_or_after(timeline.last_day + dt.timedelta(days=policy.repeat_every_days * n))
        yield Event(_morning(day, policy), Kind.REPEAT, top, steps[top].to, detail=n)


@dataclass(frozen=True)
class _Timeline:
    """What of an occurrence's follow-up depends on its deadline and policy alone: many
    occurrences share both, so a pass computes it once for them (``_timeline``)."""

    reminders: tuple[Event, ...]  # one per day, the longest offset first; those before the opening are dropped
    steps: tuple[Event, ...]  # the overdue notice and the escalations
    last_day: dt.date  # the last step's day: repeats count from it
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
    last_day = deadline
    for level, step in enumerate(policy.escalation or []):
        last_day = calendar.add_working_days(deadline, step.after_working_days + 1)
        steps.append(Event(_morning(last_day, policy), Kind.OVERDUE if level == 0 else Kind.ESCALATION, level, step.to))
    due_soon = at_local(calendar.add_working_days(deadline, -(policy.due_soon_working_days or 0)))
    timeline = _Timeline(tuple(reminders), tuple(steps), last_day, due_soon)
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


def advance(snapshot: Snapshot, policy: Policy, calendar: WorkCalendar, now: dt.datetime) -> Step:
    """Events due in (last_action_at, now], the resulting state and the next action time."""
    if not snapshot.state.active:
        return Step([], snapshot.state, snapshot.escalation_level, snapshot.last_action_at, None)
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
    last = due[-1].at if due else snapshot.last_action_at
    return Step(due, state, level, last, upcoming)


def outcome(state: State, deadline: dt.date, submitted_at: dt.datetime | None, now: dt.datetime) -> Outcome | None:
    """The report class of an occurrence at ``now``; None when it no longer counts (waived, moved)."""
    if state in (State.WAIVED, State.SUCCEEDED):
        return None
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
