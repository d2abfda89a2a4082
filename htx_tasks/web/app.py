"""The FastAPI application: builds the web context (``web.deps``), error pages and headers, includes the routers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, StrictUndefined
from sqlalchemy import Engine

from htx_tasks import clock
from htx_tasks.links import Role, Signer
from htx_tasks.plan.loader import Plan
from htx_tasks.settings import Settings
from htx_tasks.store.db import bounded
from htx_tasks.web import coordinator, drafts, faults, login, registry, report, unit
from htx_tasks.web.deps import PageError, Web
from htx_tasks.web.guard import BodyLimit, RateLimit, SecurityHeaders
from htx_tasks.web.queries import when

FORM_OVERHEAD = 1024 * 1024  # room for the note and the form fields beside the files


def page_environment() -> Environment:
    env = Environment(loader=PackageLoader("htx_tasks.web", "templates"), autoescape=True,
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["when"] = when
    env.filters["size"] = lambda n: f"{n / 1048576:.1f} MB" if n >= 1048576 else f"{max(1, round(n / 1024))} kB"
    env.filters["day"] = lambda value: f"{value:%d/%m/%Y}" if value else ""
    return env


def create_app(engine: Engine, plan: Plan, signer: Signer, *, settings: Settings,
               now: Callable[[], dt.datetime] = clock.utcnow, plans: dict[str, Plan] | None = None) -> FastAPI:
    """The app on ``settings`` (evidence folder and size, rates per hour, the login's limits); its
    transactions give up waiting for a lock after ``settings.web_lock_wait`` seconds (a 503 page).
    ``plans``: every plan whose items the pages show, by code (default: ``plan`` alone)."""
    posts = {Role.UNIT: settings.unit_posts_per_hour, Role.COORDINATOR: settings.coordinator_posts_per_hour}
    web = Web(engine=bounded(engine, lock_wait=settings.web_lock_wait), plan=plan, signer=signer, settings=settings,
              now=now, pages=page_environment(), plans=dict(plans or {}),
              limits={role.value: RateLimit(per_hour, now) for role, per_hour in posts.items()})
    max_upload = web.max_upload
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    app.state.web = web
    faults.install(app, web)

    @app.exception_handler(PageError)
    async def _page_error(request: Request, exc: PageError) -> HTMLResponse:
        if exc.event is not None:
            await run_in_threadpool(web.record, request, exc.event)
        response = web.error_page(exc.status, exc.message, exc.title)
        if exc.retry_after:
            response.headers["retry-after"] = str(exc.retry_after)
        return response

    @app.exception_handler(404)
    async def _not_found(request: Request, exc) -> HTMLResponse:
        return web.error_page(404, "Không có trang này. Vui lòng mở liên kết trong thông báo.", "Không tìm thấy")

    @app.exception_handler(RequestValidationError)
    async def _bad_path(request: Request, exc) -> HTMLResponse:  # e.g. a non-numeric item number
        return web.error_page(404, "Không có trang này. Vui lòng mở liên kết trong thông báo.", "Không tìm thấy")

    @app.exception_handler(405)
    async def _not_allowed(request: Request, exc) -> HTMLResponse:
        return web.error_page(405, "Trang này không nhận thao tác đó.", "Không thực hiện được")

    @app.get("/", response_class=HTMLResponse)
    async def home() -> HTMLResponse:
        return web.render("home.html")

    @app.get("/healthz")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    app.include_router(unit.router(web))
    app.include_router(registry.router(web))
    app.include_router(coordinator.router(web))
    app.include_router(report.router(web))
    app.include_router(drafts.router(web))
    app.include_router(login.router(web))
    def render_limit(message: str) -> bytes:
        return bytes(web.error_page(413, message, "Tệp quá lớn").body)

    app.add_middleware(BodyLimit, limit=max_upload + FORM_OVERHEAD, render=render_limit)
    app.add_middleware(SecurityHeaders)
    return app
