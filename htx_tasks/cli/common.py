"""Shared pieces of the CLI: options, error handling, plan/engine/clock access."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy import Engine

from htx_tasks import clock
from htx_tasks.cli import output
from htx_tasks.config import Config, load_config
from htx_tasks.plan.loader import Plan
from htx_tasks.plan.yamlio import ConfigError
from htx_tasks.services import InvalidInput, Refused
from htx_tasks.services.instants import beyond_horizon, instant_of
from htx_tasks.settings import Settings
from htx_tasks.store.db import DATABASE_ERRORS, current_revision, database_failure, make_engine

DATABASE_EXIT = 3  # the database could not be reached or dropped the connection: try again later

ConfigOpt = Annotated[Path | None, typer.Option("--config", help="Thư mục cấu hình (mặc định: config/).")]
JsonOpt = Annotated[bool, typer.Option("--json", help="In kết quả dạng JSON.")]
# the CLI's words for the command models' fields (htx_tasks.services.inputs)
CLI_LABELS = {
    "occurrence": "OCCURRENCE (số nhiệm vụ)", "notification": "NOTIFICATION (số thông báo)",
    "note": "--note", "evidence": "--evidence", "to": "--to", "decision": "DECISION", "outcome": "--as",
    "duty": "DUTY", "unit": "--unit", "received": "--received", "ref": "--ref", "kind": "--kind",
    "expected_version": "--version", "now": "--now", "period": "--period",
}
NowOpt = Annotated[str | None, typer.Option("--now", help="Thời điểm tính (ISO 8601; không ghi múi giờ là giờ Việt Nam).")]


@contextmanager
def errors() -> Iterator[None]:
    """Turn known failures into a Vietnamese message and a non-zero exit."""
    try:
        yield
    except ConfigError as exc:
        output.fail(f"cấu hình không hợp lệ ({len(exc.problems)} lỗi):")
        for problem in exc.problems:
            output.errors.print(f"  {problem}", highlight=False, markup=False, soft_wrap=True)
        raise typer.Exit(2) from None
    except InvalidInput as exc:
        output.fail(exc.render(CLI_LABELS))
        raise typer.Exit(2) from None
    except Refused as exc:
        output.fail(str(exc))
        raise typer.Exit(1) from None
    except (ValueError, KeyError) as exc:
        output.fail(str(exc.args[0]) if exc.args else str(exc))
        raise typer.Exit(2) from None
    except DATABASE_ERRORS as exc:  # what was committed stays; a pass run again resumes where this one stopped
        output.fail(database_failure(exc, Settings.from_env().database_url))
        raise typer.Exit(DATABASE_EXIT) from None


def open_config(config: Path | None) -> Config:
    """Every configuration file, checked whole: nothing is written when any of them is broken."""
    settings = Settings.from_env(config)
    return load_config(settings.config_dir, settings.var_dir / "inbox")


def open_plan(config: Path | None) -> Plan:
    return open_config(config).plan


def open_engine(config: Path | None, *, require_schema: bool = True) -> Engine:
    settings = Settings.from_env(config)
    engine = make_engine(settings.database_url)
    if require_schema and current_revision(engine) is None:
        raise Refused("cơ sở dữ liệu chưa được khởi tạo; hãy chạy 'htx-tasks init' trước")
    return engine


def now_of(text: str | None) -> dt.datetime:
    return clock.utcnow() if text is None else instant_of(text, field="now")


def within_horizon(at: dt.datetime, config: Path | None, *, force: bool) -> bool:
    """``tick --now``: refused beyond ``HTX_HORIZON_DAYS`` unless ``--force``; True if beyond it."""
    return beyond_horizon(at, clock.utcnow(), Settings.from_env(config).horizon_days, force=force, label="--now",
                          force_label="--force")


def date_of(text: str, option: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{option}: ngày không hợp lệ '{text}' (định dạng YYYY-MM-DD)") from None
