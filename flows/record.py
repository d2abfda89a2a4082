"""The "Ghi nhận kết quả" form: record a report or a coordinator's decision, then refresh."""

from __future__ import annotations

import datetime as dt

from prefect import flow, get_run_logger, runtime
from prefect.states import Completed, Failed, State

from flows.board import coordinator_board
from flows.common import opened, run_time
from flows.units import follow_up_unit
from htx_tasks import followup
from htx_tasks.followup import Action
from htx_tasks.services import Refused
from htx_tasks.store.db import session_scope

FLOW_NAME = "Ghi nhận kết quả"


def _run_name() -> str:
    params = runtime.flow_run.parameters
    action = params.get("action")
    label = action.value if isinstance(action, Action) else str(action or "")
    return f"{label} — nhiệm vụ số {params.get('occurrence')} ({params.get('unit')})"


@flow(name=FLOW_NAME, flow_run_name=_run_name,
      description="Ghi nhận báo cáo của đơn vị hoặc quyết định của cơ quan thường trực.")
def record_result(
    occurrence: int,
    unit: str,
    action: Action = Action.SUBMIT,
    note: str = "",
    evidence: str | None = None,
    new_deadline: dt.date | None = None,
    now: str | None = None,
) -> State:
    """Ghi nhận kết quả thực hiện một nhiệm vụ, rồi cập nhật bảng theo dõi của đơn vị và bảng chung.

    Args:
        occurrence: Số nhiệm vụ: cột "Số" trong bảng theo dõi của đơn vị hoặc bảng theo dõi chung.
        unit: Mã đơn vị phụ trách nhiệm vụ (ví dụ phong-kinh-te, phuong-ba-ngoi). Đơn vị khác bị từ chối.
        action: Việc cần ghi: đơn vị báo cáo hoàn thành; cơ quan thường trực chấp nhận, trả lại, gia hạn
            hoặc miễn thực hiện.
        note: Nội dung báo cáo, nhận xét khi duyệt, hoặc lý do gia hạn, miễn thực hiện.
        evidence: Đường dẫn minh chứng (văn bản, báo cáo đã đăng), khi đơn vị báo cáo.
        new_deadline: Hạn mới, chỉ dùng khi gia hạn.
        now: Thời điểm ghi nhận (ISO 8601, giờ Việt Nam nếu không ghi múi giờ). Để trống: lúc bấm chạy.
    """
    logger = get_run_logger()
    at = run_time(now)
    with opened() as ctx:
        try:
            with session_scope(ctx.engine) as session:
                done = followup.record(session, ctx.plan, Action(action), occurrence, unit=unit, note=note,
                                       evidence=evidence, new_deadline=new_deadline, now=at)
        except Refused as exc:
            logger.error("Không ghi nhận: %s", exc)
            return Failed(name="Không ghi nhận", message=f"Không ghi nhận: {exc}")
    logger.info(done.message)
    follow_up_unit(unit=done.section_unit, now=at.isoformat(), return_state=True)
    coordinator_board(now=at.isoformat(), return_state=True)
    return Completed(name="Đã ghi nhận", message=done.message)
