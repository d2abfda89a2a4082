"""The "Ghi nhận kết quả" form: record a report or a coordinator's decision, then refresh.

Beside it, "Xác nhận sổ theo dõi HTX": the coordinator records that a unit confirmed its list of
cooperatives (by telephone, in writing) on the unit's behalf, through the same registry service
as the unit's own web page and the CLI; the board is refreshed afterwards.
"""

from __future__ import annotations

import datetime as dt

from prefect import flow, get_run_logger, runtime
from prefect.states import Completed, Failed, State

from flows.board import coordinator_board
from flows.common import RUN_ERRORS, ended_badly, opened, run_time
from flows.units import follow_up_unit
from htx_tasks.followup import COORDINATOR_CHOICE, Action
from htx_tasks.services import Actor, InvalidInput, Refused, form, via_form
from htx_tasks.services.plans import plan_of_item
from htx_tasks.services.registry import ConfirmRegistry, confirm_registry
from htx_tasks.store.db import session_scope

FLOW_NAME = "Ghi nhận kết quả"
# the form's words for its fields, used for its labels and for refusals naming a field
FORM_LABELS = {
    "occurrence": "Số nhiệm vụ",
    "actor": "Người ghi nhận",
    "person": "Họ tên người thao tác",
    "action": "Việc cần ghi",
    "note": "Nội dung / lý do",
    "results": "Kết quả đạt được (khi đơn vị báo cáo)",
    "difficulties": "Khó khăn, vướng mắc (khi đơn vị báo cáo)",
    "proposals": "Đề xuất, kiến nghị (khi đơn vị báo cáo)",
    "figures": "Số liệu kết quả (mã số liệu: giá trị)",
    "evidence": "Đường dẫn minh chứng",
    "new_deadline": "Hạn mới (khi gia hạn)",
    "version": "Phiên bản nhiệm vụ như đã xem (cột Phiên bản)",
    "now": "Thời điểm ghi nhận (để trống: lúc bấm chạy)",
}
FIELD_LABELS = {**FORM_LABELS, "to": FORM_LABELS["new_deadline"],  # command field → form label
                "expected_version": FORM_LABELS["version"]}
# an action without the version (the services require it of every one): where the form's user finds it
FORM_HINTS = {"expected_version": "cần phiên bản nhiệm vụ như đã xem (cột 'Phiên bản' trong bảng theo dõi của đơn vị), "
                                  "để không ghi đè quyết định của người khác"}


def _not_recorded(exc: Refused, labels: dict[str, str], hints: dict[str, str] | None = None) -> State:
    """What the services refused, in the form's words: Failed, one line in the log."""
    if isinstance(exc, InvalidInput):  # one figure is named by its key (services.reportform.FIGURE)
        labels = {**labels, **{e.field: f"Số liệu '{e.field.removeprefix('figure:')}'"
                               for e in exc.errors if e.field.startswith("figure:")}}
    reason = exc.render(labels, hints or FORM_HINTS) if isinstance(exc, InvalidInput) else str(exc)
    get_run_logger().error("Không ghi nhận: %s", reason)
    return Failed(name="Không ghi nhận", message=f"Không ghi nhận: {reason}")


def _run_name() -> str:
    params = runtime.flow_run.parameters
    action = params.get("action")
    label = action.value if isinstance(action, Action) else str(action or "")
    return f"{label} — nhiệm vụ số {params.get('occurrence')} ({params.get('actor')}, {params.get('person')})"


@flow(name=FLOW_NAME, flow_run_name=_run_name,
      description="Ghi nhận báo cáo của đơn vị hoặc quyết định của cơ quan thường trực.")
def record_result(
    occurrence: int,
    actor: str,
    person: str,
    action: Action = Action.SUBMIT,
    note: str = "",
    results: str = "",
    difficulties: str = "",
    proposals: str = "",
    figures: dict[str, float | str] | None = None,
    evidence: str | None = None,
    new_deadline: dt.date | None = None,
    version: int | None = None,
    now: str | None = None,
) -> State:
    """Ghi nhận kết quả thực hiện một nhiệm vụ, rồi cập nhật bảng theo dõi của đơn vị và bảng chung.

    Args:
        occurrence: Số nhiệm vụ: cột "Số" trong bảng theo dõi của đơn vị hoặc bảng theo dõi chung.
        actor: Người ghi nhận: mã đơn vị khi đơn vị báo cáo (ví dụ phuong-ba-ngoi), hoặc
            co-quan-thuong-truc khi cơ quan thường trực chấp nhận, trả lại, gia hạn, miễn thực hiện.
        person: Họ tên người thao tác (bắt buộc): nhật ký ghi tên này cùng số lượt chạy.
        action: Việc cần ghi: đơn vị báo cáo hoàn thành; cơ quan thường trực chấp nhận, trả lại, gia hạn
            hoặc miễn thực hiện.
        note: Nhận xét khi duyệt, hoặc lý do gia hạn, miễn thực hiện (khi đơn vị báo cáo: ghi kết quả ở ô
            kết quả đạt được; ô này chỉ thay cho ô đó khi ô đó để trống).
        results: Kết quả đạt được, khi đơn vị báo cáo.
        difficulties: Khó khăn, vướng mắc, khi đơn vị báo cáo (để trống nếu không có).
        proposals: Đề xuất, kiến nghị, khi đơn vị báo cáo (để trống nếu không có).
        figures: Số liệu kết quả nhiệm vụ nêu, dạng mã số liệu: giá trị, ví dụ {"htx-theo-doi": 12}
            (mã số liệu: htx-tasks show N).
        evidence: Đường dẫn minh chứng (http:// hoặc https://), khi đơn vị báo cáo.
        new_deadline: Hạn mới, chỉ dùng khi gia hạn.
        version: Phiên bản nhiệm vụ như đã xem (cột "Phiên bản" trong bảng theo dõi của đơn vị), bắt buộc với
            mọi việc: đơn vị báo cáo, cơ quan thường trực chấp nhận, trả lại, gia hạn, miễn thực hiện. Nếu nhiệm
            vụ đã thay đổi từ lúc xem, không ghi gì: "đã có người xử lý trước".
        now: Thời điểm ghi nhận (ISO 8601, giờ Việt Nam nếu không ghi múi giờ). Để trống: lúc bấm chạy.
    """
    try:
        at = run_time(now)
        with opened() as ctx:
            try:
                who = form.form_actor(actor, via_form(runtime.flow_run.id, person))
                everyone = ctx.office_plans()  # read before the write: SQLite holds one writer
                with session_scope(ctx.engine) as session:
                    parts = form.ReportParts(results=results, difficulties=difficulties, proposals=proposals,
                                             figures=figures)
                    own = plan_of_item(session, occurrence)  # an item number names one plan's item
                    plan = everyone.get(own or "") or ctx.plan_named(None)
                    done = form.record(session, plan, Action(action), occurrence, actor=who, note=note,
                                       evidence=evidence, new_deadline=new_deadline, expected_version=version,
                                       report=parts, now=at)
            except Refused as exc:
                return _not_recorded(exc, FIELD_LABELS)
    except RUN_ERRORS as error:  # a bad `now`, a database that does not answer: Failed, in the CLI's words
        return ended_badly(error)
    get_run_logger().info(done.message)
    which = {"plan": plan.meta.code} if len(ctx.config.plans) > 1 else {}
    follow_up_unit(unit=done.section_unit, now=at.isoformat(), return_state=True, **which)
    coordinator_board(now=at.isoformat(), return_state=True)
    return Completed(name="Đã ghi nhận", message=done.message)


REGISTRY_FLOW_NAME = "Xác nhận sổ theo dõi HTX"
REGISTRY_FORM = {
    "unit": "Đơn vị xác nhận danh sách hợp tác xã",
    "person": FORM_LABELS["person"],
    "seen": "Dấu danh sách như đã xem (cột 'Dấu danh sách' của mục Sổ HTX, bảng theo dõi chung)",
    "as_of": "Ngày đơn vị xác nhận (để trống: hôm nay)",
    "note": "Ghi chú (đơn vị xác nhận qua điện thoại, văn bản số…)",
    "now": FORM_LABELS["now"],
}


REGISTRY_HINTS = {"seen": "cần dấu danh sách như đã xem (cột 'Dấu danh sách' của mục Sổ HTX, bảng theo dõi chung), "
                          "để không xác nhận một danh sách đã đổi"}


def _registry_run_name() -> str:
    return f"Xác nhận sổ HTX — {runtime.flow_run.parameters.get('unit')}"


@flow(name=REGISTRY_FLOW_NAME, flow_run_name=_registry_run_name,
      description="Cơ quan thường trực ghi nhận thay đơn vị: danh sách hợp tác xã đơn vị theo dõi không thay đổi.")
def confirm_registry_form(unit: str, person: str, seen: str = "", as_of: dt.date | None = None, note: str = "",
                          now: str | None = None) -> State:
    """Ghi nhận đơn vị đã xác nhận danh sách hợp tác xã mình theo dõi không thay đổi, rồi cập nhật bảng chung.

    Args:
        unit: Mã đơn vị theo dõi hợp tác xã (Phòng Kinh tế, Phòng Quản lý đô thị, từng xã, phường).
        person: Họ tên người thao tác (bắt buộc): nhật ký ghi tên này cùng số lượt chạy.
        seen: Dấu danh sách như đã xem (bắt buộc): cột "Dấu danh sách" của mục Sổ HTX trong bảng theo dõi
            chung. Nếu danh sách đã đổi từ lúc xem, không ghi gì: "đã có người xử lý trước".
        as_of: Ngày đơn vị xác nhận; để trống: hôm nay.
        note: Ghi chú: đơn vị xác nhận bằng cách nào.
        now: Thời điểm ghi nhận (ISO 8601, giờ Việt Nam nếu không ghi múi giờ). Để trống: lúc bấm chạy.
    """
    try:
        at = run_time(now)
        with opened() as ctx:
            try:
                command = ConfirmRegistry.parse(unit=unit, as_of=as_of, note=note, seen=seen)
                with session_scope(ctx.engine) as session:
                    office = ctx.plan_named(None)  # the registry is the office's
                    row = confirm_registry(session, office,
                                           Actor.coordinator(via_form(runtime.flow_run.id, person)), command, now=at)
                    message = (f"{office.unit_name(row.unit_code)} xác nhận danh sách {row.organisations} tổ chức "
                               f"không thay đổi (tính đến {row.as_of:%d/%m/%Y}).")
            except Refused as exc:
                return _not_recorded(exc, REGISTRY_FORM, REGISTRY_HINTS)
    except RUN_ERRORS as error:  # a bad `now`, a database that does not answer: Failed, in the CLI's words
        return ended_badly(error)
    get_run_logger().info(message)
    coordinator_board(now=at.isoformat(), return_state=True)
    return Completed(name="Đã ghi nhận", message=message)


__all__ = ["COORDINATOR_CHOICE", "FIELD_LABELS", "FORM_LABELS", "REGISTRY_FORM", "confirm_registry_form",
           "record_result"]
