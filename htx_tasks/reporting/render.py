"""The consolidated report as Markdown and as an Excel workbook (one sheet per table)."""

from __future__ import annotations

from pathlib import Path

from htx_tasks.core.cells import append_row, markdown_text
from htx_tasks.reporting import tables as t
from htx_tasks.reporting.data import Consolidated


def _md_table(table: t.Table) -> list[str]:
    lines = [f"**{table.title}**", "", "| " + " | ".join(table.header) + " |",
             "|" + "---|" * len(table.header)]
    lines += ["| " + " | ".join(markdown_text(v) for v in row) + " |" for row in table.rows]
    if not table.rows:
        lines += ["| " + " | ".join(["Không có"] + [""] * (len(table.header) - 1)) + " |"]
    return [*lines, ""]


def markdown(report: Consolidated, *, chart_links: dict[str, str] | None = None) -> str:
    """The whole report in Markdown (also the Prefect artifact); charts as links when given."""
    plan = report.plan
    title, subject = t.title_lines(report)
    lines = [
        " — ".join(t.issuer_lines(plan.meta.issuer)) + f" · Số:      /{t.SYMBOL}",
        "",
        f"*{t.date_line(report)}*",
        "",
        f"# {title}",
        f"## {subject}",
        "",
    ]
    notice = t.synthetic_notice(report)
    if notice:
        lines += [f"> **{notice}**", ""]
    lines += [t.intro(report), "", t.summary(report), ""]
    duty, overdue, requests, indicators, qualitative, difficulties = t.all_tables(report)
    lines += [f"### {t.SECTIONS[0]}", "", *_md_table(duty), *_md_table(overdue), *_md_table(requests)]
    lines += [f"### {t.SECTIONS[1]}", "", *_md_table(indicators)]
    for result in report.kpi.results:
        link = (chart_links or {}).get(result.indicator.code)
        if link:
            lines += [f"![{result.indicator.title}]({link})", ""]
    lines += [f"### {t.SECTIONS[2]}", "", *_md_table(qualitative)]
    lines += [f"### {t.SECTIONS[3]}", "", *_md_table(difficulties)]
    lines += ["**Nơi nhận:**", *[f"- {r};" for r in plan.meta.recipients], "",
              *[f"**{line}**" for line in plan.meta.signer.office], "", f"**{plan.meta.signer.name}**", ""]
    return "\n".join(lines)


def workbook(report: Consolidated, path: Path) -> Path:
    """One sheet per table, the header in bold on row 1; a notice sheet first for synthetic data."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    book.remove(book.active)
    info = book.create_sheet("Thông tin")
    title, subject = t.title_lines(report)
    for line in [*t.issuer_lines(report.plan.meta.issuer), t.date_line(report), title, subject,
                 t.synthetic_notice(report) or "", t.summary(report)]:
        append_row(info, [line])
    info.column_dimensions["A"].width = 120
    for table in t.all_tables(report):
        sheet = book.create_sheet(table.key[:31])
        sheet.append(table.header)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        for row in table.rows:
            append_row(sheet, row)
        for index, name in enumerate(table.header, start=1):
            width = max([len(str(name))] + [len(str(r[index - 1])) for r in table.rows]) + 2
            sheet.column_dimensions[get_column_letter(index)].width = min(60, max(10, width))
        sheet.freeze_panes = "A2"
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path
