"""The shape of ``config/plan.yaml`` and ``config/calendar.yaml``, validated strictly.

Unknown keys are rejected (``extra="forbid"``); cross-references (units, duties, successors)
are checked by ``htx_tasks.plan.loader`` where line numbers are at hand.
"""

from __future__ import annotations

import calendar as _pycal
import datetime as dt
from enum import StrEnum
from typing import Literal

from pydantic import ConfigDict, Field, field_validator, model_validator

from htx_tasks.plan.base import CODE, Strict
from htx_tasks.plan.targets import Indicator
from htx_tasks.plan.yamlio import FieldError


class Every(StrEnum):
    MONTH = "month"
    QUARTER = "quarter"
    HALF_YEAR = "half_year"
    YEAR = "year"
    ONCE = "once"
    CASE = "case"


MONTHS_IN = {Every.MONTH: 1, Every.QUARTER: 3, Every.HALF_YEAR: 6, Every.YEAR: 12}


class CaseKind(Strict):
    code: str = Field(pattern=CODE)
    title: str
    working_days: int = Field(ge=1, le=60)


class Recurrence(Strict):
    """When a duty falls due.

    ``every`` month/quarter/half_year/year: one occurrence per period, due on ``due_day`` of
    the ``due_month``-th month of the period (1 = its first month; ``due_day: last`` is the
    month's last day). ``once``: a single occurrence due on ``due_date``. ``case``: one
    occurrence per case received, due ``working_days`` after receipt (per case kind).
    """

    every: Every
    due_month: int | None = Field(default=None, ge=1, le=12)
    due_day: int | Literal["last"] | None = None
    due_date: dt.date | None = None
    opens_days_before: int | None = Field(default=None, ge=0, le=366)
    case_kinds: list[CaseKind] | None = None
    why: str | None = None

    @field_validator("due_day")
    @classmethod
    def _day_range(cls, value: int | str | None) -> int | str | None:
        if isinstance(value, int) and not 1 <= value <= 31:
            raise ValueError(f"due_day {value} không tồn tại (phải từ 1 đến 31 hoặc 'last')")
        return value

    @model_validator(mode="after")
    def _coherent(self) -> Recurrence:
        if self.every in MONTHS_IN:
            months = MONTHS_IN[self.every]
            if self.due_day is None:
                raise FieldError("every", f"chu kỳ '{self.every}' cần khóa 'due_day'")
            if self.due_date is not None or self.case_kinds:
                raise FieldError("due_date" if self.due_date is not None else "case_kinds",
                                 f"chu kỳ '{self.every}' không dùng 'due_date' hay 'case_kinds'")
            month = self.due_month or (1 if months == 1 else None)
            if month is None:
                raise FieldError("every", f"chu kỳ '{self.every}' cần khóa 'due_month' (1..{months})")
            if month > months:
                raise FieldError(
                    "due_month", f"due_month {month} vượt quá số tháng của chu kỳ '{self.every}' ({months})"
                )
            if isinstance(self.due_day, int):
                # the shortest month this slot can fall in (February in a leap year at best)
                longest = max(
                    _pycal.monthrange(2024, m)[1] for m in range(month, 13, months)
                )
                shortest = min(_pycal.monthrange(2023, m)[1] for m in range(month, 13, months))
                if self.due_day > longest:
                    raise FieldError("due_day", f"ngày {self.due_day} không tồn tại trong tháng hạn")
                if self.due_day > shortest:
                    raise FieldError(
                        "due_day", f"ngày {self.due_day} không có ở mọi tháng của chu kỳ; dùng 'last'"
                    )
        elif self.every is Every.ONCE:
            if self.due_date is None:
                raise FieldError("every", "chu kỳ 'once' cần khóa 'due_date'")
            if self.due_day is not None or self.due_month is not None or self.case_kinds:
                raise FieldError(self._first_set("due_day", "due_month", "case_kinds"),
                                 "chu kỳ 'once' chỉ dùng 'due_date'")
        else:
            if not self.case_kinds:
                raise FieldError("every", "chu kỳ 'case' cần danh sách 'case_kinds'")
            if self.due_day is not None or self.due_month is not None or self.due_date:
                raise FieldError(self._first_set("due_day", "due_month", "due_date"),
                                 "chu kỳ 'case' tính hạn theo 'working_days' của từng loại hồ sơ")
        return self

    def _first_set(self, *names: str) -> str:
        return next(n for n in names if getattr(self, n))


class Target(StrEnum):
    UNIT = "unit"
    COORDINATOR = "coordinator"
    LEADERSHIP = "leadership"


class EscalationStep(Strict):
    after_working_days: int = Field(ge=0, le=60)
    to: Target


class Policy(Strict):
    """Follow-up policy. Every key is optional so a unit or duty overrides only what it names."""

    reminder_days: list[int] | None = None
    due_soon_working_days: int | None = Field(default=None, ge=0, le=30)
    escalation: list[EscalationStep] | None = None
    repeat_every_days: int | None = Field(default=None, ge=1, le=90)
    # a request (assignment: request) is recalled at most this often once its date has passed
    request_repeat_every_days: int | None = Field(default=None, ge=7, le=366)
    # a period born within this many days of its deadline (tracking starts, a duty or unit is
    # added) is not opened; default: the longest reminder offset
    lead_days: int | None = Field(default=None, ge=0, le=90)
    work_start: dt.time | None = None
    work_end: dt.time | None = None

    @field_validator("reminder_days")
    @classmethod
    def _offsets(cls, value: list[int] | None) -> list[int] | None:
        if value is not None and any(not 0 <= v <= 90 for v in value):
            raise ValueError("reminder_days chỉ nhận số ngày từ 0 đến 90")
        return value

    @field_validator("escalation")
    @classmethod
    def _ordered(cls, value: list[EscalationStep] | None) -> list[EscalationStep] | None:
        if value is None:
            return value
        days = [s.after_working_days for s in value]
        if days != sorted(days) or len(set(days)) != len(days):
            raise ValueError("các bậc escalation phải có after_working_days tăng dần")
        if not value or value[0].to is not Target.UNIT:
            raise ValueError("bậc escalation đầu tiên phải là 'unit' (báo quá hạn cho đơn vị)")
        return value

    def over(self, base: Policy) -> Policy:
        """This policy's keys laid over ``base``."""
        update = {name: getattr(self, name) for name in type(self).model_fields if getattr(self, name) is not None}
        return base.model_copy(update=update)


class UnitKind(StrEnum):
    DEPARTMENT = "department"
    CENTRE = "centre"
    ORGANISATION = "organisation"
    GROUP = "group"
    WARD = "ward"
    COMMUNE = "commune"


class Assignment(StrEnum):
    DIRECT = "direct"  # giao: the People's Committee directs its own bodies
    REQUEST = "request"  # đề nghị: the Fatherland Front and mass organisations


class Successor(Strict):
    unit: str
    on: dt.date
    why: str | None = None


class Unit(Strict):
    code: str = Field(pattern=CODE)
    name: str
    short_name: str | None = None
    kind: UnitKind
    ref: str | None = None
    assignment: Assignment = Assignment.DIRECT
    members: list[str] | None = None
    successor: Successor | None = None
    policy: Policy | None = None


class DeadlineSource(StrEnum):
    PLAN = "plan"  # the plan's text sets the deadline
    COORDINATOR = "coordinator"  # the standing office chose it to follow the duty up

    @property
    def label(self) -> str:
        return DEADLINE_SOURCE_LABELS[self]

    @property
    def short(self) -> str:
        return "kế hoạch" if self is DeadlineSource.PLAN else "cơ quan thường trực"


DEADLINE_SOURCE_LABELS = {
    DeadlineSource.PLAN: "Hạn do kế hoạch quy định",
    DeadlineSource.COORDINATOR: "Hạn do cơ quan thường trực định để theo dõi",
}


class Active(Strict):
    """When a duty applies: ``from``/``until`` (either may be open) or a single ``year``."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
    start: dt.date | None = Field(default=None, alias="from")
    until: dt.date | None = None
    year: int | None = Field(default=None, ge=2000, le=2100)
    why: str | None = None

    @model_validator(mode="after")
    def _coherent(self) -> Active:
        if self.year is not None:
            if self.start is not None or self.until is not None:
                raise ValueError("'active' ghi 'year' hoặc 'from'/'until', không ghi cả hai")
        elif self.start is None and self.until is None:
            raise ValueError("'active' cần 'from', 'until' hoặc 'year'")
        if self.start and self.until and self.start > self.until:
            raise ValueError("'active': 'from' phải trước 'until'")
        return self

    @property
    def first(self) -> dt.date:
        return dt.date(self.year, 1, 1) if self.year else (self.start or dt.date.min)

    @property
    def last(self) -> dt.date:
        return dt.date(self.year, 12, 31) if self.year else (self.until or dt.date.max)

    def covers(self, start: dt.date, end: dt.date) -> bool:
        """Whether the days ``start``..``end`` (a period) overlap the window."""
        return start <= self.last and end >= self.first

    @property
    def label(self) -> str:
        if self.year:
            return f"năm {self.year}"
        if self.start and self.until:
            return f"từ {self.start:%d/%m/%Y} đến {self.until:%d/%m/%Y}"
        return f"từ {self.start:%d/%m/%Y}" if self.start else f"đến {self.until:%d/%m/%Y}"


class RegistryScope(StrEnum):
    """Which organisations of the registry a unit keeps current under a monitoring duty."""

    FOLLOW_UNIT = "follow_unit"  # those whose "Đơn vị theo dõi" is the unit (by sector, registry.yaml)
    WARD = "ward"  # those whose "Xã, phường" is the unit (a ward or commune: its territory)


class Duty(Strict):
    code: str = Field(pattern=CODE)
    ref: str = Field(pattern=r"^III\.\d+(\.\d+)*$")
    title: str
    unit: str
    coordinating: list[str] = []
    deliverable: str
    deadline_source: DeadlineSource
    active: Active | None = None
    recurrence: Recurrence
    policy: Policy | None = None
    # a monitoring duty whose units confirm or update their organisations in the registry each period
    registry_upkeep: RegistryScope | None = None

    @model_validator(mode="after")
    def _upkeep_needs_periods(self) -> Duty:
        if self.registry_upkeep is not None and self.recurrence.every not in MONTHS_IN:
            raise FieldError("registry_upkeep", "chỉ dùng cho nhiệm vụ định kỳ (tháng, quý, 6 tháng, năm): "
                             "đơn vị cập nhật sổ theo dõi hợp tác xã mỗi kỳ")
        return self

    def active_on(self, day: dt.date) -> bool:
        return self.active is None or self.active.first <= day <= self.active.last

    def ended(self, day: dt.date) -> bool:
        return self.active is not None and self.active.last < day


class TaskGroup(Strict):
    ref: str = Field(pattern=r"^II\.\d+$")
    title: str
    duties: list[str] = Field(min_length=1)


class Signer(Strict):
    office: list[str]
    name: str


class Role(Strict):
    title: str
    unit: str | None = None


class PlanMeta(Strict):
    code: str = Field(pattern=CODE)
    issuer: str
    title: str
    short_title: str
    label: str = Field(min_length=1, max_length=40)  # names this plan in every title: "KH thực hiện CTr 46-CTr/TU"
    legal_bases: list[str] = Field(min_length=1)
    signer: Signer
    recipients: list[str]
    timezone: Literal["Asia/Ho_Chi_Minh"]
    tracking_from: dt.date
    coordinator: Role
    leadership: Role


class PlanFile(Strict):
    version: Literal[1]
    plan: PlanMeta
    policy: Policy
    indicators: list[Indicator]
    task_groups: list[TaskGroup]
    units: list[Unit] = Field(min_length=1)
    duties: list[Duty] = Field(min_length=1)


class CalendarDay(Strict):
    date: dt.date
    reason: str


class CalendarFile(Strict):
    version: Literal[1]
    days_off: list[CalendarDay] = []
    working_days: list[CalendarDay] = []
