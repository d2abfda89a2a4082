"""The shape of ``config/plan.yaml`` and ``config/calendar.yaml``, validated strictly.

Unknown keys are rejected (``extra="forbid"``); cross-references (units, duties, successors)
are checked by ``htx_tasks.plan.loader`` where line numbers are at hand.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Literal

from pydantic import ConfigDict, Field, model_validator

from htx_tasks.core.policy import Assignment, Policy
from htx_tasks.core.recurrence import MONTHS_IN, Recurrence
from htx_tasks.core.statuses import PlanStatus
from htx_tasks.core.strict import CODE, FieldError, Strict
from htx_tasks.plan.targets import Indicator
from htx_tasks.plan.unitreport import DEFAULT_REPORT, ReportForm


class UnitKind(StrEnum):
    DEPARTMENT = "department"
    CENTRE = "centre"
    ORGANISATION = "organisation"
    GROUP = "group"
    WARD = "ward"
    COMMUNE = "commune"


class Successor(Strict):
    """Who takes a unit's work from a date: merged into or renamed as ``unit``; split, ``unit`` and
    the units in ``also`` (each owes the unit's open work and its later periods)."""

    unit: str
    on: dt.date
    why: str | None = None
    also: list[str] = []

    @property
    def units(self) -> list[str]:
        return [self.unit, *self.also]


class Unit(Strict):
    code: str = Field(pattern=CODE)
    name: str
    short_name: str | None = None
    kind: UnitKind
    ref: str | None = None  # the plan's section for the unit: from the plan's ``sections`` (a one-plan file may write it here)
    assignment: Assignment = Assignment.DIRECT
    members: list[str] | None = None
    successor: Successor | None = None
    policy: Policy | None = None


class DeadlineSource(StrEnum):
    PLAN = "plan"  # the plan's text sets the deadline
    COORDINATOR = "coordinator"  # the standing office chose it to follow the duty up
    LAW = "law"  # a legal text sets it (``deadline_basis`` cites it): Nghị định số 92/2024/NĐ-CP

    @property
    def label(self) -> str:
        return DEADLINE_SOURCE_LABELS[self]

    @property
    def short(self) -> str:
        return {DeadlineSource.PLAN: "kế hoạch", DeadlineSource.COORDINATOR: "cơ quan thường trực",
                DeadlineSource.LAW: "pháp luật"}[self]


DEADLINE_SOURCE_LABELS = {
    DeadlineSource.PLAN: "Hạn do kế hoạch quy định",
    DeadlineSource.COORDINATOR: "Hạn do cơ quan thường trực định để theo dõi",
    DeadlineSource.LAW: "Hạn theo quy định của pháp luật",
}


class DutyOrigin(StrEnum):
    """Where a duty comes from: the plan's own text, or the standing office that added it."""

    PLAN = "plan"
    COORDINATOR = "coordinator"  # not in the plan's Section III: added to follow the plan up (the report)

    @property
    def label(self) -> str:
        return DUTY_ORIGIN_LABELS[self]


DUTY_ORIGIN_LABELS = {
    DutyOrigin.PLAN: "Nhiệm vụ Kế hoạch giao",
    DutyOrigin.COORDINATOR: "Nhiệm vụ do cơ quan thường trực bổ sung để theo dõi, Kế hoạch không nêu",
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
    deadline_basis: str | None = Field(default=None, min_length=3, max_length=200)  # the legal text (law)
    origin: DutyOrigin = DutyOrigin.PLAN
    active: Active | None = None
    recurrence: Recurrence
    policy: Policy | None = None
    # a monitoring duty whose units confirm or update their organisations in the registry each period
    registry_upkeep: RegistryScope | None = None
    # what the unit's report asks for: results and evidence always; figures, difficulties, proposals
    report: ReportForm = DEFAULT_REPORT

    @model_validator(mode="after")
    def _upkeep_needs_periods(self) -> Duty:
        if self.registry_upkeep is not None and self.recurrence.every not in MONTHS_IN:
            raise FieldError("registry_upkeep", "chỉ dùng cho nhiệm vụ định kỳ (tháng, quý, 6 tháng, năm): "
                             "đơn vị cập nhật sổ theo dõi hợp tác xã mỗi kỳ")
        return self

    @model_validator(mode="after")
    def _law_needs_its_text(self) -> Duty:
        if self.deadline_source is DeadlineSource.LAW and not self.deadline_basis:
            raise FieldError("deadline_basis", "hạn theo pháp luật (deadline_source: law) cần nêu văn bản, "
                             "ví dụ 'Nghị định số 92/2024/NĐ-CP'")
        if self.deadline_basis and self.deadline_source is not DeadlineSource.LAW:
            raise FieldError("deadline_basis", "chỉ dùng khi deadline_source: law")
        return self

    @property
    def deadline_words(self) -> str:
        """Who set the deadline, as a message or a page says it: ``hạn theo Nghị định số 92/2024/NĐ-CP``."""
        if self.deadline_source is DeadlineSource.LAW:
            return f"hạn theo {self.deadline_basis}"
        return self.deadline_source.label.lower()

    @property
    def added(self) -> bool:
        """Added by the standing office (not in the plan's text): every surface says so."""
        return self.origin is DutyOrigin.COORDINATOR

    def active_on(self, day: dt.date) -> bool:
        return self.active is None or self.active.first <= day <= self.active.last

    def ended(self, day: dt.date) -> bool:
        return self.active is not None and self.active.last < day


class TaskGroup(Strict):
    ref: str = Field(pattern=r"^II\.\d+$")
    title: str
    duties: list[str] = Field(min_length=1)


class Section(Strict):
    """A unit's section in a plan's Section III ("III.1 Phòng Kinh tế"): the plan's number, not the unit's."""

    ref: str = Field(pattern=r"^III\.\d+$")
    unit: str


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
    document: str | None = None  # the issuing document: "Kế hoạch số 12/KH-UBND ngày ... của ..."
    # where a plan starts when the database first sees it; after that `htx-tasks plan activate|close`
    status: Literal[PlanStatus.DRAFT, PlanStatus.ACTIVE] = PlanStatus.ACTIVE
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
    sections: list[Section] = []
    units: list[Unit] = Field(min_length=1)
    duties: list[Duty] = Field(min_length=1)


class CalendarDay(Strict):
    date: dt.date
    reason: str


class CalendarFile(Strict):
    version: Literal[1]
    days_off: list[CalendarDay] = []
    working_days: list[CalendarDay] = []
