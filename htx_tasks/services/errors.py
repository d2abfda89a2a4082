"""What a service says when it does not do what it was asked: always Vietnamese, never a traceback."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from htx_tasks.core.refusals import BadInput, Conflict, Refused, UnknownCode

__all__ = ["BadInput", "Conflict", "FieldError", "InvalidInput", "Refused", "UnknownCode"]


@dataclass(frozen=True)
class FieldError:
    field: str  # the command model's field name; each front end shows it in its own words
    message: str  # Vietnamese, without the field's name
    missing: bool = False  # nothing was given: a front end may say where to find it, in its words


class InvalidInput(BadInput):
    """One or more inputs break the rules of ``htx_tasks.services.inputs``, each named by its field."""

    def __init__(self, errors: list[FieldError]) -> None:
        self.errors = errors
        super().__init__(self.render({}))

    @classmethod
    def one(cls, field: str, message: str) -> InvalidInput:
        return cls([FieldError(field, message)])

    @classmethod
    def missing(cls, field: str, message: str) -> InvalidInput:
        return cls([FieldError(field, message, missing=True)])

    def render(self, labels: Mapping[str, str], hints: Mapping[str, str] | None = None) -> str:
        """``Nội dung: dài quá 4.000 ký tự``: each field named by the front end's own label; a field
        not given at all is explained by ``hints`` (where this front end shows it) when there is one."""
        return "; ".join(f"{labels.get(e.field, e.field)}: "
                         f"{(hints or {}).get(e.field, e.message) if e.missing else e.message}" for e in self.errors)
