"""``htx-tasks report consolidated``: the implementation report the plan owes, in three files."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from htx_tasks.cli import output
from htx_tasks.cli.common import ConfigOpt, JsonOpt, NowOpt, PlanOpt, context, errors, now_of, open_engine, open_plan
from htx_tasks.registry.files import SYNTHETIC_BANNER
from htx_tasks.services import Actor, via_cli
from htx_tasks.services.reporting import parse_period, publish


def consolidated(
    period: Annotated[str, typer.Option("--period", help="Kỳ báo cáo: 2026-H1, 2026-H2 hoặc cả năm 2026.")],
    out: Annotated[Path, typer.Option("--out", help="Thư mục ghi các tệp .md, .xlsx, .docx, .pdf.")],
    config: ConfigOpt = None,
    now: NowOpt = None,
    json: JsonOpt = False,
    plan_code: PlanOpt = None,
) -> None:
    """Báo cáo tổng hợp kết quả thực hiện kế hoạch: tổng hợp lại dự thảo (giữ phần đã biên tập), xuất Word và PDF
    theo Nghị định 30/2020/NĐ-CP, kèm Markdown và Excel."""
    with errors():
        chosen = parse_period(period)
        plan, engine, at = open_plan(config, plan_code), open_engine(config), now_of(now)
        report, files = publish(engine, plan, Actor.coordinator(via_cli()), chosen, out, now=at,
                                var_dir=context(config).settings.var_dir)
        if json:
            output.print_json({"period": chosen.code, "files": {k: str(v) for k, v in files.items()},
                               "synthetic": report.synthetic})
            return
        output.say(f"Đã ghi báo cáo {chosen.label}:")
        for path in files.values():
            output.say(f"  {path}")
        if "pdf" not in files:
            output.say("Chưa tạo được bản PDF: máy chưa cài LibreOffice (gói libreoffice-writer-nogui).")
        if report.synthetic:
            output.say(f"Lưu ý: {SYNTHETIC_BANNER} trong phần chỉ tiêu.")
