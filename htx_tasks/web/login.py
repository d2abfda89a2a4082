"""The coordinator's login page: a password whose hash comes from the settings gives a fresh link.

The password check and the link are the service's (``htx_tasks.services.login``): this page reads
the form, slows down guessing and writes the audit. ``HTX_COORDINATOR_PASSWORD_HASH`` holds
``pbkdf2_sha256$<iterations>$<salt hex>$<hash hex>`` (``htx-tasks links hash-password`` makes
one). Without it the page says to use the link printed
by ``make run`` or ``htx-tasks links show coordinator``. The board artifact links here, so no
credential is ever stored in Prefect.

A login gives a link that works for ``HTX_WEB_LOGIN_HOURS`` or until "Đăng xuất" ends it (other
coordinator links go on). Wrong passwords slow down further tries, counted for the account (so a
fresh X-Forwarded-For gains nothing) and for the address: after a few free tries each waits twice
as long, at most ``HTX_WEB_LOGIN_MAX_WAIT_SECONDS``; the right password is never locked out for
longer. The hash is checked in a worker thread, not on the event loop. Every failure and every
refusal is a web audit line.
"""

from __future__ import annotations

import math

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from htx_tasks.links import COORDINATOR_SUBJECT, LOGOUT, Role
from htx_tasks.services import login as service
from htx_tasks.services.login import WrongPassword, check_password, hash_password
from htx_tasks.store.db import read_scope, session_scope
from htx_tasks.web.deps import Event, PageError, Web, client_of
from htx_tasks.web.forms import read_form
from htx_tasks.web.guard import CSRF_COOKIE, Backoff, new_csrf_cookie

LOGIN_PATH = "/dang-nhap"
LOGIN_FORM_ID = "login"  # what the login form's CSRF token is bound to (there is no link yet)
DONE = {"logout": "Đã đăng xuất: liên kết của phiên làm việc vừa rồi không dùng được nữa."}


__all__ = ["LOGIN_PATH", "check_password", "hash_password", "router"]


def router(web: Web) -> APIRouter:
    api = APIRouter()
    tries = Backoff(web.settings.login_free_tries, web.settings.login_max_wait, web.now)

    def page(request: Request, status: int = 200, error: str | None = None, done: str | None = None) -> Response:
        cookie = request.cookies.get(CSRF_COOKIE)
        fresh = None
        if not cookie:
            cookie = fresh = new_csrf_cookie()
        csrf = web.signer.csrf_token(LOGIN_FORM_ID, cookie)
        response = web.render("login.html", status=status, csrf=csrf, error=error, done=DONE.get(done or ""),
                              configured=bool(web.settings.coordinator_password_hash))
        return web.with_cookie(response, fresh)

    @api.get(LOGIN_PATH, response_class=HTMLResponse)
    def login_page(request: Request, done: str | None = None) -> Response:
        return page(request, done=done)

    # the form is read on the event loop; the password check and the database run in a worker thread
    @api.post(LOGIN_PATH)
    async def login(request: Request) -> Response:
        form = await read_form(request, max_files=0, max_fields=5, max_part_size=4096)
        return await run_in_threadpool(log_in, request, form)

    @api.post("/c/{token}/dang-xuat")
    async def logout(request: Request, token: str) -> Response:
        """End this session: its link stops working at once; other coordinator links go on."""
        form = await read_form(request, max_files=0, max_fields=3)
        return await run_in_threadpool(log_out, request, token, form)

    def log_in(request: Request, form) -> Response:
        token = form.get("csrf")
        if not isinstance(token, str) or not web.signer.check_csrf(
                token, LOGIN_FORM_ID, request.cookies.get(CSRF_COOKIE, "")):
            raise PageError(403, "Phiên làm việc không hợp lệ (thiếu hoặc sai mã chống giả mạo biểu mẫu). "
                                 "Vui lòng tải lại trang đăng nhập.", event=Event("csrf", COORDINATOR_SUBJECT))
        # one account: its key limits guessing from any number of addresses; the address's key, one
        # address guessing; both only slow down (at most login_max_wait), never lock the password out
        keys = [f"account:{COORDINATOR_SUBJECT}", f"address:{client_of(request)}"]
        wait = tries.begin(keys)
        if wait > 0:
            seconds = math.ceil(wait)
            raise PageError(429, f"Đăng nhập sai nhiều lần liên tiếp. Vui lòng thử lại sau {seconds} giây.",
                            "Tạm dừng đăng nhập", retry_after=seconds,
                            event=Event("login_limited", COORDINATOR_SUBJECT, outcome="limited"))
        try:  # the hash is slow on purpose: checked here, in the worker thread, outside any transaction
            service.check(form.get("password"), web.settings.coordinator_password_hash)
        except WrongPassword as exc:
            tries.failed(keys)
            web.record(request, Event("login_failed", COORDINATOR_SUBJECT, outcome="failed"))
            return page(request, 403, str(exc))
        tries.succeeded(keys)
        with session_scope(web.engine) as session:
            issued = service.issue(session, web.signer, hours=web.settings.login_hours, now=web.now())
            web.audit(session, request, issued.link, "login", None, "done")
        return RedirectResponse(f"/c/{issued.token}", status_code=303)

    def log_out(request: Request, token: str, form) -> Response:
        with read_scope(web.engine) as session:
            link = web.verify(session, token, Role.COORDINATOR)
        web.guard_post(request, link, form)
        with session_scope(web.engine) as session:
            web.audit(session, request, link, LOGOUT, None, "done")
        return RedirectResponse(f"{LOGIN_PATH}?done=logout", status_code=303)

    return api
