"""Shared fixtures: the real plan, throw-away databases (SQLite and PostgreSQL), fixed clocks.

The clock is never read here: every test passes its own ``now``.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import settings
from sqlalchemy import Engine, event

from htx_tasks.plan.loader import Plan, load_plan
from htx_tasks.store.db import make_engine, upgrade

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


@pytest.fixture(scope="module")
def pg_url() -> Iterator[str]:
    """A fresh database on the local PostgreSQL server for this test module, dropped afterwards."""
    import psycopg

    name = f"htx_{secrets.token_hex(6)}"
    try:
        admin = psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        _no_postgres(f"no server answers ({str(exc).strip().splitlines()[0]})")
    try:
        admin.execute(f'CREATE DATABASE "{name}"')
        yield PG_URL.format(name=name)
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def _reset_postgres(engine: Engine) -> None:
    """Empty the module's database so the next test starts from a blank schema."""
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP SCHEMA public CASCADE")
        conn.exec_driver_sql("CREATE SCHEMA public")


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
    """An upgraded, empty database: a SQLite file under tmp_path, or the module's PostgreSQL db."""
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'htx.db'}")
    else:
        engine = make_engine(request.getfixturevalue("pg_url"))
    upgrade(engine)
    try:
        yield engine
    finally:
        if request.param == "postgresql":
            _reset_postgres(engine)
        engine.dispose()


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
