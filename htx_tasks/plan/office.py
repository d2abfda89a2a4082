"""The office's configuration: one directory of units shared by every plan, and the plans.

Two layouts are read:

- **one plan** (``plan.yaml``, units inside it, with ``calendar.yaml``): the layout of an office
  following a single plan, as before plans were objects;
- **the office** (``units.yaml``, ``calendar.yaml``, ``channels.yaml`` once for the office, and one
  file per plan under ``plans/``, named for its code: ``plans/<code>.yaml``). ``units.yaml`` holds
  every unit (code, name, kind, members, successors) and the office's default follow-up policy; a
  plan names units by code, numbers its own sections (``sections``: "III.1" is the plan's number
  for a unit, not the unit's) and lays its own ``policy`` over the default.

Every plan is checked against the directory; each problem names its file and line. Duty codes
are unique across the office (a report names a duty by its code alone).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import Field

from htx_tasks.core.calendar import WorkCalendar
from htx_tasks.core.policy import Policy
from htx_tasks.core.strict import Strict
from htx_tasks.plan.checks import check_calendar, check_plan
from htx_tasks.plan.loader import CALENDAR_FILE, PLAN_FILE, Plan, load_plan, placed
from htx_tasks.plan.schema import CalendarFile, Duty, PlanFile, PlanMeta, Section, TaskGroup, Unit
from htx_tasks.plan.targets import Indicator
from htx_tasks.plan.yamlio import ConfigError, Loc, Located, Problem, load_yaml, parse_model

UNITS_FILE = "units.yaml"
PLANS_DIR = "plans"
MAX_PLANS = 200


class UnitsFile(Strict):
    """``units.yaml``: the office's units and its default follow-up policy."""

    version: Literal[1]
    policy: Policy
    units: list[Unit] = Field(min_length=1)


class PlanPart(Strict):
    """``plans/<code>.yaml``: one plan; its units are the directory's, named by code."""

    version: Literal[1]
    plan: PlanMeta
    policy: Policy = Policy()  # laid over the office's default
    indicators: list[Indicator] = []
    task_groups: list[TaskGroup] = []
    sections: list[Section] = []
    duties: list[Duty] = Field(min_length=1)


@dataclass(frozen=True)
class _Both:
    """Problems of a plan checked with the directory: a path under ``units`` (or a missing default
    policy key) is in ``units.yaml``, everything else in the plan's file."""

    plan: Located
    units: Located

    def problem(self, loc: Loc, message: str) -> Problem:
        in_units = bool(loc) and (loc[0] == "units" or (tuple(loc) == ("policy",) and "thiếu" in message))
        message = message.replace("không có trong danh sách units", f"không có trong danh mục đơn vị ({UNITS_FILE})")
        return (self.units if in_units else self.plan).problem(loc, message)


def is_office(config_dir: Path) -> bool:
    """Whether the folder uses the office layout (``units.yaml`` and ``plans/``)."""
    return (config_dir / UNITS_FILE).exists()


def load_plans(config_dir: Path | str) -> dict[str, Plan]:
    """Every plan of the folder by code, checked against the units (ConfigError lists all problems)."""
    config_dir = Path(config_dir)
    if not is_office(config_dir):
        plan = load_plan(config_dir)
        return {plan.meta.code: plan}
    problems: list[Problem] = []
    if (config_dir / PLAN_FILE).exists():
        problems.append(Problem(config_dir / PLAN_FILE, 0, f"thư mục đã có {UNITS_FILE} (danh mục đơn vị dùng chung): "
                                f"chuyển kế hoạch này vào {PLANS_DIR}/<mã kế hoạch>.yaml và bỏ danh sách units trong đó"))
    units_doc, units = _parse(config_dir / UNITS_FILE, UnitsFile, problems)
    calendar_doc, calendar = _parse(config_dir / CALENDAR_FILE, CalendarFile, problems)
    if calendar is not None and calendar_doc is not None:
        problems += check_calendar(calendar, calendar_doc)
    parts = []
    for path in _plan_files(config_dir, problems):
        doc, part = _parse(path, PlanPart, problems)
        if doc is not None and part is not None:
            parts.append((doc, part))
    plans: dict[str, Plan] = {}
    office_calendar = _calendar(calendar) if calendar is not None else None  # one for every plan: its day cache too
    if units is not None and units_doc is not None:
        problems += _check_units_alone(units, units_doc)
        duties: dict[str, Located] = {}
        for doc, part in parts:
            source = PlanFile(version=1, plan=part.plan, policy=part.policy.over(units.policy),
                              indicators=part.indicators, task_groups=part.task_groups, sections=part.sections,
                              units=units.units, duties=part.duties)
            problems += [p for p in check_plan(source, _Both(doc, units_doc)) if p.file != units_doc.file]  # type: ignore[arg-type]
            problems += _check_names(doc, part, plans, duties)
            if office_calendar is not None:
                plans[part.plan.code] = Plan(source=placed(source), calendar=office_calendar, config_dir=config_dir)
    if not parts and not problems:
        problems.append(Problem(config_dir / PLANS_DIR, 0, f"chưa có kế hoạch nào trong {PLANS_DIR}/ "
                                "(mỗi kế hoạch một tệp <mã kế hoạch>.yaml)"))
    if problems:
        raise ConfigError(sorted(set(problems), key=lambda p: (str(p.file), p.line, p.message)))
    return plans


def _parse(path: Path, model, problems: list[Problem]):  # type: ignore[no-untyped-def]
    try:
        doc = load_yaml(path)
        return doc, parse_model(model, doc)
    except ConfigError as exc:
        problems.extend(exc.problems)
        return None, None


def _plan_files(config_dir: Path, problems: list[Problem]) -> list[Path]:
    folder = config_dir / PLANS_DIR
    if not folder.is_dir():
        problems.append(Problem(folder, 0, f"không có thư mục {PLANS_DIR}/ (mỗi kế hoạch một tệp <mã kế hoạch>.yaml)"))
        return []
    files = sorted(p for p in folder.iterdir() if p.suffix in (".yaml", ".yml"))
    if len(files) > MAX_PLANS:
        problems.append(Problem(folder, 0, f"quá nhiều tệp kế hoạch ({len(files)}; tối đa {MAX_PLANS})"))
        return files[:MAX_PLANS]
    return files


def _calendar(calendar: CalendarFile) -> WorkCalendar:
    return WorkCalendar(days_off={d.date: d.reason for d in calendar.days_off},
                        working_days={d.date: d.reason for d in calendar.working_days})


def _check_units_alone(units: UnitsFile, doc: Located) -> list[Problem]:
    """The directory's own problems (duplicates, groups, successors), reported once for all plans."""
    meta = PlanMeta.model_construct(coordinator=_NoRole(), leadership=_NoRole())
    alone = PlanFile.model_construct(plan=meta, policy=units.policy, indicators=[], task_groups=[],
                                     units=units.units, duties=[])
    numbered = [doc.problem(("units", i, "ref"), "số mục là của kế hoạch giao việc, không phải của đơn vị: bỏ 'ref' "
                            f"ở đây, ghi ở {PLANS_DIR}/<mã kế hoạch>.yaml, khóa sections "
                            f"(ví dụ '- {{ref: {unit.ref}, unit: {unit.code}}}')")
                for i, unit in enumerate(units.units) if unit.ref is not None]
    return check_plan(alone, doc) + numbered


class _NoRole:
    unit = None


def _check_names(doc: Located, part: PlanPart, plans: dict[str, Plan], duties: dict[str, Located]) -> list[Problem]:
    """A plan's file is named for its code; plan codes and duty codes are the office's, each used once."""
    problems = []
    code = part.plan.code
    if doc.file.stem != code:
        problems.append(doc.problem(("plan", "code"), f"tệp kế hoạch phải mang tên mã kế hoạch: đổi tên thành {code}.yaml "
                                    f"hoặc sửa mã thành '{doc.file.stem}'"))
    if code in plans:
        problems.append(doc.problem(("plan", "code"), f"mã kế hoạch '{code}' đã dùng ở tệp khác"))
    for i, duty in enumerate(part.duties):
        if duty.code in duties and duties[duty.code].file != doc.file:
            other = duties[duty.code]
            problems.append(doc.problem(("duties", i, "code"), f"mã nhiệm vụ '{duty.code}' đã dùng trong "
                                        f"{other.file.name}; mỗi nhiệm vụ một mã riêng trong toàn cơ quan"))
        duties.setdefault(duty.code, doc)
    return problems


def unit_codes(plans: Iterable[Plan]) -> set[str]:
    return {u.code for plan in plans for u in plan.source.units}


def load_one(config_dir: Path | str, code: str | None = None) -> Plan:
    """One plan of the folder, every plan checked: ``code``, or the first in file-name order (the
    seed plan of the shipped configuration). For scripts; a command picks with ``--plan``."""
    plans = load_plans(config_dir)
    return plans[code] if code is not None else next(iter(plans.values()))
