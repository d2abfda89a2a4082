"""Faults get a page: a database that does not answer, a lock that does not come, a full disk.

Each answers 503 with a Vietnamese page, the security headers and ``Retry-After``. Nothing was
written: the transaction rolled back and the files stored for it were removed. After a failed
post the page hands back what was typed in a form to send again (files must be chosen again).
Anything else unexpected gets a Vietnamese 500 page. The log line names the page's route (never
its path, which holds the link), the kind of fault and the masked database address, never SQL
or what was typed.
"""

from __future__ import annotations

import errno
import logging
from typing import TYPE_CHECKING

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import exc as sa
from starlette.exceptions import HTTPException

from htx_tasks.store.db import DatabaseUnavailable, describe_failure
from htx_tasks.web.forms import kept
from htx_tasks.web.guard import HEADERS

if TYPE_CHECKING:
    from htx_tasks.web.deps import Web

log = logging.getLogger("htx_tasks.web.faults")
DISK_FULL = {errno.ENOSPC, errno.EDQUOT}
LOCKED = ("database is locked", "lock timeout", "could not obtain lock", "database table is locked")
CAUSES = {  # kind → (title, what happened)
    "database": ("Hệ thống tạm thời gián đoạn", "Hệ thống tạm thời không làm việc được với cơ sở dữ liệu"),
    "busy": ("Hệ thống đang bận", "Hệ thống đang bận xử lý việc khác và đã chờ quá lâu"),
    "disk": ("Tạm thời không lưu được tệp", "Máy chủ đã hết chỗ lưu tệp minh chứng"),
}
UNEXPECTED = "Đã có lỗi ngoài dự kiến nên thao tác chưa thực hiện được. Vui lòng thử lại sau ít phút."
RETRY_AFTER = "60"


def kind_of(error: BaseException) -> str | None:
    """'database', 'busy' or 'disk' for a fault the person can only wait out; None for anything else."""
    if isinstance(error, OSError) and error.errno in DISK_FULL:
        return "disk"
    if isinstance(error, sa.IntegrityError):
        return None  # a broken rule, not a fault to wait out
    if isinstance(error, sa.DBAPIError | sa.TimeoutError | DatabaseUnavailable):
        text = str(getattr(error, "orig", None) or error).lower()
        if "disk is full" in text or "no space left" in text:
            return "disk"
        return "busy" if any(fragment in text for fragment in LOCKED) else "database"
    return None


def _route(request: Request) -> str:
    route = request.scope.get("route")
    return getattr(route, "path", "?")


def install(app: FastAPI, web: Web) -> None:
    """Register the fault pages on ``app``."""

    def page(request: Request, kind: str | None) -> HTMLResponse:
        if kind is None:
            response = web.error_page(500, UNEXPECTED, "Không thực hiện được")
        else:
            title, cause = CAUSES[kind]
            hidden, shown, files = kept(request) if request.method == "POST" else ([], [], False)
            if request.method == "POST":
                message = (f"{cause} nên chưa ghi nhận được thao tác này; chưa có gì được lưu."
                           + (" Nội dung đã nhập vẫn còn dưới đây: khi hệ thống hoạt động lại, bấm “Gửi lại”."
                              if shown or hidden else " Vui lòng gửi lại sau ít phút.")
                           + (" Tệp đính kèm cần chọn lại." if files else ""))
            else:
                message = f"{cause} nên chưa mở được trang này. Vui lòng tải lại trang sau ít phút."
            response = web.render("unavailable.html", status=503, title=title, message=message,
                                  action=request.url.path if (shown or hidden) else None,
                                  hidden=hidden, shown=shown, files=files)
            response.headers["retry-after"] = RETRY_AFTER
        for key, value in HEADERS.items():  # also when the error passes the headers middleware by
            response.headers.setdefault(key, value)
        return response

    async def fault(request: Request, error: Exception) -> HTMLResponse:
        kind = kind_of(error)
        if kind is None:
            log.error("web fault unexpected %s %s: %s", request.method, _route(request), type(error).__name__)
        else:
            why = (describe_failure(error, web.engine.url.render_as_string(hide_password=False))
                   if kind != "disk" or not isinstance(error, OSError) else "no space left under the evidence folder")
            log.error("web fault %s %s %s: %s", kind, request.method, _route(request), why)
        return page(request, kind)

    async def http_error(request: Request, error: Exception) -> HTMLResponse:
        status = getattr(error, "status_code", 400)
        response = web.error_page(status, "Không thực hiện được yêu cầu này. Vui lòng mở lại trang từ liên kết "
                                          "trong thông báo.")
        for key, value in HEADERS.items():
            response.headers.setdefault(key, value)
        return response

    for kind in (sa.DBAPIError, sa.TimeoutError, DatabaseUnavailable, OSError):
        app.add_exception_handler(kind, fault)
    app.add_exception_handler(HTTPException, http_error)
    app.add_exception_handler(Exception, fault)  # Starlette's outermost handler: then re-raised for the log
