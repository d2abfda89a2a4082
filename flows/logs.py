"""A quiet, truthful log: one line per unit run, no traceback for a run that ends "Quá hạn".

A flow that returns a ``Failed`` state makes Prefect's engine raise ``FailedRun`` at the end of
the run and log it as "Engine execution exited with unexpected exception" with a traceback. For
a unit whose standing is "Quá hạn" that is the expected outcome, not a crash: the run stays red
(Failed) in the UI, but that one record is dropped. Any other exception is still logged in full.

A task that fails on the database raises ``DatabaseUnavailable`` (``flows.common.worded``): the
CLI's Vietnamese sentence, URL masked, never the SQL or its parameters. Its records (each retry,
then "Retries are exhausted") are that sentence without a traceback (``WordedDatabaseFailure``);
the flow then ends Failed with it.
"""

from __future__ import annotations

import logging
import sys

from prefect.exceptions import FailedRun

from htx_tasks.store.db import DatabaseUnavailable

ENGINE_EXIT = "Engine execution exited with unexpected exception"
RUNS = logging.getLogger("htx_tasks.runs")  # the one line per run, on the console
_expected: set[str] = set()  # messages of the Failed states our flows returned in this process


class QuietExpectedFailure(logging.Filter):
    """Drop the engine's traceback for a Failed state a flow returned on purpose."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.getMessage() != ENGINE_EXIT or not record.exc_info:
            return True
        exc = record.exc_info[1]
        return not (isinstance(exc, FailedRun) and str(exc) in _expected)


class WordedDatabaseFailure(logging.Filter):
    """A task run's record about a database failure: its sentence only, no traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args if isinstance(record.args, tuple) else ()
        found = [e for e in (record.exc_info[1] if record.exc_info else None, *args) if isinstance(e, DatabaseUnavailable)]
        if found:
            record.msg, record.args = "%s%s", (found[0], " (sẽ thử lại)" if record.levelno < logging.ERROR else "")
            record.exc_info, record.exc_text = None, None
        return True


def expect_failure(message: str) -> None:
    """The flow is about to return ``Failed(message=message)``: its end is not an error."""
    _expected.add(message)


def install() -> None:
    """Once per process: the filter on Prefect's flow-run logger, and the run line's handler."""
    flow_runs = logging.getLogger("prefect.flow_runs")
    if not any(isinstance(f, QuietExpectedFailure) for f in flow_runs.filters):
        flow_runs.addFilter(QuietExpectedFailure())
    task_runs = logging.getLogger("prefect.task_runs")
    if not any(isinstance(f, WordedDatabaseFailure) for f in task_runs.filters):
        task_runs.addFilter(WordedDatabaseFailure())
    if not RUNS.handlers:
        handler = logging.StreamHandler(sys.stdout)
        handler.setFormatter(logging.Formatter("%(asctime)s | %(message)s", "%H:%M:%S"))
        RUNS.addHandler(handler)
        RUNS.setLevel(logging.INFO)
        RUNS.propagate = False
