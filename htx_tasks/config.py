"""The whole configuration folder, checked at once before anything is written.

``plan.yaml``, ``calendar.yaml`` and ``channels.yaml`` are read together and every problem of
every file is reported in one ``ConfigError``: a command that writes (``init``, ``tick``, a flow)
loads this first, so a broken channel file can no longer stop a pass half-way.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from htx_tasks.delivery.channels import Channels, load_channels
from htx_tasks.plan.loader import Plan, load_plan
from htx_tasks.plan.yamlio import ConfigError, Problem
from htx_tasks.settings import Settings


@dataclass(frozen=True)
class Config:
    plan: Plan
    channels: Channels


def load_config(config_dir: Path | str, inbox_dir: Path | None = None, *, settings: Settings | None = None) -> Config:
    """Plan, calendar and channels, validated whole; ConfigError lists the problems of all three.

    ``settings`` fill the channels' ``${NAME}`` variables (``htx_tasks.bootstrap`` passes them)."""
    config_dir = Path(config_dir)
    if not config_dir.is_dir():
        what = "không tồn tại" if not config_dir.exists() else "không phải là thư mục"
        raise ConfigError([Problem(config_dir, 0, f"thư mục cấu hình {what} "
                                   "(cần một thư mục chứa plan.yaml, calendar.yaml, channels.yaml)")])
    problems: list[Problem] = []
    plan: Plan | None = None
    channels: Channels | None = None
    try:
        plan = load_plan(config_dir)
    except ConfigError as exc:
        problems.extend(exc.problems)
    try:
        channels = load_channels(plan, config_dir, inbox_dir, settings=settings)
    except ConfigError as exc:
        problems.extend(exc.problems)
    if problems:
        raise ConfigError(problems)
    assert plan is not None and channels is not None
    return Config(plan, channels)
