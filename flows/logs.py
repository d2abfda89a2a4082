"""A quiet, truthful log: one line per unit run, no traceback for a run that ends "Quá hạn".

A flow that returns a ``Failed`` state makes Prefect's engine raise ``FailedRun`` at the end of
the run and log it as "Engine execution exited with unexpected exception" with a traceback. For
a unit whose standing is "Quá hạn" that is the expected outcome, not a crash: the run stays red
(Failed) in the UI, but that one record is dropped. Any other exception is still logged in full.
"""

from __future__ import annotations

import logging
import sys

from prefect.exceptions import FailedRun

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


def expect_failure(message: str) -> None:
    """The flow is about to return ``Failed(message=message)``: its end is not an error."""
    _expected.add(message)


def install() -> None:
    """Once per process: the filter on Prefect's flow-run logger, and the run line's handler."""
    flow_runs = logging.getLogger("prefect.flow_runs")
    if not any(isinstance(f, QuietExpectedFailure) for f in flow_runs.filters):
        flow_runs.addFilter(QuietExpectedFailure())
    if not RUNS.handlers:
        handler = logging.StreamHandler(sys.stdout)
        handler.setFormatter(logging.Formatter("%(asctime)s | %(message)s", "%H:%M:%S"))
        RUNS.addHandler(handler)
        RUNS.setLevel(logging.INFO)
        RUNS.propagate = False
