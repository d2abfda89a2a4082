"""The Prefect form "Ghi nhận kết quả": who records, and one action through the same services.

The form names its actor by a code ("Người ghi nhận": a unit, or ``co-quan-thuong-truc``) and its
action by what it shows (``followup.Action``); this module turns both into a service call. The
flow (``flows.record``) only wires it and words the refusals.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlmodel import Session

from htx_tasks.core.lifecycle import State
from htx_tasks.followup import COORDINATOR_CHOICE, Action, section_unit_of
from htx_tasks.plan.loader import Plan
from htx_tasks.readings import is_request
from htx_tasks.services import decisions
from htx_tasks.services.actors import Actor
from htx_tasks.services.errors import FieldError, InvalidInput
from htx_tasks.services.inputs import CODE_MAX, Decision, ExtendDeadline, ReviewReport, SubmitReport, Waive, clean_text
from htx_tasks.store.models import Occurrence


def form_actor(who: str, via: str) -> Actor:
    """The actor the form's "Người ghi nhận" names: the coordinator, or a unit by its code."""
    try:
        who = clean_text(who, limit=CODE_MAX, multiline=False, required=True)
    except ValueError as exc:
        raise InvalidInput.one("actor", str(exc)) from None
    if who == COORDINATOR_CHOICE:
        return Actor.coordinator(via)
    return Actor.of_unit(who, via)


@dataclass(frozen=True)
class Recorded:
    occurrence_id: int
    unit: str  # the member unit that owns the occurrence
    section_unit: str  # the Section III unit whose follow-up covers it
    state_label: str
    message: str


@dataclass(frozen=True)
class ReportParts:
    """What the form's report fields hold (a unit's report only): results, difficulties,
    proposals, figures (key → number or text as typed)."""

    results: str | None = None
    difficulties: str | None = None
    proposals: str | None = None
    figures: dict | None = None


def _report(occurrence_id: object, report: ReportParts, note: str | None, evidence: str | None,
            expected_version: int | None) -> SubmitReport:
    """The unit's report; results typed in the note are refused in the note's name."""
    in_note = not (report.results or "").strip()
    if not in_note and (note or "").strip():
        raise InvalidInput.one("note", "kết quả đã ghi ở ô kết quả đạt được; để trống ô này khi đơn vị báo cáo")
    try:
        return SubmitReport.parse(occurrence=occurrence_id, results=note if in_note else report.results,
                                  difficulties=report.difficulties, proposals=report.proposals,
                                  figures=report.figures, evidence=evidence, expected_version=expected_version)
    except InvalidInput as exc:
        if not in_note:
            raise
        raise InvalidInput([FieldError("note", e.message, e.missing) if e.field == "results" else e
                            for e in exc.errors]) from None


def record(session: Session, plan: Plan, action: Action, occurrence_id: object, *, actor: Actor,
           note: str | None, evidence: str | None = None, new_deadline: object = None,
           expected_version: int | None = None, report: ReportParts = ReportParts(),
           now: dt.datetime) -> Recorded:
    """Record one action through the same services as the CLI and the web app, as ``actor``.

    A unit's report takes its parts from ``report``; its results may be typed in ``note`` instead
    (the form's one text field before reports had parts), not in both.

    Every action (a unit's report, a coordinator's accept, return, extend, waive) carries the
    version the person saw (``expected_version``, the table's "Phiên bản"): the command models
    require it, and when the occurrence changed since, the service refuses with "đã có người xử
    lý trước".

    Raises ``InvalidInput`` (field errors, for the form to name in its words) or ``Refused``
    (Vietnamese message); the caller's transaction then records nothing.
    """
    row: Occurrence
    if action is Action.SUBMIT:
        command = _report(occurrence_id, report, note, evidence, expected_version)
        row = decisions.submit(session, plan, actor, command, now=now)
        message = f"Đã ghi nhận báo cáo của {plan.unit_name(row.unit_code)}; chờ cơ quan thường trực duyệt."
    elif action in (Action.ACCEPT, Action.RETURN):
        decision = Decision.ACCEPT if action is Action.ACCEPT else Decision.RETURN
        review = ReviewReport.parse(occurrence=occurrence_id, decision=decision, note=note,
                                    expected_version=expected_version)
        row = decisions.review(session, plan, actor, review, now=now)
        message = f"Đã {'chấp nhận' if decision is Decision.ACCEPT else 'trả lại'} báo cáo."
    elif action is Action.EXTEND:
        if new_deadline is None:
            raise InvalidInput.one("to", "gia hạn cần chọn hạn mới")
        extension = ExtendDeadline.parse(occurrence=occurrence_id, to=new_deadline, note=note,
                                         expected_version=expected_version)
        row = decisions.extend(session, plan, actor, extension, now=now)
        message = f"Đã gia hạn đến {row.deadline:%d/%m/%Y}."
    else:
        waiver = Waive.parse(occurrence=occurrence_id, note=note, expected_version=expected_version)
        row = decisions.waive(session, plan, actor, waiver, now=now)
        message = "Đã miễn thực hiện."
    assert row.id is not None
    label = State(row.state).label_for(request=is_request(plan, row.unit_code))
    return Recorded(
        occurrence_id=row.id, unit=row.unit_code, section_unit=section_unit_of(plan, row.unit_code),
        state_label=label,
        message=f"Nhiệm vụ số {row.id} ({plan.unit_name(row.unit_code)}): {message} Trạng thái: {label}.",
    )
