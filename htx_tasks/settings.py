"""Run-time settings, read from the environment when asked for (never at import time)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

DEFAULT_VAR = Path("var")


@dataclass(frozen=True)
class Settings:
    database_url: str
    config_dir: Path
    var_dir: Path

    @classmethod
    def from_env(cls, config_dir: Path | str | None = None) -> Settings:
        var_dir = Path(os.environ.get("HTX_VAR_DIR", DEFAULT_VAR))
        url = os.environ.get("HTX_DATABASE_URL") or f"sqlite:///{var_dir / 'htx-tasks.db'}"
        config = Path(config_dir or os.environ.get("HTX_CONFIG_DIR", "config"))
        return cls(database_url=url, config_dir=config, var_dir=var_dir)
