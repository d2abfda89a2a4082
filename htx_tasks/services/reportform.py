"""A unit's report read against what its duty asks (``plan.unitreport.ReportForm``).

The command model (``inputs.SubmitReport``) has checked the texts' limits; here, with the duty
at hand: every figure's key must be one the duty declares, its value a number from 0 (whole
unless the figure says ``whole: false``); difficulties and proposals only where the duty asks
them. Every problem is a ``FieldError``: ``figure:<key>`` for one figure (a front end names it
by its label or its option), ``figures`` for a key the duty does not have.
"""

from __future__ import annotations

import math
import re

from htx_tasks.plan.schema import Duty
from htx_tasks.plan.unitreport import Figure
from htx_tasks.services.errors import FieldError, InvalidInput
from htx_tasks.services.inputs import SubmitReport

FIGURE = "figure:"  # the field of one figure: "figure:htx-duoc-huong-dan"
FIGURE_MAX = 10**12  # no figure a unit reports is larger
WHOLE = re.compile(r"^\d+$")
DECIMAL = re.compile(r"^\d+([.,]\d+)?$")
NOT_WHOLE = "phải là số nguyên không âm, chỉ gồm chữ số, không có dấu phân cách (ví dụ 12)"
NOT_DECIMAL = (
    "phải là số không âm, ví dụ 12 hoặc 12,5 (dấu phẩy hoặc dấu chấm trước phần thập phân, không có dấu phân cách hàng nghìn)"
)
NOT_ASKED = {"difficulties": "khó khăn, vướng mắc", "proposals": "đề xuất, kiến nghị"}


def field_of(key: str) -> str:
    return FIGURE + key


def figure_value(figure: Figure, raw: str | int | float) -> int | float:
    """The number a unit typed for ``figure``; ValueError (Vietnamese) when it is not one."""
    if isinstance(raw, str):
        if not (WHOLE if figure.whole else DECIMAL).match(raw):
            raise ValueError(NOT_WHOLE if figure.whole else NOT_DECIMAL)
        value: int | float = int(raw) if WHOLE.match(raw) else float(raw.replace(",", "."))
    else:
        value = raw
        if not math.isfinite(value) or value < 0 or (figure.whole and value != int(value)):
            raise ValueError(NOT_WHOLE if figure.whole else NOT_DECIMAL)
    if value > FIGURE_MAX:
        raise ValueError(f"lớn quá {FIGURE_MAX:,}".replace(",", "."))
    return int(value) if value == int(value) else value


def check_report(duty: Duty, command: SubmitReport, *, request: bool = False) -> dict[str, int | float]:
    """The report's figures as numbers; ``InvalidInput`` naming every field the duty refuses, in
    the unit's register (a request's results are exchanged, not reported)."""
    form = duty.report
    what = f"{'thông tin kết quả' if request else 'báo cáo'} mục {duty.ref}"
    errors: list[FieldError] = []
    for name, words in NOT_ASKED.items():
        if getattr(command, name) and not getattr(form, name):
            errors.append(FieldError(name, f"{what} không có phần {words}; nếu cần, ghi vào phần kết quả"))
    figures: dict[str, int | float] = {}
    for key, raw in command.figures.items():
        figure = form.figure(key)
        if figure is None:
            known = ", ".join(f.key for f in form.figures)
            errors.append(
                FieldError(
                    "figures",
                    f"{what} không có số liệu '{key}'" + (f"; các số liệu: {known}" if known else "; mục này không có số liệu"),
                )
            )
            continue
        try:
            figures[key] = figure_value(figure, raw)
        except ValueError as exc:
            errors.append(FieldError(field_of(key), str(exc)))
    if errors:
        raise InvalidInput(errors)
    return {f.key: figures[f.key] for f in form.figures if f.key in figures}  # in the duty's order
