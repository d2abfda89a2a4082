"""The thin adapter between the pages and the services: one function per action.

Each builds the service's command from the form exactly as it came (the version the page showed
included: the services refuse an action through a page without it, or with a stale one), names
the actor (the unit or the coordinator, ``via`` the signed link's id) and runs in one
transaction: the service call, the evidence files and the web audit line commit together. On a
refusal nothing is written (files stored for the refused report are removed) and the page shows
the reason: 409 when somebody decided first, 400 otherwise.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import Request
from sqlmodel import Session

from htx_tasks import services
from htx_tasks.links import Link, Role
from htx_tasks.plan.loader import Plan
from htx_tasks.services import Actor, Attachment, Conflict, InvalidInput, Refused, via_link
from htx_tasks.services.acknowledgements import Acknowledge
from htx_tasks.services.acknowledgements import acknowledge as acknowledge_item
from htx_tasks.services.extensions import DecideExtension, RequestExtension, decide_extension, request_extension
from htx_tasks.store.answers import EvidenceFile, ExtensionRequest
from htx_tasks.store.db import session_scope
from htx_tasks.web import evidence
from htx_tasks.web.deps import Web

LABELS = {"note": "Nội dung", "expected": "Ngày dự kiến hoàn thành", "evidence": "Đường dẫn minh chứng",
          "proposed": "Ngày đề nghị gia hạn",
          "reason": "Lý do", "occurrence": "Số nhiệm vụ", "request": "Số đề nghị", "decision": "Quyết định",
          "approve": "Quyết định", "expected_version": "Phiên bản trang", "seen": "Danh sách đã xem"}
# a page always sends what it showed: without it the post did not come from the page as shown
HINTS = {"expected_version": "thiếu phiên bản của trang đã xem; vui lòng mở lại trang từ liên kết rồi gửi lại",
         "seen": "thiếu dấu của danh sách đã xem; vui lòng mở lại trang từ liên kết rồi gửi lại"}


class InputError(Exception):
    """What the visitor typed or sent cannot be accepted (Vietnamese, shown on the form).

    ``status``: 409 when somebody else decided first, else 400; ``names_item``: the message
    already names the item ("Nhiệm vụ số 24 …"), so a page does not name it twice."""

    def __init__(self, message: str, status: int = 400, *, names_item: bool = False) -> None:
        super().__init__(message)
        self.status, self.names_item = status, names_item


def sentence(text: str) -> str:
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


def refusal(exc: Refused, labels: dict[str, str] | None = None) -> InputError:
    if isinstance(exc, InvalidInput):
        return InputError(sentence(exc.render({**LABELS, **(labels or {})}, HINTS)))
    return InputError(sentence(str(exc)), 409 if isinstance(exc, Conflict) else 400, names_item=True)


def parse(command, labels: dict[str, str] | None = None, **values):
    """The service's command model, its field errors in the page's words."""
    try:
        return command.parse(**values)
    except InvalidInput as exc:
        raise refusal(exc, labels) from None


def actor_of(link: Link) -> Actor:
    via = via_link(link.link_id)
    return Actor.coordinator(via) if link.role is Role.COORDINATOR else Actor.of_unit(link.subject, via)


def _plan_of_request(web: Web, session: Session, request_id: int) -> Plan:
    asked = session.get(ExtensionRequest, request_id) if 0 < request_id < 2**31 else None
    return web.plan_for(session, asked.occurrence_id) if asked is not None else web.plan


def evidence_file(session: Session, file_id: int) -> EvidenceFile | None:
    return session.get(EvidenceFile, file_id) if 0 < file_id < 2**31 else None


def report(web: Web, request: Request, link: Link, command: services.SubmitReport,
           files: list[evidence.Checked], labels: dict[str, str] | None = None) -> None:
    written: list[Path] = []
    attachments = [Attachment(sha256=f.sha256, name=f.name, kind=f.kind, size=len(f.data)) for f in files]
    try:
        with session_scope(web.engine) as session:
            services.submit(session, web.plan_for(session, command.occurrence), actor_of(link), command, now=web.now(),
                            attachments=attachments)
            for checked in files:  # the rows are written: their bytes go to disk before the commit
                path, new = evidence.store(web.evidence_root, checked)
                if new:
                    written.append(path)
            web.audit(session, request, link, "report", command.occurrence, "done",
                      f"{len(files)} tệp" + (", có đường dẫn" if command.evidence else "")
                      + (f", {len(command.figures)} số liệu" if command.figures else ""))
    except BaseException as exc:
        for path in written:  # the transaction rolled back: the files it stored go too
            path.unlink(missing_ok=True)
        if isinstance(exc, Refused):
            raise refusal(exc, labels) from None
        raise


def ask_for_time(web: Web, request: Request, link: Link, command: RequestExtension) -> None:
    try:
        with session_scope(web.engine) as session:
            request_extension(session, web.plan_for(session, command.occurrence), actor_of(link), command, now=web.now())
            web.audit(session, request, link, "request_extension", command.occurrence, "done",
                      command.proposed.isoformat())
    except Refused as exc:
        raise refusal(exc) from None


def acknowledge(web: Web, request: Request, link: Link, command: Acknowledge) -> None:
    try:
        with session_scope(web.engine) as session:
            acknowledge_item(session, web.plan_for(session, command.occurrence), actor_of(link), command, now=web.now())
            web.audit(session, request, link, "acknowledge", command.occurrence, "done", command.expected.isoformat())
    except Refused as exc:
        raise refusal(exc, {"note": "Tiến độ thực hiện"}) from None


def review(web: Web, request: Request, link: Link, command: services.ReviewReport) -> None:
    try:
        with session_scope(web.engine) as session:
            services.review(session, web.plan_for(session, command.occurrence), actor_of(link), command, now=web.now())
            web.audit(session, request, link, command.decision.value, command.occurrence, "done")
    except Refused as exc:
        raise refusal(exc) from None


def decide(web: Web, request: Request, link: Link, command: DecideExtension) -> None:
    try:
        with session_scope(web.engine) as session:
            plan = _plan_of_request(web, session, command.request)
            decided = decide_extension(session, plan, actor_of(link), command, now=web.now())
            web.audit(session, request, link, "approve_extension" if command.approve else "refuse_extension",
                      decided.occurrence_id, "done")
    except Refused as exc:
        raise refusal(exc) from None
