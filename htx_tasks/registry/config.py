"""``config/registry.yaml``: which department follows an organisation of each sector."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import Field

from htx_tasks.core.coops import Sector
from htx_tasks.core.strict import Strict
from htx_tasks.plan.loader import Plan
from htx_tasks.plan.schema import UnitKind
from htx_tasks.plan.yamlio import ConfigError, load_yaml, parse_model

REGISTRY_FILE = "registry.yaml"


class FollowUnits(Strict):
    default: str
    by_sector: dict[Sector, str] = Field(default_factory=dict)


class RegistryFile(Strict):
    version: Literal[1]
    follow_units: FollowUnits


@dataclass(frozen=True)
class RegistryConfig:
    follow_units: FollowUnits

    def follow_unit(self, sector: str) -> str:
        return self.follow_units.by_sector.get(Sector.of(sector), self.follow_units.default)


def load_registry_config(plan: Plan) -> RegistryConfig:
    """Read ``registry.yaml`` beside the plan; every unit it names must be a plan unit."""
    located = load_yaml(Path(plan.config_dir) / REGISTRY_FILE)
    data = parse_model(RegistryFile, located)
    problems = []
    named: list[tuple[tuple[str, ...], str]] = [(("follow_units", "default"), data.follow_units.default)]
    named += [(("follow_units", "by_sector", str(s)), u) for s, u in data.follow_units.by_sector.items()]
    for loc, code in named:
        unit = plan.units.get(code)
        if unit is None:
            problems.append(located.problem(loc, f"đơn vị '{code}' không có trong danh sách units của kế hoạch"))
        elif unit.kind in (UnitKind.GROUP, UnitKind.WARD, UnitKind.COMMUNE):
            problems.append(located.problem(loc, f"'{code}' không phải phòng chuyên môn"))
    if problems:
        raise ConfigError(problems)
    return RegistryConfig(data.follow_units)
