"""The deployments served by ``python -m flows.serve`` against a real Prefect server, with the web
app beside the runner, scheduled runs and the record form run as deployments.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from flowkit import CONFIG_DIR, PERSON, ROOT, TTVH
from prefect import get_client
from prefect.exceptions import ObjectNotFound
from sqlalchemy import Engine
from sqlmodel import Session, select

from flows.serve import web_healthy
from htx_tasks.core.zones import at_local
from htx_tasks.store.db import make_engine
from htx_tasks.store.models import Occurrence

# --------------------------------------------------------------------------- served against a real server


def _wait_for(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


def test_the_deployments_are_served_and_run_on_a_real_server(prefect_api: str, tmp_path: Path) -> None:
    from prefect.deployments import run_deployment

    env = {
        **os.environ,
        "PREFECT_API_URL": prefect_api,
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_FLOWS_HEARTBEAT_FREQUENCY": "",
        "HTX_CONFIG_DIR": str(CONFIG_DIR),
        "HTX_VAR_DIR": str(tmp_path / "var"),
        "HTX_DATABASE_URL": f"sqlite:///{tmp_path / 'served.db'}",
    }
    env.pop("PREFECT_FLOWS_HEARTBEAT_FREQUENCY")
    for name in ("HTX_WEB_URL", "HTX_LINK_KEY", "HTX_LINK_KEY_FILE", "HTX_LINK_SECRET_BLOCK"):
        env.pop(name, None)
    with socket.socket() as probe:  # a free port for the web app started beside the runner
        probe.bind(("127.0.0.1", 0))
        web_port = probe.getsockname()[1]
    log = (tmp_path / "serve.log").open("w")
    serving = subprocess.Popen([sys.executable, "-m", "flows.serve", "--api-url", prefect_api, "--no-first-run",
                                "--web-port", str(web_port)],
                               cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    unit_name = "Theo dõi đơn vị/III.6 — Trung tâm Văn hóa – Thông tin và Thể thao"
    try:
        with get_client(sync_client=True) as client:
            def registered():
                try:
                    return client.read_deployment_by_name("Ghi nhận kết quả/Ghi nhận kết quả")
                except ObjectNotFound:
                    return None

            _wait_for(registered, 90, "the deployments to be registered")
            _wait_for(lambda: web_healthy(f"http://127.0.0.1:{web_port}"), 60, "the web app")
            key_file = tmp_path / "var" / "link.key"
            assert key_file.stat().st_mode & 0o077 == 0  # generated, readable by the owner only
            coordinator = re.search(r"http://127\.0\.0\.1:\d+/c/\S+", (tmp_path / "serve.log").read_text())
            with urllib.request.urlopen(coordinator.group(0), timeout=10) as page:
                assert "Báo cáo chờ duyệt" in page.read().decode()
            deployment = client.read_deployment_by_name(unit_name)
            assert not deployment.paused
            [schedule] = deployment.schedules
            assert (schedule.schedule.cron, schedule.schedule.timezone) == ("30 7 * * 1-6", "Asia/Ho_Chi_Minh")
            assert deployment.parameters == {"unit": TTVH}

        # runs scheduled for past mornings, no `now`: each computed for its own scheduled time. The
        # first, when tracking starts, opens November's report (due 25/11); on 26/11 it is overdue
        for day, standing in ((dt.date(2026, 11, 2), "Đúng tiến độ"), (dt.date(2026, 11, 26), "Quá hạn")):
            flow_run = run_deployment(unit_name, scheduled_time=at_local(day, 7, 30), timeout=120,
                                      poll_interval=1, as_subflow=False)
            assert flow_run.state.name == standing, (tmp_path / "serve.log").read_text()
            assert f"07:30 {day:%d/%m/%Y}" in flow_run.state.message
        assert flow_run.state.type.value == "FAILED"  # red in the UI...
        served = (tmp_path / "serve.log").read_text()
        assert "Traceback" not in served and "unexpected exception" not in served, served  # ...but no traceback
        assert served.count("trung-tam-vhtt-tt: ") == 2  # one line per run
        assert " INFO " not in served, served  # the runner's own chatter stays in the UI, not on the console
        assert "trung-tam-vhtt-tt: Quá hạn — III.6 Trung tâm Văn hóa – Thông tin và Thể thao, 07:30 26/11/2026: " \
               "1 nhiệm vụ đang mở, 1 quá hạn." in served
        engine = make_engine(env["HTX_DATABASE_URL"])
        occurrence = _wait_for(lambda: _first_open(engine, TTVH), 10, "an occurrence")
        with Session(engine) as session:
            shown = session.get(Occurrence, occurrence).version  # the unit table's "Phiên bản"
        submitted = {"occurrence": occurrence, "actor": TTVH, "action": "Đơn vị báo cáo hoàn thành",
                     "note": "Đã gửi báo cáo", "version": shown, "now": "2026-12-14T10:00"}
        from prefect.exceptions import PrefectHTTPStatusError

        with pytest.raises(PrefectHTTPStatusError, match="'person' is a required property"):  # nameless: no run
            run_deployment("Ghi nhận kết quả/Ghi nhận kết quả", timeout=0, as_subflow=False, parameters=submitted)
        form = run_deployment("Ghi nhận kết quả/Ghi nhận kết quả", timeout=120, poll_interval=1, as_subflow=False,
                              parameters={**submitted, "person": PERSON})
        assert form.state.name == "Đã ghi nhận", form.state.message
        with Session(engine) as session:
            assert session.get(Occurrence, occurrence).state == "submitted"
        engine.dispose()
    finally:
        serving.send_signal(signal.SIGINT)  # Ctrl-C
        try:
            code = serving.wait(timeout=60)
        except subprocess.TimeoutExpired:
            serving.kill()
            raise
        log.close()
    assert code == 0, (tmp_path / "serve.log").read_text()
    assert not web_healthy(f"http://127.0.0.1:{web_port}")  # stopped with the runner
    with get_client(sync_client=True) as client:
        assert not client.read_deployment_by_name(unit_name).paused  # schedules stay active


def _first_open(engine: Engine, unit: str) -> int | None:
    with Session(engine) as session:
        return session.exec(select(Occurrence.id).where(Occurrence.unit_code == unit,
                                                         Occurrence.state.in_(["open", "due_soon", "overdue",
                                                                               "escalated"]))
                            .order_by(Occurrence.deadline.desc())).first()
