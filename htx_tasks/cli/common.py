"""Shared pieces of the CLI: options, error handling, the command's context, clock access.

Each command runs on one ``htx_tasks.bootstrap.Context``, built on first use and closed when the
command ends; a test hands in its own as click's ``obj`` (``CliRunner().invoke(app, args, obj=ctx)``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy import Engine

from htx_tasks import clock
from htx_tasks.bootstrap import Context, bootstrap
from htx_tasks.cli import output
from htx_tasks.config import Config
from htx_tasks.core.statuses import PlanStatus
from htx_tasks.plan.loader import Plan
from htx_tasks.plan.yamlio import ConfigError
from htx_tasks.services import BadInput, InvalidInput, Refused, UnknownCode
from htx_tasks.services.instants import beyond_horizon, instant_of
from htx_tasks.services.plans import plan_of_item, stored_statuses
from htx_tasks.settings import SettingsError
from htx_tasks.store.db import DATABASE_ERRORS, current_revision, database_failure, read_scope

USAGE_EXIT = 2  # typed wrong: an option, a file, a code the plan does not hold, settings or configuration
REFUSED_EXIT = 1  # not allowed, or somebody decided first: nothing written
DATABASE_EXIT = 3  # the database could not be reached or dropped the connection: try again later

ConfigOpt = Annotated[Path | None, typer.Option("--config", help="Thư mục cấu hình (mặc định: config/).")]
JsonOpt = Annotated[bool, typer.Option("--json", help="In kết quả dạng JSON.")]
# the CLI's words for the command models' fields (htx_tasks.services.inputs)
CLI_LABELS = {
    "occurrence": "OCCURRENCE (số nhiệm vụ)", "notification": "NOTIFICATION (số thông báo)",
    "note": "--note", "results": "--results", "difficulties": "--difficulties", "proposals": "--proposals",
    "figures": "--figure", "evidence": "--evidence", "to": "--to", "decision": "DECISION", "outcome": "--as",
    "duty": "DUTY", "unit": "--unit", "received": "--received", "ref": "--ref", "kind": "--kind",
    "expected_version": "--version", "now": "--now", "period": "--period",
}
PlanOpt = Annotated[str | None, typer.Option(
    "--plan", help="Mã kế hoạch (mặc định: kế hoạch duy nhất đang theo dõi; xem 'htx-tasks plans').")]
NowOpt = Annotated[str | None, typer.Option("--now", help="Thời điểm tính (ISO 8601; không ghi múi giờ là giờ Việt Nam).")]


@contextmanager
def errors() -> Iterator[None]:
    """Turn the error kinds of the services (``htx_tasks.core.refusals``), the configuration and the
    settings into a Vietnamese message and an exit code; anything else is a bug and propagates."""
    try:
        yield
    except ConfigError as exc:
        output.fail(f"cấu hình không hợp lệ ({len(exc.problems)} lỗi):")
        for problem in exc.problems:
            output.errors.print(f"  {problem}", highlight=False, markup=False, soft_wrap=True)
        raise typer.Exit(USAGE_EXIT) from None
    except SettingsError as exc:
        output.fail(f"biến môi trường không hợp lệ ({len(exc.problems)} lỗi):")
        for line in exc.problems:
            output.errors.print(f"  {line}", highlight=False, markup=False, soft_wrap=True)
        raise typer.Exit(USAGE_EXIT) from None
    except InvalidInput as exc:  # a value typed wrong: exit 2, the option named
        figures = {e.field: f"--figure {e.field.removeprefix('figure:')}" for e in exc.errors
                   if e.field.startswith("figure:")}  # one figure: services.reportform.FIGURE
        output.fail(exc.render({**CLI_LABELS, **figures}))
        raise typer.Exit(USAGE_EXIT) from None
    except (BadInput, UnknownCode) as exc:  # typed wrong (an option, a file, a unit or duty code): exit 2
        output.fail(str(exc))
        raise typer.Exit(USAGE_EXIT) from None
    except Refused as exc:  # not allowed, or somebody decided first: exit 1, nothing written
        output.fail(str(exc))
        raise typer.Exit(REFUSED_EXIT) from None
    # no ``except ValueError``: one that gets here is a bug, shown as such (a traceback, exit 1),
    # never dressed up as the person's mistake
    except DATABASE_ERRORS as exc:  # what was committed stays; a pass run again resumes where this one stopped
        output.fail(database_failure(exc, context(None).settings.database_url))
        raise typer.Exit(DATABASE_EXIT) from None


class _Invocation:
    """One run of the command line: the context a test handed in, or the one made on first use."""

    def __init__(self, given: Context | None) -> None:
        self.given = given
        self.made: Context | None = None

    def context(self) -> Context:
        if self.given is not None:
            return self.given
        if self.made is None:
            self.made = bootstrap()
        return self.made

    def close(self) -> None:
        if self.made is not None:
            self.made.close()
            self.made = None


_invocation: ContextVar[_Invocation | None] = ContextVar("htx_cli_invocation", default=None)


def begin(command: typer.Context) -> None:
    """The app's callback starts each run here: its context is ``obj`` when a test gives one
    (``CliRunner().invoke(app, args, obj=ctx)``), else bootstrapped when first needed."""
    run = _Invocation(command.obj if isinstance(command.obj, Context) else None)
    _invocation.set(run)

    def end() -> None:
        run.close()
        _invocation.set(None)  # nothing of this run outlives it

    command.call_on_close(end)


def context(config: Path | None) -> Context:
    """This run's context; ``--config`` chooses another configuration folder."""
    run = _invocation.get()
    if run is None:
        raise RuntimeError("htx_tasks.cli.common.begin was not called: run the command through the app")
    return run.context().with_config_dir(config)


def open_config(config: Path | None) -> Config:
    """Every configuration file, checked whole: nothing is written when any of them is broken."""
    return context(config).config


def open_plan(config: Path | None, code: str | None = None) -> Plan:
    """The plan named by ``--plan``; without it the only plan, or the only one being followed (its
    status in the database when it has one, else as configured)."""
    loaded = open_config(config)
    if code is not None and code not in loaded.plans:  # a plan activated from a reviewed draft lives in the database
        everyone = office_plans(config)
        if code in everyone:
            return everyone[code]
    if code is not None or len(loaded.plans) == 1:
        return loaded.pick(code)
    ctx = context(config)
    if current_revision(ctx.engine) is not None:
        with read_scope(ctx.engine) as session:
            stored = stored_statuses(session)
        active = [c for c, p in loaded.plans.items() if stored.get(c, p.meta.status) is PlanStatus.ACTIVE]
        if len(active) == 1:
            return loaded.plans[active[0]]
        if len(active) > 1:
            raise loaded.ask([loaded.plans[c] for c in active])
    return loaded.plan


def office_plan(config: Path | None) -> Plan:
    """A plan to read what every plan shares (the units, the calendar, the channels, the registry):
    the configuration's first, so an office-wide command needs no ``--plan``."""
    return next(iter(open_config(config).plans.values()))


def item_plan(config: Path | None, occurrence: str) -> Plan:
    """The plan of the item numbered ``occurrence`` (an item number is the office's: it names one
    plan's item, so no ``--plan`` is needed); the only plan, or the first, for a number that is
    no item: the service refuses it in its own words."""
    plans = office_plans(config)  # a plan activated from a reviewed draft too
    if len(plans) > 1 and occurrence.strip().isdigit():
        with read_scope(context(config).database()) as session:
            code = plan_of_item(session, int(occurrence))
        if code in plans:
            return plans[code]
    return office_plan(config)


def duty_plan(config: Path | None, duty: str, code: str | None = None) -> Plan:
    """The plan named by ``--plan``; without it the one plan that holds the item of the plan coded
    ``duty`` (item codes are unique in the office), else as ``open_plan``."""
    if code is None:
        holders = [p for p in office_plans(config).values() if any(d.code == duty for d in p.source.duties)]
        if len(holders) == 1:
            return holders[0]
    return open_plan(config, code)


def office_plans(config: Path | None) -> dict[str, Plan]:
    """Every plan, by code: the configuration's and those activated from a reviewed draft."""
    return context(config).office_plans()


def active_plans(config: Path | None) -> dict[str, Plan]:
    """The plans being followed, by code (their status in the database when they have one, else as
    configured); every plan when none is."""
    ctx = context(config)
    plans = ctx.office_plans()
    stored: dict[str, PlanStatus] = {}
    if current_revision(ctx.engine) is not None:
        with read_scope(ctx.engine) as session:
            stored = stored_statuses(session)
    active = {c: p for c, p in plans.items() if stored.get(c, p.meta.status) is PlanStatus.ACTIVE}
    return active or plans


def open_engine(config: Path | None, *, require_schema: bool = True) -> Engine:
    return context(config).database(require_schema=require_schema)


def now_of(text: str | None) -> dt.datetime:
    return clock.utcnow() if text is None else instant_of(text, field="now")


def within_horizon(at: dt.datetime, config: Path | None, *, force: bool) -> bool:
    """``tick --now``: refused beyond ``HTX_HORIZON_DAYS`` unless ``--force``; True if beyond it."""
    return beyond_horizon(at, clock.utcnow(), context(config).settings.horizon_days, force=force, label="--now",
                          force_label="--force")


def date_of(text: str, option: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise BadInput(f"{option}: ngày không hợp lệ '{text}' (định dạng YYYY-MM-DD)") from None
