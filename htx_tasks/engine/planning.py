"""Each due row's step of the lifecycle, computed once for the rows that advance alike.

A pass advances thousands of rows at one ``now``, and rows of the same deadline under the same
rules are advanced alike: the same events fall due, the same state follows, the same next time
is stored. ``Planner`` keys each row by everything ``advance`` reads of it (its policy and
calendar, deadline, stored state and level, last action, the next period's deadline that closes
it, and what still matters of its opening: ``lifecycle.opening_read``) and computes the step
once per key; what the step means for the writes (the audit line's state and reason, the events
told after folding repeats) is computed with it. Pure: nothing is read or written here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Row

from htx_tasks.core.calendar import WorkCalendar
from htx_tasks.core.lifecycle import Snapshot, State, Step, advance, closes_at, human_time, opening_read
from htx_tasks.core.policy import Policy
from htx_tasks.engine.base import Plans
from htx_tasks.engine.notices import MEMO_LIMIT, Folded, Notices, fold
from htx_tasks.plan.loader import Plan
from htx_tasks.store.models import Occurrence

Triple = tuple[str, str, str]  # (plan, duty, unit) of a row


def snapshot_of(row: Occurrence | Row, plan: Plan | None = None, policy: Policy | None = None) -> Snapshot:
    """What the lifecycle needs of a row; with ``plan``, also when it closes as missed (under
    ``policy``, the row's own policy in that plan, looked up when not given)."""
    closing = None
    if plan is not None:
        policy = plan.policy_for(row.duty_code, row.unit_code) if policy is None else policy
        closing = closes_at(row.deadline, plan.next_due(row.duty_code, row.period_key), policy)
    return Snapshot(
        opened_at=row.opened_at,
        deadline=row.deadline,
        state=State(row.state),
        escalation_level=row.escalation_level,
        last_action_at=row.last_action_at,
        submitted_at=row.submitted_at,
        closes_at=closing,
    )


def state_reason(state: State, row: Occurrence | Row, plan: Plan | None = None) -> str:
    if state is State.MISSED:
        following = plan.next_due(row.duty_code, row.period_key) if plan else None
        when = f" (hạn {following:%d/%m/%Y})" if following else ""
        return f"Không báo cáo: đã đến hạn báo cáo kỳ sau{when}; kỳ này thôi đôn đốc"
    if state in (State.OVERDUE, State.ESCALATED):
        return f"Quá hạn {row.deadline:%d/%m/%Y}"
    if state is State.DUE_SOON:
        return f"Sắp đến hạn {row.deadline:%d/%m/%Y}"
    return f"Hạn {row.deadline:%d/%m/%Y}"


@dataclass(eq=False)  # known by identity: the notices of a pass are kept per planned step
class Planned:
    """One step of the lifecycle and what it writes, shared by the rows that advance alike."""

    step: Step
    state: str  # the new state's value
    reason: str | None  # the clock's audit line, when the state changes
    missed: bool  # closed by the clock: its closing time is set
    told: Folded  # the events due, as the outbox records them


class Planner:
    """The steps of due rows at ``now``, each under its own plan's policy for its (duty, unit), and
    their outbox rows (``notices``); one for a whole pass, so its batches share what it worked out."""

    def __init__(self, plans: Plans, now: dt.datetime) -> None:
        self.plans, self.now = plans, now
        self.notices = Notices(plans, now)
        self.pairs: dict[Triple, tuple[Plan, Policy, int]] = {}  # the plan, policy and rules of a row's triple
        self.by_value: dict[str, Policy] = {}  # equal policies of different plans and pairs are one object
        self.rules: dict[tuple[int, int], int] = {}  # (policy, calendar) by identity, numbered
        self.planned: dict[tuple, Planned] = {}
        self.in_hours: dict[tuple[dt.datetime, int], bool] = {}

    def of(self, row: Row) -> tuple[Triple, Planned]:
        """The row's (plan, duty, unit) and its step; ``row`` holds ``DUE_COLUMNS`` in their order."""
        _, plan_code, duty, unit, opened, deadline, state, level, after, _, _, period = row
        triple = (plan_code, duty, unit)
        pair = self.pairs.get(triple)
        if pair is None:
            pair = self._pair(triple)
        own, policy, rules = pair
        if after is not None and opened <= after and self._in_hours(after, rules, policy, own.calendar):
            read = None  # its assignment notice, the first working moment from the opening, is no later
        else:
            read = opening_read(opened, after, policy, own.calendar)
        key = (rules, deadline, state, level, after, own.next_due(duty, period), read)
        planned = self.planned.get(key)
        if planned is None:
            if len(self.planned) >= MEMO_LIMIT:  # memory stays flat over a long pass
                self.planned.clear()
                self.in_hours.clear()
            planned = self.planned[key] = self._plan(row, own, policy)
        return triple, planned

    def _in_hours(self, at: dt.datetime, rules: int, policy: Policy, calendar: WorkCalendar) -> bool:
        """Whether ``at`` falls in working hours (a last action usually does: notices are given then)."""
        found = self.in_hours.get((at, rules))
        if found is None:
            found = self.in_hours[(at, rules)] = human_time(at, policy, calendar) == at
        return found

    def _pair(self, triple: Triple) -> tuple[Plan, Policy, int]:
        own = self.plans[triple[0]]
        policy = own.policy_for(triple[1], triple[2])
        policy = self.by_value.setdefault(policy.model_dump_json(), policy)  # kept: its id stays its own
        rules = self.rules.setdefault((id(policy), id(own.calendar)), len(self.rules))
        pair = self.pairs[triple] = (own, policy, rules)
        return pair

    def _plan(self, row: Row, own: Plan, policy: Policy) -> Planned:
        step = advance(snapshot_of(row, own, policy), policy, own.calendar, self.now)
        state = step.state.value
        reason = state_reason(step.state, row, own) if state != row.state else None
        return Planned(step, state, reason, step.state is State.MISSED, fold(step.due))
