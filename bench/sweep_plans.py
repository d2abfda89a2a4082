"""The many-plans workload of ``bench/sweep.py``: one office, many plans sharing one directory of units.

Two synthetic offices are written in the office layout (``units.yaml``, ``calendar.yaml``,
``plans/<code>.yaml``) and read by the real loader (``htx_tasks.plan.office.load_plans``):

- ``many``: ``--plans`` plans (50) over ``--plans-units`` units (100), ``--plans-duties`` duties each
  (10), every unit holding duties of several plans; the plans take turns among three follow-up
  policies (the office's default; reminders at 3 and 0 days with later escalations; reminders at 5, 1
  and 0 days with a fortnightly repeat), each laid over the office's default as a plan's ``policy``;
- ``one``: the same duties of the same units in a single plan, each duty carrying the policy its
  plan had (``duties[].policy``): every (duty, unit) is followed under the same rules in both.

Both databases are filled with the same rows (``bench/sweep_data.py``: row ``i`` is an occurrence
of the ``i % pairs``-th (duty, unit)), so they differ only in how many plans hold them. Three
scenarios are timed side by side, each on copies of its own database, engine and set-based
interleaved: one plan with ``N`` rows due, the many plans with the same ``N`` due, the many plans
with ``2N`` due. The pass should cost the same with one plan or fifty at equal due rows, and about
twice as much with twice the rows due; the engine ÷ set-based ratio shows what the engine adds to
the database work of the same writes.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from statistics import median

import yaml
from sweep_data import due_at, prepare
from sweep_sides import EngineWorker, set_based

from htx_tasks.plan.office import load_plans

VARIANTS: tuple[dict, ...] = (  # each plan's policy, in turn: laid over the office's default
    {},
    {
        "reminder_days": [3, 0],
        "escalation": [
            {"after_working_days": 0, "to": "unit"},
            {"after_working_days": 3, "to": "coordinator"},
            {"after_working_days": 7, "to": "leadership"},
        ],
    },
    {"reminder_days": [5, 1, 0], "repeat_every_days": 14, "due_soon_working_days": 2},
)
MERGED = "bench-mot-ke-hoach"


def plan_code(p: int) -> str:
    return f"bench-ke-hoach-{p + 1:03d}"


def unit_code(u: int) -> str:
    return f"bench-don-vi-{u + 1:03d}"


def _meta(code: str, title: str) -> dict:
    return {
        "code": code,
        "issuer": "Ủy ban nhân dân thành phố (đo hiệu năng)",
        "title": title,
        "short_title": title,
        "label": "KH đo hiệu năng",
        "legal_bases": ["Không có: dữ liệu tổng hợp để đo hiệu năng"],
        "signer": {"office": ["TM. ỦY BAN NHÂN DÂN"], "name": "Không có"},
        "recipients": ["Lưu: VT"],
        "timezone": "Asia/Ho_Chi_Minh",
        "tracking_from": "2026-11-01",
        "coordinator": {"title": "Cơ quan thường trực", "unit": unit_code(0)},
        "leadership": {"title": "Lãnh đạo UBND"},
    }


def _duty(p: int, j: int, units: int, duties: int) -> dict:
    return {
        "code": f"bench-kh{p + 1:03d}-nv{j + 1:02d}",
        "ref": f"III.{j + 1}",
        "title": f"Nhiệm vụ {j + 1} (đo hiệu năng)",
        "unit": unit_code((p * duties + j) % units),
        "deliverable": "Báo cáo",
        "deadline_source": "coordinator",
        "recurrence": {"every": "month", "due_day": 20},
    }


def write_office(folder: Path, config: Path, *, plans: int, units: int, duties: int, merged: bool) -> Path:
    """An office of ``plans`` plans (or, ``merged``, their duties in one plan) in ``folder``."""
    shutil.rmtree(folder, ignore_errors=True)
    (folder / "plans").mkdir(parents=True)
    shipped = yaml.safe_load((config / "units.yaml").read_text(encoding="utf-8"))  # the office's default policy
    directory = {
        "version": 1,
        "policy": shipped["policy"],
        "units": [
            {"code": unit_code(u), "name": f"Đơn vị {u + 1}", "kind": "department" if u < 10 else "ward"} for u in range(units)
        ],
    }
    dump = {"allow_unicode": True, "sort_keys": False}
    (folder / "units.yaml").write_text(yaml.safe_dump(directory, **dump), encoding="utf-8")
    shutil.copyfile(config / "calendar.yaml", folder / "calendar.yaml")
    if merged:
        every = []
        for p in range(plans):
            for j in range(duties):
                duty = _duty(p, j, units, duties)
                if VARIANTS[p % len(VARIANTS)]:
                    duty["policy"] = VARIANTS[p % len(VARIANTS)]
                every.append(duty)
        files = {MERGED: {"version": 1, "plan": _meta(MERGED, "Mọi nhiệm vụ trong một kế hoạch"), "duties": every}}
    else:
        files = {
            plan_code(p): {
                "version": 1,
                "plan": _meta(plan_code(p), f"Kế hoạch {p + 1}"),
                "policy": VARIANTS[p % len(VARIANTS)],
                "duties": [_duty(p, j, units, duties) for j in range(duties)],
            }
            for p in range(plans)
        }
    for code, body in files.items():
        (folder / "plans" / f"{code}.yaml").write_text(yaml.safe_dump(body, **dump), encoding="utf-8")
    return folder


@dataclass
class Scenario:
    label: str
    folder: Path
    base: str  # the database label it is copied from
    plans: int = 0
    stored: int = 0
    due: int = 0
    engines: list[dict] = field(default_factory=list)
    sets: list[dict] = field(default_factory=list)
    checks: list[str] = field(default_factory=list)
    ok: bool = True

    @property
    def engine_s(self) -> float:
        return median(e["seconds"] for e in self.engines)

    @property
    def set_s(self) -> float:
        return median(s["seconds"] for s in self.sets)

    def check(self) -> None:
        for e, s in zip(self.engines, self.sets, strict=True):
            good = (
                e["digest"] == s["digest"]
                and e["advanced"] == self.due == s["selected"]
                and e["still_due"] == 0
                and not e["failed"]
                and e["opened"] == 0
                and e["notifications"] == s["inserted"]
            )
            self.ok &= good
            self.checks.append(
                f"{self.label}: engine advanced={e['advanced']} notifications={e['notifications']} "
                f"events={e['events']} -> " + ("the set-based writes" if good else "MISMATCH")
            )


def side_by_side(top: list[dict], bottom: list[dict]) -> float:
    """The median of the ratios of runs made in the same round (one after the other): the load of
    a shared machine moves both sides of a ratio together."""
    return median(a["seconds"] / b["seconds"] for a, b in zip(top, bottom, strict=True))


def ratios(one: Scenario, many: Scenario, double: Scenario) -> list[tuple[str, str, str]]:
    """The side-by-side ratios: (what, measured, expected)."""
    same = one.engines[0]["digest"]["items sha256"] == many.engines[0]["digest"]["items sha256"]
    twice = f"≈ {double.due / many.due:.0f}"
    return [
        *(
            (f"engine ÷ set-based, {s.label}, {s.due:,} due", f"{side_by_side(s.engines, s.sets):.2f}x", "≤ 1.5")
            for s in (one, many, double)
        ),
        (
            f"pass time, {many.plans} plans ÷ 1 plan, {one.due:,} due each",
            f"{side_by_side(many.engines, one.engines):.2f}x",
            "≈ 1",
        ),
        (
            f"pass time, {double.due:,} due ÷ {many.due:,} due, {many.plans} plans",
            f"{side_by_side(double.engines, many.engines):.2f}x",
            twice,
        ),
        (f"set-based, {double.due:,} due ÷ {many.due:,} due", f"{side_by_side(double.sets, many.sets):.2f}x", twice),
        (f"writes of the {many.plans} plans' pass = the one plan's (items, audit, outbox)", "yes" if same else "NO", "yes"),
    ]


def measure_plans(
    backend,
    config: Path,
    *,
    plans: int,
    units: int,
    duties: int,
    stored: int,
    due: int,
    workload: str,
    repeat: int,
    log: Callable[[str], None],
) -> tuple[Scenario, Scenario, Scenario]:
    """The three scenarios on ``backend``, engine and set-based interleaved ``repeat`` times."""
    tmp = Path(tempfile.mkdtemp(prefix="htx-bench-plans-"))
    shape = {"plans": plans, "units": units, "duties": duties}
    one = Scenario("1 plan", write_office(tmp / "one", config, **shape, merged=True), "p1")
    many = Scenario(f"{plans} plans", write_office(tmp / "many", config, **shape, merged=False), "pn")
    double = Scenario(f"{plans} plans, 2x due", many.folder, "p2")
    tag = f"[{backend.name} plans]"
    worker = EngineWorker()
    try:
        offices = {s.folder: load_plans(s.folder) for s in (one, many)}
        log(
            f"{tag} filling {stored:,} occurrences of {len(offices[one.folder])} plan and of "
            f"{len(offices[many.folder])} plans ({units} units, {plans * duties} duties) ..."
        )
        prepare(backend, stored, workload, offices[one.folder], "p1")
        prepare(backend, stored, workload, offices[many.folder], "pn")
        backend.clone("pn", "p2")
        moments = {}
        for scenario, k in ((one, due), (many, due), (double, 2 * due)):
            office = offices[scenario.folder]
            scenario.plans, scenario.stored = len(office), stored
            now, before, scenario.due = due_at(backend.url(scenario.base), office, k)
            moments[scenario.label] = (now, before)
            log(f"{tag} {scenario.label}: now={now:%Y-%m-%d %H:%M:%S}Z, {scenario.due:,} due")
        for _ in range(repeat):
            for scenario in (one, many, double):
                now, before = moments[scenario.label]
                office = offices[scenario.folder]
                scenario.engines.append(worker.run(backend.clone(scenario.base, "e"), now, before, scenario.folder))
                backend.drop("e")
                scenario.sets.append(set_based(backend.clone(scenario.base, "s"), office, now))
                backend.drop("s")
                log(
                    f"{tag} {scenario.label}: engine {scenario.engines[-1]['seconds']:.3f}s, "
                    f"set-based {scenario.sets[-1]['seconds']:.3f}s"
                )
        for scenario in (one, many, double):
            scenario.check()
            for line in dict.fromkeys(scenario.checks):
                log(f"    {line}")
    finally:
        worker.close()
        for label in ("p1", "pn", "p2", "e", "s"):
            backend.drop(label)
        shutil.rmtree(tmp, ignore_errors=True)
    return one, many, double
