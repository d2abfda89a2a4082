"""The coordinator's login: a password whose hash comes from the settings gives a fresh link.

``HTX_COORDINATOR_PASSWORD_HASH`` holds ``pbkdf2_sha256$<iterations>$<salt hex>$<hash hex>``
(``htx-tasks links hash-password`` makes one). Without it the page says to use the link printed
by ``make run`` or ``htx-tasks links show coordinator``. The board artifact links here, so no
credential is ever stored in Prefect.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from htx_tasks.store.db import session_scope
from htx_tasks.web.app import PageError, Web, client_of
from htx_tasks.web.guard import CSRF_COOKIE, RateLimit, new_csrf_cookie
from htx_tasks.web.links import COORDINATOR_SUBJECT, Role

ITERATIONS = 240_000
LOGIN_PATH = "/dang-nhap"
LOGIN_FORM_ID = "login"  # what the login form's CSRF token is bound to (there is no link yet)


def hash_password(password: str, iterations: int = ITERATIONS) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations)
    return f"pbkdf2_sha256${iterations}${salt.hex()}${digest.hex()}"


def check_password(password: str, stored: str) -> bool:
    try:
        scheme, iterations, salt, expected = stored.split("$")
        if scheme != "pbkdf2_sha256":
            return False
        digest = hashlib.pbkdf2_hmac("sha256", password.encode(), bytes.fromhex(salt), int(iterations))
    except ValueError:
        return False
    return hmac.compare_digest(digest.hex(), expected)


def router(web: Web) -> APIRouter:
    api = APIRouter()
    attempts = RateLimit(web.settings.logins_per_hour, web.now)

    def page(request: Request, status: int = 200, error: str | None = None) -> Response:
        cookie = request.cookies.get(CSRF_COOKIE)
        fresh = None if cookie else new_csrf_cookie()
        csrf = web.signer.csrf_token(LOGIN_FORM_ID, cookie or fresh)
        response = web.render("login.html", status=status, csrf=csrf, error=error,
                              configured=bool(web.settings.coordinator_password_hash))
        return web.with_cookie(response, fresh)

    @api.get(LOGIN_PATH, response_class=HTMLResponse)
    def login_page(request: Request) -> Response:
        return page(request)

    @api.post(LOGIN_PATH)
    async def login(request: Request) -> Response:
        form = await request.form(max_files=0, max_fields=5, max_part_size=4096)
        token = form.get("csrf")
        if not isinstance(token, str) or not web.signer.check_csrf(
                token, LOGIN_FORM_ID, request.cookies.get(CSRF_COOKIE, "")):
            raise PageError(403, "Phiên làm việc không hợp lệ (thiếu hoặc sai mã chống giả mạo biểu mẫu). "
                                 "Vui lòng tải lại trang đăng nhập.")
        if not attempts.allow(client_of(request)):
            raise PageError(429, "Đăng nhập sai quá nhiều lần trong một giờ. Vui lòng thử lại sau.", "Tạm dừng nhận")
        stored = web.settings.coordinator_password_hash or ""
        password = form.get("password")
        if not stored or not isinstance(password, str) or not check_password(password, stored):
            return page(request, 403, "Mật khẩu không đúng.")
        with session_scope(web.engine) as session:
            issued = web.signer.issue(session, Role.COORDINATOR, COORDINATOR_SUBJECT)
            link = web.signer.verify(session, issued, web.now())
            web.audit(session, request, link, "login", None, "done")
        return RedirectResponse(f"/c/{issued}", status_code=303)

    return api
