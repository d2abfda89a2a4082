"""The coordinator's page: reports awaiting review and requests for more time, and the decisions.

With several plans the page opens on the office-wide view (every plan, worst first, then every
plan's queues, each item under its plan's title); ``?ke-hoach=<code>`` narrows it to one plan."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from htx_tasks.core.zones import local_date
from htx_tasks.links import Link, Role
from htx_tasks.registry.staleness import Freshness
from htx_tasks.registry.standing import upkeep_lines
from htx_tasks.services import ReviewReport
from htx_tasks.services.drafts import drafts
from htx_tasks.services.extensions import DecideExtension
from htx_tasks.services.reporting import parse_period
from htx_tasks.store.db import read_scope
from htx_tasks.web import actions
from htx_tasks.web.deps import PageError, Web
from htx_tasks.web.forms import read_form
from htx_tasks.web.queries import acknowledged, extension_queue, office_lines, review_queue, security_events
from htx_tasks.web.registry import FRESHNESS_CLASS
from htx_tasks.web.unit import download

DONE = {"accept": "Đã duyệt báo cáo.", "return": "Đã trả lại báo cáo để đơn vị hoàn thiện.",
        "approve": "Đã đồng ý gia hạn; đơn vị sẽ được thông báo hạn mới.",
        "refuse": "Đã từ chối gia hạn; đơn vị sẽ được thông báo."}

COORDINATOR_LABELS = {"note": "Ý kiến"}
REVIEWS = ("accept", "return")  # the values of the review form's two buttons


def router(web: Web) -> APIRouter:
    api = APIRouter()

    def page(request: Request, token: str, *, status: int = 200, error: str | None = None,
             done: str | None = None, plan: str | None = None) -> Response:
        with read_scope(web.engine) as session:
            link = web.verify(session, token, Role.COORDINATOR)
            chosen = web.plans.get(plan) if plan else None
            if plan and chosen is None:
                raise PageError(404, f"Không có kế hoạch mã '{plan}' trong các kế hoạch đang theo dõi.", "Không tìm thấy")
            shown = {chosen.meta.code: chosen} if chosen else web.plans  # one plan's view, or every plan's
            now = web.now()
            reviews, extensions = review_queue(session, shown, now), extension_queue(session, shown, now)
            registry = [line for line in upkeep_lines(session, web.plan, local_date(now))
                        if line.standing and line.standing.freshness is not Freshness.CURRENT]
            registry.sort(key=lambda line: line.standing is None or line.standing.freshness is not Freshness.STALE)  # stale first
            events = security_events(session, web.plan)
            in_hand = acknowledged(session, shown, now)
            plan_lines = office_lines(session, web.plans) if len(web.plans) > 1 else []
            waiting = drafts(session)
            csrf, fresh = web.csrf_for(request, link)
            today = local_date(now)
            reports = [parse_period(code) for code in (f"{today.year}-H{1 if today.month <= 6 else 2}", str(today.year))]
            response = web.render("coordinator.html", status=status, token=token, reviews=reviews, reports=reports,
                                  extensions=extensions, csrf=csrf, error=error, done=DONE.get(done or ""),
                                  registry=registry, classes=FRESHNESS_CLASS, events=events, in_hand=in_hand,
                                  plan_lines=plan_lines, chosen=chosen.meta if chosen else None,
                                  drafts=waiting)
        return web.with_cookie(response, fresh)

    @api.get("/c/{token}", response_class=HTMLResponse)
    def coordinator_page(request: Request, token: str, done: str | None = None,
                         plan: Annotated[str | None, Query(alias="ke-hoach", max_length=64)] = None) -> Response:
        return page(request, token, done=done, plan=plan)

    # the form is read on the event loop, the rest runs in a worker thread (see unit.py)
    @api.post("/c/{token}/o/{occurrence_id}/review")
    async def review(request: Request, token: str, occurrence_id: int) -> Response:
        return await run_in_threadpool(review_in_thread, request, token, occurrence_id,
                                       await read_form(request, max_files=0, max_fields=10))

    @api.post("/c/{token}/x/{request_id}")
    async def decide(request: Request, token: str, request_id: int) -> Response:
        return await run_in_threadpool(decide_in_thread, request, token, request_id,
                                       await read_form(request, max_files=0, max_fields=10))

    def checked(request: Request, token: str, form) -> Link:
        with read_scope(web.engine) as session:
            link = web.verify(session, token, Role.COORDINATOR)
        web.guard_post(request, link, form)
        return link

    def review_in_thread(request: Request, token: str, occurrence_id: int, form) -> Response:
        link = checked(request, token, form)
        decision = form.get("decision")
        try:
            if decision not in REVIEWS:  # the page's two buttons; their codes are never shown
                raise actions.InputError("Chọn chấp nhận hoặc trả lại báo cáo.")
            command = actions.parse(ReviewReport, COORDINATOR_LABELS, occurrence=occurrence_id, decision=decision,
                                    note=form.get("note"), expected_version=form.get("version"))
            actions.review(web, request, link, command)
        except actions.InputError as exc:
            web.audit_refusal(request, link, "review", occurrence_id, str(exc))
            error = str(exc) if exc.names_item else f"Nhiệm vụ số {occurrence_id}: {exc}"
            return page(request, token, status=exc.status, error=error)
        return RedirectResponse(f"/c/{token}?done={decision}", status_code=303)

    def decide_in_thread(request: Request, token: str, request_id: int, form) -> Response:
        link = checked(request, token, form)
        decision = form.get("decision")
        try:
            if decision not in ("approve", "refuse"):
                raise actions.InputError("Chọn đồng ý hoặc không đồng ý gia hạn.")
            command = actions.parse(DecideExtension, COORDINATOR_LABELS, request=request_id, approve=decision == "approve",
                                    note=form.get("note"), expected_version=form.get("version"))
            actions.decide(web, request, link, command)
        except actions.InputError as exc:
            web.audit_refusal(request, link, "decide_extension", None, str(exc))
            return page(request, token, status=exc.status, error=str(exc))
        return RedirectResponse(f"/c/{token}?done={decision}", status_code=303)

    @api.get("/c/{token}/f/{file_id}")
    def coordinator_file(token: str, file_id: int) -> Response:
        with read_scope(web.engine) as session:
            web.verify(session, token, Role.COORDINATOR)
            stored = actions.evidence_file(session, file_id)
            if stored is None:
                raise PageError(404, "Không có tệp này.", "Không tìm thấy")
        return download(web, stored)

    return api
