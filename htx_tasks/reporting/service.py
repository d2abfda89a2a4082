"""Write the consolidated report for a period: .md, .xlsx and .docx side by side."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session

from htx_tasks.indicators.charts import draw_all
from htx_tasks.plan.loader import Plan
from htx_tasks.reporting import docx, render
from htx_tasks.reporting.data import Consolidated, Period, gather


def file_stem(period: Period) -> str:
    return f"bao-cao-thuc-hien-{period.code}"


def write(engine: Engine, plan: Plan, period: Period, out_dir: Path, *, now: dt.datetime,
          var_dir: Path) -> tuple[Consolidated, dict[str, Path]]:
    """Gather the report, draw the charts under ``var_dir`` and write the three files to ``out_dir``."""
    with Session(engine) as session:
        report = gather(session, plan, period, now)
    report.charts = draw_all(report.kpi, var_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = out_dir / file_stem(period)
    links = {code: path.resolve().as_uri() for code, path in report.charts.items()}
    md = stem.with_suffix(".md")
    md.write_text(render.markdown(report, chart_links=links), encoding="utf-8")
    files = {"md": md, "xlsx": render.workbook(report, stem.with_suffix(".xlsx")),
             "docx": docx.document(report, stem.with_suffix(".docx"))}
    return report, files
