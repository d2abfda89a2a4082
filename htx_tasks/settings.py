"""Run-time settings, read from the environment when asked for (never at import time)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

DEFAULT_VAR = Path("var")
DEFAULT_HORIZON_DAYS = 366  # how far ahead of the clock a pass may be run without --force


@dataclass(frozen=True)
class Settings:
    database_url: str
    config_dir: Path
    var_dir: Path
    horizon_days: int = DEFAULT_HORIZON_DAYS

    @classmethod
    def from_env(cls, config_dir: Path | str | None = None) -> Settings:
        var_dir = Path(os.environ.get("HTX_VAR_DIR", DEFAULT_VAR))
        url = os.environ.get("HTX_DATABASE_URL") or f"sqlite:///{var_dir / 'htx-tasks.db'}"
        config = Path(config_dir or os.environ.get("HTX_CONFIG_DIR", "config"))
        horizon = os.environ.get("HTX_HORIZON_DAYS", "").strip()
        if horizon and not (horizon.isdigit() and 0 < int(horizon) <= 100 * 366):
            raise ValueError(f"HTX_HORIZON_DAYS phải là số ngày từ 1 đến 36600, nhận được '{horizon}'")
        return cls(database_url=url, config_dir=config, var_dir=var_dir,
                   horizon_days=int(horizon) if horizon else DEFAULT_HORIZON_DAYS)
