"""The consolidated report's figures: Markdown and Excel reopened, their numbers checked against the database
(the Word document and its PDF: ``test_report_frame``, ``test_report_parts``)."""

from __future__ import annotations

import datetime as dt
import unicodedata
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import text
from sqlmodel import Session, select

from htx_tasks import clock
from htx_tasks.engine import run_pass, sync_plan
from htx_tasks.registry.service import load_demo
from htx_tasks.reporting.pdf import office
from htx_tasks.reporting.results import gather
from htx_tasks.reporting.service import write
from htx_tasks.services import Actor, ExtendDeadline, SubmitReport, extend, submit, via_cli
from htx_tasks.services.reporting import parse_period
from htx_tasks.store.db import session_scope
from htx_tasks.store.models import Occurrence

NOW = clock.parse_instant("2026-12-28T09:00")
H2 = parse_period("2026-H2")


@pytest.fixture
def reported(db_engine, plan, tmp_path: Path):
    """A plan followed up to 28/12/2026: one report with a difficulty, one extension, the rest overdue."""
    with session_scope(db_engine) as session:
        sync_plan(session, plan)
        load_demo(session, plan, now=NOW)
    run_pass(db_engine, plan, clock.parse_instant("2026-12-01T07:30"))
    with session_scope(db_engine) as session:
        rows = session.exec(select(Occurrence).order_by(Occurrence.deadline, Occurrence.id)).all()
        first = next(r for r in rows if r.unit_code == "phong-kinh-te")
        note = "Đã hướng dẫn 2 hợp tác xã; khó khăn: thiếu cán bộ chuyên trách ở xã Cam Lập"
        submit(session, plan, Actor.of_unit("phong-kinh-te", via_cli()),
               SubmitReport.parse(occurrence=first.id, results=note, expected_version=first.version),
               now=clock.parse_instant("2026-12-02T09:00"))
        later = next(r for r in rows if r.unit_code == "phuong-ba-ngoi")
        extend(session, plan, Actor.coordinator(via_cli()),
               ExtendDeadline.parse(occurrence=later.id, to=dt.date(2027, 1, 15),
                                    note="Chờ số liệu hợp tác xã sau đại hội thành viên thường niên",
                                    expected_version=later.version),
               now=clock.parse_instant("2026-12-03T09:00"))
    run_pass(db_engine, plan, NOW)
    _, files = write(db_engine, plan, H2, tmp_path / "out", now=NOW, var_dir=tmp_path / "var")
    return db_engine, files


def _scalar(engine, sql: str, **params) -> int:
    with engine.connect() as conn:
        return conn.execute(text(sql), params).scalar_one()


def test_report_numbers_match_the_database(reported, plan) -> None:
    """Bảng 1 and Bảng 2 count the work the plan directs; the bodies it asks (III.7) have their own table."""
    engine, files = reported
    book = load_workbook(files["xlsx"])
    assert book.sheetnames == ["Thông tin", "Kết quả theo đơn vị", "Nhiệm vụ quá hạn", "Đề nghị phối hợp", "Chỉ tiêu",
                               "Mục tiêu định tính", "Khó khăn vướng mắc"]
    units = book["Kết quả theo đơn vị"]
    header = [c.value for c in units[1]]
    total = next(r for r in units.iter_rows(min_row=2, values_only=True) if r[0] == "Tổng cộng")
    asked = tuple(plan.members("ubmttq-doan-the"))
    counted = "deadline BETWEEN :a AND :b AND state NOT IN ('waived', 'succeeded')"
    late = ("deadline BETWEEN :a AND :b AND deadline < :today AND "
            "state IN ('open', 'due_soon', 'overdue', 'escalated')")
    span = {"a": H2.start, "b": H2.end, "today": dt.date(2026, 12, 28)}
    assigned = _scalar(engine, f"SELECT count(*) FROM occurrence WHERE {counted} AND unit_code NOT IN {asked}", **span)
    overdue_now = _scalar(engine, f"SELECT count(*) FROM occurrence WHERE {late} AND unit_code NOT IN {asked}", **span)
    requests = _scalar(engine, f"SELECT count(*) FROM occurrence WHERE {counted} AND unit_code IN {asked}", **span)
    assert assigned > 0 and overdue_now > 0 and requests == 6
    assert total[header.index("Được giao")] == assigned
    assert total[header.index("Chưa hoàn thành (quá hạn)")] == overdue_now
    overdue = list(book["Nhiệm vụ quá hạn"].iter_rows(min_row=2, values_only=True))
    assert len(overdue) == overdue_now
    names = {plan.unit_name(code) for code in asked}
    assert not names & {r[1] for r in overdue} and not names & {r[0] for r in units.iter_rows(values_only=True)}
    exchanges = list(book["Đề nghị phối hợp"].iter_rows(values_only=True))
    assert exchanges[0] == ("Tổ chức", "Nội dung đề nghị", "Đã đến mốc trao đổi", "Đã có thông tin kết quả",
                            "Chưa có thông tin kết quả")
    assert {r[0]: r[1:] for r in exchanges[1:]} == {name: (1, 1, 0, 1) for name in names}
    indicators = {r[0]: r for r in book["Chỉ tiêu"].iter_rows(min_row=2, values_only=True)}
    closing = indicators["Số hợp tác xã không còn hoạt động chưa giải thể"]
    stopped = _scalar(engine, "SELECT count(*) FROM coop_version WHERE valid_from <= :d AND "
                              "(valid_to IS NULL OR valid_to > :d) AND kind IN ('hop-tac-xa', 'lien-hiep-htx') "
                              "AND status IN ('ngung-hoat-dong', 'cho-giai-the')", d=dt.date(2026, 12, 28))
    assert closing[3] == f"{stopped} hợp tác xã" and closing[-1] == "minh họa"
    head = [c.value for c in book["Chỉ tiêu"][1]]
    assert head[5:7] == ["Mức cần đạt năm 2026", "Chênh lệch"]
    rated = indicators["Tỷ lệ hợp tác xã đạt loại khá, tốt"]
    assert (rated[1], rated[5]) == ("60–70% năm 2030", "60–70%")  # maintained from the start: no rising line
    assert rated[6].endswith(" điểm phần trăm") and closing[6].endswith(" hợp tác xã")
    difficulties = [r[-1] for r in book["Khó khăn vướng mắc"].iter_rows(min_row=2, values_only=True)]
    assert any("thiếu cán bộ chuyên trách" in d for d in difficulties)
    assert any("Chờ số liệu hợp tác xã" in d for d in difficulties)


def test_markdown_and_text_stay_vietnamese(reported) -> None:
    _, files = reported
    md = files["md"].read_text(encoding="utf-8")
    assert unicodedata.is_normalized("NFC", md)
    assert "# BÁO CÁO" in md and "### II. KẾT QUẢ THỰC HIỆN CÁC CHỈ TIÊU" in md
    assert "**Nơi nhận:**" in md and "Hợp tác xã" not in md.split("### II.")[0][:50]
    assert "Tỷ lệ hợp tác xã đạt loại khá, tốt" in md and "đúng lộ trình" in md


def test_cli_writes_three_files_and_refuses_a_bad_period(run_cli, tmp_path: Path) -> None:
    assert run_cli("init").exit_code == 0
    bad = run_cli("report", "consolidated", "--period", "2026-Q3", "--out", tmp_path)
    assert bad.exit_code == 2 and "kỳ báo cáo không hợp lệ '2026-Q3'" in bad.stderr
    done = run_cli("report", "consolidated", "--period", "2026", "--out", tmp_path / "r", "--now", "2026-12-28T09:00")
    assert done.exit_code == 0, done.stderr
    printed = [".pdf"] if office() else []  # no LibreOffice: the CLI says there is no PDF (CI has it)
    assert sorted(p.suffix for p in (tmp_path / "r").iterdir()) == sorted([".docx", ".md", ".xlsx", *printed])
    assert ("Chưa tạo được bản PDF" in done.stdout) is not bool(printed)


def test_the_files_and_the_draft_count_an_item_due_today_alike(reported, plan, tmp_path: Path) -> None:
    """Both tables count with ``reporting.tally``: on 15/12 at 10:00 the urban department's item due
    that day has come due (the draft's "đã đến hạn", the workbook's "Đến hạn") and is open in its term:
    not overdue, and no rate yet, in the Excel figures as in the draft's tracking table."""
    engine, _ = reported
    now = clock.parse_instant("2026-12-15T10:00")
    _, files = write(engine, plan, H2, tmp_path / "15-12", now=now, var_dir=tmp_path / "var")
    rows = {r[0]: r for r in load_workbook(files["xlsx"])["Kết quả theo đơn vị"].iter_rows(values_only=True)}
    name = plan.unit_name("phong-quan-ly-do-thi")
    assert rows[name][1:] == (1, 1, 0, 0, 1, 0, None)  # given, due, on time, late, in its term, past it, rate
    with Session(engine) as session:
        drafted = {r.unit_name: r for r in gather(session, plan, H2, now).tracking}
    row = drafted[name]
    assert (row.due, row.on_time, row.late, row.missed, row.open, row.overdue) == (1, 0, 0, 0, 1, 0)
