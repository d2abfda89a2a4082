"""Load the configuration folder into one validated ``Plan``, or fail with every problem."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from htx_tasks.core.calendar import WorkCalendar
from htx_tasks.core.policy import Assignment, Policy, Target
from htx_tasks.core.recurrence import next_period_due
from htx_tasks.core.refusals import UnknownCode
from htx_tasks.plan.checks import check_calendar, check_plan
from htx_tasks.plan.schema import CalendarFile, Duty, PlanFile, Unit, UnitKind
from htx_tasks.plan.yamlio import ConfigError, Problem, load_yaml, parse_model

DEFAULT_CONFIG_DIR = Path("config")
DEFAULT_REQUEST_REPEAT = 30  # days: a request is recalled at most monthly
PLAN_FILE = "plan.yaml"
CALENDAR_FILE = "calendar.yaml"


@dataclass(frozen=True)
class Plan:
    """The plan, resolved: units and duties by code, policies merged, calendar ready."""

    source: PlanFile
    calendar: WorkCalendar
    config_dir: Path
    # caches of what the source decides: not init fields, so a ``dataclasses.replace`` copy with
    # another source starts with its own instead of sharing (and misreading) these
    _policies: dict[tuple[str, str], Policy] = field(default_factory=dict, init=False, compare=False, repr=False)
    _next_due: dict[tuple[str, str], dt.date | None] = field(
        default_factory=dict, init=False, compare=False, repr=False
    )
    _assignments: dict[str, Assignment] = field(default_factory=dict, init=False, compare=False, repr=False)

    @property
    def meta(self):
        return self.source.plan

    @cached_property
    def units(self) -> dict[str, Unit]:
        return {u.code: u for u in self.source.units}

    @cached_property
    def duties(self) -> dict[str, Duty]:
        return {d.code: d for d in self.source.duties}

    def unit(self, code: str) -> Unit:
        try:
            return self.units[code]
        except KeyError:
            raise UnknownCode(f"không có đơn vị '{code}' trong kế hoạch") from None

    def duty(self, code: str) -> Duty:
        try:
            return self.duties[code]
        except KeyError:
            raise UnknownCode(f"không có nhiệm vụ '{code}' trong kế hoạch") from None

    def current_holder(self, unit_code: str, on: dt.date) -> str:
        """Follow successions: who holds ``unit_code``'s duties on ``on``."""
        seen = set()
        while True:
            unit = self.unit(unit_code)
            if unit.successor is None or unit.successor.on > on or unit_code in seen:
                return unit_code
            seen.add(unit_code)
            unit_code = unit.successor.unit

    def holders(self, unit_code: str, on: dt.date) -> list[str]:
        """Every unit holding ``unit_code``'s duties on ``on``, the main holder (``current_holder``)
        first: a split hands them to several units."""
        out: list[str] = []
        todo, seen = [unit_code], set()
        while todo:
            code = todo.pop(0)
            unit = self.units.get(code)
            if unit is None or unit.successor is None or unit.successor.on > on or code in seen:
                out.append(code)
                continue
            seen.add(code)
            todo[:0] = unit.successor.units
        return list(dict.fromkeys(out))

    def members(self, unit_code: str) -> list[str]:
        """The units that individually own a duty given to ``unit_code`` (a group's members)."""
        unit = self.unit(unit_code)
        return list(unit.members) if unit.kind is UnitKind.GROUP and unit.members else [unit_code]

    def followed(self, unit_code: str, on: dt.date) -> list[str]:
        """Whose obligations a unit's follow-up covers on ``on``: its members and their successors.

        A successor named only in configuration (a merged or renamed unit with no Section III
        deployment of its own) is followed up by the deployment of the unit it replaced.
        """
        members = self.members(unit_code)
        holders = [h for m in members for h in self.holders(m, on)]
        return list(dict.fromkeys([*members, *holders]))

    def assignees(self, duty: Duty) -> list[str]:
        """Every unit that owns its own occurrences of ``duty`` (before succession)."""
        return self.members(duty.unit)

    def policy_for(self, duty_code: str, unit_code: str) -> Policy:
        """Defaults, then the unit's (or its group's) overrides, then the duty's."""
        key = (duty_code, unit_code)
        if key not in self._policies:
            self._policies[key] = self._merge_policy(duty_code, unit_code)
        return self._policies[key]

    def unit_policy(self, unit_code: str) -> Policy:
        """Defaults with the unit's (and its group's) overrides; the plan's defaults for a role."""
        policy = self.source.policy
        if unit_code not in self.units:  # coordinator, leadership, fallback
            return policy
        for group in self.source.units:
            if group.kind is UnitKind.GROUP and unit_code in (group.members or []) and group.policy:
                policy = group.policy.over(policy)
        unit = self.unit(unit_code)
        if unit.policy:
            policy = unit.policy.over(policy)
        return policy

    def _merge_policy(self, duty_code: str, unit_code: str) -> Policy:
        policy = self.unit_policy(unit_code)
        duty = self.duty(duty_code)
        if duty.policy:
            policy = duty.policy.over(policy)
        # nobody is escalated to itself: a step whose recipient is the unit at fault is skipped,
        # and the next step applies at its own threshold
        steps = [s for s in policy.escalation or [] if s.to is Target.UNIT or self.role_unit(s.to) != unit_code]
        update: dict = {"escalation": steps}
        if self.assignment_of(unit_code) is Assignment.REQUEST:
            # a request is not escalated to leadership; the coordinator gets a note for liaison,
            # and it is recalled at most every `request_repeat_every_days`
            update["escalation"] = [s for s in steps if s.to is not Target.LEADERSHIP]
            update["repeat_every_days"] = max(policy.repeat_every_days or 0,
                                              policy.request_repeat_every_days or DEFAULT_REQUEST_REPEAT)
            update["repeat_after_working_days"] = []  # no backoff: a request is never pressed
            update["close_when_next_due"] = False  # and never "fails"
        return policy.model_copy(update=update)

    def next_due(self, duty_code: str, period_key: str) -> dt.date | None:
        """The deadline of the duty's period after ``period_key`` (None: one-off, case, unknown duty)."""
        key = (duty_code, period_key)
        if key not in self._next_due:
            duty = self.duties.get(duty_code)
            self._next_due[key] = next_period_due(duty.recurrence, self.calendar, period_key) if duty else None
        return self._next_due[key]

    def role_unit(self, target: Target) -> str | None:
        """The unit that plays a role (the coordinator's office), if the plan names one."""
        if target is Target.COORDINATOR:
            return self.meta.coordinator.unit
        if target is Target.LEADERSHIP:
            return self.meta.leadership.unit
        return None

    def skipped_steps(self, duty_code: str, unit_code: str) -> list[Target]:
        """Escalation steps left out for this unit because it would be told of itself."""
        policy = self.unit_policy(unit_code)
        duty = self.duty(duty_code)
        if duty.policy:
            policy = duty.policy.over(policy)
        return [s.to for s in policy.escalation or [] if s.to is not Target.UNIT and self.role_unit(s.to) == unit_code]

    def copy_recipients(self, duty_code: str, unit_code: str, on: dt.date) -> list[str]:
        """The coordinating ("phối hợp") units told of a duty by copy: groups stand for their members."""
        out: list[str] = []
        for code in self.duty(duty_code).coordinating:
            out += [self.current_holder(m, on) for m in self.members(code)]
        return [c for c in dict.fromkeys(out) if c != unit_code]

    def lead_days(self, duty_code: str, unit_code: str) -> int:
        """How close to its deadline a period may be born and still be opened (see ``lead_days``)."""
        policy = self.policy_for(duty_code, unit_code)
        if policy.lead_days is not None:
            return policy.lead_days
        return max(policy.reminder_days or [0])

    def assignment_of(self, unit_code: str) -> Assignment:
        """A request when the unit, or a group it belongs to, is asked rather than ordered."""
        found = self._assignments.get(unit_code)
        if found is None:
            found = self._assignments[unit_code] = self._assignment(unit_code)
        return found

    def _assignment(self, unit_code: str) -> Assignment:
        unit = self.unit(unit_code)
        if unit.assignment is Assignment.REQUEST:
            return Assignment.REQUEST
        for group in self.source.units:
            if unit_code in (group.members or []) and group.assignment is Assignment.REQUEST:
                return Assignment.REQUEST
        return Assignment.DIRECT

    def unit_name(self, code: str) -> str:
        unit = self.units.get(code)
        return unit.name if unit else code


def load_plan(config_dir: Path | str = DEFAULT_CONFIG_DIR) -> Plan:
    """Read and check ``plan.yaml`` and ``calendar.yaml``; raise ConfigError listing all problems."""
    config_dir = Path(config_dir)
    problems: list[Problem] = []
    plan_doc = calendar_doc = None
    plan_file = calendar_file = None
    for name in (PLAN_FILE, CALENDAR_FILE):
        try:
            located = load_yaml(config_dir / name)
        except ConfigError as exc:
            problems.extend(exc.problems)
            continue
        try:
            if name == PLAN_FILE:
                plan_doc, plan_file = located, parse_model(PlanFile, located)
            else:
                calendar_doc, calendar_file = located, parse_model(CalendarFile, located)
        except ConfigError as exc:
            problems.extend(exc.problems)
    if plan_file is not None and plan_doc is not None:
        problems.extend(check_plan(plan_file, plan_doc))
    if calendar_file is not None and calendar_doc is not None:
        problems.extend(check_calendar(calendar_file, calendar_doc))
    if problems:
        raise ConfigError(problems)
    assert plan_file is not None and calendar_file is not None
    calendar = WorkCalendar(
        days_off={d.date: d.reason for d in calendar_file.days_off},
        working_days={d.date: d.reason for d in calendar_file.working_days},
    )
    return Plan(source=placed(plan_file), calendar=calendar, config_dir=config_dir)


def placed(source: PlanFile) -> PlanFile:
    """The plan with each unit's section (``sections``) on the unit, where every surface reads it."""
    if not source.sections:
        return source
    refs = {s.unit: s.ref for s in source.sections}
    units = [u.model_copy(update={"ref": refs[u.code]}) if u.code in refs else u for u in source.units]
    return source.model_copy(update={"units": units})
