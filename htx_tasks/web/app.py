"""The FastAPI application: context, page rendering, link checks and the audit of every action."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, Response
from jinja2 import Environment, PackageLoader, StrictUndefined
from sqlalchemy import Engine
from sqlmodel import Session

from htx_tasks import clock
from htx_tasks.plan.loader import Plan
from htx_tasks.settings import Settings
from htx_tasks.store.answers import WebAudit
from htx_tasks.store.db import session_scope
from htx_tasks.web.guard import CSRF_COOKIE, HEADERS, BodyLimit, RateLimit, new_csrf_cookie
from htx_tasks.web.links import Link, LinkError, Role, Signer
from htx_tasks.web.queries import when

log = logging.getLogger("htx_tasks.web.audit")
FORM_OVERHEAD = 1024 * 1024  # room for the note and the form fields beside the files


class PageError(Exception):
    """Stop and show a Vietnamese page with this status; nothing has been written."""

    def __init__(self, status: int, message: str, title: str = "Không thực hiện được") -> None:
        super().__init__(message)
        self.status, self.message, self.title = status, message, title


@dataclass
class Web:
    engine: Engine
    plan: Plan
    signer: Signer
    settings: Settings
    now: Callable[[], dt.datetime]
    limits: dict[str, RateLimit]
    pages: Environment

    @property
    def evidence_root(self) -> Path:
        return self.settings.evidence_dir

    @property
    def max_upload(self) -> int:
        return self.settings.evidence_max_bytes

    @property
    def secure_cookies(self) -> bool:
        """Cookies marked Secure when the public address is https."""
        return (self.settings.web_url or "").startswith("https://")

    def render(self, name: str, status: int = 200, **context) -> HTMLResponse:
        html = self.pages.get_template(name).render(plan=self.plan.meta, **context)
        return HTMLResponse(html, status_code=status)

    def error_page(self, status: int, message: str, title: str = "Không thực hiện được") -> HTMLResponse:
        return self.render("error.html", status=status, title=title, message=message)

    def verify(self, session: Session, token: str, role: Role) -> Link:
        try:
            link = self.signer.verify(session, token, self.now())
        except LinkError as exc:
            raise PageError(403, exc.message, "Liên kết không dùng được") from None
        if link.role is not role:
            raise PageError(403, "Liên kết này không dùng cho trang này.", "Liên kết không dùng được")
        if role is Role.UNIT and link.subject not in self.plan.units:
            raise PageError(403, "Đơn vị của liên kết không còn trong kế hoạch.", "Liên kết không dùng được")
        return link

    def csrf_for(self, request: Request, link: Link) -> tuple[str, str | None]:
        """The form token for this page, and a new cookie to set when the browser has none."""
        cookie = request.cookies.get(CSRF_COOKIE)
        fresh = None if cookie else new_csrf_cookie()
        return self.signer.csrf_token(link.link_id, cookie or fresh), fresh

    def with_cookie(self, response: Response, fresh: str | None) -> Response:
        if fresh:
            response.set_cookie(CSRF_COOKIE, fresh, httponly=True, samesite="lax", secure=self.secure_cookies,
                                path="/")
        return response

    def guard_post(self, request: Request, link: Link, form) -> None:
        """CSRF token and rate: checked before anything is read or written."""
        token = form.get("csrf") if form is not None else None
        if not isinstance(token, str) or not self.signer.check_csrf(
                token, link.link_id, request.cookies.get(CSRF_COOKIE, "")):
            self.log(request, link, "csrf", None, "forbidden")
            raise PageError(403, "Phiên làm việc không hợp lệ (thiếu hoặc sai mã chống giả mạo biểu mẫu). "
                                 "Vui lòng mở lại liên kết trong thông báo rồi gửi lại.")
        if not self.limits[link.role.value].allow(link.link_id):
            self.log(request, link, "rate", None, "limited")
            raise PageError(429, "Liên kết này đã gửi quá nhiều lần trong một giờ. Vui lòng thử lại sau.",
                            "Tạm dừng nhận")

    def log(self, request: Request, link: Link, action: str, occurrence_id: int | None, outcome: str) -> None:
        log.warning("web %s %s subject=%s link=%s item=%s client=%s", action, outcome, link.subject,
                    link.link_id, occurrence_id, client_of(request))

    def audit(self, session: Session, request: Request, link: Link, action: str, occurrence_id: int | None,
              outcome: str, detail: str | None = None) -> None:
        session.add(WebAudit(at=self.now(), subject=link.subject, link_id=link.link_id, client=client_of(request),
                             action=action, occurrence_id=occurrence_id, outcome=outcome,
                             detail=(detail or "")[:500] or None))
        self.log(request, link, action, occurrence_id, outcome)

    def audit_refusal(self, request: Request, link: Link, action: str, occurrence_id: int | None,
                      reason: str) -> None:
        with session_scope(self.engine) as session:
            self.audit(session, request, link, action, occurrence_id, "refused", reason)


def client_of(request: Request) -> str:
    return (request.client.host if request.client else "?")[:64]


def page_environment() -> Environment:
    env = Environment(loader=PackageLoader("htx_tasks.web", "templates"), autoescape=True,
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["when"] = when
    env.filters["size"] = lambda n: f"{n / 1048576:.1f} MB" if n >= 1048576 else f"{max(1, round(n / 1024))} kB"
    env.filters["day"] = lambda value: f"{value:%d/%m/%Y}" if value else ""
    return env


def create_app(engine: Engine, plan: Plan, signer: Signer, *, settings: Settings,
               now: Callable[[], dt.datetime] = clock.utcnow) -> FastAPI:
    """The app on ``settings`` (evidence folder and size, rates per hour, the login's password hash)."""
    from htx_tasks.web import coordinator, login, registry, unit

    posts = {Role.UNIT: settings.unit_posts_per_hour, Role.COORDINATOR: settings.coordinator_posts_per_hour}
    web = Web(engine=engine, plan=plan, signer=signer, settings=settings, now=now, pages=page_environment(),
              limits={role.value: RateLimit(per_hour, now) for role, per_hour in posts.items()})
    max_upload = web.max_upload
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    app.state.web = web

    @app.exception_handler(PageError)
    async def _page_error(request: Request, exc: PageError) -> HTMLResponse:
        return web.error_page(exc.status, exc.message, exc.title)

    @app.exception_handler(404)
    async def _not_found(request: Request, exc) -> HTMLResponse:
        return web.error_page(404, "Không có trang này. Vui lòng mở liên kết trong thông báo.", "Không tìm thấy")

    @app.exception_handler(RequestValidationError)
    async def _bad_path(request: Request, exc) -> HTMLResponse:  # e.g. a non-numeric item number
        return web.error_page(404, "Không có trang này. Vui lòng mở liên kết trong thông báo.", "Không tìm thấy")

    @app.exception_handler(405)
    async def _not_allowed(request: Request, exc) -> HTMLResponse:
        return web.error_page(405, "Trang này không nhận thao tác đó.", "Không thực hiện được")

    @app.middleware("http")
    async def _headers(request: Request, call_next):
        response = await call_next(request)
        for key, value in HEADERS.items():
            response.headers.setdefault(key, value)
        return response

    @app.get("/", response_class=HTMLResponse)
    async def home() -> HTMLResponse:
        return web.render("home.html")

    @app.get("/healthz")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    app.include_router(unit.router(web))
    app.include_router(registry.router(web))
    app.include_router(coordinator.router(web))
    app.include_router(login.router(web))
    def render_limit(message: str) -> bytes:
        return web.error_page(413, message, "Tệp quá lớn").body

    app.add_middleware(BodyLimit, limit=max_upload + FORM_OVERHEAD, render=render_limit)
    return app
