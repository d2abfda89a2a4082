"""What every configuration model shares: strict validation and the shape of a code."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

CODE = r"^[a-z0-9][a-z0-9-]*$"


class Strict(BaseModel):
    """Unknown keys are rejected; a loaded model is never changed."""

    model_config = ConfigDict(extra="forbid", frozen=True)
