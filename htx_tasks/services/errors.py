"""What a service says when it does not do what it was asked: always Vietnamese, never a traceback."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


class Refused(Exception):
    """An action that is not allowed, with the reason in Vietnamese. Nothing was written."""


class Conflict(Refused):
    """Somebody else decided first: the item is no longer in the state this action expects."""


@dataclass(frozen=True)
class FieldError:
    field: str  # the command model's field name; each front end shows it in its own words
    message: str  # Vietnamese, without the field's name


class InvalidInput(Refused):
    """One or more inputs break the rules of ``htx_tasks.services.inputs``."""

    def __init__(self, errors: list[FieldError]) -> None:
        self.errors = errors
        super().__init__(self.render({}))

    @classmethod
    def one(cls, field: str, message: str) -> InvalidInput:
        return cls([FieldError(field, message)])

    def render(self, labels: Mapping[str, str]) -> str:
        """``Nội dung: dài quá 4.000 ký tự``: each field named by the front end's own label."""
        return "; ".join(f"{labels.get(e.field, e.field)}: {e.message}" for e in self.errors)
