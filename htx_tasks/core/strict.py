"""The base of every value the plan declares: strict, frozen models, and the error of one field.

Unknown keys are rejected (``extra="forbid"``). A model-level check that belongs to one field
raises ``FieldError`` so the loader points the problem at that field's line.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

CODE = r"^[a-z0-9][a-z0-9-]*$"  # a code in configuration: lowercase letters, digits, dashes


class Strict(BaseModel):
    """Unknown keys are rejected; a loaded model is never changed."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class FieldError(ValueError):
    """A model-level check that belongs to one field: the problem points at that field's line."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(message)
        self.field = field_name
