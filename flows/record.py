"""The "Ghi nhận kết quả" form: record a report or a coordinator's decision, then refresh."""

from __future__ import annotations

import datetime as dt

from prefect import flow, get_run_logger, runtime
from prefect.states import Completed, Failed, State

from flows.board import coordinator_board
from flows.common import opened, run_time
from flows.units import follow_up_unit
from htx_tasks import followup
from htx_tasks.followup import COORDINATOR_CHOICE, Action
from htx_tasks.services import InvalidInput, Refused, via_form
from htx_tasks.store.db import session_scope

FLOW_NAME = "Ghi nhận kết quả"
# the form's words for its fields, used for its labels and for refusals naming a field
FORM_LABELS = {
    "occurrence": "Số nhiệm vụ",
    "actor": "Người ghi nhận",
    "action": "Việc cần ghi",
    "note": "Nội dung / lý do",
    "evidence": "Đường dẫn minh chứng",
    "new_deadline": "Hạn mới (khi gia hạn)",
    "now": "Thời điểm ghi nhận (để trống: lúc bấm chạy)",
}
FIELD_LABELS = {**FORM_LABELS, "to": FORM_LABELS["new_deadline"]}  # command field → form label


def _run_name() -> str:
    params = runtime.flow_run.parameters
    action = params.get("action")
    label = action.value if isinstance(action, Action) else str(action or "")
    return f"{label} — nhiệm vụ số {params.get('occurrence')} ({params.get('actor')})"


@flow(name=FLOW_NAME, flow_run_name=_run_name,
      description="Ghi nhận báo cáo của đơn vị hoặc quyết định của cơ quan thường trực.")
def record_result(
    occurrence: int,
    actor: str,
    action: Action = Action.SUBMIT,
    note: str = "",
    evidence: str | None = None,
    new_deadline: dt.date | None = None,
    now: str | None = None,
) -> State:
    """Ghi nhận kết quả thực hiện một nhiệm vụ, rồi cập nhật bảng theo dõi của đơn vị và bảng chung.

    Args:
        occurrence: Số nhiệm vụ: cột "Số" trong bảng theo dõi của đơn vị hoặc bảng theo dõi chung.
        actor: Người ghi nhận: mã đơn vị khi đơn vị báo cáo (ví dụ phuong-ba-ngoi), hoặc
            co-quan-thuong-truc khi cơ quan thường trực chấp nhận, trả lại, gia hạn, miễn thực hiện.
        action: Việc cần ghi: đơn vị báo cáo hoàn thành; cơ quan thường trực chấp nhận, trả lại, gia hạn
            hoặc miễn thực hiện.
        note: Nội dung báo cáo, nhận xét khi duyệt, hoặc lý do gia hạn, miễn thực hiện.
        evidence: Đường dẫn minh chứng (http:// hoặc https://), khi đơn vị báo cáo.
        new_deadline: Hạn mới, chỉ dùng khi gia hạn.
        now: Thời điểm ghi nhận (ISO 8601, giờ Việt Nam nếu không ghi múi giờ). Để trống: lúc bấm chạy.
    """
    logger = get_run_logger()
    at = run_time(now)
    with opened() as ctx:
        try:
            who = followup.form_actor(actor, via_form(runtime.flow_run.id))
            with session_scope(ctx.engine) as session:
                done = followup.record(session, ctx.plan, Action(action), occurrence, actor=who, note=note,
                                       evidence=evidence, new_deadline=new_deadline, now=at)
        except Refused as exc:
            reason = exc.render(FIELD_LABELS) if isinstance(exc, InvalidInput) else str(exc)
            logger.error("Không ghi nhận: %s", reason)
            return Failed(name="Không ghi nhận", message=f"Không ghi nhận: {reason}")
    logger.info(done.message)
    follow_up_unit(unit=done.section_unit, now=at.isoformat(), return_state=True)
    coordinator_board(now=at.isoformat(), return_state=True)
    return Completed(name="Đã ghi nhận", message=done.message)


__all__ = ["COORDINATOR_CHOICE", "FIELD_LABELS", "FORM_LABELS", "record_result"]
