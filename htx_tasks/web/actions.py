"""The thin adapter between the pages and the services: one function per action.

Each runs in one transaction: the service call, the evidence rows and the web audit line commit
together; on a refusal nothing is written (files stored for the refused report are removed).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from fastapi import Request
from sqlmodel import Session, select

from htx_tasks.extensions import decide_extension, request_extension as do_request_extension
from htx_tasks.services import Decision, Refused, review as do_review, submit as do_submit
from htx_tasks.store.answers import EvidenceFile
from htx_tasks.store.db import session_scope
from htx_tasks.store.models import Submission
from htx_tasks.web import evidence
from htx_tasks.web.app import Web
from htx_tasks.web.links import Link


class InputError(Exception):
    """What the visitor typed or sent cannot be accepted (Vietnamese, shown on the form)."""


def actor_of(link: Link) -> str:
    """How the action came, for the audit trail: who, through which link (its id, not the token)."""
    who = "cơ quan thường trực" if link.role.value == "c" else link.subject
    return f"{who} (liên kết {link.link_id})"


def evidence_file(session: Session, file_id: int) -> EvidenceFile | None:
    return session.get(EvidenceFile, file_id) if 0 < file_id < 2**31 else None


def _refused(exc: Refused) -> InputError:
    message = str(exc)
    return InputError(message[:1].upper() + message[1:] + ("" if message.endswith(".") else "."))


def report(web: Web, request: Request, link: Link, occurrence_id: int, *, note: str, url: str | None,
           files: list[evidence.Checked]) -> None:
    written: list[Path] = []
    now = web.now()
    try:
        with session_scope(web.engine) as session:
            do_submit(session, web.plan, occurrence_id, unit=link.subject, note=note, evidence=url, now=now)
            submission = session.exec(select(Submission).where(Submission.occurrence_id == occurrence_id)
                                      .order_by(Submission.id.desc())).first()
            for checked in files:
                path, new = evidence.store(web.evidence_root, checked)
                if new:
                    written.append(path)
                session.add(EvidenceFile(submission_id=submission.id, sha256=checked.sha256, name=checked.name,
                                         kind=checked.kind, size=len(checked.data)))
            web.audit(session, request, link, "report", occurrence_id, "done",
                      f"{len(files)} tệp" + (", có đường dẫn" if url else ""))
    except BaseException as exc:
        for path in written:  # the transaction rolled back: the files it stored go too
            path.unlink(missing_ok=True)
        if isinstance(exc, Refused):
            raise _refused(exc) from None
        raise


def request_extension(web: Web, request: Request, link: Link, occurrence_id: int, *, proposed: dt.date,
                      reason: str) -> None:
    try:
        with session_scope(web.engine) as session:
            do_request_extension(session, web.plan, occurrence_id, unit=link.subject, proposed=proposed,
                                 reason=reason, now=web.now(), actor=actor_of(link))
            web.audit(session, request, link, "request_extension", occurrence_id, "done", proposed.isoformat())
    except Refused as exc:
        raise _refused(exc) from None


def review(web: Web, request: Request, link: Link, occurrence_id: int, *, accept: bool, note: str) -> None:
    decision = Decision.ACCEPT if accept else Decision.RETURN
    try:
        with session_scope(web.engine) as session:
            do_review(session, web.plan, occurrence_id, decision=decision, note=note, now=web.now(),
                      actor=actor_of(link))
            web.audit(session, request, link, decision.value, occurrence_id, "done")
    except Refused as exc:
        raise _refused(exc) from None


def decide(web: Web, request: Request, link: Link, request_id: int, *, approve: bool, note: str) -> int:
    try:
        with session_scope(web.engine) as session:
            decided = decide_extension(session, web.plan, request_id, approve=approve, note=note, now=web.now(),
                                       actor=actor_of(link))
            web.audit(session, request, link, "approve_extension" if approve else "refuse_extension",
                      decided.occurrence_id, "done")
            return decided.occurrence_id
    except Refused as exc:
        raise _refused(exc) from None
