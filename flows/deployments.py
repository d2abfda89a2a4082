"""The deployments, generated from the configuration (every plan being followed): no code per unit.

One deployment per plan and Section III unit (the ward/commune group is one deployment for all its
members), tagged ``plan:<code>`` so the Prefect UI filters by plan; each plan's indicators and
report; the coordinator board (each plan's, and the office-wide one) and the "Ghi nhận kết quả"
form. ``runner_deployments`` gives
them to ``serve`` (``make run``); ``deploy_to_pool`` registers the same ones to a work pool.

Schedules: every unit is followed up at the start of the working day (the plan's ``work_start``,
07:30 by default), Monday to Saturday, in Asia/Ho_Chi_Minh. Saturday is included because the
government sometimes moves a working day onto a Saturday ("ngày làm bù"); on days off the run
finds nothing due, since the engine's Vietnamese calendar places every reminder and escalation
on a working-day morning. The board runs half an hour later, after the units.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from prefect import Flow
from prefect.deployments.runner import EntrypointType, RunnerDeployment
from prefect.schedules import Cron, Schedule
from prefect.utilities.annotations import freeze

from flows.board import coordinator_board
from flows.describe import (
    board_description,
    follow_up_time,
    indicators_description,
    record_description,
    report_description,
    unit_description,
)
from flows.indicators import indicators
from flows.record import COORDINATOR_CHOICE, FORM_LABELS, REGISTRY_FORM, confirm_registry_form, record_result
from flows.report import consolidated_report
from flows.retry import retry_deliveries
from flows.sync import resolved
from flows.units import follow_up_unit
from htx_tasks.core.zones import LOCAL_TZ
from htx_tasks.plan.loader import Plan
from htx_tasks.plan.schema import Unit

PROJECT_ROOT = Path(__file__).resolve().parents[1]
WEEKDAYS = "1-6"  # Monday–Saturday; the engine's calendar decides what is a working day
BOARD_DELAY = dt.timedelta(minutes=30)
BOARD_NAME = "Bảng theo dõi chung — cơ quan thường trực"
RECORD_NAME = "Ghi nhận kết quả"
RETRY_NAME = "Gửi lại thông báo lỗi"
INDICATORS_NAME = "Chỉ tiêu mục I.2 — hằng năm"
REPORT_NAME = "Báo cáo tổng hợp — 6 tháng, năm"
REPORT_FORM = {"period": "Kỳ báo cáo (2027-H1 hoặc 2027; để trống: theo tháng chạy)",
               "now": "Thời điểm tính (để trống: giờ chạy)", "plan": "Kế hoạch"}
INDICATORS_FORM = {"year": "Năm tính (để trống: năm hiện tại)", "now": "Thời điểm tính (để trống: giờ chạy)",
                   "plan": "Kế hoạch"}
RETRY_EVERY_MINUTES = 15
BASE_TAGS = ["htx-tasks"]

UNIT_FORM = {
    "unit": "Đơn vị",
    "plan": "Kế hoạch",
    "now": "Thời điểm tính (để trống: giờ chạy theo lịch)",
}
BOARD_FORM = {"now": "Thời điểm tính (để trống: giờ chạy theo lịch)", "plan": "Kế hoạch (để trống: mọi kế hoạch)"}
RECORD_FORM = FORM_LABELS


@dataclass
class Spec:
    """One deployment, independent of how it is run (served here, or from a work pool)."""

    flow: Flow
    module: str  # "flows.units" — where the flow function lives
    name: str
    description: str
    tags: list[str]
    parameters: dict[str, Any] = field(default_factory=dict)
    schedules: list[Schedule] = field(default_factory=list)
    form: dict[str, str] = field(default_factory=dict)  # parameter → label shown in the UI form
    choices: dict[str, list[str]] = field(default_factory=dict)  # parameter → allowed values

    @property
    def entrypoint(self) -> str:
        return f"{self.module.replace('.', '/')}.py:{self.flow.fn.__name__}"

    @property
    def full_name(self) -> str:
        return f"{self.flow.name}/{self.name}"


def unit_deployment_name(unit: Unit) -> str:
    """``III.1 — Phòng Kinh tế``: the plan's section and the unit (its short name, if it has one).

    The flow's name, shown under it in the UI, says what the deployment does ("Theo dõi đơn vị").
    """
    name = unit.short_name or unit.name
    return f"{unit.ref} — {name}" if unit.ref else name


def plan_tag(plan: Plan) -> str:
    """``plan:<code>``: the tag the Prefect UI filters a plan's deployments by."""
    return f"plan:{plan.meta.code}"


def followed_units(plan: Plan) -> list[Unit]:
    """The units the plan's duties name, in the directory's order (a group is one deployment for
    all its members)."""
    named = {duty.unit for duty in plan.source.duties}
    return [u for u in plan.source.units if u.code in named]


def section_of(plan: Plan, unit: Unit) -> str | None:
    """The unit's section in this plan: its ``ref`` when the plan's duties of it are numbered under it."""
    duties = [d.ref for d in plan.source.duties if d.unit == unit.code]
    return unit.ref if unit.ref and any(r == unit.ref or r.startswith(f"{unit.ref}.") for r in duties) else None


def _unit_name(plan: Plan, unit: Unit, several: bool) -> str:
    """The unit's deployment name; with several plans the plan's code after it (names are unique per flow;
    the UI's column shows a name's start; Prefect refuses a '/' in a name, which document numbers such as
    46-CTr/TU carry, so the code, not the label)."""
    if not several:
        return unit_deployment_name(unit)
    section = section_of(plan, unit)
    return (unit_deployment_name(unit) if section else unit.short_name or unit.name) + f" · {plan.meta.code}"


def _named(plan: Plan, name: str, several: bool) -> str:
    return f"{name} · {plan.meta.code}" if several else name


def specs(plans: Plan | Sequence[Plan]) -> list[Spec]:
    """Every deployment the plans call for: one per plan and unit its duties name, tagged
    ``plan:<code>``; each plan's indicators (when it has any) and consolidated report; and, for the
    office, the board (every plan's, and the office-wide one), the retries and the forms. With one
    plan the names and parameters are those of an office that follows one plan."""
    plans = [plans] if isinstance(plans, Plan) else list(plans)
    several = len(plans) > 1
    first = plans[0]
    start = max(follow_up_time(plan) for plan in plans)
    cron = Cron(f"{start.minute} {start.hour} * * {WEEKDAYS}", timezone=LOCAL_TZ)
    out = []
    for plan in plans:
        which = {"plan": freeze(plan.meta.code)} if several else {}
        out += [
            Spec(
                flow=follow_up_unit, module="flows.units", name=_unit_name(plan, unit, several),
                description=unit_description(plan, unit, start),
                tags=[*BASE_TAGS, plan_tag(plan), f"unit:{unit.code}", "theo-doi-don-vi",
                      *([f"muc-{section}"] if (section := section_of(plan, unit)) else [])],
                parameters={"unit": freeze(unit.code), **which},
                schedules=[cron],
                form=UNIT_FORM,
            )
            for unit in followed_units(plan)
        ]
    every_plan = [plan_tag(plan) for plan in plans]
    board_at = (dt.datetime.combine(dt.date(2000, 1, 3), start) + BOARD_DELAY).time()
    out.append(Spec(
        flow=coordinator_board, module="flows.board", name=BOARD_NAME,
        description=board_description(first, board_at, plans),
        tags=[*BASE_TAGS, *every_plan, "bang-theo-doi"],
        schedules=[Cron(f"{board_at.minute} {board_at.hour} * * {WEEKDAYS}", timezone=LOCAL_TZ)],
        form=BOARD_FORM,
    ))
    for plan in plans:  # each plan's targets (when it has any) and its consolidated report
        yearly = ((indicators, "flows.indicators", INDICATORS_NAME, indicators_description, "chi-tieu", "0 16 31 12 *",
                   INDICATORS_FORM, bool(plan.source.indicators) or not several),
                  (consolidated_report, "flows.report", REPORT_NAME, report_description, "bao-cao", "0 8 20 6,12 *",
                   REPORT_FORM, True))
        out += [Spec(flow=flow, module=module, name=_named(plan, name, several), description=describe(plan),
                     tags=[*BASE_TAGS, plan_tag(plan), tag], parameters={"plan": freeze(plan.meta.code)} if several else {},
                     schedules=[Cron(cron, timezone=LOCAL_TZ)], form=form)
                for flow, module, name, describe, tag, cron, form, wanted in yearly if wanted]
    end = first.source.policy.work_end or dt.time(17, 0)
    office = [*BASE_TAGS, *every_plan, "toan-co-quan"]
    out.append(Spec(
        flow=retry_deliveries, module="flows.retry", name=RETRY_NAME,
        description=(f"Mỗi {RETRY_EVERY_MINUTES} phút trong giờ làm việc: gửi lại các thông báo chưa gửi được "
                     "(mất kết nối, máy chủ lỗi) khi đã hết thời gian chờ thử lại; sau lần thử cuối, kênh dự "
                     "phòng của cơ quan thường trực được báo. Thông báo mới vẫn gửi một bản tin mỗi sáng."),
        tags=[*office, "gui-lai"],
        schedules=[Cron(f"*/{RETRY_EVERY_MINUTES} {start.hour}-{end.hour - 1} * * {WEEKDAYS}", timezone=LOCAL_TZ)],
        form=BOARD_FORM,
    ))
    leaves = [u.code for u in first.source.units if not u.members]  # the directory is the office's
    out.append(Spec(
        flow=record_result, module="flows.record", name=RECORD_NAME,
        description=record_description(first),
        tags=[*office, "ghi-nhan"],
        form=RECORD_FORM,
        choices={"actor": [COORDINATOR_CHOICE, *leaves]},
    ))
    keepers = [u for plan in plans for d in plan.source.duties if d.registry_upkeep is not None
               for u in plan.assignees(d)]
    out.append(Spec(
        flow=confirm_registry_form, module="flows.record", name="Xác nhận sổ theo dõi HTX thay đơn vị",
        description=("Cơ quan thường trực ghi nhận thay đơn vị (đơn vị báo qua điện thoại, văn bản) rằng danh sách "
                     "hợp tác xã đơn vị theo dõi không thay đổi trong kỳ (mục III.1.5, III.3, III.8.2). Đơn vị tự "
                     "xác nhận hoặc sửa thông tin trên trang Sổ theo dõi hợp tác xã của mình."),
        tags=[*office, "so-htx"],
        form=REGISTRY_FORM,
        choices={"unit": list(dict.fromkeys(keepers))},
    ))
    return out


def _label_form(deployment: RunnerDeployment, spec: Spec) -> RunnerDeployment:
    """Vietnamese labels and choices in the form the UI shows for a run with custom parameters."""
    properties = deployment._parameter_openapi_schema.properties
    for name, label in spec.form.items():
        if name in properties:
            properties[name]["title"] = label
    for name, values in spec.choices.items():
        if name in properties:
            properties[name]["enum"] = values
    for definition in deployment._parameter_openapi_schema.definitions.values():
        definition.pop("description", None)  # an enum class's docstring is for programmers
    return deployment


def runner_deployments(plan: Plan | Sequence[Plan]) -> list[RunnerDeployment]:
    """The deployments for ``serve``: the flows are imported from this project by module path."""
    return [
        _label_form(
            resolved(spec.flow.to_deployment(
                name=spec.name, description=spec.description, tags=spec.tags,
                parameters=dict(spec.parameters), schedules=spec.schedules,
                entrypoint_type=EntrypointType.MODULE_PATH,
            )),
            spec,
        )
        for spec in specs(plan)
    ]


def deploy_to_pool(plan: Plan | Sequence[Plan], pool: str, *, source: str | None = None, queue: str | None = None,
                   env: dict[str, str] | None = None) -> list[tuple[str, Any]]:
    """Register the same deployments to a work pool; a worker pulls the code from ``source``.

    ``source`` is a folder every worker can read at the same path (default: this project) or a
    git URL. ``env`` is added to each run's environment (for example HTX_DATABASE_URL).
    """
    from prefect import deploy

    source = source or str(PROJECT_ROOT)
    deployments = []
    loaded: dict[str, Flow] = {}  # each flow is loaded from the source once, not once per unit
    for spec in specs(plan):
        if spec.entrypoint not in loaded:
            loaded[spec.entrypoint] = resolved(spec.flow.from_source(source=source, entrypoint=spec.entrypoint))
        deployment = resolved(loaded[spec.entrypoint].to_deployment(
            name=spec.name, description=spec.description, tags=spec.tags,
            parameters=dict(spec.parameters), schedules=spec.schedules,
            work_pool_name=pool, work_queue_name=queue,
            job_variables={"env": dict(env)} if env else None,
        ))
        deployments.append(_label_form(deployment, spec))
    with contextlib.redirect_stdout(io.StringIO()):  # Prefect prints its own table; the CLI prints ours
        ids = resolved(deploy(*deployments, work_pool_name=pool, build=False, push=False,
                              print_next_steps_message=False, ignore_warnings=True))
    return [(f"{d.flow_name}/{d.name}", i) for d, i in zip(deployments, ids, strict=True)]
