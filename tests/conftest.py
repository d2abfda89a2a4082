"""Shared fixtures: the real plan, throw-away databases (SQLite and PostgreSQL), fixed clocks.

The clock is never read here: every test passes its own ``now``.
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import settings
from sqlalchemy import Engine, event, inspect

from htx_tasks.plan.loader import Plan, load_plan
from htx_tasks.store.db import current_revision, make_engine, upgrade

CONFIG_DIR = Path(__file__).parents[1] / "config"
# Property tests: no per-example time limit (two shared cores; the first holiday lookup of a year
# is slow), and no example database written into the work tree.
# `pytest --hypothesis-profile=thorough` searches longer.
settings.register_profile("htx", deadline=None, database=None)
settings.register_profile("thorough", deadline=None, database=None, max_examples=3000)
settings.load_profile("htx")
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


@pytest.fixture(scope="module")
def pg_url() -> Iterator[str]:
    """A fresh, EMPTY database on the local PostgreSQL server for this test module, dropped afterwards."""
    name = f"htx_{secrets.token_hex(6)}"
    admin = _admin()
    try:
        admin.execute(f'CREATE DATABASE "{name}"')
        yield PG_URL.format(name=name)
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


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
