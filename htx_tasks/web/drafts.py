"""The coordinator's review of a plan read from a file: each row beside the lines it came from.

``/c/{token}/ke-hoach/{code}`` shows the draft (duty, unit, deadline, flags) side by side with its
source (the phrase as written, file and line or sheet and row, what the readers understood). A
row's form fixes its unit (the office's directory, or a unit the draft proposes: choosing it
confirms it), sets its deadline (a phrase read by the deadline reader, or a date), marks it a
request or drops it; the activation form starts following the plan. Each form sends back the
draft's version the page showed; the services refuse a stale one (409) and audit every change.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from htx_tasks.core.statuses import PlanStatus
from htx_tasks.links import Link, Role
from htx_tasks.services import Refused
from htx_tasks.services.draftplan import activate_draft
from htx_tasks.services.drafts import DEADLINE_MAX, ActivateDraft, EditDraftRow, draft_view, edit_row
from htx_tasks.store.db import read_scope, session_scope
from htx_tasks.web import actions
from htx_tasks.web.deps import PageError, Web
from htx_tasks.web.forms import read_form

LABELS = {"unit": "Đơn vị chủ trì", "deadline": "Thời hạn", "row": "Số dòng", "plan": "Mã kế hoạch",
          "request": "Đề nghị", "dropped": "Bỏ dòng"}
DONE = {"row": "Đã lưu dòng đã sửa.", "activated": "Đã bắt đầu theo dõi kế hoạch: các nhiệm vụ được mở và thông báo "
        "giao việc được gửi từ lượt chạy kế tiếp."}
CHECKED = "on"  # what a ticked checkbox sends


def router(web: Web) -> APIRouter:
    api = APIRouter()

    def page(request: Request, token: str, code: str, *, status: int = 200, error: str | None = None,
             done: str | None = None) -> Response:
        with read_scope(web.engine) as session:
            link = web.verify(session, token, Role.COORDINATOR)
            view = draft_view(session, code[:64])
            if view is None:
                raise PageError(404, "Không có kế hoạch nháp này.", "Không tìm thấy")
            csrf, fresh = web.csrf_for(request, link)
            directory = sorted(((u.code, u.name) for u in web.plan.source.units), key=lambda u: u[1])
            names = dict(directory) | {u["code"]: u["name"] for u in view.proposed}
            response = web.render("draft.html", status=status, token=token, view=view, csrf=csrf, error=error,
                                  done=DONE.get(done or ""), directory=directory, names=names,
                                  deadline_max=DEADLINE_MAX, is_draft=view.row.status == PlanStatus.DRAFT)
        return web.with_cookie(response, fresh)

    @api.get("/c/{token}/ke-hoach/{code}", response_class=HTMLResponse)
    def draft_page(request: Request, token: str, code: str, done: str | None = None) -> Response:
        return page(request, token, code, done=done)

    @api.post("/c/{token}/ke-hoach/{code}/dong/{row_id}")
    async def edit(request: Request, token: str, code: str, row_id: int) -> Response:
        return await run_in_threadpool(edit_in_thread, request, token, code, row_id,
                                       await read_form(request, max_files=0, max_fields=10, max_part_size=4096))

    @api.post("/c/{token}/ke-hoach/{code}/kich-hoat")
    async def activate(request: Request, token: str, code: str) -> Response:
        return await run_in_threadpool(activate_in_thread, request, token, code,
                                       await read_form(request, max_files=0, max_fields=5, max_part_size=4096))

    def checked(request: Request, token: str, form) -> Link:
        with read_scope(web.engine) as session:
            link = web.verify(session, token, Role.COORDINATOR)
        web.guard_post(request, link, form)
        return link

    def refused_page(request: Request, token: str, code: str, link: Link, action: str,
                     exc: Refused | actions.InputError) -> Response:
        """Nothing was written: the refusal is audited and the page shows why (409 when somebody was first)."""
        refused = actions.refusal(exc, LABELS) if isinstance(exc, Refused) else exc
        web.audit_refusal(request, link, action, None, str(refused))
        return page(request, token, code, status=refused.status, error=str(refused))

    def edit_in_thread(request: Request, token: str, code: str, row_id: int, form) -> Response:
        link = checked(request, token, form)
        try:
            command = actions.parse(EditDraftRow, LABELS, plan=code, row=row_id, unit=form.get("unit"),
                                    deadline=form.get("deadline"), request=form.get("request") == CHECKED,
                                    dropped=form.get("dropped") == CHECKED, expected_version=form.get("version"))
            with session_scope(web.engine) as session:
                edit_row(session, web.plan, actions.actor_of(link), command, now=web.now())
                web.audit(session, request, link, "edit_draft_row", None, "done", f"{code} dòng {row_id}")
        except (Refused, actions.InputError) as exc:
            return refused_page(request, token, code, link, "edit_draft_row", exc)
        return RedirectResponse(f"/c/{token}/ke-hoach/{code}?done=row#r{row_id}", status_code=303)

    def activate_in_thread(request: Request, token: str, code: str, form) -> Response:
        link = checked(request, token, form)
        try:
            command = actions.parse(ActivateDraft, LABELS, plan=code, expected_version=form.get("version"))
            with session_scope(web.engine) as session:
                plan = activate_draft(session, web.plan, actions.actor_of(link), command, now=web.now())
                web.audit(session, request, link, "activate_plan", None, "done", code)
        except (Refused, actions.InputError) as exc:
            return refused_page(request, token, code, link, "activate_plan", exc)
        web.plans[plan.meta.code] = plan  # its items' pages read it from now on
        return RedirectResponse(f"/c/{token}/ke-hoach/{code}?done=activated", status_code=303)

    return api
