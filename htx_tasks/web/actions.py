"""The thin adapter between the pages and the services: one function per action.

Each builds the service's command (its validation is the CLI's and the form's), names the actor
(the unit or the coordinator, ``via`` the signed link's id) and runs in one transaction: the
service call, the evidence rows and the web audit line commit together. On a refusal nothing is
written (files stored for the refused report are removed) and the page shows the reason.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import Request
from sqlmodel import Session, col, select

from htx_tasks import services
from htx_tasks.links import Link, Role
from htx_tasks.services import Actor, InvalidInput, Refused, via_link
from htx_tasks.services.acknowledgements import Acknowledge
from htx_tasks.services.acknowledgements import acknowledge as acknowledge_item
from htx_tasks.services.extensions import DecideExtension, RequestExtension, decide_extension, request_extension
from htx_tasks.store.answers import EvidenceFile
from htx_tasks.store.db import session_scope
from htx_tasks.store.models import Submission
from htx_tasks.web import evidence
from htx_tasks.web.deps import Web

LABELS = {"note": "Nội dung", "expected": "Ngày dự kiến hoàn thành", "evidence": "Đường dẫn minh chứng",
          "proposed": "Ngày đề nghị gia hạn",
          "reason": "Lý do", "occurrence": "Số nhiệm vụ", "request": "Số đề nghị", "decision": "Quyết định",
          "approve": "Quyết định", "expected_version": "Phiên bản trang"}


class InputError(Exception):
    """What the visitor typed or sent cannot be accepted (Vietnamese, shown on the form)."""


def sentence(text: str) -> str:
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


def refusal(exc: Refused, labels: dict[str, str] | None = None) -> InputError:
    if isinstance(exc, InvalidInput):
        return InputError(sentence(exc.render({**LABELS, **(labels or {})})))
    return InputError(sentence(str(exc)))


def parse(command, labels: dict[str, str] | None = None, **values):
    """The service's command model, its field errors in the page's words."""
    try:
        return command.parse(**values)
    except InvalidInput as exc:
        raise refusal(exc, labels) from None


def actor_of(link: Link) -> Actor:
    via = via_link(link.link_id)
    return Actor.coordinator(via) if link.role is Role.COORDINATOR else Actor.of_unit(link.subject, via)


def version_of(form) -> int | None:
    value = form.get("version")
    return int(value) if isinstance(value, str) and value.isdigit() and len(value) < 10 else None


def evidence_file(session: Session, file_id: int) -> EvidenceFile | None:
    return session.get(EvidenceFile, file_id) if 0 < file_id < 2**31 else None


def report(web: Web, request: Request, link: Link, command: services.SubmitReport,
           files: list[evidence.Checked]) -> None:
    written: list[Path] = []
    try:
        with session_scope(web.engine) as session:
            services.submit(session, web.plan, actor_of(link), command, now=web.now())
            submission = session.exec(select(Submission).where(Submission.occurrence_id == command.occurrence)
                                      .order_by(col(Submission.id).desc()).limit(1)).one()  # the one just written
            assert submission.id is not None  # flushed by the service
            for checked in files:
                path, new = evidence.store(web.evidence_root, checked)
                if new:
                    written.append(path)
                session.add(EvidenceFile(submission_id=submission.id, sha256=checked.sha256, name=checked.name,
                                         kind=checked.kind, size=len(checked.data)))
            web.audit(session, request, link, "report", command.occurrence, "done",
                      f"{len(files)} tệp" + (", có đường dẫn" if command.evidence else ""))
    except BaseException as exc:
        for path in written:  # the transaction rolled back: the files it stored go too
            path.unlink(missing_ok=True)
        if isinstance(exc, Refused):
            raise refusal(exc) from None
        raise


def ask_for_time(web: Web, request: Request, link: Link, command: RequestExtension) -> None:
    try:
        with session_scope(web.engine) as session:
            request_extension(session, web.plan, actor_of(link), command, now=web.now())
            web.audit(session, request, link, "request_extension", command.occurrence, "done",
                      command.proposed.isoformat())
    except Refused as exc:
        raise refusal(exc) from None


def acknowledge(web: Web, request: Request, link: Link, command: Acknowledge) -> None:
    try:
        with session_scope(web.engine) as session:
            acknowledge_item(session, web.plan, actor_of(link), command, now=web.now())
            web.audit(session, request, link, "acknowledge", command.occurrence, "done", command.expected.isoformat())
    except Refused as exc:
        raise refusal(exc, {"note": "Tiến độ thực hiện"}) from None


def review(web: Web, request: Request, link: Link, command: services.ReviewReport) -> None:
    try:
        with session_scope(web.engine) as session:
            services.review(session, web.plan, actor_of(link), command, now=web.now())
            web.audit(session, request, link, command.decision.value, command.occurrence, "done")
    except Refused as exc:
        raise refusal(exc) from None


def decide(web: Web, request: Request, link: Link, command: DecideExtension) -> None:
    try:
        with session_scope(web.engine) as session:
            decided = decide_extension(session, web.plan, actor_of(link), command, now=web.now())
            web.audit(session, request, link, "approve_extension" if command.approve else "refuse_extension",
                      decided.occurrence_id, "done")
    except Refused as exc:
        raise refusal(exc) from None
