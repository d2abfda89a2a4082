"""Following up one Section III unit: its engine pass, its standing and its table.

The Prefect flows call these functions and only wire them. Which units Section III names, when
a unit counts as "due soon" or "overdue", and what a coordinator reads in each row all live here
(or deeper, in the engine and the lifecycle), so they can be tested without Prefect.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import Engine
from sqlmodel import Session

from htx_tasks.core import wording
from htx_tasks.core.lifecycle import ACTIVE, CLOSED, State
from htx_tasks.core.vntext import sort_key
from htx_tasks.core.zones import local, local_date
from htx_tasks.engine import PassResult, run_pass
from htx_tasks.plan.loader import Plan
from htx_tasks.plan.schema import Duty, Unit
from htx_tasks.readings import is_request
from htx_tasks.reports import StatusRow, status_rows

RECENTLY_CLOSED = dt.timedelta(days=30)  # closed obligations stay on a unit's table this long
ARTIFACT_KEY = re.compile(r"^[a-z0-9][a-z0-9-]*$")
TITLE_WIDTH = 80


class Standing(StrEnum):
    """A unit's standing on the plan: the name of its follow-up run's final state."""

    ON_TRACK = "Đúng tiến độ"
    DUE_SOON = "Sắp đến hạn"
    OVERDUE = "Quá hạn"
    PAST_DATE = "Đã qua mốc trao đổi"  # a request (III.7) past its date: the standing office liaises

    @property
    def failed(self) -> bool:
        """Only work the plan directs can fail; a request waits for the exchange, it does not fail."""
        return self is Standing.OVERDUE


def section_units(plan: Plan) -> list[Unit]:
    """The units Section III names (each has a ``ref``), in plan order; a group stands for its members.
    A plan that numbers no sections: the units its duties name, in the directory's order."""
    grouped = {member for unit in plan.source.units for member in (unit.members or [])}
    numbered = [unit for unit in plan.source.units if unit.ref and unit.code not in grouped]
    named = {duty.unit for duty in plan.source.duties}
    return numbered or [unit for unit in plan.source.units if unit.code in named]


def section_unit_of(plan: Plan, unit_code: str) -> str:
    """The Section III unit that follows ``unit_code`` up: its group, or itself."""
    for unit in plan.source.units:
        if unit_code in (unit.members or []):
            return unit.code
    return unit_code


def artifact_key(unit_code: str, plan_code: str | None = None) -> str:
    """The Prefect artifact key of a unit's table (lowercase letters, digits and dashes); with
    ``plan_code``, of its table of that plan (an office following several)."""
    key = f"theo-doi-{plan_code}-{unit_code}" if plan_code else f"theo-doi-{unit_code}"
    if not ARTIFACT_KEY.match(key):
        raise ValueError(f"mã đơn vị '{unit_code}' không dùng được làm khóa artifact")
    return key


def follow_up(engine: Engine, plan: Plan, unit_code: str, now: dt.datetime, *,
              plans: Sequence[Plan] = ()) -> PassResult:
    """One engine pass limited to the unit (a group: all its members; successors too), at ``now``:
    over ``plans`` (every plan of the office: units are shared) or ``plan`` alone."""
    plan.unit(unit_code)
    return run_pass(engine, list(plans) or plan, now, units=set(plan.followed(unit_code, local_date(now))))


@dataclass
class Counts:
    open: int = 0
    due_soon: int = 0
    overdue: int = 0
    escalated: int = 0
    past_date: int = 0  # requests past their date (never "overdue")
    submitted: int = 0
    closed: int = 0
    missed: int = 0  # of the closed: "Không báo cáo" (the next period came due)


@dataclass
class UnitStanding:
    """Where a unit stands at ``now``: its rows, their classes, and the resulting standing."""

    plan: Plan
    unit: str
    now: dt.datetime
    rows: list[StatusRow]  # each row read at ``now`` (``core.itemview``): its flags are the classes

    @property
    def due_soon_ids(self) -> set[int]:
        return {row.id for row in self.rows if row.due_soon}

    @property
    def overdue_ids(self) -> set[int]:
        return {row.id for row in self.rows if row.overdue}

    @property
    def past_date_ids(self) -> set[int]:
        return {row.id for row in self.rows if row.past and row.request}

    @property
    def unit_name(self) -> str:
        return self.plan.unit_name(self.unit)

    @property
    def ref(self) -> str:
        return self.plan.unit(self.unit).ref or ""

    @property
    def heading(self) -> str:
        """``III.6 Trung tâm …``, or the name alone for a unit with no section of its own (a ward)."""
        return f"{self.ref} {self.unit_name}".strip()

    @property
    def is_group(self) -> bool:
        return bool(self.plan.unit(self.unit).members)

    @property
    def request(self) -> bool:
        """The plan asks this unit (III.7): its table and message speak of requests, not tasks."""
        return is_request(self.plan, self.plan.members(self.unit)[0])

    @property
    def counts(self) -> Counts:
        counts = Counts()
        for row in self.rows:
            state = State(row.state)
            if state in CLOSED:
                counts.closed += 1
                counts.missed += state is State.MISSED
            elif state is State.SUBMITTED:
                counts.submitted += 1
            else:
                counts.open += 1
                counts.due_soon += row.due_soon
                counts.overdue += row.overdue
                counts.escalated += row.overdue and row.escalation_level >= 1
                counts.past_date += row.past and row.request
        return counts

    @property
    def standing(self) -> Standing:
        if any(row.overdue for row in self.rows):
            return Standing.OVERDUE
        if any(row.past for row in self.rows):
            return Standing.PAST_DATE
        if any(row.due_soon for row in self.rows):
            return Standing.DUE_SOON
        return Standing.ON_TRACK

    def message(self) -> str:
        """The final state's message: the counts, in Vietnamese."""
        c = self.counts
        parts = [f"{c.open} {'nội dung đề nghị phối hợp' if self.request else 'nhiệm vụ'} đang mở"]
        if c.overdue:
            parts.append(f"{c.overdue} quá hạn" + (f" ({c.escalated} đã báo cấp trên)" if c.escalated else ""))
        if c.past_date:
            parts.append(f"{c.past_date} đã qua mốc trao đổi kết quả")
        if c.due_soon:
            parts.append(f"{c.due_soon} sắp đến hạn")
        if c.submitted:
            parts.append(f"{c.submitted} {'đã gửi thông tin kết quả' if self.request else 'chờ duyệt'}")
        if c.closed:
            missed = f", trong đó {c.missed} {State.MISSED.label.lower()}" if c.missed else ""
            parts.append(f"{c.closed} đã đóng trong {RECENTLY_CLOSED.days} ngày qua{missed}")
        return f"{self.heading}, {local(self.now):%H:%M %d/%m/%Y}: " + ", ".join(parts) + "."

    def table(self) -> list[dict[str, str | int]]:
        """The rows of the unit's table artifact; a group's table names the member on each row."""
        out = []
        ask = self.request  # a request's table (III.7) in its own words: a date (mốc), liaising, content
        for row in self.rows:
            duty = self.plan.duties.get(row.duty)
            line: dict[str, str | int] = {"Số": row.id}
            if self.is_group:
                line["Tổ chức" if ask else "Đơn vị"] = row.unit_name
            line.update({
                "Mục": row.ref,
                "Kỳ": row.period,
                "Mốc" if ask else "Hạn": row.deadline.strftime("%d/%m/%Y"),
                "Mốc do" if ask else "Hạn do": source_cell(duty) if duty else "—",
                "Tình trạng" if ask else "Trạng thái": row.state_label,
                "Còn / đã qua mốc" if ask else "Còn / quá hạn": row.cell,
                "Trao đổi" if ask else "Đôn đốc": self.escalation_label(row),
                "Nhắc gần nhất": local(row.last_reminder).strftime("%H:%M %d/%m/%Y") if row.last_reminder else "—",
                "Nội dung đề nghị" if ask else "Nhiệm vụ": _shorten(duty.title if duty else row.duty)
                + (f" ({duty.origin.label.lower()})" if duty and duty.added else ""),
                "Phiên bản": row.version,  # what a coordinator's decision on the form sends back
            })
            out.append(line)
        return out

    def urgency(self, row: StatusRow) -> int:
        """Rows a coordinator must act on come first: past their term, due soon, open, awaiting review, closed."""
        state = State(row.state)
        if row.past:
            return 0
        if row.due_soon:
            return 1
        if state in ACTIVE:
            return 2
        return 3 if state is State.SUBMITTED else 4

    def escalation_label(self, row: StatusRow) -> str:
        return escalation_label(self.plan, row)


def step_words(plan: Plan, duty: str, unit: str, level: int) -> str:
    """``đã báo cơ quan thường trực``: who an obligation's escalation has reached, in plain words."""
    steps = plan.policy_for(duty, unit).escalation or []
    if level < 0 or not steps:
        return ""
    target = steps[min(level, len(steps) - 1)].to  # past the last step: repeats to the same people
    return wording.step_reached(target, request=is_request(plan, unit))


def escalation_label(plan: Plan, row: StatusRow) -> str:
    """``Đã báo cơ quan thường trực``: how far an overdue obligation has been escalated."""
    words = step_words(plan, row.duty, row.unit, row.escalation_level)
    return words[:1].upper() + words[1:] if words else "—"


def standing(session: Session, plan: Plan, unit_code: str, now: dt.datetime) -> UnitStanding:
    """The unit's open obligations and those closed recently, classed at ``now``."""
    rows = status_rows(session, plan, now, unit=unit_code, include_closed_since=now - RECENTLY_CLOSED)
    result = UnitStanding(plan=plan, unit=unit_code, now=now, rows=rows)
    result.rows.sort(key=lambda row: (result.urgency(row), row.deadline, sort_key(row.unit_name), row.ref, row.id))
    return result


def source_cell(duty: Duty) -> str:
    """A table's "Hạn do" cell: ``cơ quan thường trực``, ``pháp luật (Nghị định số 92/2024/NĐ-CP)``."""
    short = duty.deadline_source.short
    return f"{short} ({duty.deadline_basis})" if duty.deadline_basis else short


def _shorten(text: str, width: int = TITLE_WIDTH) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1].rsplit(" ", 1)[0] + "…"


class Action(StrEnum):
    """What the "Ghi nhận kết quả" form records; the values are what the form shows."""

    SUBMIT = "Đơn vị báo cáo hoàn thành"
    ACCEPT = "Chấp nhận báo cáo"
    RETURN = "Trả lại để hoàn thiện"
    EXTEND = "Gia hạn"
    WAIVE = "Miễn thực hiện"


COORDINATOR_CHOICE = "co-quan-thuong-truc"  # the form's "who records" value for the coordinator
# the form's adapter (who records, one action through the services) is htx_tasks.services.form
