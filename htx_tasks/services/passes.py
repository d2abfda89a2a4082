"""The system's own work, one entry each: set up the database, a follow-up pass, one unit's pass.

The command line (``init``, ``tick``), ``make run`` (``flows.serve``) and the Prefect flows call
these, never the engine or the store directly, so that each does the same thing the same way.
Delivery is ``services.delivery``: the caller hands it the channels (Apprise), which the services
do not load themselves.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Engine

from htx_tasks import engine as passes
from htx_tasks import followup
from htx_tasks.engine import PassResult, Progress
from htx_tasks.plan.loader import Plan
from htx_tasks.registry.service import ImportResult, load_demo
from htx_tasks.store.db import session_scope, upgrade


@dataclass(frozen=True)
class Initialised:
    previous: str | None  # the schema's revision before (None: the database was created)
    demo: ImportResult | None  # the demonstration registry, when it was loaded into an empty one


def init_database(engine: Engine, plans: Plan | Sequence[Plan], *, demo: bool = False,
                  now: dt.datetime) -> Initialised:
    """Create or upgrade the schema and load every plan of the office (``htx-tasks init``); with
    ``demo``, an empty cooperative registry gets the synthetic demonstration data (``make run``).
    The configuration was checked whole before this is called: nothing is written for a broken one.
    A database made before plans were stored objects moves onto the first plan."""
    plans = [plans] if isinstance(plans, Plan) else list(plans)
    previous = upgrade(engine, plan=plans[0].meta.code)
    with session_scope(engine) as session:
        passes.sync_plans(session, plans)  # one read of what is stored for all of them, as a pass does
        loaded = load_demo(session, plans[0], now=now) if demo else None
    return Initialised(previous=previous, demo=loaded)


def run_pass(engine: Engine, plans: Plan | Sequence[Plan], now: dt.datetime, *,
             progress: Progress | None = None) -> PassResult:
    """One pass at ``now`` over a plan, or every plan given (the office's pass): open periods,
    advance what is due, record notices."""
    return passes.run_pass(engine, plans, now, progress=progress)


def follow_up(engine: Engine, plan: Plan, unit: str, now: dt.datetime, *, plans: Sequence[Plan] = ()) -> PassResult:
    """One pass limited to ``unit`` (a group: all its members; successors too), over ``plans`` (every
    plan of the office: units are shared) or ``plan`` alone; ``UnknownCode``, a refusal, for a code
    the plan does not hold (a mistyped unit on a Prefect form)."""
    return followup.follow_up(engine, plan, unit, now, plans=plans)
