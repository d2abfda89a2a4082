"""What every flow needs: the time it runs for, the plan and the database."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from prefect import runtime
from sqlalchemy import Engine

from htx_tasks import clock
from htx_tasks.config import load_config
from htx_tasks.plan.loader import Plan
from htx_tasks.settings import Settings
from htx_tasks.store.db import current_revision, make_engine


def run_time(now: str | dt.datetime | None) -> dt.datetime:
    """The instant a run is computed for: ``now`` if given, else the run's scheduled start time.

    A run Prefect catches up after downtime keeps its own scheduled time, so each missed day is
    evaluated for that day. Outside a flow run the clock module is asked.
    """
    if isinstance(now, dt.datetime):
        return clock.as_utc(now)
    if now:
        try:
            return clock.parse_instant(now)
        except ValueError:
            raise ValueError(f"thời điểm không hợp lệ '{now}' (ví dụ 2027-01-15T07:30)") from None
    if runtime.flow_run.id:
        return clock.as_utc(runtime.flow_run.scheduled_start_time)
    return clock.utcnow()


@dataclass
class Context:
    settings: Settings
    plan: Plan
    engine: Engine


@contextmanager
def opened() -> Iterator[Context]:
    """Settings from the environment, the plan and an engine on an initialised database."""
    settings = Settings.from_env()
    plan = load_config(settings.config_dir).plan  # all files checked: a broken one stops the run before it writes
    engine = make_engine(settings.database_url)
    try:
        if current_revision(engine) is None:
            raise RuntimeError(
                "cơ sở dữ liệu chưa được khởi tạo: hãy chạy 'htx-tasks init' "
                f"({engine.url.render_as_string(hide_password=True)})"
            )
        yield Context(settings, plan, engine)
    finally:
        engine.dispose()
