"""What every flow needs: the time it runs for, the plan and the database, and how a run ends badly.

A run that cannot do its work for a known reason (a ``now`` that is not a time or lies too far
ahead, a database that does not answer, a configuration with errors) ends Failed with the same
Vietnamese sentence the command line prints, the database URL masked, and one line in the log
instead of a traceback (``ended_badly``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from prefect import get_run_logger, runtime
from prefect.states import Failed, State
from sqlalchemy import Engine

from flows import logs
from htx_tasks import clock
from htx_tasks.config import load_config
from htx_tasks.plan.loader import Plan
from htx_tasks.plan.yamlio import ConfigError
from htx_tasks.services import InvalidInput, Refused
from htx_tasks.services.instants import beyond_horizon, instant_of
from htx_tasks.settings import Settings
from htx_tasks.store.db import DATABASE_ERRORS, DatabaseUnavailable, current_revision, make_engine

FLOW_LABELS = {"now": "now", "force": "force", "period": "period"}  # the flows' parameters, as the Prefect form names them


class BadParameter(ValueError):
    """A flow parameter the run cannot use; the message names it, in Vietnamese."""


def run_time(now: str | dt.datetime | None) -> dt.datetime:
    """The instant a run is computed for: ``now`` if given, else the run's scheduled start time.

    A run Prefect catches up after downtime keeps its own scheduled time, so each missed day is
    evaluated for that day. Outside a flow run the clock module is asked. ``now`` follows the
    command line's ``--now`` rules (``services.instants``).
    """
    if isinstance(now, dt.datetime) or now:
        try:
            return instant_of(now, field="now")
        except InvalidInput as exc:
            raise BadParameter(exc.render(FLOW_LABELS)) from None
    if runtime.flow_run.id:
        return clock.as_utc(runtime.flow_run.scheduled_start_time)
    return clock.utcnow()


def pass_time(now: str | dt.datetime | None, *, force: bool) -> dt.datetime:
    """``run_time`` for a run that writes a pass: refused beyond the horizon, as ``tick --now`` is."""
    at = run_time(now)
    if now:
        beyond_horizon(at, clock.utcnow(), Settings.from_env().horizon_days, force=force, label="now",
                       force_label="force")
    return at


# what ends a run with a worded message instead of a traceback
RUN_ERRORS: tuple[type[BaseException], ...] = (BadParameter, Refused, ConfigError, DatabaseUnavailable, *DATABASE_ERRORS)


@contextmanager
def worded(settings: Settings) -> Iterator[None]:
    """Inside a task: a database failure becomes ``DatabaseUnavailable``, the CLI's sentence (URL masked).

    Prefect keeps a failed task's exception text as its state message; the driver's text holds the
    SQL and its parameters, which have no place in the UI or the log.
    """
    try:
        yield
    except DATABASE_ERRORS as error:
        raise DatabaseUnavailable.of(error, settings.database_url) from None


def ended_badly(error: BaseException) -> State:
    """The Failed state for a known failure, logged once, without a traceback."""
    if isinstance(error, DATABASE_ERRORS):
        name, message = "Lỗi cơ sở dữ liệu", str(DatabaseUnavailable.of(error, Settings.from_env().database_url))
    elif isinstance(error, DatabaseUnavailable):
        name, message = "Lỗi cơ sở dữ liệu", str(error)
    elif isinstance(error, ConfigError):
        name, message = "Cấu hình không hợp lệ", f"cấu hình không hợp lệ ({len(error.problems)} lỗi): " + "; ".join(
            str(p) for p in error.problems)
    elif isinstance(error, BadParameter):
        name, message = "Tham số không hợp lệ", str(error)
    else:  # refused: beyond the horizon, a database never initialised
        name, message = "Không chạy", str(error)
    get_run_logger().error("%s", message)
    logs.expect_failure(message)
    return Failed(name=name, message=message)


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
            raise Refused(
                "cơ sở dữ liệu chưa được khởi tạo: hãy chạy 'htx-tasks init' "
                f"({engine.url.render_as_string(hide_password=True)})"
            )
        yield Context(settings, plan, engine)
    finally:
        engine.dispose()
