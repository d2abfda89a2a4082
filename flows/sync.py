"""Prefect's dual functions (``to_deployment``, ``from_source``, ``deploy``, ``run_deployment``) are
typed as "a value or a coroutine": called from synchronous code, as here, they return the value.

This module does not import Prefect (``flows.serve`` sets Prefect's environment before it does).
"""

from __future__ import annotations

import inspect
from collections.abc import Coroutine
from typing import Any, TypeVar, cast

T = TypeVar("T")


def resolved(value: T | Coroutine[Any, Any, T]) -> T:
    """``value`` itself; a coroutine here would mean a call made from async code by mistake."""
    if inspect.iscoroutine(value):
        value.close()
        raise TypeError("a Prefect call returned a coroutine in synchronous code")
    return cast(T, value)
