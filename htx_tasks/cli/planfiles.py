"""``htx-tasks plan import|draft``: a table or a plan's text read into a draft plan, nothing sent.

The draft goes to ``--out DIR`` as ``plan.yaml`` (with the office's ``calendar.yaml`` and an
empty ``channels.yaml``, so ``htx-tasks validate --config DIR`` reads it), and/or with ``--into-db``
into the database as a plan in draft for the coordinator's review page (``services.drafts``);
nothing is opened or sent until it is activated. ``--dry-run --json`` prints what was read and
writes nothing.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Annotated

import typer

from htx_tasks.cli import output
from htx_tasks.cli.common import ConfigOpt, JsonOpt, context, errors, now_of, office_plans, open_engine
from htx_tasks.intake.directory import directory_of, policy_of
from htx_tasks.intake.drafts import Draft, render
from htx_tasks.intake.errors import IntakeError, Limits
from htx_tasks.intake.imports import draft_of, import_table
from htx_tasks.intake.plandraft import draft_of_text, read_plan_file, text_json
from htx_tasks.intake.table import as_json
from htx_tasks.services import Actor, via_cli
from htx_tasks.services.drafts import register_draft
from htx_tasks.store.db import session_scope

plan_app = typer.Typer(help="Một kế hoạch: xem, bắt đầu theo dõi, kết thúc (show, activate, close); nhập bảng phân công, "
                       "lập bản nháp từ văn bản kế hoạch (import, draft).")
OutOpt = Annotated[Path | None, typer.Option("--out", help="Thư mục ghi bản nháp (plan.yaml); phải chưa có plan.yaml.")]
DryOpt = Annotated[bool, typer.Option("--dry-run", help="Chỉ đọc và in kết quả, không ghi gì.")]
IntoDbOpt = Annotated[bool, typer.Option(
    "--into-db", help="Đưa bản nháp vào cơ sở dữ liệu để cơ quan thường trực rà soát trên trang web rồi kích hoạt.")]
EMPTY_CHANNELS = ("# Bản nháp không gửi gì: kênh nhận thông báo của cơ quan ở thư mục cấu hình đang chạy.\n"
                  "version: 1\nurls: []\n")


def _office(config: Path | None):  # the office's first plan: its units are the directory, its policy the default
    ctx = context(config)
    return next(iter(ctx.config.plans.values())), Limits.of(ctx.settings), ctx.settings.config_dir


def write_draft(out: Path, text: str, config_dir: Path) -> Path:
    """``out``/plan.yaml written whole (a temporary file renamed), with calendar and channels beside it."""
    target = out / "plan.yaml"
    if target.exists():
        raise IntakeError(f"'{target}' đã có: không ghi đè bản nháp có thể đã được sửa. Hãy chọn thư mục khác.")
    out.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=out, prefix=".plan-", suffix=".yaml")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        if not (out / "calendar.yaml").exists():
            shutil.copyfile(config_dir / "calendar.yaml", out / "calendar.yaml")
        if not (out / "channels.yaml").exists():
            (out / "channels.yaml").write_text(EMPTY_CHANNELS, encoding="utf-8")
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def _register(draft: Draft, config: Path | None) -> str:
    """The draft into the database, for review; nothing opened or sent."""
    plans, engine = office_plans(config), open_engine(config)
    taken = set(plans) | {d.code for p in plans.values() for d in p.source.duties}
    with session_scope(engine) as session:
        row = register_draft(session, next(iter(plans.values())), Actor.coordinator(via_cli()), draft, taken=taken,
                             now=now_of(None))
        return row.code


def _finish(draft: Draft, data: dict, title: str, out: Path | None, dry_run: bool, json: bool, config_dir: Path,
            into_db: bool = False, config: Path | None = None) -> None:
    if not dry_run and out is None and not into_db:
        raise IntakeError("Cần --out THƯ_MỤC để ghi bản nháp, --into-db để đưa vào rà soát, hoặc --dry-run để chỉ "
                          "xem kết quả.")
    if not dry_run and out is not None and (out / "plan.yaml").exists():
        write_draft(out, "", config_dir)  # refuses, before anything is written anywhere
    stored = _register(draft, config) if into_db and not dry_run else None
    written = None if dry_run or out is None else write_draft(out, render(draft, title), config_dir)
    if json:
        output.print_json({**data, "unread": draft.unread, "written": str(written) if written else None,
                           "registered": stored})
        return
    summary = data.get("summary", {})
    output.say(f"Đã đọc {data.get('file', draft.source)}: " + ", ".join(f"{k} {v}" for k, v in summary.items()) + ".")
    for item in draft.unread:
        output.say(f"  Cần xem: {item}")
    if written:
        output.say(f"Đã ghi bản nháp {written} (chưa gửi việc nào).")
    if stored:
        output.say(f"Đã đưa kế hoạch nháp '{stored}' vào rà soát (chưa mở, chưa gửi việc nào): xem trên trang của cơ "
                   f"quan thường trực hoặc 'htx-tasks plan show {stored}', rồi 'htx-tasks plan activate {stored}'.")
    if not written and not stored:
        output.say("Chạy thử: không ghi gì.")


@plan_app.command("import")
def import_(
    file: Annotated[Path, typer.Argument(help="Bảng phân công: .xlsx, .csv hoặc .docx có bảng.")],
    out: OutOpt = None,
    sheet: Annotated[str | None, typer.Option("--sheet", help="Tên trang (.xlsx) hoặc số bảng (.docx).")] = None,
    columns: Annotated[str | None, typer.Option(
        "--columns", help="Chỉ rõ cột: title=B,unit=C,coordinating=D,deadline=M,product=N.")] = None,
    year: Annotated[int | None, typer.Option("--year", help="Năm của kế hoạch, cho hạn không ghi năm (\"Quý II\").")] = None,
    dry_run: DryOpt = False,
    into_db: IntoDbOpt = False,
    config: ConfigOpt = None,
    json: JsonOpt = False,
) -> None:
    """Nhập bảng phân công nhiệm vụ thành kế hoạch nháp: mỗi dòng một nhiệm vụ, kèm dòng gốc."""
    with errors():
        plan, limits, config_dir = _office(config)
        directory, units = directory_of(plan)
        result = import_table(file, directory, limits, sheet=sheet, columns=columns, year=year)
        draft = draft_of(result, units, policy_of(plan))
        _finish(draft, as_json(result), f"Kế hoạch nháp nhập từ bảng {file.name}", out, dry_run, json, config_dir,
                into_db, config)


@plan_app.command("draft")
def draft(
    file: Annotated[Path, typer.Argument(help="Văn bản kế hoạch: .txt, .docx hoặc .pdf có lớp chữ.")],
    out: OutOpt = None,
    dry_run: DryOpt = False,
    into_db: IntoDbOpt = False,
    config: ConfigOpt = None,
    json: JsonOpt = False,
) -> None:
    """Lập kế hoạch nháp từ lời văn bản kế hoạch: đơn vị, nhiệm vụ, hạn, chỉ tiêu; mỗi khóa ghi dòng gốc."""
    with errors():
        plan, limits, config_dir = _office(config)
        directory, units = directory_of(plan)
        name, text = read_plan_file(file, directory, limits)
        drafted = draft_of_text(name, text, units, policy_of(plan))
        _finish(drafted, text_json(name, text), f"Kế hoạch nháp lập từ văn bản {name}", out, dry_run, json, config_dir,
                into_db, config)
