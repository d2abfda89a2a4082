"""What every page's router depends on: the web context, link checks, CSRF, the audit, ``PageError``.

Routers import this module, never ``htx_tasks.web.app``: the app builds the context and
includes the routers.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from jinja2 import Environment
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from htx_tasks.links import Link, LinkError, Role, Signer
from htx_tasks.plan.loader import Plan
from htx_tasks.settings import Settings
from htx_tasks.store.answers import WebAudit
from htx_tasks.store.db import session_scope
from htx_tasks.store.models import Occurrence
from htx_tasks.web.guard import CSRF_COOKIE, RateLimit, new_csrf_cookie

log = logging.getLogger("htx_tasks.web.audit")


@dataclass(frozen=True)
class Event:
    """A security event for the web audit (a refused link, another unit's item, a bad form token, a
    limit, a failed login): who it claimed to be when known, never the link itself or a password."""

    action: str
    subject: str = "?"
    link_id: str = ""
    outcome: str = "refused"
    detail: str | None = None

    @classmethod
    def of(cls, link: Link, action: str, outcome: str = "refused", detail: str | None = None) -> Event:
        return cls(action, link.subject, link.link_id, outcome, detail)


class PageError(Exception):
    """Stop and show a Vietnamese page with this status; nothing has been written but ``event``."""

    def __init__(self, status: int, message: str, title: str = "Không thực hiện được", *,
                 event: Event | None = None, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.title = status, message, title
        self.event, self.retry_after = event, retry_after


@dataclass
class Web:
    engine: Engine
    plan: Plan
    signer: Signer
    settings: Settings
    now: Callable[[], dt.datetime]
    limits: dict[str, RateLimit]
    pages: Environment
    plans: dict[str, Plan] = field(default_factory=dict)  # every plan shown, by code; ``plan`` is the main one

    def __post_init__(self) -> None:
        if not self.plans:
            self.plans = {self.plan.meta.code: self.plan}

    def plan_of(self, code: str) -> Plan:
        """The plan an item belongs to, read under its own duties (the main plan for an unknown code)."""
        return self.plans.get(code, self.plan)

    def plan_for(self, session: Session, occurrence_id: int) -> Plan:
        """The plan of the item ``occurrence_id`` (the main plan when there is no such item: the service refuses)."""
        row = session.get(Occurrence, occurrence_id) if 0 < occurrence_id < 2**31 else None
        return self.plan_of(row.plan_code) if row is not None else self.plan

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
        office = f"{len(self.plans)} kế hoạch đang theo dõi" if len(self.plans) > 1 else self.plan.meta.label
        html = self.pages.get_template(name).render(plan=self.plan.meta, office=office, **context)
        return HTMLResponse(html, status_code=status)

    def error_page(self, status: int, message: str, title: str = "Không thực hiện được") -> HTMLResponse:
        return self.render("error.html", status=status, title=title, message=message)

    def verify(self, session: Session, token: str, role: Role) -> Link:
        try:
            link = self.signer.verify(session, token, self.now())
        except LinkError as exc:
            raise PageError(403, exc.message, "Liên kết không dùng được", event=Event(
                "link_refused", exc.subject or "?", exc.link_id or "", detail=exc.kind)) from None
        if link.role is not role:
            raise PageError(403, "Liên kết này không dùng cho trang này.", "Liên kết không dùng được",
                            event=Event.of(link, "link_refused", detail="wrong_page"))
        if role is Role.UNIT and link.subject not in self.plan.units:
            raise PageError(403, "Đơn vị của liên kết không còn trong kế hoạch.", "Liên kết không dùng được",
                            event=Event.of(link, "link_refused", detail="unit_gone"))
        return link

    def csrf_for(self, request: Request, link: Link) -> tuple[str, str | None]:
        """The form token for this page, and a new cookie to set when the browser has none."""
        cookie = request.cookies.get(CSRF_COOKIE)
        fresh = None
        if not cookie:
            cookie = fresh = new_csrf_cookie()
        return self.signer.csrf_token(link.link_id, cookie), fresh

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
            raise PageError(403, "Phiên làm việc không hợp lệ (thiếu hoặc sai mã chống giả mạo biểu mẫu). "
                                 "Vui lòng mở lại liên kết trong thông báo rồi gửi lại.", event=Event.of(link, "csrf"))
        if not self.limits[link.role.value].allow(link.subject):  # per unit: a second link gets no fresh quota
            raise PageError(429, "Đơn vị đã gửi quá nhiều lần trong một giờ. Vui lòng thử lại sau.", "Tạm dừng nhận",
                            event=Event.of(link, "rate_limited", "limited"), retry_after=600)

    def log(self, request: Request, subject: str, link_id: str, action: str, occurrence_id: int | None,
            outcome: str) -> None:
        log.warning("web %s %s subject=%s link=%s item=%s client=%s", action, outcome, subject, link_id,
                    occurrence_id, client_of(request))

    def record(self, request: Request, event: Event) -> None:
        """Write a security event in its own transaction; with the database down it is only logged."""
        self.log(request, event.subject, event.link_id, event.action, None, event.outcome)
        try:
            with session_scope(self.engine) as session:
                session.add(WebAudit(at=self.now(), subject=event.subject[:64], link_id=event.link_id[:32],
                                     client=client_of(request), action=event.action, outcome=event.outcome,
                                     detail=(event.detail or "")[:500] or None))
        except DBAPIError:
            log.exception("web audit line not written")

    def audit(self, session: Session, request: Request, link: Link, action: str, occurrence_id: int | None,
              outcome: str, detail: str | None = None) -> None:
        session.add(WebAudit(at=self.now(), subject=link.subject, link_id=link.link_id, client=client_of(request),
                             action=action, occurrence_id=occurrence_id, outcome=outcome,
                             detail=(detail or "")[:500] or None))
        self.log(request, link.subject, link.link_id, action, occurrence_id, outcome)

    def audit_refusal(self, request: Request, link: Link, action: str, occurrence_id: int | None,
                      reason: str) -> None:
        with session_scope(self.engine) as session:
            self.audit(session, request, link, action, occurrence_id, "refused", reason)


def client_of(request: Request) -> str:
    return (request.client.host if request.client else "?")[:64]
