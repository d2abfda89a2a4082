"""The office's directory of units, taken from the plan it runs now (``config/plan.yaml``)."""

from __future__ import annotations

import re

from htx_tasks.core.unit_match import DirectoryUnit, UnitDirectory
from htx_tasks.plan.loader import Plan


def places_of(issuer: str) -> list[str]:
    """"Ủy ban nhân dân thành phố Cam Ranh" → ["Cam Ranh"]: the office's own place names."""
    found = re.search(r"(?:thành phố|tỉnh|huyện|thị xã|xã|phường|đặc khu)\s+(.+)$", issuer, re.IGNORECASE)
    return [found.group(1).strip()] if found else []


def directory_of(plan: Plan | None) -> tuple[UnitDirectory, dict[str, DirectoryUnit]]:
    units = [] if plan is None else [
        DirectoryUnit(u.code, u.name, u.kind.value, (u.short_name,) if u.short_name else (), tuple(u.members or ()))
        for u in plan.source.units
    ]
    places = places_of(plan.meta.issuer) if plan is not None else []
    return UnitDirectory(units, places=places), {u.code: u for u in units}


def policy_of(plan: Plan | None) -> dict[str, object] | None:
    if plan is None:
        return None
    return plan.source.policy.model_dump(mode="json", exclude_none=True)
