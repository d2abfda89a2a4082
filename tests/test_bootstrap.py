"""One bootstrap: settings parsed once with Vietnamese errors, a context every front door runs on,
no module reading the environment on its own, and no hidden state that grows."""

from __future__ import annotations

import ast
import shutil
import threading
from pathlib import Path

import pytest
from typer.testing import CliRunner

from htx_tasks.bootstrap import Context, bootstrap
from htx_tasks.cli.main import app
from htx_tasks.settings import VARIABLES, Settings, SettingsError
from tests.conftest import CONFIG_DIR

ROOT = Path(__file__).resolve().parents[1]
ENVIRONMENT = {"environ", "environb", "getenv", "getenvb", "putenv", "unsetenv"}


def environment_reads(source: str) -> list[tuple[int, str]]:
    """(line, what) for every touch of the process environment and every ``Settings.from_env`` call.

    Writing Prefect's variables for the processes ``make run`` starts (``os.environ.update``) is
    reported as ``write``; everything else as ``read`` or ``from_env``."""
    tree = ast.parse(source)
    found = []
    writes = {id(node.func.value) for node in ast.walk(tree)
              if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "update"}
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in ENVIRONMENT and \
                isinstance(node.value, ast.Name) and node.value.id == "os":
            found.append((node.lineno, "write" if id(node) in writes else "read"))
        elif isinstance(node, ast.ImportFrom) and node.module == "os" and \
                any(alias.name in ENVIRONMENT for alias in node.names):
            found.append((node.lineno, "read"))
        elif isinstance(node, ast.Attribute) and node.attr == "from_env":
            found.append((node.lineno, "from_env"))
    return sorted(found)


def test_the_checker_finds_every_way_of_reading_the_environment() -> None:
    source = ("import os\nfrom os import getenv\na = os.environ.get('X')\nb = os.getenv('Y')\n"
              "os.environ.update({'Z': '1'})\ns = Settings.from_env()\n")
    assert environment_reads(source) == [(2, "read"), (3, "read"), (4, "read"), (5, "write"), (6, "from_env")]


def test_only_the_settings_module_reads_the_environment_and_only_the_bootstrap_parses_it() -> None:
    allowed = {
        "htx_tasks/settings.py": {"read", "from_env"},  # the one reader
        "htx_tasks/bootstrap.py": {"from_env"},  # the one caller
        "flows/serve.py": {"write"},  # Prefect's variables for the server, the web app and flow runs it starts
    }
    offending = []
    for path in sorted([*ROOT.glob("htx_tasks/**/*.py"), *ROOT.glob("flows/**/*.py")]):
        name = path.relative_to(ROOT).as_posix()
        for line, what in environment_reads(path.read_text(encoding="utf-8")):
            if what not in allowed.get(name, set()):
                offending.append(f"{name}:{line}: {what}")
    assert offending == []


@pytest.mark.parametrize(("variable", "value", "words"), [
    ("HTX_HORIZON_DAYS", "mot nam", "HTX_HORIZON_DAYS phải là số ngày từ 1 đến 36.600, nhận được 'mot nam'"),
    ("HTX_HORIZON_DAYS", "0", "HTX_HORIZON_DAYS phải là số ngày từ 1 đến 36.600, nhận được '0'"),
    ("HTX_LINK_DAYS", "45 ngày", "HTX_LINK_DAYS phải là số ngày từ 1 đến 3.650, nhận được '45 ngày'"),
    ("HTX_WEB_UNIT_POSTS_PER_HOUR", "-3", "HTX_WEB_UNIT_POSTS_PER_HOUR phải là số nguyên từ 1 đến 1.000.000, "
                                          "nhận được '-3'"),
    ("HTX_WEB_COORDINATOR_POSTS_PER_HOUR", "3.5", "HTX_WEB_COORDINATOR_POSTS_PER_HOUR phải là số nguyên"),
    ("HTX_WEB_LOGIN_FREE_TRIES", "mười", "HTX_WEB_LOGIN_FREE_TRIES phải là số lần từ 1 đến 100, nhận được 'mười'"),
    ("HTX_WEB_LOGIN_MAX_WAIT_SECONDS", "0", "HTX_WEB_LOGIN_MAX_WAIT_SECONDS phải là số lớn hơn 0 và không quá 3.600"),
    ("HTX_WEB_LOGIN_HOURS", "2,5", "HTX_WEB_LOGIN_HOURS phải là số giờ từ 1 đến 1.080, nhận được '2,5'"),
    ("HTX_WEB_LOCK_WAIT_SECONDS", "mười", "HTX_WEB_LOCK_WAIT_SECONDS phải là số lớn hơn 0 và không quá 300"),
    ("HTX_EVIDENCE_MAX_INFLATED_MB", "-1", "HTX_EVIDENCE_MAX_INFLATED_MB phải là số lớn hơn 0 và không quá 10.000"),
    ("HTX_EVIDENCE_MAX_MB", "0", "HTX_EVIDENCE_MAX_MB phải là số lớn hơn 0 và không quá 1.024"),
    ("HTX_EVIDENCE_MAX_MB", "20MB", "nhận được '20MB'"),
    ("HTX_WEB_PORT", "70000", "HTX_WEB_PORT phải là số cổng từ 1 đến 65.535, nhận được '70000'"),
    ("HTX_RUNNER_LIMIT", "0", "HTX_RUNNER_LIMIT phải là số nguyên từ 1 đến 100, nhận được '0'"),
    ("HTX_WEB_URL", "htx.camranh.gov.vn", "HTX_WEB_URL phải là địa chỉ bắt đầu bằng http:// hoặc https://"),
    ("HTX_DATABASE_URL", "postgresql://htx:bi-mat@may-chu:cong/db",
     "HTX_DATABASE_URL không phải địa chỉ cơ sở dữ liệu (ví dụ sqlite:///var/htx-tasks.db hoặc "
     "postgresql://user@host:5432/db), nhận được 'postgresql://htx:***@may-chu:cong/db'"),
    ("HTX_LINK_KEY", "ngan-qua", "HTX_LINK_KEY quá ngắn (khoá ký liên kết cần ít nhất 16 ký tự), "
                                 "nhận được (giá trị bị ẩn)"),
    ("HTX_COORDINATOR_PASSWORD_HASH", "mat-khau-tho", "HTX_COORDINATOR_PASSWORD_HASH không đúng dạng pbkdf2_sha256"),
])
def test_a_bad_variable_is_named_with_its_value_in_vietnamese(variable, value, words) -> None:
    with pytest.raises(SettingsError) as caught:
        Settings.from_env(environ={variable: value})
    assert len(caught.value.problems) == 1 and words in caught.value.problems[0]
    if variable in ("HTX_LINK_KEY", "HTX_COORDINATOR_PASSWORD_HASH", "HTX_DATABASE_URL"):
        secret = {"HTX_DATABASE_URL": "bi-mat"}.get(variable, value)
        assert secret not in str(caught.value)  # a secret is never repeated back


def test_every_bad_variable_is_reported_at_once_and_blank_ones_take_their_defaults() -> None:
    with pytest.raises(SettingsError) as caught:
        Settings.from_env(environ={"HTX_LINK_DAYS": "x", "HTX_RUNNER_LIMIT": "y", "HTX_WEB_URL": " "})
    assert [p.split()[0] for p in caught.value.problems] == ["HTX_LINK_DAYS", "HTX_RUNNER_LIMIT"]
    assert str(caught.value).startswith("biến môi trường không hợp lệ (2 lỗi): ")
    defaults = Settings.from_env(environ={"HTX_VAR_DIR": "/srv/htx/var", "HTX_HORIZON_DAYS": "", "HTX_WEB_URL": ""})
    assert (defaults.horizon_days, defaults.web_url, defaults.link_days) == (366, None, 45)
    assert defaults.database_url == "sqlite:////srv/htx/var/htx-tasks.db"
    assert defaults.inbox_dir == Path("/srv/htx/var/inbox") and defaults.evidence_dir == Path("/srv/htx/var/evidence")


def test_settings_name_every_variable_they_read_and_keep_secrets_out_of_their_repr() -> None:
    assert {"HTX_DATABASE_URL", "HTX_CONFIG_DIR", "HTX_VAR_DIR", "HTX_HORIZON_DAYS", "HTX_WEB_URL", "HTX_LINK_KEY",
            "HTX_LINK_DAYS", "HTX_EVIDENCE_MAX_MB", "HTX_WEB_UNIT_POSTS_PER_HOUR", "HTX_WEB_LOGIN_FREE_TRIES",
            "HTX_COORDINATOR_PASSWORD_HASH", "HTX_PREFECT_PORT", "HTX_RUNNER_LIMIT"} <= set(VARIABLES)
    settings = Settings.from_env(environ={"HTX_LINK_KEY": "khoa-bi-mat-rat-dai-123", "SMTP_PASSWORD": "mk-smtp"})
    assert "khoa-bi-mat" not in repr(settings) and "mk-smtp" not in repr(settings)
    assert settings.variable("SMTP_PASSWORD") == "mk-smtp"  # a channel's ${SMTP_PASSWORD}


def test_a_copy_with_changes_is_checked_again_and_follows_its_var_folder() -> None:
    settings = Settings.from_env(environ={"HTX_VAR_DIR": "/a"})
    assert settings.replace(var_dir=Path("/b")).database_url == "sqlite:////b/htx-tasks.db"
    with pytest.raises(SettingsError, match="HTX_LINK_DAYS phải là số ngày"):
        settings.replace(link_days=0)


def test_a_bad_variable_stops_a_command_before_anything_is_written(tmp_path) -> None:
    database = tmp_path / "x.db"
    env = {"HTX_DATABASE_URL": f"sqlite:///{database}", "HTX_CONFIG_DIR": str(CONFIG_DIR), "COLUMNS": "2000",
           "HTX_HORIZON_DAYS": "mot nam", "HTX_WEB_LOGIN_FREE_TRIES": "0"}
    result = CliRunner().invoke(app, ["init"], env=env)
    assert result.exit_code == 2, result.output
    assert "Lỗi: biến môi trường không hợp lệ (2 lỗi):" in result.stderr
    assert "HTX_HORIZON_DAYS phải là số ngày từ 1 đến 36.600, nhận được 'mot nam'" in result.stderr
    assert "HTX_WEB_LOGIN_FREE_TRIES phải là số lần từ 1 đến 100, nhận được '0'" in result.stderr
    assert not database.exists()


def test_a_command_runs_on_the_context_a_test_hands_in(tmp_path) -> None:
    """The environment here would fail (a bad variable, a database nowhere): the context given wins."""
    config = tmp_path / "config"
    shutil.copytree(CONFIG_DIR, config)
    settings = Settings(config_dir=config, var_dir=tmp_path / "var", database_url=f"sqlite:///{tmp_path / 'c.db'}")
    env = {"HTX_HORIZON_DAYS": "mot nam", "HTX_DATABASE_URL": "sqlite:////khong/co/thu-muc/x.db", "COLUMNS": "2000"}
    with Context(settings) as ctx:
        first = CliRunner().invoke(app, ["init"], env=env, obj=ctx)
        assert first.exit_code == 0, first.output
        assert str(tmp_path / "c.db") in first.stdout
        tick = CliRunner().invoke(app, ["tick", "--now", "2026-12-01T08:00", "--no-dispatch"], env=env, obj=ctx)
        assert tick.exit_code == 0, tick.output  # the horizon is the context's, not the environment's
        status = CliRunner().invoke(app, ["status", "--json", "--now", "2026-12-01T08:00"], env=env, obj=ctx)
    assert status.exit_code == 0 and '"unit": "phong-kinh-te"' in status.stdout


def test_parts_are_made_when_first_needed(tmp_path) -> None:
    """The calendar needs no database: an address that answers nobody is never opened."""
    env = {"HTX_CONFIG_DIR": str(CONFIG_DIR), "HTX_DATABASE_URL": "postgresql://htx@127.0.0.1:1/khong-co",
           "COLUMNS": "2000"}
    result = CliRunner().invoke(app, ["calendar", "is-working-day", "2026-09-02"], env=env)
    assert result.exit_code == 0 and result.stdout.startswith("no (")
    ctx = bootstrap(environ=env)
    assert "engine" not in vars(ctx) and "config" not in vars(ctx)
    assert ctx.plan.meta.code and "config" in vars(ctx) and "engine" not in vars(ctx)
    ctx.close()


def test_the_engine_a_context_was_handed_belongs_to_whoever_made_it(tmp_path) -> None:
    from htx_tasks.store.db import make_engine

    engine = make_engine(f"sqlite:///{tmp_path / 'e.db'}")
    with Context(Settings(config_dir=CONFIG_DIR, var_dir=tmp_path), engine=engine) as ctx:
        assert ctx.engine is engine and ctx.with_config_dir(tmp_path).engine is engine
    with engine.connect() as conn:  # still usable: the context did not dispose of it
        assert conn.exec_driver_sql("SELECT 1").scalar() == 1
    engine.dispose()


def test_a_dispatch_pass_leaves_no_worker_threads_behind(tmp_path) -> None:
    import datetime as dt

    from htx_tasks.core.zones import at_local
    from htx_tasks.delivery.dispatcher import dispatch
    from htx_tasks.engine import run_pass
    from htx_tasks.store.db import upgrade

    with Context(Settings(config_dir=CONFIG_DIR, var_dir=tmp_path / "var",
                          database_url=f"sqlite:///{tmp_path / 'd.db'}")) as ctx:
        upgrade(ctx.engine)
        now = at_local(dt.date(2026, 11, 27), 8, 0)
        run_pass(ctx.engine, ctx.plan, now)
        for minutes in range(3):
            result = dispatch(ctx.engine, ctx.plan, now + dt.timedelta(minutes=minutes), channels=ctx.channels,
                              in_flight=2 + minutes)
            assert minutes or result.messages > 0
    assert not [t for t in threading.enumerate() if t.name.startswith("htx-dispatch")]


def test_expected_failures_are_forgotten_once_seen_and_never_pile_up() -> None:
    from flows.logs import Expected

    expected = Expected(limit=50)
    for run in range(10_000):  # a runner serving runs for months
        expected.add(f"Quá hạn: {run % 7} nhiệm vụ")
        assert expected.take(f"Quá hạn: {run % 7} nhiệm vụ")
    assert len(expected) == 0
    for run in range(10_000):  # records that never come (a subflow's end is not logged)
        expected.add(f"lượt {run}")
    assert len(expected) == 50 and expected.take("lượt 9999") and not expected.take("lượt 0")
    expected.add("hai lượt cùng lời")
    expected.add("hai lượt cùng lời")
    assert expected.take("hai lượt cùng lời") and expected.take("hai lượt cùng lời")
    assert not expected.take("hai lượt cùng lời")
