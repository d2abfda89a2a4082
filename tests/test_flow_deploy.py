"""``htx-tasks deploy --pool``: the same deployments on a process work pool, run by a worker on this
machine against a Prefect server on the local PostgreSQL, with the task database on PostgreSQL too.

Skipped (with the reason printed) when PostgreSQL is not reachable, unless HTX_REQUIRE_POSTGRES=1.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from office import SEED_DIR
from sqlalchemy import func
from sqlmodel import Session, select

from htx_tasks.store.db import make_engine
from htx_tasks.store.models import Occurrence

ROOT = Path(__file__).resolve().parents[1]
CONFIG_DIR = SEED_DIR
BIN = Path(sys.executable).parent
WARDS_DEPLOYMENT = "Theo dõi đơn vị/III.8 — UBND các xã, phường"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _healthy(api: str) -> bool:
    try:
        with urllib.request.urlopen(f"{api}/health", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def _stop(process: subprocess.Popen, sig: int = signal.SIGTERM, timeout: float = 30) -> None:
    if process.poll() is not None:
        return
    os.killpg(process.pid, sig)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


@pytest.fixture(scope="module")
def prefect_on_postgres(pg_url: str, pg_database, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``prefect server start`` on a fresh PostgreSQL database; yields its API URL."""
    with pg_database("htx_prefect") as name:
        yield from _prefect_server(name, tmp_path_factory)


def _prefect_server(name: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    home = tmp_path_factory.mktemp("prefect-home")
    port = free_port()
    api = f"http://127.0.0.1:{port}/api"
    env = {**os.environ, "PREFECT_HOME": str(home), "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
           "PREFECT_API_DATABASE_CONNECTION_URL": f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"}
    env.pop("PREFECT_API_URL", None)
    log = (home / "server.log").open("wb")
    server = subprocess.Popen([str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
                              env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while not _healthy(api):
            assert server.poll() is None, (home / "server.log").read_text()
            assert time.monotonic() < deadline, "the Prefect server did not start"
            time.sleep(0.5)
        yield api
    finally:
        _stop(server)
        log.close()


def test_deploy_needs_the_address_of_the_shared_server(run_cli) -> None:
    result = run_cli("deploy", "--pool", "htx", env={"PREFECT_API_URL": ""})
    assert result.exit_code == 2
    assert "PREFECT_API_URL" in result.stderr


def test_a_worker_on_a_process_pool_runs_the_deployments_against_postgresql(
        prefect_on_postgres: str, pg_url: str, tmp_path: Path) -> None:
    from prefect import get_client
    from prefect.deployments import run_deployment
    from prefect.settings import PREFECT_API_URL, temporary_settings

    pool = f"htx-{secrets.token_hex(3)}"
    env = {**os.environ, "PREFECT_API_URL": prefect_on_postgres, "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
           "HTX_DATABASE_URL": pg_url, "HTX_CONFIG_DIR": str(CONFIG_DIR), "HTX_VAR_DIR": str(tmp_path / "var"),
           "COLUMNS": "200"}
    subprocess.run([str(BIN / "htx-tasks"), "init"], env=env, check=True, capture_output=True)
    # in use since tracking started (a first pass on 2/11/2026 opened the wards' fourth-quarter reports)
    subprocess.run([str(BIN / "htx-tasks"), "tick", "--now", "2026-11-02T07:30", "--no-dispatch"], env=env,
                   check=True, capture_output=True)
    deployed = subprocess.run([str(BIN / "htx-tasks"), "deploy", "--pool", pool, "--json"], env=env,
                              capture_output=True, text=True, cwd=ROOT, check=False)
    assert deployed.returncode == 0, deployed.stderr
    answer = json.loads(deployed.stdout)
    assert answer["pool_created"] is True
    assert len(answer["deployments"]) == 14  # 8 units, board, indicators, report, retries, two forms

    # the worker runs somewhere else: its own folder, the database address from its environment
    worker_dir = tmp_path / "worker"
    worker_dir.mkdir()
    log = (tmp_path / "worker.log").open("wb")
    worker = subprocess.Popen(
        [str(BIN / "prefect"), "worker", "start", "--pool", pool, "--type", "process"],
        env={**env, "PREFECT_WORKER_QUERY_SECONDS": "1", "PREFECT_WORKER_PREFETCH_SECONDS": "5"},
        cwd=worker_dir, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    try:
        with temporary_settings({PREFECT_API_URL: prefect_on_postgres}):
            with get_client(sync_client=True) as client:
                deployment = client.read_deployment_by_name(WARDS_DEPLOYMENT)
                assert deployment.work_pool_name == pool
                [schedule] = deployment.schedules
                assert (schedule.schedule.cron, schedule.schedule.timezone) == ("30 7 * * 1-6", "Asia/Ho_Chi_Minh")
            flow_run = run_deployment(WARDS_DEPLOYMENT, parameters={"now": "2026-12-14T07:30"}, timeout=180,
                                      poll_interval=1, as_subflow=False)
        assert flow_run.state is not None and flow_run.state.name == "Quá hạn", (tmp_path / "worker.log").read_text()
        assert "30 nhiệm vụ đang mở, 30 quá hạn" in flow_run.state.message
    finally:
        _stop(worker, signal.SIGINT)
        log.close()
    engine = make_engine(pg_url)
    try:
        with Session(engine) as session:
            wards = session.exec(select(func.count()).select_from(Occurrence)
                                 .where(Occurrence.unit_code.like("phuong-%") | Occurrence.unit_code.like("xa-%"))
                                 ).one()
        assert wards == 30
    finally:
        engine.dispose()
