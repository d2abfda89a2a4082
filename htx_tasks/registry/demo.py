"""A synthetic registry for demonstration: about 40 organisations, five years of history.

Made from a fixed random seed, so every machine gets the same data. Every version is marked
``synthetic`` and every code starts with ``MH-`` (minh họa): the CLI, the artifacts, the charts
and the report say "dữ liệu minh họa" wherever they show figures computed from it.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import replace

from htx_tasks.core.coops import Coop, OrgKind, Rating, Sector, Status
from htx_tasks.plan.loader import Plan
from htx_tasks.plan.schema import UnitKind
from htx_tasks.registry.config import RegistryConfig

SEED = 46
YEARS = (2022, 2023, 2024, 2025, 2026)
START = dt.date(2022, 1, 1)
LAST_UPDATE = dt.date(2026, 6, 30)  # the demonstration's latest half-year update
SECTORS = [  # (sector, organisations, where: "commune", "ward" or "any")
    (Sector.AGRICULTURE, 13, "commune"), (Sector.SALT, 3, "commune"), (Sector.FISHERIES, 5, "any"),
    (Sector.HANDICRAFT, 4, "any"), (Sector.TRADE, 4, "ward"), (Sector.TRANSPORT, 5, "ward"),
    (Sector.SERVICES, 3, "any"), (Sector.INDUSTRY, 3, "ward"),
]
PRODUCTS = {
    Sector.AGRICULTURE: ["xoài Cam Ranh", "tỏi", "rau an toàn", "nấm rơm", "bưởi", "chuối"],
    Sector.SALT: ["muối sạch", "muối tinh"], Sector.FISHERIES: ["tôm hùm", "cá khô", "nước mắm", "ốc hương"],
    Sector.HANDICRAFT: ["đồ mây tre", "gốm", "chiếu cói"], Sector.TRADE: ["nông sản đặc sản", "hải sản khô"],
    Sector.TRANSPORT: [], Sector.SERVICES: ["dịch vụ du lịch cộng đồng"], Sector.INDUSTRY: ["nước đá", "gạch không nung"],
}
TECH = ["truy xuất nguồn gốc bằng mã QR", "phần mềm kế toán, quản lý thành viên",
        "bán hàng trên sàn thương mại điện tử"]
TECH_BY_SECTOR = {Sector.AGRICULTURE: ["tưới nhỏ giọt tự động", "nhà màng công nghệ cao"],
                  Sector.TRANSPORT: ["điều hành xe qua ứng dụng", "định vị GPS, vé điện tử"]}


def demo_registry(plan: Plan, config: RegistryConfig, seed: int = SEED) -> list[Coop]:
    """Every version of every synthetic organisation, oldest first."""
    rng = random.Random(seed)
    communes = [u.code for u in plan.source.units if u.kind is UnitKind.COMMUNE]
    wards = [u.code for u in plan.source.units if u.kind is UnitKind.WARD]
    versions: list[Coop] = []
    number = 0
    for sector, how_many, where in SECTORS:
        places = {"commune": communes, "ward": wards, "any": communes + wards}[where]
        for _ in range(how_many):
            number += 1
            versions += _history(rng, plan, config, number, sector, rng.choice(places))
    return versions


def _kind(rng: random.Random, number: int) -> OrgKind:
    if number == 7:
        return OrgKind.UNION
    return OrgKind.GROUP if rng.random() < 0.12 else OrgKind.COOPERATIVE


def _history(rng: random.Random, plan: Plan, config: RegistryConfig, number: int, sector: Sector,
             ward: str) -> list[Coop]:
    kind = _kind(rng, number)
    founded = (dt.date(rng.randint(2023, 2026), rng.choice([3, 5, 7, 9]), rng.randint(1, 28))
               if rng.random() < 0.15 else dt.date(rng.randint(2000, 2020), rng.randint(1, 12), rng.randint(1, 28)))
    if founded > LAST_UPDATE:
        founded = dt.date(2026, 4, 15)
    place = plan.unit_name(ward).removeprefix("UBND ").split(" ", 1)[1]
    short = {OrgKind.COOPERATIVE: "Hợp tác xã", OrgKind.UNION: "Liên hiệp hợp tác xã", OrgKind.GROUP: "Tổ hợp tác"}[kind]
    products = rng.sample(PRODUCTS[sector], k=min(len(PRODUCTS[sector]), rng.randint(1, 2)))
    stops_in = rng.choice([2022, 2023, 2024, 2025]) if rng.random() < 0.2 and founded.year < 2021 else None
    base = Coop(
        code=f"MH-{number:03d}", name=f"{short} {sector.label.lower()} {place} {number}", kind=kind.value,
        ward=ward, sector=sector.value, follow_unit=config.follow_unit(sector.value),
        status=Status.ACTIVE.value, founded_on=founded, valid_from=max(founded, START),
        members=rng.randint(7, 180), charter_capital=rng.choice([50, 100, 200, 350, 500, 1200]),
        key_products="; ".join(products) or None, key_product_count=len(products) or None,
        ecommerce_products=0 if products else None, synthetic=True, note="Dữ liệu minh họa",
    )
    quality = rng.random()  # a lasting trait: some organisations do better every year
    versions = [base]
    current = base
    for year in YEARS:
        day = dt.date(year, 12, 15) if year < 2026 else LAST_UPDATE
        if day <= current.valid_from:
            continue
        change: dict = {"valid_from": day}
        progress = (year - 2021) / 5
        if stops_in is not None and year >= stops_in:
            step = year - stops_in
            status = [Status.STOPPED, Status.AWAITING_DISSOLUTION, Status.DISSOLVED][min(step, 2) if number % 2 else min(step, 1)]
            change.update(status=status.value, rating=None, rating_year=None)
        else:
            old_enough = (day - founded).days >= 366
            rated = kind is not OrgKind.GROUP and old_enough and year < 2026
            if rated:
                score = quality + 0.25 * progress + rng.uniform(-0.15, 0.15)
                rating = (Rating.GOOD if score > 0.95 else Rating.FAIR if score > 0.55
                          else Rating.AVERAGE if score > 0.25 else Rating.WEAK)
                change.update(rating=rating.value, rating_year=year)
            if not current.tech and rng.random() < 0.03 + 0.05 * progress + 0.06 * quality:
                change.update(tech=True, tech_note=rng.choice(TECH + TECH_BY_SECTOR.get(sector, [])))
            if current.key_product_count and rng.random() < 0.12 * progress:
                change["ecommerce_products"] = min(current.key_product_count, (current.ecommerce_products or 0) + 1)
            change["members"] = max(7, (current.members or 7) + rng.randint(-3, 9))
            if quality > 0.6 and not current.brand and products and rng.random() < 0.3:
                change["brand"] = f"{products[0].capitalize()} {place}"
        updated = replace(current, **change)
        if not updated.same_facts(current):
            versions.append(updated)
            current = updated
    return versions
