"""Unit reports in the store, the plan and the CLI: migration i20_unit_reports down and up, the
consolidated report's reading (``reports_in_period``), the plan's ``report:`` blocks checked with
their lines, and ``submit`` with an option for each part.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from actions import COORDINATOR, extend, review
from alembic import command
from clikit import as_json, occurrence_id, ok, version_of
from office import SEED_DIR
from sqlalchemy import Engine, inspect, text
from sqlmodel import Session, select

from htx_tasks import services
from htx_tasks.core.statuses import SubmissionDecision
from htx_tasks.core.zones import at_local
from htx_tasks.engine import run_pass
from htx_tasks.plan.loader import Plan, load_plan
from htx_tasks.plan.yamlio import ConfigError
from htx_tasks.services import Actor, Decision, via_cli
from htx_tasks.store.answers import reports_in_period
from htx_tasks.store.db import alembic_config, session_scope
from htx_tasks.store.models import Submission

BEFORE = "i16_acknowledgement"
CONFIG_DIR = SEED_DIR  # the seed plan alone (office.py)
D = dt.date.fromisoformat
NOV = at_local(D("2026-11-27"), 9)
WARDS = ("phuong-ba-ngoi", "phuong-cam-linh", "phuong-cam-loc")


def items(session, duty: str) -> dict[str, int]:
    rows = session.execute(text("SELECT unit_code, id FROM occurrence WHERE duty_code = :d"), {"d": duty})
    return dict(rows.all())


def report(session, plan: Plan, number: int, unit: str, *, now: dt.datetime = NOV, **parts) -> None:
    seen = session.execute(text("SELECT version FROM occurrence WHERE id = :i"), {"i": number}).scalar()
    command_ = services.SubmitReport.parse(occurrence=number, expected_version=seen, **parts)
    services.submit(session, plan, Actor.of_unit(unit, via_cli()), command_, now=now)


def test_the_migration_renames_the_note_to_the_results_and_folds_the_parts_back_going_down(db_engine: Engine, plan: Plan) -> None:
    run_pass(db_engine, plan, NOV)
    with session_scope(db_engine) as session:
        ids = items(session, "xa-tuyen-truyen")
        report(
            session,
            plan,
            ids[WARDS[0]],
            WARDS[0],
            results="Tổ chức 3 hội nghị",
            figures={"buoi-tuyen-truyen": "3"},
            difficulties="Thiếu tài liệu",
            proposals="Cấp thêm tài liệu",
        )
        report(session, plan, ids[WARDS[1]], WARDS[1], results="Đã tuyên truyền")
    command.downgrade(alembic_config(db_engine), BEFORE)
    columns = {c["name"] for c in inspect(db_engine).get_columns("submission")}
    assert "note" in columns and not columns & {"results", "difficulties", "proposals", "figures"}
    with db_engine.begin() as conn:
        notes = conn.execute(text("SELECT note FROM submission ORDER BY id")).scalars().all()
        conn.execute(
            text(
                "INSERT INTO submission (occurrence_id, unit_code, submitted_at, note, decision) "
                "VALUES (:o, :u, :at, 'Báo cáo cũ, một đoạn', 'pending')"
            ),
            {"o": ids[WARDS[2]], "u": WARDS[2], "at": dt.datetime(2026, 11, 27, 3)},
        )
    assert notes == [
        "Tổ chức 3 hội nghị\n\nSố liệu: buoi-tuyen-truyen = 3\n\nKhó khăn, vướng mắc: Thiếu tài liệu"
        "\n\nĐề xuất, kiến nghị: Cấp thêm tài liệu",
        "Đã tuyên truyền",
    ]
    command.upgrade(alembic_config(db_engine), "head")
    with Session(db_engine) as session:
        rows = session.exec(select(Submission).order_by(Submission.id)).all()
    assert [r.results for r in rows] == [*notes, "Báo cáo cũ, một đoạn"]  # an old report reads as its results
    assert [(r.difficulties, r.proposals, r.figures) for r in rows] == [("", "", {})] * 3


def test_reports_in_period_reads_each_report_of_the_periods_due_in_the_window(db_engine: Engine, plan: Plan) -> None:
    run_pass(db_engine, plan, NOV)
    with session_scope(db_engine) as session:
        ids = items(session, "xa-tuyen-truyen")
        report(session, plan, ids[WARDS[0]], WARDS[0], results="Lần đầu", figures={"luot-nguoi": 120})
        review(session, plan, ids[WARDS[0]], decision=Decision.RETURN, note="Bổ sung", now=NOV)
        report(
            session,
            plan,
            ids[WARDS[0]],
            WARDS[0],
            results="Lần hai",
            figures={"luot-nguoi": "150"},
            difficulties="Thiếu kinh phí",
            now=NOV + dt.timedelta(hours=2),
        )
        report(session, plan, ids[WARDS[1]], WARDS[1], results="Đã tuyên truyền")
        review(session, plan, ids[WARDS[1]], decision=Decision.ACCEPT, note="Đạt", now=NOV)
        # an extension moves the deadline out of the year; the period still belongs to it
        extend(session, plan, ids[WARDS[2]], to=D("2027-01-20"), note="Chờ số liệu", now=NOV, actor=COORDINATOR)
        report(session, plan, ids[WARDS[2]], WARDS[2], results="Gửi sau khi gia hạn", now=at_local(D("2027-01-05"), 9))
    with Session(db_engine) as session:
        year = reports_in_period(session, plan.meta.code, D("2026-07-01"), D("2026-12-31"))
        next_half = reports_in_period(session, plan.meta.code, D("2027-01-01"), D("2027-06-30"))
        other_plan = reports_in_period(session, "ke-hoach-khac", D("2026-07-01"), D("2026-12-31"))
        edges = [
            len(reports_in_period(session, plan.meta.code, start, end))
            for start, end in (
                (D("2026-12-10"), D("2026-12-10")),
                (D("2026-12-11"), D("2026-12-31")),
                (D("2026-07-01"), D("2026-12-09")),
            )
        ]
    assert next_half == [] and other_plan == []
    assert edges == [4, 0, 0]  # both ends included: the quarter's deadline is 10/12
    got = [(r.unit_code, r.results, r.decision, r.latest, r.figures, r.difficulties) for r in year]
    assert got == [
        (WARDS[0], "Lần đầu", SubmissionDecision.RETURN, False, {"luot-nguoi": 120}, ""),
        (WARDS[0], "Lần hai", SubmissionDecision.PENDING, True, {"luot-nguoi": 150}, "Thiếu kinh phí"),
        (WARDS[1], "Đã tuyên truyền", SubmissionDecision.ACCEPT, True, {}, ""),
        (WARDS[2], "Gửi sau khi gia hạn", SubmissionDecision.PENDING, True, {}, ""),
    ]
    first = year[0]
    assert (first.plan_code, first.duty_code, first.duty_ref, first.deadline, first.period_label) == (
        plan.meta.code,
        "xa-tuyen-truyen",
        "III.8.1",
        D("2026-12-10"),
        "quý IV/2026",
    )
    assert first.submitted_at == NOV.astimezone(dt.UTC) and first.submitted_at.tzinfo is not None
    label = plan.duty(first.duty_code).report.figure("luot-nguoi")  # labels are the plan's: the caller reads them
    assert label is not None and (label.label, label.unit) == (
        "Số lượt cán bộ, công chức và Nhân dân được tuyên truyền",
        "lượt người",
    )
    with pytest.raises(Exception):  # noqa: B017, PT011 (a frozen dataclass refuses any assignment)
        first.results = "sửa"  # type: ignore[misc]


def broken_plan(tmp_path: Path, old: str, new: str) -> ConfigError:
    folder = tmp_path / "config"
    shutil.copytree(CONFIG_DIR, folder)
    source = (folder / "plan.yaml").read_text(encoding="utf-8")
    assert old in source
    (folder / "plan.yaml").write_text(source.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(ConfigError) as refused:
        load_plan(folder)
    return refused.value


def line_of(tmp_path: Path, words: str) -> int:
    lines = (tmp_path / "config" / "plan.yaml").read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, start=1) if words in line)


@pytest.mark.parametrize(
    ("old", "new", "where", "message"),
    [
        (
            "{key: luot-nguoi,",
            "{key: buoi-tuyen-truyen,",
            'key: buoi-tuyen-truyen, label: "Số lượt',
            "số liệu 'buoi-tuyen-truyen' bị trùng",
        ),
        ("{key: luot-nguoi,", "{key: Luot_Nguoi,", "Luot_Nguoi", "Luot_Nguoi"),
        ('unit: "lượt người"}', 'unit: "lượt người", whole: maybe}', "whole: maybe", "cần true hoặc false"),
        ('unit: "lượt người"}', 'unit: "lượt người", target: 10}', "target: 10", "target"),
        ('unit: "buổi"}', 'unit: ""}', 'unit: ""}', "cần ít nhất 1 ký tự"),
    ],
)
def test_a_report_block_the_plan_gets_wrong_is_refused_with_its_line(tmp_path: Path, old, new, where, message):
    problems = broken_plan(tmp_path, old, new).problems
    line = line_of(tmp_path, where)
    assert any(p.line == line and "plan.yaml" in str(p.file) for p in problems), [str(p) for p in problems]
    assert any(message in str(p) for p in problems), [str(p) for p in problems]


def test_a_duty_without_a_report_block_asks_results_difficulties_and_proposals(plan: Plan) -> None:
    form = plan.duty("kt-tham-muu").report
    assert (form.figures, form.difficulties, form.proposals) == ([], True, True)
    assert plan.duty("tckh-thu-tuc").report.difficulties is False
    assert all(d.report.figures for d in plan.source.duties if d.ref in ("III.5", "III.6", "III.7", "III.8.1"))


def test_submit_on_the_command_line_takes_each_part_and_show_lists_the_figures(ready, cli_env) -> None:
    number = occurrence_id(ready, "xa-tuyen-truyen", "phuong-ba-ngoi")
    shown = ok(ready("show", number, "--now", "2026-12-01T09:00"))
    assert "Số liệu kết quả (submit --figure buoi-tuyen-truyen=…): Số buổi tuyên truyền (buổi)" in shown
    assert [f["key"] for f in as_json(ready("show", number, "--json"))["figures"]] == ["buoi-tuyen-truyen", "luot-nguoi"]
    ok(
        ready(
            "submit",
            number,
            "--unit",
            "phuong-ba-ngoi",
            "--results",
            "Tổ chức 2 hội nghị",
            "--figure",
            "buoi-tuyen-truyen=2",
            "--figure",
            "luot-nguoi=300",
            "--difficulties",
            "Mưa bão",
            "--proposals",
            "Hỗ trợ tài liệu",
            "--evidence",
            "https://example.test/bc.pdf",
            "--version",
            version_of(ready, number),
            "--now",
            "2026-12-01T09:00",
        )
    )
    from htx_tasks.store.db import make_engine

    engine = make_engine(cli_env["HTX_DATABASE_URL"])
    with Session(engine) as session:
        stored = session.exec(select(Submission)).one()
    engine.dispose()
    assert (stored.results, stored.figures, stored.difficulties, stored.proposals) == (
        "Tổ chức 2 hội nghị",
        {"buoi-tuyen-truyen": 2, "luot-nguoi": 300},
        "Mưa bão",
        "Hỗ trợ tài liệu",
    )
    shown = ok(ready("show", number, "--now", "2026-12-01T10:00"))
    assert "Báo cáo lúc 09:00 01/12/2026 (chờ duyệt): Tổ chức 2 hội nghị" in shown
    assert "Số lượt cán bộ, công chức và Nhân dân được tuyên truyền: 300 lượt người" in shown
    assert "Khó khăn, vướng mắc: Mưa bão" in shown and "Đề xuất, kiến nghị: Hỗ trợ tài liệu" in shown
    assert as_json(ready("show", number, "--json"))["report"]["figures"] == {"buoi-tuyen-truyen": 2, "luot-nguoi": 300}
    twice = ready(
        "submit",
        number,
        "--unit",
        "phuong-ba-ngoi",
        "--results",
        "x",
        "--figure",
        "luot-nguoi=1",
        "--figure",
        "luot-nguoi=2",
        "--now",
        "2026-12-01T09:00",
    )
    assert twice.exit_code == 2 and "--figure: số liệu 'luot-nguoi' ghi hai lần" in twice.stderr
