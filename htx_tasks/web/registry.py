"""The unit's registry page ("Sổ HTX"): its organisations as of today, confirm the list, edit one.

Reached from the unit page and the reminders of the monitoring duties (III.1.5, III.3, III.8.2)
with the unit's signed link. Every post carries the CSRF token; the confirmation sends back the
list the page showed and an edit the version it showed, so a page gone stale cannot overwrite
somebody else's update ("đã có người xử lý trước"). Refusals show a 4xx page naming the field and
write nothing but the web audit line of the refusal.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import Session
from starlette.datastructures import FormData

from htx_tasks.core.coops import FIELDS, Labelled, Rating, Sector, Status
from htx_tasks.core.zones import local_date
from htx_tasks.links import Link, Role
from htx_tasks.registry.models import CoopVersion
from htx_tasks.registry.staleness import Freshness
from htx_tasks.registry.standing import fingerprint, followed_rows, merged_notice, unit_upkeep
from htx_tasks.services import Refused
from htx_tasks.services.registry import EDITABLE, ConfirmRegistry, EditCoop, confirm_registry, edit_coop
from htx_tasks.store.db import read_scope, session_scope
from htx_tasks.web import actions
from htx_tasks.web.deps import Event, PageError, Web
from htx_tasks.web.forms import read_form

PATH = "so-htx"
LABELS = {f.name: f.header for f in FIELDS} | {"seen": "Danh sách đã xem", "values": "Thông tin",
                                               "expected_version": "Phiên bản đã xem"}
DONE = {"confirm": "Đã ghi nhận: danh sách hợp tác xã của đơn vị không thay đổi trong kỳ này. Cảm ơn đơn vị.",
        "edit": "Đã cập nhật thông tin tổ chức; sổ theo dõi lưu phiên bản mới từ ngày hiệu lực."}
NOT_FOLLOWED = "Tổ chức này không thuộc danh sách hợp tác xã đơn vị theo dõi."
FRESHNESS_CLASS = {Freshness.CURRENT: "ok", Freshness.DUE: "due_soon", Freshness.STALE: "overdue"}


@dataclass(frozen=True)
class CoopView:
    """One organisation as the page shows it (labels, not codes)."""

    code: str
    name: str
    place: str
    sector: str
    status: str
    since: dt.date
    members: int | None
    capital: int | None
    rating: str
    tech: str
    ecommerce: str
    brand: str
    synthetic: bool
    version: int


def label(kind: type[Labelled], code: str) -> str:
    return next((m.label for m in kind if m.value == code), code)


def coop_view(web: Web, row: CoopVersion) -> CoopView:
    rating = f"{label(Rating, row.rating)} (năm {row.rating_year})" if row.rating else "Chưa xếp loại"
    ecommerce = (f"{row.ecommerce_products or 0}/{row.key_product_count} sản phẩm chủ lực"
                 if row.key_product_count else "—")
    return CoopView(code=row.code, name=row.name, place=web.plan.unit_name(row.ward).removeprefix("UBND "),
                    sector=label(Sector, row.sector), status=label(Status, row.status),
                    since=row.valid_from, members=row.members, capital=row.charter_capital, rating=rating,
                    tech=(row.tech_note or "Có") if row.tech else "Chưa", ecommerce=ecommerce, brand=row.brand or "—",
                    synthetic=row.synthetic, version=row.id or 0)


def form_of(row: CoopVersion) -> dict[str, str]:
    """The edit form's fields as the person would type them."""
    out = {name: "" if getattr(row, name) is None else str(getattr(row, name)) for name in EDITABLE}
    out["tech"] = "Có" if row.tech else ""
    return out


def text_of(form: FormData, name: str) -> str:
    value = form.get(name)
    return value[:600] if isinstance(value, str) else ""


def typed_form(form: FormData) -> dict[str, str]:
    """The fields the visitor sent, as typed: an edit changes only these (a field not sent is kept).

    The page sends every field; ``tech`` comes as a hidden "Không" followed by the checkbox's "Có".
    """
    values = {name: text_of(form, name) for name in EDITABLE if name in form and name != "tech"}
    if "tech" in form:
        values["tech"] = "Có" if "Có" in form.getlist("tech") else "Không"
    return values


def router(web: Web) -> APIRouter:
    api = APIRouter()

    def unit_of(session: Session, token: str, action: str | None = None) -> tuple[Link, list]:
        """The link's unit and its upkeep lines; a merged unit is sent to its successor (audited on a post)."""
        link = web.verify(session, token, Role.UNIT)
        today = local_date(web.now())
        if notice := merged_notice(web.plan, link.subject, today):
            raise PageError(403, actions.sentence(notice), "Đơn vị đã chuyển nhiệm vụ",
                            event=Event.of(link, action, detail=notice) if action else None)
        lines = unit_upkeep(session, web.plan, link.subject, today)
        if not lines:
            raise PageError(404, "Đơn vị không có nhiệm vụ theo dõi hợp tác xã trong kế hoạch.", "Không tìm thấy")
        return link, lines

    def own_row(session: Session, link: Link, code: str) -> CoopVersion:
        rows = followed_rows(session, web.plan, link.subject, local_date(web.now()))
        found = next((r for r in rows if r.code == code), None)
        if found is None:
            raise PageError(403, NOT_FOLLOWED, "Không có quyền", event=Event.of(link, "cross_unit", detail=code[:64]))
        return found

    def list_page(request: Request, token: str, *, status: int = 200, error: str | None = None,
                  done: str | None = None) -> Response:
        with read_scope(web.engine) as session:
            link, lines = unit_of(session, token)
            rows = followed_rows(session, web.plan, link.subject, local_date(web.now()))
            csrf, fresh = web.csrf_for(request, link)
            response = web.render(
                "registry.html", status=status, token=token, unit_name=web.plan.unit_name(link.subject),
                lines=lines, coops=[coop_view(web, r) for r in rows], seen=fingerprint(rows), csrf=csrf,
                error=error, done=DONE.get(done or ""), classes=FRESHNESS_CLASS, path=PATH)
        return web.with_cookie(response, fresh)

    def edit_page(request: Request, token: str, code: str, *, status: int = 200, error: str | None = None,
                  form: dict[str, str] | None = None, valid_from: str | None = None) -> Response:
        with read_scope(web.engine) as session:
            link, _ = unit_of(session, token)
            row = own_row(session, link, code)
            csrf, fresh = web.csrf_for(request, link)
            today = local_date(web.now())
            response = web.render(
                "registry_edit.html", status=status, token=token, unit_name=web.plan.unit_name(link.subject),
                coop=coop_view(web, row), form={**form_of(row), **(form or {})}, csrf=csrf, error=error, path=PATH,
                statuses=list(Status), ratings=list(Rating), labels=LABELS, today=today.isoformat(),
                min_date=row.valid_from.isoformat(), valid_from=valid_from or today.isoformat())
        return web.with_cookie(response, fresh)

    @api.get(f"/u/{{token}}/{PATH}", response_class=HTMLResponse)
    def registry(request: Request, token: str, done: str | None = None) -> Response:
        return list_page(request, token, done=done)

    @api.get(f"/u/{{token}}/{PATH}/{{code}}", response_class=HTMLResponse)
    def coop(request: Request, token: str, code: str) -> Response:
        return edit_page(request, token, code)

    # the form is read on the event loop, the rest runs in a worker thread (see unit.py)
    @api.post(f"/u/{{token}}/{PATH}/xac-nhan")
    async def confirm(request: Request, token: str) -> Response:
        form = await read_form(request, max_files=0, max_fields=30, max_part_size=16 * 1024)
        return await run_in_threadpool(confirm_in_thread, request, token, form)

    @api.post(f"/u/{{token}}/{PATH}/{{code}}")
    async def edit(request: Request, token: str, code: str) -> Response:
        form = await read_form(request, max_files=0, max_fields=30, max_part_size=16 * 1024)
        return await run_in_threadpool(edit_in_thread, request, token, code, form)

    def checked(request: Request, token: str, action: str, form: FormData) -> Link:
        with read_scope(web.engine) as session:
            link, _ = unit_of(session, token, action)
        web.guard_post(request, link, form)
        return link

    def confirm_in_thread(request: Request, token: str, form: FormData) -> Response:
        link = checked(request, token, "registry_confirm", form)
        try:
            command = actions.parse(ConfirmRegistry, LABELS, unit=link.subject, seen=form.get("seen"))
            with session_scope(web.engine) as session:
                row = confirm_registry(session, web.plan, actions.actor_of(link), command, now=web.now())
                web.audit(session, request, link, "registry_confirm", row.occurrence_id, "done",
                          f"{row.organisations} tổ chức")
        except (actions.InputError, Refused) as exc:
            error = exc if isinstance(exc, actions.InputError) else actions.refusal(exc, LABELS)
            web.audit_refusal(request, link, "registry_confirm", None, str(error))
            return list_page(request, token, status=error.status, error=str(error))
        return RedirectResponse(f"/u/{token}/{PATH}?done=confirm", status_code=303)

    def edit_in_thread(request: Request, token: str, code: str, form: FormData) -> Response:
        link = checked(request, token, "registry_edit", form)
        with read_scope(web.engine) as session:
            own_row(session, link, code)
        typed = typed_form(form)
        valid_from = text_of(form, "valid_from")
        try:
            command = actions.parse(EditCoop, LABELS, unit=link.subject, code=code, valid_from=valid_from,
                                    values=typed, expected_version=form.get("version"))
            with session_scope(web.engine) as session:
                done = edit_coop(session, web.plan, actions.actor_of(link), command, now=web.now())
                web.audit(session, request, link, "registry_edit", done.update.occurrence_id, "done",
                          f"{code}: {', '.join(done.changed)}")
        except (actions.InputError, Refused) as exc:
            error = exc if isinstance(exc, actions.InputError) else actions.refusal(exc, LABELS)
            web.audit_refusal(request, link, "registry_edit", None, f"{code}: {error}")
            return edit_page(request, token, code, status=error.status, error=str(error), form=typed,
                             valid_from=valid_from)
        return RedirectResponse(f"/u/{token}/{PATH}?done=edit", status_code=303)

    return api
