"""The checks of a plan and a calendar against themselves: every problem named by file and line."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable

from htx_tasks.core.recurrence import Every
from htx_tasks.plan.indicators import check_indicators
from htx_tasks.plan.schema import CalendarFile, Duty, PlanFile, RegistryScope, Unit, UnitKind
from htx_tasks.plan.yamlio import Located, Problem

# policy keys with a default of their own (no backoff, no limit, close when the next period is due,
# briefing on Monday at work_start, nothing urgent)
OPTIONAL_POLICY = ("repeat_after_working_days", "repeat_limit", "close_when_next_due", "urgent", "briefing_weekday",
                   "briefing_time")


def _duplicates(doc: Located, section: str, codes: list[str], what: str) -> list[Problem]:
    counts = Counter(codes)
    out = []
    for index, code in enumerate(codes):
        if counts[code] > 1 and codes.index(code) != index:
            out.append(doc.problem((section, index, "code"), f"mã {what} '{code}' bị trùng"))
    return out


def check_plan(plan: PlanFile, doc: Located) -> list[Problem]:
    """Cross-reference checks that the schema alone cannot express."""
    problems: list[Problem] = []
    unit_codes = [u.code for u in plan.units]
    duty_codes = [d.code for d in plan.duties]
    problems += _duplicates(doc, "units", unit_codes, "đơn vị")
    problems += _duplicates(doc, "duties", duty_codes, "nhiệm vụ")
    problems += _duplicates(doc, "indicators", [i.code for i in plan.indicators], "chỉ tiêu")
    problems += [doc.problem(("indicators", *loc), message)
                 for loc, message in check_indicators(plan.indicators, (u.code for u in plan.units))]
    units = {u.code: u for u in plan.units}

    def unknown_unit(loc: tuple, code: str) -> None:
        if code not in units:
            problems.append(doc.problem(loc, f"đơn vị '{code}' không có trong danh sách units"))

    missing = [
        name
        for name, value in plan.policy.model_dump().items()
        if value is None and name not in ("work_start", "work_end", "request_repeat_every_days", "lead_days",
                                          *OPTIONAL_POLICY)
    ]
    if missing:
        problems.append(doc.problem(("policy",), f"chính sách mặc định thiếu: {', '.join(missing)}"))
    for role in ("coordinator", "leadership"):
        code = getattr(plan.plan, role).unit
        if code is not None:
            unknown_unit(("plan", role, "unit"), code)
    grouped: dict[str, str] = {}
    for i, unit in enumerate(plan.units):
        if unit.kind is UnitKind.GROUP:
            if not unit.members:
                problems.append(doc.problem(("units", i), f"nhóm '{unit.code}' chưa có thành viên"))
            for j, member in enumerate(unit.members or []):
                unknown_unit(("units", i, "members", j), member)
                if member in units and units[member].kind is UnitKind.GROUP:
                    problems.append(
                        doc.problem(("units", i, "members", j), f"nhóm '{member}' không thể là thành viên")
                    )
                if member in grouped:
                    problems.append(
                        doc.problem(
                            ("units", i, "members", j),
                            f"'{member}' đã thuộc nhóm '{grouped[member]}'",
                        )
                    )
                grouped[member] = unit.code
        elif unit.members:
            problems.append(
                doc.problem(("units", i, "members"), "chỉ đơn vị loại 'group' mới có 'members'")
            )
        if unit.successor is not None:
            loc = ("units", i, "successor", "unit")
            unknown_unit(loc, unit.successor.unit)
            for j, code in enumerate(unit.successor.also):
                unknown_unit(("units", i, "successor", "also", j), code)
                if code in (unit.code, unit.successor.unit) or unit.successor.also.index(code) != j:
                    problems.append(doc.problem(("units", i, "successor", "also", j),
                                                f"đơn vị '{code}' đã có trong danh sách kế thừa"))
            chain, code = [unit.code], unit.successor.unit
            while code in units and code not in chain:
                chain.append(code)
                nxt = units[code].successor
                code = nxt.unit if nxt else ""
            if code in chain:
                problems.append(
                    doc.problem(loc, "chuỗi kế thừa đơn vị bị vòng: " + " → ".join([*chain, code]))
                )
    for i, duty in enumerate(plan.duties):
        unknown_unit(("duties", i, "unit"), duty.unit)
        for j, code in enumerate(duty.coordinating):
            unknown_unit(("duties", i, "coordinating", j), code)
        if duty.registry_upkeep is not None and duty.unit in units:
            problems += _upkeep_problems(doc, i, duty, units)
        keys = [f.key for f in duty.report.figures]
        problems += [doc.problem(("duties", i, "report", "figures", j, "key"), f"số liệu '{key}' bị trùng")
                     for j, key in enumerate(keys) if keys.index(key) != j]
        if duty.recurrence.every is Every.CASE:
            kinds = [k.code for k in duty.recurrence.case_kinds or []]
            for j, code in enumerate(kinds):
                if kinds.index(code) != j:
                    problems.append(
                        doc.problem(
                            ("duties", i, "recurrence", "case_kinds", j, "code"),
                            f"loại hồ sơ '{code}' bị trùng",
                        )
                    )
    problems += _section_problems(plan, doc, unknown_unit)
    known_duties = set(duty_codes)
    for i, group in enumerate(plan.task_groups):
        for j, code in enumerate(group.duties):
            if code not in known_duties:
                problems.append(
                    doc.problem(
                        ("task_groups", i, "duties", j), f"nhiệm vụ '{code}' không có trong duties"
                    )
                )
    return problems


def _section_problems(plan: PlanFile, doc: Located, unknown_unit: Callable[[tuple, str], None]) -> list[Problem]:
    """Each section names a unit of the directory once, each number once; a one-plan file may not
    also number the unit differently in ``units``."""
    problems = []
    own = {u.code: u.ref for u in plan.units if u.ref}
    for i, section in enumerate(plan.sections):
        unknown_unit(("sections", i, "unit"), section.unit)
        if [s.unit for s in plan.sections].index(section.unit) != i:
            problems.append(doc.problem(("sections", i, "unit"), f"đơn vị '{section.unit}' đã có mục khác"))
        if [s.ref for s in plan.sections].index(section.ref) != i:
            problems.append(doc.problem(("sections", i, "ref"), f"mục {section.ref} đã giao cho đơn vị khác"))
        if own.get(section.unit, section.ref) != section.ref:
            problems.append(doc.problem(("sections", i, "ref"), f"đơn vị '{section.unit}' đã ghi mục {own[section.unit]} "
                                        "trong units: chỉ ghi một nơi"))
    return problems


PLACES = (UnitKind.WARD, UnitKind.COMMUNE)


def _upkeep_problems(doc: Located, index: int, duty: Duty, units: dict[str, Unit]) -> list[Problem]:
    """``registry_upkeep: ward`` needs wards or communes; ``follow_unit`` needs departments."""
    unit = units[duty.unit]
    owners = [units[m] for m in unit.members or [] if m in units] if unit.kind is UnitKind.GROUP else [unit]
    loc = ("duties", index, "registry_upkeep")
    if duty.registry_upkeep is RegistryScope.WARD:
        wrong = [u.code for u in owners if u.kind not in PLACES]
        reason = "phạm vi 'ward' (tổ chức trên địa bàn) chỉ dùng cho xã, phường"
    else:
        wrong = [u.code for u in owners if u.kind in PLACES]
        reason = "phạm vi 'follow_unit' (tổ chức theo lĩnh vực) chỉ dùng cho phòng chuyên môn"
    return [doc.problem(loc, f"{reason}; không áp dụng cho: {', '.join(wrong)}")] if wrong else []


def check_calendar(calendar: CalendarFile, doc: Located) -> list[Problem]:
    problems = []
    seen: dict[dt.date, str] = {}
    for section in ("days_off", "working_days"):
        for i, day in enumerate(getattr(calendar, section)):
            if day.date in seen:
                problems.append(
                    doc.problem(
                        (section, i, "date"),
                        f"ngày {day.date:%d/%m/%Y} đã khai báo trong '{seen[day.date]}'",
                    )
                )
            seen[day.date] = section
    return problems
