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
from htx_tasks.plan.loader import Plan, load_plan
from htx_tasks.plan.yamlio import ConfigError
from htx_tasks.services import Refused
from htx_tasks.settings import Settings
from htx_tasks.store.db import current_revision, make_engine

ConfigOpt = Annotated[Path | None, typer.Option("--config", help="Thư mục cấu hình (mặc định: config/).")]
JsonOpt = Annotated[bool, typer.Option("--json", help="In kết quả dạng JSON.")]
NowOpt = Annotated[str | None, typer.Option("--now", help="Thời điểm tính (ISO 8601; không ghi múi giờ là giờ Việt Nam).")]


@contextmanager
def errors() -> Iterator[None]:
    """Turn known failures into a Vietnamese message and a non-zero exit."""
    try:
        yield
    except ConfigError as exc:
        output.fail(f"cấu hình không hợp lệ ({len(exc.problems)} lỗi):")
        for problem in exc.problems:
            output.errors.print(f"  {problem}", highlight=False, markup=False)
        raise typer.Exit(2) from None
    except Refused as exc:
        output.fail(str(exc))
        raise typer.Exit(1) from None
    except (ValueError, KeyError) as exc:
        output.fail(str(exc.args[0]) if exc.args else str(exc))
        raise typer.Exit(2) from None


def open_plan(config: Path | None) -> Plan:
    return load_plan(Settings.from_env(config).config_dir)


def open_engine(config: Path | None, *, require_schema: bool = True) -> Engine:
    settings = Settings.from_env(config)
    engine = make_engine(settings.database_url)
    if require_schema and current_revision(engine) is None:
        raise Refused("cơ sở dữ liệu chưa được khởi tạo; hãy chạy 'htx-tasks init' trước")
    return engine


def now_of(text: str | None) -> dt.datetime:
    if text is None:
        return clock.utcnow()
    try:
        return clock.parse_instant(text)
    except Exception:
        raise ValueError(f"--now: thời điểm không hợp lệ '{text}' (ví dụ 2027-01-15T08:00)") from None


def date_of(text: str, option: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{option}: ngày không hợp lệ '{text}' (định dạng YYYY-MM-DD)") from None
