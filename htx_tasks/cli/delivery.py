"""CLI commands for delivery: dispatch, the outbox views and channel checks."""

from __future__ import annotations

from typing import Annotated

import typer
from sqlmodel import Session

from htx_tasks import services
from htx_tasks.cli import output
from htx_tasks.cli.common import ConfigOpt, JsonOpt, NowOpt, context, errors, now_of, office_plan, open_engine
from htx_tasks.core import zones
from htx_tasks.core.lifecycle import Kind
from htx_tasks.core.statuses import NotificationStatus
from htx_tasks.delivery.channels import coverage_warnings, recipients_of
from htx_tasks.delivery.messages import recipient_name
from htx_tasks.services import Actor, via_cli
from htx_tasks.services.delivery import dispatch as run_dispatch
from htx_tasks.services.delivery import try_channels
from htx_tasks.services.notices import lease_until, rows_with_status
from htx_tasks.store.db import session_scope

notify_app = typer.Typer(help="Hàng đợi thông báo (outbox): chờ gửi, đã gửi, lỗi, cần kiểm tra.")
channels_app = typer.Typer(help="Kênh nhận thông báo (config/channels.yaml).")

VIEWS = (NotificationStatus.PENDING, NotificationStatus.SENDING, NotificationStatus.SENT, NotificationStatus.FAILED,
         NotificationStatus.REVIEW)  # ``notify <status>``; each titled with the status's label


def print_dispatch(result, json: bool) -> None:
    data = {k: v for k, v in vars(result).items()}
    if json:
        output.print_json(data)
        return
    line = f"Đã gửi {result.messages} thông báo tổng hợp ({result.sent} mục)"
    if result.deferred:
        line += f"; {result.deferred} mục chờ đến giờ làm việc"
    if result.retrying:
        line += f"; {result.retrying} mục sẽ thử lại"
    if result.failed:
        line += f"; {result.failed} mục thất bại (đã báo kênh dự phòng)"
    if result.review:
        line += f"; {result.review} mục cần kiểm tra (htx-tasks notify review, rồi notify resolve)"
    output.say(line + ".")


def dispatch(config: ConfigOpt = None, now: NowOpt = None, json: JsonOpt = False) -> None:
    """Gửi các thông báo đến hạn (một bản tổng hợp cho mỗi người nhận)."""
    with errors():
        ctx, at = context(config), now_of(now)
        # every plan of the configuration: one digest per recipient, each item read under its own plan
        print_dispatch(run_dispatch(ctx.database(), ctx.config.plans, at, senders=ctx.channels, links=ctx.links),
                       json)


def _view_command(status: NotificationStatus):
    def command(config: ConfigOpt = None, json: JsonOpt = False) -> None:
        _view(status, config, json)

    command.__doc__ = f"Thông báo {status.label}."
    return command


for _status in VIEWS:
    notify_app.command(_status)(_view_command(_status))


def _view(status: NotificationStatus, config, json: bool) -> None:
    with errors():
        plan, engine = office_plan(config), open_engine(config)
        with Session(engine) as session:
            rows = rows_with_status(session, status)
        if json:
            output.print_json([
                {"id": r.id, "occurrence": r.occurrence_id, "subject": r.subject, "kind": r.kind, "level": r.level,
                 "recipient": r.recipient, "due_at": r.due_at, "attempts": r.attempts,
                 "next_attempt_at": r.next_attempt_at, "sent_at": r.sent_at, "last_error": r.last_error,
                 "claimed_at": r.claimed_at, "lease_until": lease_until(r)}
                for r in rows
            ])
            return
        sending = status is NotificationStatus.SENDING
        output.print_table(
            f"Thông báo {status.label}: {len(rows)}",
            ["Số", "Nhiệm vụ", "Loại", "Người nhận", "Thời điểm", "Lần thử",
             *(["Bắt đầu gửi", "Hết hạn giữ"] if sending else []), "Lỗi"],
            [(r.id, _about(r), Kind(r.kind).label, recipient_name(plan, r.recipient),
              f"{zones.local(r.due_at):%d/%m/%Y %H:%M}", r.attempts,
              *([_at(r.claimed_at), _at(lease_until(r))] if sending else []), r.last_error or "") for r in rows],
        )
        if status is NotificationStatus.REVIEW and rows:
            output.say("Kiểm tra với người nhận rồi ghi kết quả: htx-tasks notify resolve SỐ --as delivered "
                       "(đã đến nơi) hoặc --as resend (gửi lại) --note \"...\"")


def _about(row) -> str:
    """The item a notice is about, or, for an indicator off its path, the indicator and year."""
    if row.occurrence_id is not None:
        return str(row.occurrence_id)
    return f"chỉ tiêu {(row.subject or '').split('/')[0]}, năm {row.detail}"


def _at(moment) -> str:
    return f"{zones.local(moment):%H:%M %d/%m/%Y}" if moment else ""


@notify_app.command("resolve")
def resolve(
    notification: Annotated[str, typer.Argument(help="Số thông báo (cột 'Số' của htx-tasks notify review).")],
    outcome: Annotated[str, typer.Option("--as", help="delivered (đã đến nơi) hoặc resend (gửi lại).")],
    note: Annotated[str, typer.Option("--note", help="Đã kiểm tra thế nào.")],
    config: ConfigOpt = None,
    now: NowOpt = None,
) -> None:
    """Cơ quan thường trực xử lý thông báo cần kiểm tra: đã đến nơi, hoặc gửi lại."""
    with errors():
        command = services.ResolveNotice.parse(notification=notification, outcome=outcome, note=note)
        plan, engine, at = office_plan(config), open_engine(config), now_of(now)
        with session_scope(engine) as session:
            row = services.resolve_notice(session, plan, Actor.coordinator(via_cli()), command, now=at)
        done = "đã ghi nhận là đã đến nơi" if row.status == NotificationStatus.SENT else "sẽ gửi lại trong lượt gửi tới"
        output.say(f"Thông báo số {row.id}: {done}.")


@channels_app.command("list")
def channels_list(config: ConfigOpt = None, json: JsonOpt = False) -> None:
    """Người nhận và số kênh đã cấu hình (ngoài hộp thư cục bộ)."""
    with errors():
        plan, channels = office_plan(config), context(config).channels
        rows = [(tag, recipient_name(plan, tag), channels.tags.get(tag, 0)) for tag in recipients_of(plan)]
        if json:
            output.print_json([{"recipient": t, "name": n, "channels": c} for t, n, c in rows])
            return
        output.print_table("Kênh nhận thông báo", ["Tag", "Người nhận", "Số kênh"], rows)
        for warning in coverage_warnings(plan, channels):
            output.errors.print(f"Cảnh báo: {warning}", highlight=False, markup=False)


@channels_app.command("test")
def channels_test(recipient: str, config: ConfigOpt = None) -> None:
    """Gửi một thông báo thử đến mọi kênh của người nhận."""
    with errors():
        results = try_channels(office_plan(config), recipient, senders=context(config).channels)
        for r in results:
            output.say(f"{'✓' if r.ok else '✗'} {r.url}" + (f" — {r.error}" if r.error else ""))
        if not all(r.ok for r in results):
            raise typer.Exit(1)
