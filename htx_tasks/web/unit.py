"""The unit's pages: its obligations, one item with its history, report, request more time."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from sqlmodel import Session
from starlette.datastructures import UploadFile

from htx_tasks.core import wording
from htx_tasks.core.acknowledgement import HORIZON_DAYS as ACK_HORIZON_DAYS
from htx_tasks.core.zones import local_date
from htx_tasks.links import Link, Role
from htx_tasks.plan.loader import Plan
from htx_tasks.readings import is_request
from htx_tasks.registry.standing import unit_upkeep
from htx_tasks.services import SubmitReport
from htx_tasks.services.acknowledgements import Acknowledge
from htx_tasks.services.extensions import RequestExtension
from htx_tasks.services.reportform import FIGURE
from htx_tasks.store.db import read_scope
from htx_tasks.store.models import Occurrence, Submission
from htx_tasks.web import actions, evidence
from htx_tasks.web.deps import Event, PageError, Web
from htx_tasks.web.forms import read_form
from htx_tasks.web.queries import history, item_view, unit_items
from htx_tasks.web.registry import FRESHNESS_CLASS


def done_text(words: wording.UnitWords, done: str | None) -> str | None:
    """The line shown after an action, in the unit's register."""
    return {"report": words.done_report, "extension": words.done_extension, "ack": words.done_ack}.get(done or "")


def own_item(web: Web, session: Session, link: Link, occurrence_id: int) -> Occurrence:
    row = session.get(Occurrence, occurrence_id) if 0 < occurrence_id < 2**31 else None
    if row is None or row.unit_code != link.subject:
        raise PageError(403, "Nhiệm vụ này không thuộc đơn vị của liên kết.", "Không có quyền",
                        event=Event.of(link, "cross_unit", detail=f"nhiệm vụ {occurrence_id}"))
    return row


def router(web: Web) -> APIRouter:
    api = APIRouter()

    def item_page(request: Request, token: str, occurrence_id: int, *, status: int = 200,
                  error: str | None = None, form: dict | None = None, done: str | None = None) -> Response:
        with read_scope(web.engine) as session:
            link = web.verify(session, token, Role.UNIT)
            row = own_item(web, session, link, occurrence_id)
            plan = web.plan_of(row.plan_code)  # the item read under its own plan's duties
            view = item_view(session, plan, row, web.now())
            view.plan_title = plan.meta.short_title if len(web.plans) > 1 else ""
            lines = history(session, plan, occurrence_id)
            csrf, fresh = web.csrf_for(request, link)
            response = web.render(
                "item.html", status=status, token=token, item=view, history=lines, csrf=csrf, error=error,
                form={"results": "", "difficulties": "", "proposals": "", "figures": {}, "evidence_url": "",
                      "reason": "", "proposed": "", "expected": "", "progress": "", **(form or {})},
                done=done_text(view.words, done), unit_name=web.plan.unit_name(link.subject),
                max_mb=web.max_upload / 1048576, allowed=evidence.ALLOWED_TEXT,
                min_date=(view.deadline_date + dt.timedelta(days=1)).isoformat(),
                ack_min=(local_date(web.now()) + dt.timedelta(days=1)).isoformat(),
                ack_max=(local_date(web.now()) + dt.timedelta(days=ACK_HORIZON_DAYS)).isoformat())
        return web.with_cookie(response, fresh)

    @api.get("/u/{token}", response_class=HTMLResponse)
    def unit_page(request: Request, token: str) -> Response:
        with read_scope(web.engine) as session:
            link = web.verify(session, token, Role.UNIT)
            groups = unit_items(session, web.plans, link.subject, web.now())
            registry = unit_upkeep(session, web.plan, link.subject, local_date(web.now()))
            _, fresh = web.csrf_for(request, link)  # the cookie the item pages' forms will need
        response = web.render("unit.html", token=token, groups=groups, unit_name=web.plan.unit_name(link.subject),
                              registry=registry, classes=FRESHNESS_CLASS,
                              words=wording.unit_words(request=is_request(web.plan, link.subject)))
        return web.with_cookie(response, fresh)

    @api.get("/u/{token}/o/{occurrence_id}", response_class=HTMLResponse)
    def item(request: Request, token: str, occurrence_id: int, done: str | None = None) -> Response:
        return item_page(request, token, occurrence_id, done=done)

    # a post reads its form on the event loop, then does the rest (database, files, page) in a worker
    # thread: a write waiting for a lock never stalls the other pages
    @api.post("/u/{token}/o/{occurrence_id}/report")
    async def report(request: Request, token: str, occurrence_id: int) -> Response:
        form = await read_form(request, max_files=5, max_fields=20)  # first: what was typed is kept on a fault
        return await run_in_threadpool(submit, request, token, occurrence_id, form)

    @api.post("/u/{token}/o/{occurrence_id}/extension")
    async def extension(request: Request, token: str, occurrence_id: int) -> Response:
        form = await read_form(request, max_files=5, max_fields=20)
        return await run_in_threadpool(ask, request, token, occurrence_id, form)

    @api.post("/u/{token}/o/{occurrence_id}/ack")
    async def ack(request: Request, token: str, occurrence_id: int) -> Response:
        form = await read_form(request, max_files=0, max_fields=20)
        return await run_in_threadpool(acknowledge, request, token, occurrence_id, form)

    def checked(request: Request, token: str, occurrence_id: int, form) -> tuple[Link, Occurrence]:
        with read_scope(web.engine) as session:
            link = web.verify(session, token, Role.UNIT)
            row = own_item(web, session, link, occurrence_id)
        web.guard_post(request, link, form)
        return link, row

    def submit(request: Request, token: str, occurrence_id: int, form) -> Response:
        link, row = checked(request, token, occurrence_id, form)
        plan = web.plan_of(row.plan_code)
        labels = report_labels(plan, row)
        # a page opened before reports had parts sends its one text as "note": it is the results
        results = form.get("results") if "results" in form else form.get("note")
        figures = {name.removeprefix(FIGURE): form.get(name) for name in form if name.startswith(FIGURE)}
        typed = {"results": text_of(form, "results" if "results" in form else "note"),
                 "difficulties": text_of(form, "difficulties"), "proposals": text_of(form, "proposals"),
                 "figures": {key: text_of(form, FIGURE + key) for key in figures},
                 "evidence_url": text_of(form, "evidence_url")}
        try:
            command = actions.parse(SubmitReport, labels, occurrence=occurrence_id, results=results,
                                    difficulties=form.get("difficulties"), proposals=form.get("proposals"),
                                    figures=figures, evidence=form.get("evidence_url"),
                                    expected_version=form.get("version"))
            uploads = [f for f in form.getlist("files") if isinstance(f, UploadFile) and (f.filename or f.size)]
            files, total = [], 0
            for upload in uploads:
                data = upload.file.read(web.max_upload + 1)
                total += len(data)
                files.append(evidence.check(upload.filename or "", data, web.max_upload,
                                            inflated_limit=int(web.settings.evidence_max_inflated_mb * 1048576)))
                if total > web.max_upload:
                    raise actions.InputError(f"Tổng dung lượng tệp vượt {web.max_upload / 1048576:.0f} MB.")
            if not command.evidence and not files:
                raise actions.InputError("Cần gửi kèm minh chứng: đường dẫn hoặc tệp.")
            actions.report(web, request, link, command, files, labels)
        except (actions.InputError, evidence.EvidenceError) as exc:
            web.audit_refusal(request, link, "report", occurrence_id, str(exc))
            return item_page(request, token, occurrence_id, status=getattr(exc, "status", 400), error=str(exc),
                             form=typed)
        return RedirectResponse(f"/u/{token}/o/{occurrence_id}?done=report", status_code=303)

    def ask(request: Request, token: str, occurrence_id: int, form) -> Response:
        link, _ = checked(request, token, occurrence_id, form)
        typed = {"reason": text_of(form, "reason"), "proposed": text_of(form, "proposed")}
        try:
            command = actions.parse(RequestExtension, occurrence=occurrence_id, proposed=form.get("proposed"),
                                    reason=form.get("reason"), expected_version=form.get("version"))
            actions.ask_for_time(web, request, link, command)
        except actions.InputError as exc:
            web.audit_refusal(request, link, "request_extension", occurrence_id, str(exc))
            return item_page(request, token, occurrence_id, status=exc.status, error=str(exc), form=typed)
        return RedirectResponse(f"/u/{token}/o/{occurrence_id}?done=extension", status_code=303)

    def acknowledge(request: Request, token: str, occurrence_id: int, form) -> Response:
        link, _ = checked(request, token, occurrence_id, form)
        typed = {"expected": text_of(form, "expected"), "progress": text_of(form, "progress")}
        try:
            command = actions.parse(Acknowledge, occurrence=occurrence_id, expected=form.get("expected"),
                                    note=form.get("progress"), expected_version=form.get("version"))
            actions.acknowledge(web, request, link, command)
        except actions.InputError as exc:
            web.audit_refusal(request, link, "acknowledge", occurrence_id, str(exc))
            return item_page(request, token, occurrence_id, status=exc.status, error=str(exc), form=typed)
        return RedirectResponse(f"/u/{token}/o/{occurrence_id}?done=ack", status_code=303)

    @api.get("/u/{token}/f/{file_id}")
    def unit_file(token: str, file_id: int) -> Response:
        with read_scope(web.engine) as session:
            link = web.verify(session, token, Role.UNIT)
            stored = actions.evidence_file(session, file_id)
            submission = session.get(Submission, stored.submission_id) if stored else None
            if stored is None or submission is None or submission.unit_code != link.subject:
                raise PageError(403, "Tệp này không thuộc đơn vị của liên kết.", "Không có quyền",
                                event=Event.of(link, "cross_unit", detail=f"tệp {file_id}"))
        return download(web, stored)

    return api


def report_labels(plan: Plan, row: Occurrence) -> dict[str, str]:
    """The report form's words for its fields, in the unit's register; each figure by its label."""
    words = wording.unit_words(request=is_request(plan, row.unit_code))
    duty = plan.duties.get(row.duty_code)
    figures = {FIGURE + f.key: f.label for f in duty.report.figures} if duty else {}
    return {"results": words.report_results, "difficulties": words.report_difficulties,
            "proposals": words.report_proposals, "figures": words.report_figures, **figures}


def text_of(form, name: str) -> str:
    """What the visitor typed, to put back in the form after a refusal (escaped when shown)."""
    value = form.get(name)
    return value[:5000] if isinstance(value, str) else ""


def download(web: Web, stored) -> FileResponse:
    """A stored file, always as an attachment with its detected type, never rendered inline."""
    path = evidence.stored_path(web.evidence_root, stored.sha256)
    if not path.is_file():
        raise PageError(404, "Tệp minh chứng không còn trên máy chủ.", "Không tìm thấy")
    response = FileResponse(path, media_type=evidence.KINDS[stored.kind][1], filename=stored.name,
                            content_disposition_type="attachment")
    response.headers["content-security-policy"] = "sandbox; default-src 'none'"
    return response
