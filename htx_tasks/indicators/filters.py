"""Indicator filters over registry fields, applied to a snapshot. Pure.

The plan's loader checks each filter (``htx_tasks.plan.indicators``); here they are applied.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from htx_tasks.core.coops import Coop
from htx_tasks.plan.indicators import conditions


def matches(coop: Coop, where: dict[str, Any], on: dt.date) -> bool:
    """Does ``coop`` meet every condition of ``where`` on day ``on``?"""
    for name, condition in where.items():
        value = coop.value(name, on)
        for op, operand in conditions(condition).items():
            if not _holds(op, value, operand):
                return False
    return True


def _holds(op: str, value: Any, operand: Any) -> bool:
    if op == "empty":
        return (value is None or value == "") is operand
    if op == "in":
        return value in operand
    if op == "not_in":
        return value not in operand
    if op == "ne":
        return value != operand
    if value is None:
        return False
    return {"gte": value >= operand, "gt": value > operand, "lte": value <= operand, "lt": value < operand}[op]
