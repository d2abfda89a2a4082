"""Shared fixtures: the real plan, throw-away databases (SQLite and PostgreSQL), fixed clocks.

The clock is never read here: every test passes its own ``now``.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import settings
from office import SEED_DIR
from sqlalchemy import Engine, event, inspect

from htx_tasks.plan.loader import Plan, load_plan
from htx_tasks.store.db import current_revision, make_engine, upgrade

ROOT = Path(__file__).resolve().parents[1]
CONFIG_DIR = SEED_DIR  # the seed plan alone (office.py)
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # the flows/ package sits next to htx_tasks/
# Property tests: no per-example time limit (two shared cores; the first holiday lookup of a year
# is slow), and no example database written into the work tree.
# `pytest --hypothesis-profile=thorough` searches longer.
settings.register_profile("htx", deadline=None, database=None)
settings.register_profile("thorough", deadline=None, database=None, max_examples=3000)
settings.load_profile("htx")
pytest_plugins = ["tests.webkit"]  # the web tests' shared fixture ``site``
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/test"
PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/{name}"


@pytest.fixture(scope="session")
def config_dir() -> Path:
    return CONFIG_DIR


@pytest.fixture(scope="session")
def plan() -> Plan:
    return load_plan(CONFIG_DIR)


def _no_postgres(reason: str) -> None:
    if os.environ.get("HTX_REQUIRE_POSTGRES") == "1":
        pytest.fail(f"PostgreSQL is required (HTX_REQUIRE_POSTGRES=1) but {reason}")
    print(f"skipping PostgreSQL tests: {reason}")
    pytest.skip(f"no PostgreSQL: {reason}")


def _admin():
    """A connection to the PostgreSQL server's `test` database (autocommit), or a skip/failure."""
    import psycopg

    try:
        return psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        _no_postgres(f"no server answers ({str(exc).strip().splitlines()[0]})")


@contextlib.contextmanager
def _database(prefix: str) -> Iterator[str]:
    """A fresh, EMPTY database on the local PostgreSQL server, dropped afterwards; yields its name."""
    name = f"{prefix}_{secrets.token_hex(6)}"
    admin = _admin()
    try:
        admin.execute(f'CREATE DATABASE "{name}"')
        yield name
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@pytest.fixture(scope="module")
def pg_url() -> Iterator[str]:
    """A fresh, EMPTY database on the local PostgreSQL server for this test module, dropped afterwards."""
    with _database("htx") as name:
        yield PG_URL.format(name=name)


@pytest.fixture(scope="module")
def pg_database() -> Callable[[str], contextlib.AbstractContextManager[str]]:
    """Further fresh databases on the same server (a Prefect server's own, say): ``with pg_database("prefix")
    as name``, dropped when the block ends. Skips, or fails under HTX_REQUIRE_POSTGRES=1, like ``pg_url``."""
    return _database


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file upgraded once per test session; each test gets a copy (migrations run once)."""
    path = tmp_path_factory.mktemp("template") / "htx.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture(scope="module")
def pg_module_engine(pg_url: str) -> Iterator[Engine]:
    """The module's PostgreSQL database, upgraded once; ``db_engine`` empties it after each test."""
    engine = make_engine(pg_url)
    upgrade(engine)
    try:
        yield engine
    finally:
        engine.dispose()


def _empty_postgres(engine: Engine, head: str | None) -> None:
    """Leave the database as ``upgrade`` made it: every table emptied, its ids restarting, or, when a
    test moved the schema itself (a migration test), the schema dropped and upgraded again."""
    if current_revision(engine) != head:
        with engine.begin() as conn:
            conn.exec_driver_sql("DROP SCHEMA public CASCADE")
            conn.exec_driver_sql("CREATE SCHEMA public")
        upgrade(engine)
        return
    tables = [name for name in inspect(engine).get_table_names(schema="public") if name != "alembic_version"]
    with engine.begin() as conn:  # DELETE, not TRUNCATE: tiny tables, one WAL flush instead of many file syncs
        conn.exec_driver_sql("SET LOCAL session_replication_role = replica")  # no foreign-key order to follow
        for name in tables:
            conn.exec_driver_sql(f'DELETE FROM public."{name}"')
        for (sequence,) in conn.exec_driver_sql("SELECT sequencename FROM pg_sequences WHERE schemaname = 'public'"):
            conn.exec_driver_sql(f'ALTER SEQUENCE public."{sequence}" RESTART')


@pytest.fixture
def cli_env(tmp_path: Path) -> dict[str, str]:
    """Environment for CLI runs: a SQLite file and var folder under tmp_path, wide output."""
    return {
        "HTX_DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}",
        "HTX_VAR_DIR": str(tmp_path / "var"),
        "HTX_CONFIG_DIR": str(CONFIG_DIR),
        "COLUMNS": "2000",  # Rich wraps at the terminal width; keep "file:line: message" on one line
    }


@pytest.fixture
def run_cli(cli_env: dict[str, str]):
    """Invoke ``htx-tasks`` in-process; stdout and stderr are captured separately."""
    from typer.testing import CliRunner

    from htx_tasks.cli.main import app

    runner = CliRunner()

    def run(*args: str, env: dict[str, str] | None = None):
        return runner.invoke(app, [str(a) for a in args], env={**cli_env, **(env or {})})

    return run


@pytest.fixture
def ready(run_cli):
    """A database initialised and ticked once on the morning of 2/11/2026 (the CLI tests' ``NOW``)."""
    from clikit import NOW, ok

    ok(run_cli("init"))
    ok(run_cli("tick", "--now", NOW, "--no-dispatch"))
    return run_cli


@pytest.fixture(params=["sqlite", "postgresql"])
def db_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An upgraded, empty database of its own: a copy of the session's SQLite template under
    tmp_path, or the module's PostgreSQL database emptied after each test (migrations run once)."""
    if request.param == "sqlite":
        path = tmp_path / "htx.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        engine = make_engine(f"sqlite:///{path}")
        try:
            yield engine
        finally:
            engine.dispose()
        return
    engine = request.getfixturevalue("pg_module_engine")
    head = current_revision(engine)
    if head is None:  # another fixture of the module (a CLI on pg_url) dropped the schema
        upgrade(engine)
        head = current_revision(engine)
    try:
        yield engine
    finally:
        engine.dispose()  # connections a test left open would block the TRUNCATE
        _empty_postgres(engine, head)


def _search_path(schema: str):
    def on_connect(dbapi_conn, _record) -> None:
        autocommit = dbapi_conn.autocommit
        dbapi_conn.autocommit = True
        dbapi_conn.execute(f"SET search_path TO {schema}")
        dbapi_conn.autocommit = autocommit

    return on_connect


@pytest.fixture
def another_db_engine(db_engine: Engine, tmp_path: Path) -> Iterator[Callable[[], Engine]]:
    """Make further empty, upgraded databases on db_engine's backend (to compare two histories).

    SQLite: another file. PostgreSQL: another schema in the module's database, via search_path.
    """
    made: list[tuple[Engine, str | None]] = []

    def make() -> Engine:
        if db_engine.dialect.name == "sqlite":
            engine, schema = make_engine(f"sqlite:///{tmp_path / f'htx-{len(made)}.db'}"), None
        else:
            schema = f"htx_{secrets.token_hex(4)}"
            with db_engine.begin() as conn:
                conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
            engine = make_engine(db_engine.url.render_as_string(hide_password=False))
            # not "?options=-csearch_path%3D...": Alembic's config cannot hold a '%' in the URL
            event.listen(engine, "connect", _search_path(schema), insert=True)
        upgrade(engine)
        made.append((engine, schema))
        return engine

    yield make
    for engine, schema in made:
        engine.dispose()
        if schema is not None:
            with db_engine.begin() as conn:
                conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")


# --------------------------------------------------------------------------- Prefect


@pytest.fixture(scope="session")
def prefect_api() -> Iterator[str]:
    """One temporary Prefect server for the whole session, flow heartbeats off; yields its API URL."""
    from prefect.settings import (
        PREFECT_API_URL,
        PREFECT_FLOWS_HEARTBEAT_FREQUENCY,
        PREFECT_SERVER_ANALYTICS_ENABLED,
        temporary_settings,
    )
    from prefect.testing.utilities import prefect_test_harness

    with (
        temporary_settings({PREFECT_SERVER_ANALYTICS_ENABLED: False}),
        prefect_test_harness(server_startup_timeout=90),
        temporary_settings({PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}),
    ):
        yield PREFECT_API_URL.value()


@pytest.fixture
def installed(prefect_api: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    """Installed at the start of tracking: its first pass ran on Monday 2/11/2026, so what falls
    due later is followed up (a first pass on the day of a test would not open periods that are
    already due: nothing is born overdue)."""
    import datetime as dt

    from flowkit import _install

    from htx_tasks.core.zones import at_local
    from htx_tasks.engine import run_pass

    engine = _install(tmp_path, monkeypatch)
    run_pass(engine, load_plan(tmp_path / "config"), at_local(dt.date(2026, 11, 2), 7, 30))
    yield engine
    engine.dispose()


@pytest.fixture
def prefect_records():
    """Every record Prefect's flow-run and task-run loggers emit during the test."""
    import logging

    from flowkit import Records

    handler = Records()
    loggers = [logging.getLogger(name) for name in ("prefect.flow_runs", "prefect.task_runs")]
    for logger in loggers:
        logger.addHandler(handler)
    yield handler
    for logger in loggers:
        logger.removeHandler(handler)


# --------------------------------------------------------------------------- delivery


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A throw-away installation for delivery (tests/deliverykit.py): config copy, var dir, SQLite."""
    from deliverykit import make_world

    w = make_world(tmp_path, monkeypatch)
    yield w
    w.engine.dispose()


@pytest.fixture
def http():
    """An HTTP receiver on loopback (tests/receivers.py) answering 200 to every POST."""
    from receivers import HttpReceiver

    with HttpReceiver() as receiver:
        yield receiver
