"""The Section I.2 targets of ``config/plan.yaml``: what is counted and how it is read.

``aim`` says how the plan words a target, and so how a year's value is judged:
- ``reach`` ("phấn đấu 20%", "trên 90%"): a straight-line path from the baseline year's value to
  the target in the target year, through the ``milestones`` the plan sets on the way ("đến năm
  2030: 20%" for 30% in 2045); from the target year on, the target itself.
- ``maintain`` ("duy trì", "giữ vững … 60-70%"): the target itself every year, from the start.
- ``eliminate`` ("giải thể dứt điểm"): a count brought to zero by the target year, on a path in
  whole numbers. The comparator (``lte``) and value (0) are implied and may not be written.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, model_validator

from htx_tasks.core.strict import CODE, FieldError, Strict


class Count(Strict):
    """Organisations of the registry matching ``where``: counted, or ``sum`` of one field."""

    where: dict[str, Any] = {}
    sum: str | None = None


class Milestone(Strict):
    """A point the plan sets on the way to a target: the same measure, an earlier year."""

    year: int = Field(ge=2000, le=2100)
    value: float


class Indicator(Strict):
    """A Section I.2 target. ``kind: target`` is measured from the registry; ``qualitative`` is
    a clause the implementation report must address in words.

    Filters name registry fields (``htx_tasks.core.coops``); the loader checks them.
    Without a ``denominator`` the value is the numerator itself (a count, ``unit`` not "%").
    """

    code: str = Field(pattern=CODE)
    title: str
    ref: str = "I.2"
    source: str  # the plan's own sentence, misprints kept and followed by "[sic]"
    year: int = Field(ge=2000, le=2100)
    kind: Literal["target", "qualitative"] = "target"
    aim: Literal["reach", "maintain", "eliminate"] = "reach"
    owner: str | None = None
    baseline_year: int | None = Field(default=None, ge=2000, le=2100)
    comparator: Literal["between", "gt", "gte", "lt", "lte"] | None = None
    value: float | None = None
    low: float | None = None
    high: float | None = None
    unit: str = "%"
    milestones: list[Milestone] = []
    numerator: Count | None = None
    denominator: Count | None = None
    needs_data: str | None = None  # a field at least one organisation of the denominator must have
    reading: str | None = None  # how the plan is read where it gives no number or is ambiguous

    @model_validator(mode="before")
    @classmethod
    def _zero(cls, data: Any) -> Any:
        """``eliminate`` means "at most 0": written once, by the aim, never beside it."""
        if not isinstance(data, dict) or data.get("aim") != "eliminate":
            return data
        given = [k for k in ("comparator", "value", "low", "high", "denominator") if data.get(k) is not None]
        if given:
            raise FieldError(given[0], "mục tiêu 'eliminate' (giải thể dứt điểm) là đếm số tổ chức và đưa về 0: "
                             f"không ghi {', '.join(repr(g) for g in given)}")
        if data.get("unit", "%") == "%":
            raise FieldError("unit" if "unit" in data else "aim",
                             "mục tiêu 'eliminate' đếm tổ chức: cần 'unit', ví dụ 'hợp tác xã'")
        return {**data, "comparator": "lte", "value": 0}

    @model_validator(mode="after")
    def _coherent(self) -> Indicator:
        measured = ("baseline_year", "comparator", "value", "low", "high", "numerator", "denominator",
                    "needs_data")
        if self.kind == "qualitative":
            given = [name for name in measured if getattr(self, name) is not None]
            given += [name for name in ("aim", "milestones") if name in self.model_fields_set]
            if given:
                raise FieldError(given[0], f"mục tiêu định tính không dùng: {', '.join(given)}")
            return self
        missing = [name for name in ("comparator", "numerator", "baseline_year") if getattr(self, name) is None]
        if missing:
            raise FieldError("kind", f"chỉ tiêu cần {', '.join(repr(m) for m in missing)}")
        if self.baseline_year >= self.year:  # type: ignore[operator]
            raise FieldError("baseline_year", f"năm gốc {self.baseline_year} phải trước năm mục tiêu {self.year}")
        if self.comparator == "between":
            if self.low is None or self.high is None or self.low > self.high:
                raise FieldError("low" if self.low is not None else "comparator", "chỉ tiêu 'between' cần 'low' ≤ 'high'")
        elif self.value is None:
            raise FieldError("comparator", f"chỉ tiêu '{self.comparator}' cần khóa 'value'")
        if (self.unit == "%") != (self.denominator is not None):
            raise FieldError("unit", "chỉ tiêu tính tỷ lệ (unit '%') cần 'denominator', chỉ tiêu đếm thì không")
        years = [self.baseline_year, *(m.year for m in self.milestones), self.year]
        if self.milestones and (self.aim != "reach" or years != sorted(set(years))):  # type: ignore[type-var]
            raise FieldError("milestones", "mốc chỉ dùng cho mục tiêu 'reach', năm tăng dần, sau năm gốc "
                             f"{self.baseline_year} và trước năm đích {self.year}")
        return self

    @property
    def threshold(self) -> float:
        """The number the path leads to: the lower bound of a range, else the value."""
        return float(self.low if self.comparator == "between" else self.value)  # type: ignore[arg-type]

    @property
    def rising(self) -> bool:
        return self.comparator in ("between", "gt", "gte")

    @property
    def counted(self) -> bool:
        """A count of organisations (whole numbers), not a rate."""
        return self.denominator is None
