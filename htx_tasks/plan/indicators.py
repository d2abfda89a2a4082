"""The plan's indicator filters, checked at load time against the registry's fields.

A filter maps a field to a condition: a value (equal), a list (one of), or a mapping of
operators (``in``, ``not_in``, ``ne``, ``gte``, ``gt``, ``lte``, ``lt``, ``empty``). The loader
reports each problem at its line; ``htx_tasks.indicators.filters`` applies the filters.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from htx_tasks.core.coops import BY_NAME, DERIVED, NUMERIC, Type

SET_OPS = ("in", "not_in")
NUMBER_OPS = ("gte", "gt", "lte", "lt")
OPS = (*SET_OPS, *NUMBER_OPS, "ne", "empty")


def conditions(condition: Any) -> dict[str, Any]:
    """A condition as a mapping of operators: a value is ``in: [value]``, a list ``in: list``."""
    if isinstance(condition, dict):
        return condition
    if isinstance(condition, list):
        return {"in": condition}
    return {"in": [condition]}


def check_indicators(indicators: list, units: Iterable[str]) -> list[tuple[tuple, str]]:
    """Every problem of the ``indicators`` section, each with its path (from ``indicators``)."""
    unit_codes = set(units)
    out: list[tuple[tuple, str]] = []
    for i, indicator in enumerate(indicators):
        if indicator.owner is not None and indicator.owner not in unit_codes:
            out.append(((i, "owner"), f"đơn vị '{indicator.owner}' không có trong danh sách units"))
        for part in ("numerator", "denominator"):
            count = getattr(indicator, part)
            if count is not None:
                out += [((i, part, *loc), message) for loc, message in check_count(count.where, count.sum, unit_codes)]
        if indicator.needs_data is not None and indicator.needs_data not in BY_NAME:
            out.append(((i, "needs_data"), f"trường '{indicator.needs_data}' không có trong sổ theo dõi"))
    return out


def check_count(where: dict[str, Any], total: str | None, units: Iterable[str]) -> list[tuple[tuple, str]]:
    """Problems of one numerator or denominator, each with its path below the count."""
    unit_codes = set(units)
    out: list[tuple[tuple, str]] = []
    if total is not None and (total not in BY_NAME or BY_NAME[total].type is not Type.INT):
        numeric = ", ".join(sorted(n for n in NUMERIC if n in BY_NAME))
        out.append((("sum",), f"'sum' cần một trường số của sổ theo dõi ({numeric}), không phải '{total}'"))
    for name, condition in where.items():
        loc = ("where", name)
        if name not in BY_NAME and name not in DERIVED:
            known = ", ".join([*BY_NAME, *DERIVED])
            out.append((loc, f"trường '{name}' không có trong sổ theo dõi (các trường: {known})"))
            continue
        for op, operand in conditions(condition).items():
            if op not in OPS:
                out.append((loc, f"phép so sánh '{op}' không hợp lệ; chỉ nhận {', '.join(OPS)}"))
            elif op in NUMBER_OPS and name not in NUMERIC:
                out.append((loc, f"'{op}' chỉ dùng cho trường số, '{name}' không phải trường số"))
            elif op in NUMBER_OPS and (isinstance(operand, bool) or not isinstance(operand, int | float)):
                out.append((loc, f"'{op}' cần một số, nhận được {operand!r}"))
            elif op == "empty" and not isinstance(operand, bool):
                out.append((loc, "'empty' nhận true hoặc false"))
            elif op in (*SET_OPS, "ne"):
                values = operand if op in SET_OPS else [operand]
                if not isinstance(values, list) or not values:
                    out.append((loc, f"'{op}' cần một danh sách giá trị"))
                    continue
                for value in values:
                    problem = _value_problem(name, value, unit_codes)
                    if problem:
                        out.append((loc, problem))
    return out


def _value_problem(name: str, value: Any, units: set[str]) -> str | None:
    if name in DERIVED:
        return None if isinstance(value, int) and not isinstance(value, bool) else f"'{name}' cần số nguyên"
    spec = BY_NAME[name]
    if spec.type is Type.CHOICE:
        assert spec.choices is not None  # a choice field always names its values
        codes = [m.value for m in spec.choices]
        if value not in codes:
            return f"giá trị '{value}' không hợp lệ cho '{name}'; chỉ nhận {', '.join(codes)}"
    elif spec.type is Type.BOOL and not isinstance(value, bool):
        return f"'{name}' nhận true hoặc false, không phải {value!r}"
    elif spec.type is Type.UNIT and value not in units:
        return f"đơn vị '{value}' không có trong danh sách units"
    elif spec.type is Type.INT and (isinstance(value, bool) or not isinstance(value, int)):
        return f"'{name}' cần số nguyên, không phải {value!r}"
    elif spec.type is Type.DATE and not isinstance(value, dt.date):
        return f"'{name}' cần một ngày (YYYY-MM-DD)"
    return None
