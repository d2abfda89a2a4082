"""The whole configuration folder, checked at once before anything is written.

The plans (``plan.yaml``, or ``units.yaml`` and ``plans/<code>.yaml``: see ``htx_tasks.plan.office``),
``calendar.yaml`` and ``channels.yaml`` are read together and every problem of every file is
reported in one ``ConfigError``: a command that writes (``init``, ``tick``, a flow) loads this
first, so a broken channel file can no longer stop a pass half-way.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from htx_tasks.core.refusals import BadInput, UnknownCode
from htx_tasks.core.statuses import PlanStatus
from htx_tasks.delivery.channels import Channels, load_channels
from htx_tasks.plan.loader import Plan
from htx_tasks.plan.office import load_plans
from htx_tasks.plan.yamlio import ConfigError, Problem
from htx_tasks.settings import Settings


class NoSinglePlan(BadInput):
    """A command needs one plan and the folder holds several: ``--plan`` must name one."""


@dataclass(frozen=True)
class Config:
    plans: dict[str, Plan]  # by code, in the order the folder lists them
    channels: Channels

    @property
    def plan(self) -> Plan:
        """The plan a command runs on when none is named: the only plan, or the only one whose
        configuration starts it active; NoSinglePlan otherwise (``UnknownCode`` for a code not held)."""
        return self.pick(None)

    def pick(self, code: str | None) -> Plan:
        if code is not None:
            if code not in self.plans:
                raise UnknownCode(f"không có kế hoạch mã '{code}'; các kế hoạch: " + ", ".join(self.plans))
            return self.plans[code]
        if len(self.plans) == 1:
            return next(iter(self.plans.values()))
        active = [p for p in self.plans.values() if p.meta.status is PlanStatus.ACTIVE]
        if len(active) == 1:
            return active[0]
        raise self.ask(active)

    def ask(self, among: list[Plan]) -> NoSinglePlan:
        """The refusal of a command that needs one plan when several are followed (none: among
        every plan of the folder), each named with its ``--plan``."""
        head = (f"cơ quan đang theo dõi {len(among)} kế hoạch" if among
                else f"cấu hình có {len(self.plans)} kế hoạch, không kế hoạch nào đang theo dõi")
        choices = "".join(f"\n  --plan {p.meta.code}: {p.meta.short_title}" for p in among or self.plans.values())
        return NoSinglePlan(f"{head}; lệnh này cần chọn một kế hoạch:{choices}")


def load_config(config_dir: Path | str, inbox_dir: Path | None = None, *, settings: Settings | None = None) -> Config:
    """Plan, calendar and channels, validated whole; ConfigError lists the problems of all three.

    ``settings`` fill the channels' ``${NAME}`` variables (``htx_tasks.bootstrap`` passes them)."""
    config_dir = Path(config_dir)
    if not config_dir.is_dir():
        what = "không tồn tại" if not config_dir.exists() else "không phải là thư mục"
        raise ConfigError([Problem(config_dir, 0, f"thư mục cấu hình {what} (cần units.yaml, plans/, calendar.yaml, "
                                   "channels.yaml; hoặc plan.yaml khi chỉ có một kế hoạch)")])
    problems: list[Problem] = []
    plans: dict[str, Plan] = {}
    channels: Channels | None = None
    try:
        plans = load_plans(config_dir)
    except ConfigError as exc:
        problems.extend(exc.problems)
    try:  # units are shared: any plan names every unit a channel may be tagged with
        channels = load_channels(next(iter(plans.values()), None), config_dir, inbox_dir, settings=settings)
    except ConfigError as exc:
        problems.extend(exc.problems)
    if problems:
        raise ConfigError(problems)
    assert plans and channels is not None
    return Config(plans, channels)
