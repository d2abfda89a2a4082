"""The engine: one pass over the office's plans, deciding what happens to the work that is due.

Each step of a pass is a module of its own:

- ``passes``: the pass itself (``run_pass``), in committed batches;
- ``mirror``: the plans, their units and duties mirrored into the database (``sync_plan``, ``sync_plans``);
- ``succession``: the open work of a succeeded unit handed to its successors;
- ``advancing``: the due rows advanced under their own plan's policy, written column-wise;
- ``planning``: each due row's step, computed once for the rows that advance alike;
- ``notices``: who hears of each event, and the outbox rows recorded for it;
- ``base``: the pass's result, the plans by code and the batch sizes.

Decisions become rows (state changes, audit events, outbox notifications) in one transaction;
delivery is a separate step (``htx_tasks.delivery``). The pass touches only occurrences whose
indexed ``next_action_at`` has come, so it stays cheap however many occurrences are stored.
"""

from htx_tasks.engine.advancing import DUE_COLUMNS, Advances, advance_due, plan_advances, write_advances
from htx_tasks.engine.base import BATCH, OPEN_BATCH, PassResult, Plans, Progress, by_code
from htx_tasks.engine.mirror import sync_plan, sync_plans
from htx_tasks.engine.notices import recipients, record_notifications
from htx_tasks.engine.passes import run_pass
from htx_tasks.engine.planning import snapshot_of, state_reason
from htx_tasks.engine.succession import transfer_succeeded
from htx_tasks.opening import new_occurrence

__all__ = [
    "BATCH",
    "DUE_COLUMNS",
    "OPEN_BATCH",
    "Advances",
    "PassResult",
    "Plans",
    "Progress",
    "advance_due",
    "by_code",
    "new_occurrence",
    "plan_advances",
    "recipients",
    "record_notifications",
    "run_pass",
    "snapshot_of",
    "state_reason",
    "sync_plan",
    "sync_plans",
    "transfer_succeeded",
    "write_advances",
]
