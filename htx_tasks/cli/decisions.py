"""People's decisions on one obligation from a terminal: show it, submit, review, extend, waive.

People act on what was shown: ``htx-tasks show N`` (or the "Phiên bản" column of ``htx-tasks
status``) gives the item's version, and every action (submit, review, extend, waive) requires it
back as ``--version`` (the service's command models do). When the item changed in between
(another person acted, the morning pass moved it on) the action is refused with "đã có người xử
lý trước", exit 1, nothing written.
"""

from __future__ import annotations

from typing import Annotated, TypeVar

import typer
from sqlmodel import Session

from htx_tasks import services
from htx_tasks.cli import output
from htx_tasks.cli.common import ConfigOpt, JsonOpt, NowOpt, errors, item_plan, now_of, open_engine
from htx_tasks.core import wording
from htx_tasks.core.calendar import format_date_vi
from htx_tasks.core.lifecycle import State
from htx_tasks.core.statuses import SubmissionDecision
from htx_tasks.core.zones import local
from htx_tasks.readings import is_request, reading_of
from htx_tasks.services import Actor, via_cli
from htx_tasks.services.extensions import pending_request
from htx_tasks.services.inputs import OnOccurrence
from htx_tasks.store.answers import latest_report
from htx_tasks.store.db import session_scope

OccurrenceArg = Annotated[str, typer.Argument(help="Số nhiệm vụ (cột 'Số' của htx-tasks status).")]
NoteOpt = Annotated[str, typer.Option("--note", help="Nội dung.")]
VersionOpt = Annotated[str | None, typer.Option(
    "--version", help="Phiên bản nhiệm vụ như đã xem (htx-tasks show N, cột 'Phiên bản' của htx-tasks status).")]
Command = TypeVar("Command", bound=OnOccurrence)
VERSION_NEEDED = ("cần phiên bản nhiệm vụ như đã xem (htx-tasks show {n}, hoặc cột 'Phiên bản' của htx-tasks status), "
                  "để không ghi đè quyết định của người khác")


def _parse(model: type[Command], occurrence: str, **values: object) -> Command:
    """The service's command; an action without ``--version`` (the models require it) is told
    where the terminal shows it (exit 2)."""
    try:
        return model.parse(occurrence=occurrence, **values)
    except services.InvalidInput as exc:
        hint = VERSION_NEEDED.format(n=occurrence)
        raise services.InvalidInput([services.FieldError(e.field, hint) if e.missing and e.field == "expected_version"
                                     else e for e in exc.errors]) from None


def figure_options(given: list[str]) -> dict[str, str]:
    """``--figure key=value`` options as key → value as typed; the service reads the numbers."""
    out: dict[str, str] = {}
    for text in given:
        key, sep, value = text.partition("=")
        if not sep or not key.strip():
            raise services.InvalidInput.one("figures", f"'{text}' không đúng dạng mã=giá trị (ví dụ htx-theo-doi=12)")
        if key.strip() in out:
            raise services.InvalidInput.one("figures", f"số liệu '{key.strip()}' ghi hai lần")
        out[key.strip()] = value
    return out


def show(occurrence: OccurrenceArg, config: ConfigOpt = None, now: NowOpt = None, json: JsonOpt = False) -> None:
    """Xem một nhiệm vụ trước khi quyết định: trạng thái, hạn, phiên bản (dùng cho --version)."""
    with errors():
        plan, engine, at = item_plan(config, occurrence), open_engine(config), now_of(now)
        number = OnOccurrence.parse(occurrence=occurrence).occurrence
        with Session(engine) as session:
            row = services.get_occurrence(session, number)
            request = pending_request(session, number)
            report = latest_report(session, number)
        duty = plan.duties.get(row.duty_code)
        seen = reading_of(plan, row, at)  # where it stands now, not where the last pass left it
        data = {"id": row.id, "unit": row.unit_code, "duty": row.duty_code, "period": row.period_label,
                "deadline": row.deadline, "original_deadline": row.original_deadline, "state": row.state,
                "state_now": seen.state.value, "state_label": seen.label, "timing": seen.timing,
                "request": seen.request, "version": row.version,
                "extension_request": request.proposed if request else None,
                "figures": [f.model_dump() for f in duty.report.figures] if duty else [],
                "report": None if report is None else {
                    "submitted_at": report.submitted_at, "decision": report.decision, "results": report.results,
                    "figures": report.figures, "difficulties": report.difficulties, "proposals": report.proposals}}
        if json:
            output.print_json(data)
            return
        words = wording.unit_words(request=seen.request)
        deadline = format_date_vi(row.deadline) + (f" ({seen.timing})" if seen.timing else "")
        if row.deadline != row.original_deadline:
            deadline += f" (đã {words.moved}; {words.deadline.lower()} ban đầu {row.original_deadline:%d/%m/%Y})"
        output.say(f"Nhiệm vụ số {row.id}: {duty.ref + ' ' if duty else ''}{plan.unit_name(row.unit_code)}, "
                   f"kỳ {row.period_label}")
        output.say(f"  {words.deadline}: {deadline}")
        output.say(f"  Trạng thái: {seen.label}")
        if request:
            output.say("  " + words.extension_pending.format(day=f"{request.proposed:%d/%m/%Y}"))
        for f in duty.report.figures if duty else []:
            output.say(f"  {words.report_figures} (submit --figure {f.key}=…): {f.label} ({f.unit})")
        if report is not None:
            decision = SubmissionDecision(report.decision).label
            output.say(f"  {words.reported_at} {local(report.submitted_at):%H:%M %d/%m/%Y} ({decision}): {report.results}")
            parts = [*(f"{label}: {text}" for label, text in (duty.report.lines(report.figures) if duty else [])),
                     *(f"{name}: {text}" for name, text in ((words.report_difficulties, report.difficulties),
                                                            (words.report_proposals, report.proposals)) if text)]
            for part in parts:
                output.say(f"    {part}")
        output.say(f"  Phiên bản: {row.version} — thao tác trên nhiệm vụ này ghi kèm --version {row.version}, "
                   f"ví dụ htx-tasks extend {row.id} --to YYYY-MM-DD --note \"…\" --version {row.version}")


def submit(
    occurrence: OccurrenceArg,
    unit: Annotated[str, typer.Option("--unit", help="Mã đơn vị báo cáo.")],
    results: Annotated[str, typer.Option("--results", "--note", help="Kết quả đạt được (bắt buộc).")],
    difficulties: Annotated[str, typer.Option("--difficulties", help="Khó khăn, vướng mắc.")] = "",
    proposals: Annotated[str, typer.Option("--proposals", help="Đề xuất, kiến nghị.")] = "",
    figure: Annotated[list[str] | None, typer.Option(
        "--figure", help="Số liệu kết quả, dạng mã=giá trị (ví dụ htx-theo-doi=12); ghi nhiều lần cho nhiều số liệu. "
                         "Mã số liệu của từng nhiệm vụ: htx-tasks show N.")] = None,
    evidence: Annotated[str | None, typer.Option("--evidence", help="Đường dẫn minh chứng.")] = None,
    version: VersionOpt = None,
    config: ConfigOpt = None,
    now: NowOpt = None,
) -> None:
    """Đơn vị báo cáo kết quả thực hiện nhiệm vụ (ghi nhận là đơn vị --unit, qua dòng lệnh; cần --version)."""
    with errors():
        plan, engine, at = item_plan(config, occurrence), open_engine(config), now_of(now)
        command = _parse(services.SubmitReport, occurrence, results=results, difficulties=difficulties,
                         proposals=proposals, figures=figure_options(figure or []), evidence=evidence,
                         expected_version=version)
        with session_scope(engine) as session:
            row = services.submit(session, plan, Actor.of_unit(unit, via_cli()), command, now=at)
        output.say(f"Đã ghi nhận báo cáo của {plan.unit_name(row.unit_code)} cho nhiệm vụ số {row.id}; "
                   "chờ cơ quan thường trực duyệt.")


def review(
    occurrence: OccurrenceArg,
    decision: Annotated[str, typer.Argument(help="accept (chấp nhận) hoặc return (trả lại).")],
    note: NoteOpt,
    version: VersionOpt = None,
    config: ConfigOpt = None,
    now: NowOpt = None,
) -> None:
    """Cơ quan thường trực duyệt báo cáo: chấp nhận hoặc trả lại để hoàn thiện (cần --version)."""
    with errors():
        plan, engine, at = item_plan(config, occurrence), open_engine(config), now_of(now)
        command = _parse(services.ReviewReport, occurrence, decision=decision, note=note, expected_version=version)
        with session_scope(engine) as session:
            row = services.review(session, plan, Actor.coordinator(via_cli()), command, now=at)
        output.say(f"Nhiệm vụ số {row.id}: {State(row.state).label_for(request=is_request(plan, row.unit_code))}.")


def extend(
    occurrence: OccurrenceArg,
    to: Annotated[str, typer.Option("--to", help="Hạn mới (YYYY-MM-DD).")],
    note: NoteOpt,
    version: VersionOpt = None,
    config: ConfigOpt = None,
    now: NowOpt = None,
) -> None:
    """Gia hạn nhiệm vụ (cần --version)."""
    with errors():
        plan, engine, at = item_plan(config, occurrence), open_engine(config), now_of(now)
        command = _parse(services.ExtendDeadline, occurrence, to=to, note=note, expected_version=version)
        with session_scope(engine) as session:
            row = services.extend(session, plan, Actor.coordinator(via_cli()), command, now=at)
        output.say(f"Nhiệm vụ số {row.id}: hạn mới {format_date_vi(row.deadline)}.")


def waive(occurrence: OccurrenceArg, note: NoteOpt, version: VersionOpt = None, config: ConfigOpt = None,
          now: NowOpt = None) -> None:
    """Miễn thực hiện nhiệm vụ (ghi rõ lý do; cần --version)."""
    with errors():
        plan, engine, at = item_plan(config, occurrence), open_engine(config), now_of(now)
        command = _parse(services.Waive, occurrence, note=note, expected_version=version)
        with session_scope(engine) as session:
            row = services.waive(session, plan, Actor.coordinator(via_cli()), command, now=at)
        output.say(f"Nhiệm vụ số {row.id}: miễn thực hiện.")
