"""What every flow needs: the time it runs for, the plan and the database, and how a run ends badly.

A run that cannot do its work for a known reason (a ``now`` that is not a time or lies too far
ahead, a database that does not answer, a configuration with errors) ends Failed with the same
Vietnamese sentence the command line prints, the database URL masked, and one line in the log
instead of a traceback (``ended_badly``).

Each run bootstraps its own context (``htx_tasks.bootstrap``: settings parsed once, the
configuration, the engine, the link maker); a test runs flows on a context of its own with
``using(ctx)``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from prefect import get_run_logger, runtime
from prefect.states import Failed, State

from flows import logs
from htx_tasks import clock
from htx_tasks.bootstrap import Context, bootstrap
from htx_tasks.config import NoSinglePlan
from htx_tasks.core import zones
from htx_tasks.plan.yamlio import ConfigError
from htx_tasks.services import InvalidInput, Refused, UnknownCode
from htx_tasks.services.instants import beyond_horizon, instant_of
from htx_tasks.settings import Settings, SettingsError
from htx_tasks.store.db import DATABASE_ERRORS, DatabaseUnavailable

FLOW_LABELS = {"now": "now", "force": "force", "period": "period"}  # the flows' parameters, as the Prefect form names them
__all__ = ["Context"]
_given: ContextVar[Context | None] = ContextVar("htx_flow_context", default=None)


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
        return zones.as_utc(runtime.flow_run.scheduled_start_time)
    return clock.utcnow()


def pass_time(ctx: Context, now: str | dt.datetime | None, *, force: bool) -> dt.datetime:
    """``run_time`` for a run that writes a pass: refused beyond the horizon, as ``tick --now`` is."""
    at = run_time(now)
    if now:
        beyond_horizon(at, clock.utcnow(), ctx.settings.horizon_days, force=force, label="now",
                       force_label="force")
    return at


# what ends a run with a worded message instead of a traceback (Refused: UnknownCode too, a mistyped
# unit or duty code on a form)
RUN_ERRORS: tuple[type[BaseException], ...] = (BadParameter, NoSinglePlan, Refused, ConfigError, SettingsError,
                                               DatabaseUnavailable, *DATABASE_ERRORS)


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
    if isinstance(error, DATABASE_ERRORS):  # ``opened`` words those of a run; one from elsewhere names the variable
        name, message = "Lỗi cơ sở dữ liệu", str(DatabaseUnavailable.of(error, "HTX_DATABASE_URL"))
    elif isinstance(error, DatabaseUnavailable):
        name, message = "Lỗi cơ sở dữ liệu", str(error)
    elif isinstance(error, ConfigError):
        name, message = "Cấu hình không hợp lệ", f"cấu hình không hợp lệ ({len(error.problems)} lỗi): " + "; ".join(
            str(p) for p in error.problems)
    elif isinstance(error, SettingsError):
        name, message = "Biến môi trường không hợp lệ", str(error)
    elif isinstance(error, BadParameter | UnknownCode | NoSinglePlan):  # a parameter that names no unit or duty of the plan
        name, message = "Tham số không hợp lệ", str(error)
    else:  # refused: beyond the horizon, a database never initialised
        name, message = "Không chạy", str(error)
    get_run_logger().error("%s", message)
    logs.expect_failure(message)
    return Failed(name=name, message=message)


@contextmanager
def using(ctx: Context) -> Iterator[Context]:
    """Flows run in this block (in this thread) run on ``ctx`` instead of bootstrapping their own."""
    token = _given.set(ctx)
    try:
        yield ctx
    finally:
        _given.reset(token)


def context() -> Context:
    """This run's context: the one ``using`` gave, else bootstrapped (settings parsed once)."""
    logs.install()
    return _given.get() or bootstrap()


@contextmanager
def opened(ctx: Context | None = None) -> Iterator[Context]:
    """The run's context with its configuration checked whole (a broken file stops the run before it
    writes) and its database initialised; a database failure inside becomes ``DatabaseUnavailable``."""
    ctx = ctx or context()
    try:
        _ = ctx.config  # every file checked now: a broken one stops the run before it writes
        ctx.database()
        yield ctx
    except DATABASE_ERRORS as error:
        raise DatabaseUnavailable.of(error, ctx.settings.database_url) from None
    finally:
        if ctx is not _given.get():
            ctx.close()
