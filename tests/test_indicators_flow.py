"""The indicators flow under a Prefect test server: table, charts, alerts told once (through the outbox)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from office import SEED_DIR
from prefect.artifacts import Artifact
from sqlalchemy import update
from sqlmodel import Session, select

from htx_tasks import clock
from htx_tasks.plan.loader import load_plan
from htx_tasks.registry.models import CoopVersion
from htx_tasks.registry.service import load_demo
from htx_tasks.store.db import make_engine, session_scope, upgrade
from htx_tasks.store.models import Notification

CONFIG_DIR = SEED_DIR
NOW = "2026-11-27T09:00"


@pytest.fixture
def demo_install(prefect_api, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    config = tmp_path / "config"
    shutil.copytree(CONFIG_DIR, config)
    url = f"sqlite:///{tmp_path / 'htx.db'}"
    for name, value in (("HTX_CONFIG_DIR", config), ("HTX_VAR_DIR", tmp_path / "var"), ("HTX_DATABASE_URL", url)):
        monkeypatch.setenv(name, str(value))
    engine = make_engine(url)
    upgrade(engine)
    with session_scope(engine) as session:
        load_demo(session, load_plan(config), now=clock.parse_instant(NOW))
    yield engine, tmp_path / "var"
    engine.dispose()


def test_indicators_flow_publishes_table_and_charts_and_alerts_once(demo_install) -> None:
    from flows.indicators import TABLE_KEY, indicators

    engine, var = demo_install
    state = indicators(year=2026, now=NOW, return_state=True)
    assert (state.type.value, state.name) == ("FAILED", "Chệch lộ trình")  # never shown green
    assert "Số hợp tác xã không còn hoạt động chưa giải thể" in state.message
    assert "DỮ LIỆU MINH HỌA" in state.message

    artifact = Artifact.get(TABLE_KEY)
    rows = json.loads(artifact.data) if isinstance(artifact.data, str) else artifact.data
    assert len(rows) == 6 and {r["Dữ liệu"] for r in rows} == {"minh họa"}
    assert "DỮ LIỆU MINH HỌA" in artifact.description
    closing = next(r for r in rows if r["Chỉ tiêu"].startswith("Số hợp tác xã không còn"))
    assert closing["Đánh giá"] == "chậm so với lộ trình" and closing["Năm 2026"] == "4 hợp tác xã"
    assert (closing["Mức cần đạt năm 2026"], closing["Chênh lệch"]) == ("≤ 2 hợp tác xã", "-2 hợp tác xã")
    rated = next(r for r in rows if r["Chỉ tiêu"] == "Tỷ lệ hợp tác xã đạt loại khá, tốt")
    assert rated["Mức cần đạt năm 2026"] == "60–70%" and rated["Chênh lệch"].endswith(" điểm phần trăm")

    image = Artifact.get("bieu-do-htx-kha-tot-2030")
    assert image.type == "image" and image.data.startswith("data:image/png;base64,")
    charts = sorted(p.name for p in (var / "charts" / "chi-tieu-2026").glob("*.png"))
    assert len(charts) == 6 and all((var / "charts" / "chi-tieu-2026" / c).stat().st_size > 10_000 for c in charts)

    inbox = (var / "inbox" / "coordinator.txt").read_text(encoding="utf-8")
    assert "chỉ tiêu năm 2026 chệch lộ trình" in inbox
    assert ("Số hợp tác xã không còn hoạt động chưa giải thể: 4 hợp tác xã tại 27/11/2026; mức cần đạt năm 2026 "
            "là ≤ 2 hợp tác xã (chênh lệch -2 hợp tác xã); mục tiêu 0 hợp tác xã năm 2030.") in inbox
    # "tổng số hợp tác xã": the stopped and the young count too, and the band is held from the start
    assert "Tỷ lệ hợp tác xã đạt loại khá, tốt: 59,4% tại 27/11/2026; mức cần đạt năm 2026 là 60–70% " \
           "(chênh lệch -0,6 điểm phần trăm)" in inbox
    assert "Phòng Tài chính – Kế hoạch" in inbox
    assert not (var / "inbox" / "leadership.txt").exists()  # leadership never hears of demonstration figures

    indicators(year=2026, now="2026-11-30T09:00", return_state=True)  # a rerun tells nobody again
    rows = alerts_in_outbox(engine)
    assert sorted((r.subject, r.recipient, r.status) for r in rows) == [
        ("giai-the-htx-2030/2026/behind", "coordinator", "sent"), ("htx-kha-tot-2030/2026/below_range", "coordinator", "sent")]
    assert (var / "inbox" / "coordinator.txt").read_text(encoding="utf-8").count("chệch lộ trình\n") == \
        inbox.count("chệch lộ trình\n")


def test_real_figures_off_their_path_reach_leadership(demo_install) -> None:
    from flows.indicators import indicators

    engine, var = demo_install
    with session_scope(engine) as session:  # the same registry, as if its figures were real
        session.execute(update(CoopVersion).values(synthetic=False))
    state = indicators(year=2026, now=NOW, return_state=True)
    assert state.name == "Chệch lộ trình" and "DỮ LIỆU MINH HỌA" not in state.message
    told = (var / "inbox" / "leadership.txt").read_text(encoding="utf-8")
    assert "Số hợp tác xã không còn hoạt động chưa giải thể: 4 hợp tác xã" in told
    assert "minh họa" not in told
    assert sorted(r.recipient for r in alerts_in_outbox(engine)) == ["coordinator", "coordinator", "leadership",
                                                                     "leadership"]


def alerts_in_outbox(engine) -> list[Notification]:
    with Session(engine) as session:
        return list(session.exec(select(Notification).where(Notification.kind == "indicator")).all())


def test_report_flow_writes_three_files_and_a_markdown_artifact(demo_install) -> None:
    from flows.report import REPORT_KEY, consolidated_report, default_period
    from htx_tasks.reporting.pdf import office

    _, var = demo_install
    state = consolidated_report(period="2026-H2", now=NOW, return_state=True)
    assert state.name == "Đã lập báo cáo"
    out = var / "reports" / "2026-H2"
    printed = [".pdf"] if office() else []  # LibreOffice prints the Word document (CI has it)
    assert sorted(p.suffix for p in out.iterdir()) == sorted([".docx", ".md", ".xlsx", *printed])
    artifact = Artifact.get(REPORT_KEY)
    assert "# BÁO CÁO" in artifact.data and "**Nơi nhận:**" in artifact.data
    assert "DỮ LIỆU MINH HỌA" in artifact.description
    assert [default_period(clock.parse_instant(t)) for t in ("2027-06-20T08:00", "2027-12-20T08:00")] == \
        ["2027-H1", "2027"]


def test_the_retry_flow_sends_an_indicator_alert_that_failed_before(demo_install) -> None:
    from flows.retry import retry_deliveries

    engine, var = demo_install
    at = clock.parse_instant(NOW)
    with session_scope(engine) as session:
        session.add(Notification(kind="indicator", level=-1, detail=2026, recipient="coordinator", attempts=1,
                                 subject="tmdt-2030/2026/behind", due_at=at, created_at=at, next_attempt_at=at,
                                 body="- Tỷ lệ sản phẩm chủ lực bán qua thương mại điện tử: thử lại",
                                 last_error="timeout"))
    state = retry_deliveries(now="2026-11-27T09:15", return_state=True)
    assert state.message.startswith("Gửi lại 1 mục")
    [row] = alerts_in_outbox(engine)
    assert (row.status, row.attempts) == ("sent", 2)
    assert "thương mại điện tử: thử lại" in (var / "inbox" / "coordinator.txt").read_text(encoding="utf-8")


def test_a_bad_variable_ends_a_run_failed_in_words_naming_it(demo_install, monkeypatch) -> None:
    from flows.indicators import indicators

    monkeypatch.setenv("HTX_LINK_DAYS", "45 ngày")
    state = indicators(year=2026, now=NOW, return_state=True)
    assert (state.type.value, state.name) == ("FAILED", "Biến môi trường không hợp lệ")
    assert "HTX_LINK_DAYS phải là số ngày từ 1 đến 3.650, nhận được '45 ngày'" in state.message
