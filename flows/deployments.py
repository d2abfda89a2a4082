"""The deployments, generated from ``config/plan.yaml``: no code per unit.

One deployment per Section III unit (the ward/commune group is one deployment for all its
members), the coordinator board, and the "Ghi nhận kết quả" form. ``runner_deployments`` gives
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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from prefect import Flow
from prefect.deployments.runner import EntrypointType, RunnerDeployment
from prefect.schedules import Cron, Schedule
from prefect.utilities.annotations import freeze

from flows.board import coordinator_board
from flows.indicators import TABLE_KEY, indicators
from flows.record import COORDINATOR_CHOICE, FORM_LABELS, REGISTRY_FORM, confirm_registry_form, record_result
from flows.report import REPORT_KEY, consolidated_report
from flows.retry import retry_deliveries
from flows.sync import resolved
from flows.units import follow_up_unit
from htx_tasks.board import BOARD_KEY
from htx_tasks.core.recurrence import Every
from htx_tasks.core.zones import LOCAL_TZ
from htx_tasks.followup import Action, artifact_key, section_units
from htx_tasks.plan.loader import Plan
from htx_tasks.plan.schema import Duty, Unit

PROJECT_ROOT = Path(__file__).resolve().parents[1]
WEEKDAYS = "1-6"  # Monday–Saturday; the engine's calendar decides what is a working day
BOARD_DELAY = dt.timedelta(minutes=30)
BOARD_NAME = "Bảng theo dõi chung — cơ quan thường trực"
RECORD_NAME = "Ghi nhận kết quả"
RETRY_NAME = "Gửi lại thông báo lỗi"
INDICATORS_NAME = "Chỉ tiêu mục I.2 — hằng năm"
REPORT_NAME = "Báo cáo tổng hợp — 6 tháng, năm"
REPORT_FORM = {"period": "Kỳ báo cáo (2027-H1 hoặc 2027; để trống: theo tháng chạy)",
               "now": "Thời điểm tính (để trống: giờ chạy)"}
INDICATORS_FORM = {"year": "Năm tính (để trống: năm hiện tại)", "now": "Thời điểm tính (để trống: giờ chạy)"}
RETRY_EVERY_MINUTES = 15
BASE_TAGS = ["htx-tasks"]

UNIT_FORM = {
    "unit": "Đơn vị",
    "now": "Thời điểm tính (để trống: giờ chạy theo lịch)",
}
BOARD_FORM = {"now": "Thời điểm tính (để trống: giờ chạy theo lịch)"}
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
    return f"{unit.ref} — {unit.short_name or unit.name}"


def specs(plan: Plan) -> list[Spec]:
    """Every deployment the plan calls for: the Section III units, the board, the form."""
    start = follow_up_time(plan)
    out = [
        Spec(
            flow=follow_up_unit, module="flows.units", name=unit_deployment_name(unit),
            description=unit_description(plan, unit, start),
            tags=[*BASE_TAGS, plan.meta.code, "theo-doi-don-vi", f"muc-{unit.ref}"],
            parameters={"unit": freeze(unit.code)},
            schedules=[Cron(f"{start.minute} {start.hour} * * {WEEKDAYS}", timezone=LOCAL_TZ)],
            form=UNIT_FORM,
        )
        for unit in section_units(plan)
    ]
    board_at = (dt.datetime.combine(dt.date(2000, 1, 3), start) + BOARD_DELAY).time()
    out.append(Spec(
        flow=coordinator_board, module="flows.board", name=BOARD_NAME,
        description=board_description(plan, board_at),
        tags=[*BASE_TAGS, plan.meta.code, "bang-theo-doi"],
        schedules=[Cron(f"{board_at.minute} {board_at.hour} * * {WEEKDAYS}", timezone=LOCAL_TZ)],
        form=BOARD_FORM,
    ))
    out.append(Spec(
        flow=indicators, module="flows.indicators", name=INDICATORS_NAME,
        description=indicators_description(plan),
        tags=[*BASE_TAGS, plan.meta.code, "chi-tieu"],
        schedules=[Cron("0 16 31 12 *", timezone=LOCAL_TZ)],
        form=INDICATORS_FORM,
    ))
    out.append(Spec(
        flow=consolidated_report, module="flows.report", name=REPORT_NAME,
        description=report_description(plan),
        tags=[*BASE_TAGS, plan.meta.code, "bao-cao"],
        schedules=[Cron("0 8 20 6,12 *", timezone=LOCAL_TZ)],
        form=REPORT_FORM,
    ))
    end = plan.source.policy.work_end or dt.time(17, 0)
    out.append(Spec(
        flow=retry_deliveries, module="flows.retry", name=RETRY_NAME,
        description=(f"Mỗi {RETRY_EVERY_MINUTES} phút trong giờ làm việc: gửi lại các thông báo chưa gửi được "
                     "(mất kết nối, máy chủ lỗi) khi đã hết thời gian chờ thử lại; sau lần thử cuối, kênh dự "
                     "phòng của cơ quan thường trực được báo. Thông báo mới vẫn gửi một bản tin mỗi sáng."),
        tags=[*BASE_TAGS, plan.meta.code, "gui-lai"],
        schedules=[Cron(f"*/{RETRY_EVERY_MINUTES} {start.hour}-{end.hour - 1} * * {WEEKDAYS}", timezone=LOCAL_TZ)],
        form=BOARD_FORM,
    ))
    leaves = [u.code for u in plan.source.units if not u.members]
    out.append(Spec(
        flow=record_result, module="flows.record", name=RECORD_NAME,
        description=record_description(plan),
        tags=[*BASE_TAGS, plan.meta.code, "ghi-nhan"],
        form=RECORD_FORM,
        choices={"actor": [COORDINATOR_CHOICE, *leaves]},
    ))
    keepers = [u for d in plan.source.duties if d.registry_upkeep is not None for u in plan.assignees(d)]
    out.append(Spec(
        flow=confirm_registry_form, module="flows.record", name="Xác nhận sổ theo dõi HTX thay đơn vị",
        description=("Cơ quan thường trực ghi nhận thay đơn vị (đơn vị báo qua điện thoại, văn bản) rằng danh sách "
                     "hợp tác xã đơn vị theo dõi không thay đổi trong kỳ (mục III.1.5, III.3, III.8.2). Đơn vị tự "
                     "xác nhận hoặc sửa thông tin trên trang Sổ theo dõi hợp tác xã của mình."),
        tags=[*BASE_TAGS, plan.meta.code, "so-htx"],
        form=REGISTRY_FORM,
        choices={"unit": list(dict.fromkeys(keepers))},
    ))
    return out


def follow_up_time(plan: Plan) -> dt.time:
    """The latest working-day start any unit's policy names: every morning event is due by then."""
    times = [plan.source.policy.work_start or dt.time(7, 30)]
    for duty in plan.source.duties:
        for unit in plan.assignees(duty):
            times.append(plan.policy_for(duty.code, unit).work_start or times[0])
    return max(times)


def recurrence_text(duty: Duty) -> str:
    """``hằng quý, hạn ngày 20 tháng cuối quý``: when a duty falls due, in words."""
    rec = duty.recurrence
    day = "ngày cuối tháng" if rec.due_day == "last" else f"ngày {rec.due_day}"
    if rec.every is Every.MONTH:
        return f"hằng tháng, hạn {day}"
    if rec.every is Every.QUARTER:
        return f"hằng quý, hạn {day} tháng thứ {rec.due_month} của quý"
    if rec.every is Every.HALF_YEAR:
        return f"6 tháng một lần, hạn {day} tháng thứ {rec.due_month} của kỳ"
    if rec.every is Every.YEAR:
        return f"hằng năm, hạn {day} tháng {rec.due_month}"
    if rec.every is Every.ONCE:
        return f"một lần, hạn {rec.due_date:%d/%m/%Y}"
    kinds = rec.case_kinds or []
    days = sorted({k.working_days for k in kinds})
    return "theo từng hồ sơ, hạn " + "/".join(map(str, days)) + " ngày làm việc kể từ ngày nhận hồ sơ hợp lệ"


def _schedule_text(at: dt.time) -> str:
    return (f"{at:%H:%M} sáng từ Thứ Hai đến Thứ Bảy, giờ Việt Nam (Asia/Ho_Chi_Minh); ngày nghỉ lễ, "
            "ngày làm bù theo lịch làm việc của kế hoạch")


def unit_description(plan: Plan, unit: Unit, at: dt.time) -> str:
    duties = [d for d in plan.source.duties if d.unit == unit.code]
    lines = [
        f"**Mục {unit.ref} — {unit.name}**, {plan.meta.short_title} ({plan.meta.issuer}).",
        "",
        (f"Theo dõi, đôn đốc lúc {_schedule_text(at)}: mở kỳ mới, nhắc trước hạn, báo quá hạn và báo "
         "cấp trên theo chính sách của kế hoạch, gửi thông báo cho đơn vị, rồi công bố bảng theo dõi "
         f"(artifact `{artifact_key(unit.code)}`). Trạng thái của mỗi lượt chạy: **Đúng tiến độ**, "
         "**Sắp đến hạn** (còn trong 3 ngày làm việc) hoặc **Quá hạn**."),
        "",
        "Nhiệm vụ:",
    ]
    lines += [f"- {d.ref}: {' '.join(d.title.split())} — {recurrence_text(d)}." for d in duties]
    if unit.members:
        names = ", ".join(plan.unit_name(m).removeprefix("UBND ") for m in unit.members)
        lines += ["", f"Mỗi xã, phường có nhiệm vụ riêng ({len(unit.members)} đơn vị): {names}."]
    return "\n".join(lines)


def board_description(plan: Plan, at: dt.time) -> str:
    return "\n".join([
        f"**Bảng theo dõi chung** của {plan.meta.coordinator.title}, {plan.meta.short_title}.",
        "",
        (f"Lúc {_schedule_text(at)}, sau các lượt theo dõi đơn vị: gửi bản tin trong ngày cho cơ quan "
         f"thường trực và {plan.meta.leadership.title.lower()}, rồi công bố bảng (artifact `{BOARD_KEY}`): "
         "kết quả theo bốn nhóm của từng đơn vị, mọi nhiệm vụ quá hạn, việc đôn đốc trong ngày, tỷ lệ "
         "hoàn thành đúng hạn từ đầu năm."),
    ])


def indicators_description(plan: Plan) -> str:
    return "\n".join([
        f"**Chỉ tiêu mục I.2** của {plan.meta.short_title}, tính từ sổ theo dõi tổ chức kinh tế tập thể.",
        "",
        ("Hằng năm lúc 16:00 ngày 31/12 (giờ Việt Nam), và bất cứ lúc nào khi bấm **Run** với năm cần xem: "
         f"bảng giá trị, mục tiêu, mức cần đạt trong năm, chênh lệch và đánh giá (artifact `{TABLE_KEY}`), "
         f"một biểu đồ cho mỗi chỉ tiêu (artifact `bieu-do-<mã chỉ tiêu>`); chỉ tiêu chệch lộ trình được báo cho "
         f"{plan.meta.coordinator.title} và {plan.meta.leadership.title.lower()}, mỗi chỉ tiêu một lần trong năm."),
    ])


def report_description(plan: Plan) -> str:
    return "\n".join([
        f"**Báo cáo tổng hợp** kết quả thực hiện {plan.meta.short_title}, do {plan.meta.coordinator.title} lập.",
        "",
        ("08:00 ngày 20/6 (sơ kết 6 tháng) và 20/12 (tổng kết năm), giờ Việt Nam, hoặc khi bấm **Run** với kỳ "
         "cần lập: nhiệm vụ theo đơn vị trong bốn nhóm kết quả, nhiệm vụ quá hạn và lý do, chỉ tiêu mục I.2 "
         "kèm biểu đồ, mục tiêu định tính, khó khăn vướng mắc. Ghi ba tệp .md, .xlsx, .docx (thể thức Nghị "
         f"định 30/2020/NĐ-CP) vào `var/reports/<kỳ>/` và artifact `{REPORT_KEY}`."),
    ])


def record_description(plan: Plan) -> str:
    actions = "; ".join(a.value for a in Action)
    return "\n".join([
        "**Ghi nhận kết quả** thực hiện nhiệm vụ: bấm **Run** rồi điền biểu mẫu.",
        "",
        (f"Việc cần ghi: {actions}. Đơn vị báo cáo hoàn thành: kết quả đạt được, số liệu kết quả nhiệm vụ nêu "
         "(mã số liệu: giá trị; xem bằng htx-tasks show N), khó khăn, vướng mắc, đề xuất, kiến nghị, kèm đường dẫn "
         "minh chứng; "
         f"{plan.meta.coordinator.title} chấp nhận, trả lại, gia hạn hoặc miễn thực hiện. "
         "Số nhiệm vụ là cột **Số** trong bảng theo dõi. **Người ghi nhận** là đơn vị báo cáo, hoặc "
         f"{COORDINATOR_CHOICE} cho quyết định của cơ quan thường trực; đơn vị không phụ trách nhiệm vụ, "
         "hoặc đơn vị tự duyệt báo cáo của mình, bị từ chối. "
         "**Họ tên người thao tác** là bắt buộc: nhật ký ghi tên này cùng số lượt chạy."),
        "",
        ("**Phiên bản nhiệm vụ** là cột **Phiên bản** trong bảng theo dõi của đơn vị, bắt buộc khi "
         f"{plan.meta.coordinator.title} chấp nhận, trả lại, gia hạn hoặc miễn thực hiện. Nếu nhiệm vụ đã thay đổi "
         "từ lúc xem (người khác đã quyết định, lượt theo dõi buổi sáng đã chuyển trạng thái), không ghi gì và báo "
         "\"đã có người xử lý trước\": hãy xem lại bảng rồi điền phiên bản mới."),
        "",
        "Sau khi ghi nhận, bảng theo dõi của đơn vị và bảng theo dõi chung được cập nhật ngay.",
    ])


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


def runner_deployments(plan: Plan) -> list[RunnerDeployment]:
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


def deploy_to_pool(plan: Plan, pool: str, *, source: str | None = None, queue: str | None = None,
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
