"""Retry failed deliveries often, in working hours, without touching fresh notifications."""

from __future__ import annotations

from prefect import flow, runtime
from prefect.states import Completed, Failed, State

from flows.common import RUN_ERRORS, ended_badly, opened, run_time
from flows.tasks import deliver
from htx_tasks.core import zones

FLOW_NAME = "Gửi lại thông báo lỗi"


def _run_name() -> str:
    try:
        return f"Gửi lại — {zones.local(run_time(runtime.flow_run.parameters.get('now'))):%d/%m/%Y %H:%M}"
    except ValueError:  # an unreadable `now`: the run itself reports it
        return "Gửi lại"


@flow(name=FLOW_NAME, flow_run_name=_run_name,
      description="Gửi lại các thông báo chưa gửi được khi đã hết thời gian chờ thử lại.")
def retry_deliveries(now: str | None = None) -> State:
    """Gửi lại thông báo lỗi (các thông báo mới vẫn gửi theo lượt theo dõi đơn vị mỗi sáng).

    Args:
        now: Thời điểm tính (ISO 8601; không ghi múi giờ là giờ Việt Nam). Để trống: giờ chạy theo lịch.
    """
    try:
        at = run_time(now)
        with opened() as ctx:
            result = deliver(ctx, at, None, retries_only=True)  # indicator alerts among them
    except RUN_ERRORS as error:  # a bad `now`, a database that does not answer: Failed, in the CLI's words
        return ended_badly(error)
    message = (f"Gửi lại {result['sent']} mục; {result['retrying']} còn thử lại; "
               f"{result['failed']} thất bại (đã báo kênh dự phòng).")
    if result["failed"]:
        return Failed(name="Gửi thất bại", message=message)
    return Completed(name="Đã gửi lại" if result["sent"] else "Không có gì để gửi lại", message=message)
