"""The coordinator's report page: the consolidated report's draft, edited before it is signed.

GET shows the period's draft (or offers to compile it); three POSTs change it, each with the
draft's ``version`` the page showed (``web.routes``): compile again (edits kept), save the
edits, export to Word and PDF. Each is audited, each refusal too.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response

from htx_tasks.links import Link, Role
from htx_tasks.reporting import draft as d
from htx_tasks.reporting.data import Period
from htx_tasks.reporting.service import file_stem, stored_parts
from htx_tasks.services import Refused
from htx_tasks.services.reporting import (
    CompileDraft,
    EditDraft,
    ExportDraft,
    compile_draft,
    edit_draft,
    export_draft,
    parse_period,
)
from htx_tasks.store.db import read_scope, session_scope
from htx_tasks.store.drafts import find_draft
from htx_tasks.web import actions
from htx_tasks.web.deps import PageError, Web
from htx_tasks.web.forms import read_form

LABELS = {
    "expected_version": "Phiên bản dự thảo",
    "texts": "Nội dung",
    "number": "Số văn bản",
    "place": "Địa danh",
    "signed_on": "Ngày ký (năm-tháng-ngày)",
    "recipients": "Nơi nhận",
    "filed_with": "Lưu (đơn vị soạn thảo)",
    "parent": "Cơ quan chủ quản",
    "period": "Kỳ báo cáo",
}
DONE = {
    "soan": "Đã tổng hợp dự thảo từ báo cáo của các đơn vị; các phần đã biên tập được giữ nguyên.",
    "sua": "Đã lưu dự thảo.",
    "xuat": "Đã xuất báo cáo (Word, PDF) để trình ký.",
}
KINDS = {"docx": "Word (.docx)", "pdf": "PDF"}
# bodies renamed or merged since the plan was issued: the page says so beside the recipients
RENAMED = {"Sở Kế hoạch và Đầu tư": "từ năm 2025 đã hợp nhất vào Sở Tài chính; vui lòng kiểm tra lại nơi nhận"}


def router(web: Web) -> APIRouter:
    api = APIRouter()

    def period_of(text: str) -> Period:
        try:
            return parse_period(text)
        except Refused:
            raise PageError(404, "Không có kỳ báo cáo này (ví dụ 2026-H1, 2026-H2 hoặc 2026).", "Không tìm thấy") from None

    def folder(period: Period) -> Path:
        return web.settings.var_dir / "bao-cao" / web.plan.meta.code / period.code

    def page(
        request: Request, token: str, period: Period, *, status: int = 200, error: str | None = None, done: str | None = None
    ) -> Response:
        with read_scope(web.engine) as session:
            link = web.verify(session, token, Role.COORDINATOR)
            draft = find_draft(session, web.plan.meta.code, period.code)
            parts = stored_parts(session, draft.id) if draft is not None and draft.id is not None else []
        csrf, fresh = web.csrf_for(request, link)
        sections = [(title, [m for m in parts if m.part.section == key]) for key, title in d.SECTIONS.items()]
        files = {kind: folder(period) / f"{file_stem(period)}.{kind}" for kind in KINDS}
        notes = [
            f"{name}: {why}"
            for name, why in RENAMED.items()
            if draft is not None and any(name in r for r in draft.recipient_list)
        ]
        response = web.render(
            "report.html",
            status=status,
            token=token,
            period=period,
            draft=draft,
            sections=sections,
            csrf=csrf,
            error=error,
            done=DONE.get(done or ""),
            files={k: p for k, p in files.items() if p.exists()},
            kinds=KINDS,
            notes=notes,
            hint=d.DIRECTIONS_HINT,
            directions=d.DIRECTIONS,
            attribution=d.attribution,
        )
        return web.with_cookie(response, fresh)

    @api.get("/c/{token}/bao-cao/{period}", response_class=HTMLResponse)
    def report_page(request: Request, token: str, period: str, done: str | None = None) -> Response:
        return page(request, token, period_of(period), done=done)

    @api.get("/c/{token}/bao-cao/{period}/tep/{kind}")
    def report_file(token: str, period: str, kind: str) -> Response:
        chosen = period_of(period)
        with read_scope(web.engine) as session:
            web.verify(session, token, Role.COORDINATOR)
        path = folder(chosen) / f"{file_stem(chosen)}.{kind}"
        if kind not in KINDS or not path.exists():
            raise PageError(404, "Chưa có tệp này: vui lòng xuất báo cáo trước.", "Không tìm thấy")
        return FileResponse(path, filename=path.name)

    def checked(request: Request, token: str, form) -> Link:
        with read_scope(web.engine) as session:
            link = web.verify(session, token, Role.COORDINATOR)
        web.guard_post(request, link, form)
        return link

    def act(request: Request, token: str, period: str, form, step: str) -> Response:
        chosen = period_of(period)
        link = checked(request, token, form)
        action = {"soan": "report_compile", "sua": "report_edit", "xuat": "report_export"}[step]
        try:
            seen = {"period": chosen.code, "expected_version": form.get("version")}
            with session_scope(web.engine) as session:
                actor, now = actions.actor_of(link), web.now()
                if step == "soan":
                    compile_draft(session, web.plan, actor, actions.parse(CompileDraft, LABELS, **seen), now=now)
                elif step == "sua":
                    command = actions.parse(EditDraft, LABELS, **seen, **edits(form))
                    edit_draft(session, web.plan, actor, command, now=now)
                else:
                    export_draft(
                        session,
                        web.plan,
                        actor,
                        actions.parse(ExportDraft, LABELS, **seen),
                        now=now,
                        out_dir=folder(chosen),
                        var_dir=web.settings.var_dir,
                    )
                web.audit(session, request, link, action, None, "done", chosen.code)
        except Refused as exc:
            error = actions.refusal(exc, LABELS)
            web.audit_refusal(request, link, action, None, str(error))
            return page(request, token, chosen, status=error.status, error=str(error))
        except actions.InputError as exc:
            web.audit_refusal(request, link, action, None, str(exc))
            return page(request, token, chosen, status=exc.status, error=str(exc))
        return RedirectResponse(f"/c/{token}/bao-cao/{chosen.code}?done={step}", status_code=303)

    async def posted(request: Request, token: str, period: str, step: str) -> Response:
        form = await read_form(request, max_files=0, max_fields=600)
        return await run_in_threadpool(act, request, token, period, form, step)

    @api.post("/c/{token}/bao-cao/{period}/soan")
    async def compile_report(request: Request, token: str, period: str) -> Response:
        return await posted(request, token, period, "soan")

    @api.post("/c/{token}/bao-cao/{period}/sua")
    async def edit_report(request: Request, token: str, period: str) -> Response:
        return await posted(request, token, period, "sua")

    @api.post("/c/{token}/bao-cao/{period}/xuat")
    async def export_report(request: Request, token: str, period: str) -> Response:
        return await posted(request, token, period, "xuat")

    return api


def edits(form) -> dict[str, object]:
    """The edit form's fields as the command takes them."""
    return {
        "texts": {k[2:]: v for k, v in form.multi_items() if k.startswith("t-") and isinstance(v, str)},
        "take": [v for v in form.getlist("take") if isinstance(v, str)],
        **{name: form.get(name) or "" for name in ("parent", "number", "place", "signed_on", "recipients", "filed_with")},
    }
