"""A quiet, truthful log: one line per unit run, no traceback for a run that ends "Quá hạn".

A flow that returns a ``Failed`` state makes Prefect's engine raise ``FailedRun`` at the end of
the run and log it as "Engine execution exited with unexpected exception" with a traceback. For
a unit whose standing is "Quá hạn" that is the expected outcome, not a crash: the run stays red
(Failed) in the UI, but that one record is dropped. Any other exception is still logged in full.

A task that fails on the database raises ``DatabaseUnavailable`` (``flows.common.worded``): the
CLI's Vietnamese sentence, URL masked, never the SQL or its parameters. Its records (each retry,
then "Retries are exhausted") are that sentence without a traceback (``WordedDatabaseFailure``);
the flow then ends Failed with it.

The filters go on Prefect's loggers when a run opens its context (``install``, once per process),
not when this module is imported. What they remember is bounded: an expected failure is forgotten
once its record is seen, and at most ``EXPECTED_MAX`` are kept (a long-running runner process
serves runs for months).
"""

from __future__ import annotations

import logging
import sys
import threading
from collections import OrderedDict

from prefect.exceptions import FailedRun

from htx_tasks.store.db import DatabaseUnavailable

ENGINE_EXIT = "Engine execution exited with unexpected exception"
RUNS = logging.getLogger("htx_tasks.runs")  # the one line per run, on the console
EXPECTED_MAX = 256  # Failed states returned whose engine record has not been seen yet


class Expected:
    """Messages of the Failed states our flows returned, each until its record is seen (bounded)."""

    def __init__(self, limit: int = EXPECTED_MAX) -> None:
        self.limit = limit
        self._waiting: OrderedDict[str, int] = OrderedDict()
        self._lock = threading.Lock()

    def add(self, message: str) -> None:
        with self._lock:
            self._waiting[message] = self._waiting.pop(message, 0) + 1
            while len(self._waiting) > self.limit:  # a record that never came: forget the oldest
                self._waiting.popitem(last=False)

    def take(self, message: str) -> bool:
        """True (once per ``add``) when ``message`` was expected."""
        with self._lock:
            left = self._waiting.get(message, 0)
            if not left:
                return False
            if left == 1:
                del self._waiting[message]
            else:
                self._waiting[message] = left - 1
            return True

    def __len__(self) -> int:
        return len(self._waiting)


_expected = Expected()


class QuietExpectedFailure(logging.Filter):
    """Drop the engine's traceback for a Failed state a flow returned on purpose."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.getMessage() != ENGINE_EXIT or not record.exc_info:
            return True
        exc = record.exc_info[1]
        return not (isinstance(exc, FailedRun) and _expected.take(str(exc)))


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
