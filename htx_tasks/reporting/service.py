"""Write the consolidated report: Markdown and Excel from the figures, Word and PDF from the draft."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session

from htx_tasks.indicators.charts import draw_all
from htx_tasks.indicators.service import Kpi
from htx_tasks.plan.loader import Plan
from htx_tasks.registry.files import SYNTHETIC_BANNER
from htx_tasks.reporting import docx, render
from htx_tasks.reporting import draft as d
from htx_tasks.reporting import tables as t
from htx_tasks.reporting.data import Consolidated, Period, gather
from htx_tasks.reporting.docx_parts import Head
from htx_tasks.reporting.pdf import to_pdf
from htx_tasks.reporting.results import gather as gather_results
from htx_tasks.store.drafts import ReportDraft, parts_of


def file_stem(period: Period) -> str:
    return f"bao-cao-thuc-hien-{period.code}"


def write(engine: Engine, plan: Plan, period: Period, out_dir: Path, *, now: dt.datetime,
          var_dir: Path) -> tuple[Consolidated, dict[str, Path]]:
    """The figures as Markdown (also the Prefect artifact) and Excel in ``out_dir``; charts under ``var_dir``."""
    with Session(engine) as session:
        report = gather(session, plan, period, now)
    report.charts = draw_all(report.kpi, var_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = out_dir / file_stem(period)
    links = {code: path.resolve().as_uri() for code, path in report.charts.items()}
    md = stem.with_suffix(".md")
    md.write_text(render.markdown(report, chart_links=links), encoding="utf-8")
    return report, {"md": md, "xlsx": render.workbook(report, stem.with_suffix(".xlsx"))}


def default_recipients(plan: Plan) -> list[str]:
    """The plan's own "Nơi nhận", the filing line left out (the frame writes "- Lưu: VT, …." last)."""
    return [r.strip().rstrip(";.") for r in plan.meta.recipients if not r.strip().lower().startswith("lưu")]


def place_of(plan: Plan) -> str:
    return t.place(plan.meta.issuer)


def stored_parts(session: Session, draft_id: int) -> list[d.Merged]:
    return [d.Merged(d.Part(p.key, p.section, p.heading, p.text, p.author, p.said_on, p.request), p.generated,
                     edited=p.edited, offered=p.offered) for p in parts_of(session, draft_id)]


def notice(kpi: Kpi) -> str | None:
    return (f"{SYNTHETIC_BANNER}: số liệu chỉ tiêu được tính từ sổ theo dõi minh họa, không dùng để báo cáo "
            "chính thức.") if kpi.synthetic else None


def export(session: Session, plan: Plan, period: Period, draft: ReportDraft, *, out_dir: Path,
           var_dir: Path) -> dict[str, Path]:
    """The stored draft in its frame, with the figures as they stood when it was compiled: .docx and .pdf."""
    assert draft.id is not None
    results = gather_results(session, plan, period, draft.compiled_at)
    head = Head(parent=draft.parent, issuer=plan.meta.issuer, number=draft.number, place=draft.place,
                signed_on=draft.signed_on, recipients=draft.recipient_list, filed_with=draft.filed_with,
                signer_office=list(plan.meta.signer.office), signer_name=plan.meta.signer.name)
    charts = draw_all(results.kpi, var_dir)
    indicators = t.indicators_of(plan, results.kpi)
    indicators = dataclasses.replace(indicators, title="Bảng 1." + indicators.title.split(".", 1)[1])
    sheet = docx.Sheet(head=head, subject=t.title_lines_of(plan, period)[1], intro=t.intro_of(plan, period),
                       notice=notice(results.kpi), parts=stored_parts(session, draft.id),
                       tracking=t.tracking_table(results.tracking, results.total), indicators=indicators,
                       charts=[charts[r.indicator.code] for r in results.kpi.results if r.indicator.code in charts])
    files = {"docx": docx.document(sheet, out_dir / f"{file_stem(period)}.docx")}
    pdf = to_pdf(files["docx"])
    if pdf is not None:
        files["pdf"] = pdf
    return files
