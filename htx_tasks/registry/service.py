"""Registry services: import a file (all or nothing), export it, read it as of a day.

History: a row whose facts differ from the organisation's latest version closes that version
on the row's ``Ngày hiệu lực`` and opens a new one; a row with the same facts changes nothing.
Rows older than the latest version cannot rewrite history (they are refused, unless they
repeat a version exactly, as a re-imported history export does).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func
from sqlmodel import Session, col, select

from htx_tasks.core.coops import ATTRIBUTES, Coop
from htx_tasks.plan.loader import Plan
from htx_tasks.registry.config import load_registry_config
from htx_tasks.registry.files import FileProblem, FileRefused, read_rows, write_rows
from htx_tasks.registry.models import CoopVersion
from htx_tasks.registry.rows import BY_NAME_HEADER, check_header, format_coop, parse_rows


@dataclass
class ImportResult:
    rows: int = 0
    created: list[str] = field(default_factory=list)  # organisations new to the registry
    updated: list[str] = field(default_factory=list)  # organisations given a new version
    unchanged: int = 0
    synthetic: bool = False

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)

    def as_json(self) -> dict:
        return {"rows": self.rows, "created": self.created, "updated": self.updated,
                "unchanged": self.unchanged, "synthetic": self.synthetic}


def to_coop(row: CoopVersion) -> Coop:
    return Coop(**{name: getattr(row, name) for name in ATTRIBUTES})


def read_file(path: Path, plan: Plan) -> tuple[list[Coop], list[FileProblem]]:
    """Every version in ``path`` that passed its checks, and every problem of the others."""
    config = load_registry_config(plan)
    header, raw = read_rows(path)
    problems = check_header(header, raw[0].sheet if raw else path.name)
    if problems:
        return [], problems
    return parse_rows(raw, plan, config)


def import_file(session: Session, plan: Plan, path: Path, *, now: dt.datetime) -> ImportResult:
    """Import ``path`` whole, or raise FileRefused with every problem (cells, rows, history)."""
    coops, problems = read_file(path, plan)
    result, history_problems = _changes(session, coops, source="import", now=now)
    problems += history_problems
    if problems:
        raise FileRefused(sorted(problems, key=lambda p: (p.sheet, p.row)))
    return result


def apply(session: Session, coops: list[Coop], *, source: str, now: dt.datetime) -> ImportResult:
    """Write ``coops`` as history; on any problem raise FileRefused before anything is written."""
    result, problems = _changes(session, coops, source=source, now=now)
    if problems:
        raise FileRefused(problems)
    return result


def _changes(session: Session, coops: list[Coop], *, source: str,
             now: dt.datetime) -> tuple[ImportResult, list[FileProblem]]:
    """Check ``coops`` against the stored history; if nothing is wrong, add the new versions."""
    result = ImportResult(rows=len(coops), synthetic=any(c.synthetic for c in coops))
    codes = sorted({c.code for c in coops})
    existing: dict[str, list[CoopVersion]] = {code: [] for code in codes}
    for start in range(0, len(codes), 500):
        for row in session.exec(select(CoopVersion).where(col(CoopVersion.code).in_(codes[start:start + 500]))
                                .order_by(col(CoopVersion.valid_from))).all():
            existing[row.code].append(row)
    problems: list[FileProblem] = []
    closing: list[tuple[Coop, CoopVersion | None]] = []  # (new version, the version it closes)
    for coop in sorted(coops, key=lambda c: (c.code, c.valid_from)):
        versions = existing[coop.code]
        same_day = next((v for v in versions if v.valid_from == coop.valid_from), None)
        latest = versions[-1] if versions else None
        if same_day is not None:
            if to_coop(same_day).same_facts(coop):
                result.unchanged += 1
            else:
                problems.append(_where(coop, "valid_from",
                                       f"'{coop.code}' đã có thông tin hiệu lực từ ngày này, khác với dòng "
                                       "này; để cập nhật hãy ghi ngày hiệu lực mới"))
            continue
        if latest is not None and coop.valid_from < latest.valid_from:
            problems.append(_where(coop, "valid_from",
                                   f"'{coop.code}' đã có thông tin mới hơn (hiệu lực từ "
                                   f"{latest.valid_from:%d/%m/%Y}); không ghi lùi lịch sử"))
            continue
        if latest is not None and to_coop(latest).same_facts(coop):
            result.unchanged += 1
            continue
        row = CoopVersion(**{n: getattr(coop, n) for n in ATTRIBUTES}, recorded_at=now, source=source)
        closing.append((coop, latest))
        (result.updated if versions else result.created).append(coop.code)
        versions.append(row)
    if problems:
        return result, problems
    for coop, closes in closing:
        if closes is not None:
            closes.valid_to = coop.valid_from
            session.add(closes)
    session.add_all(v for versions in existing.values() for v in versions if v.id is None)
    session.flush()
    result.created = sorted(set(result.created))
    result.updated = sorted(set(result.updated) - set(result.created))
    return result, []


def _where(coop: Coop, name: str, reason: str) -> FileProblem:
    value = getattr(coop, name)
    shown = value.strftime("%d/%m/%Y") if isinstance(value, dt.date) else value
    return FileProblem(coop.extra.get("sheet", ""), coop.extra.get("row", 0), BY_NAME_HEADER[name], shown, reason)


def snapshot(session: Session, on: dt.date) -> list[Coop]:
    """Every organisation as the registry knew it on ``on`` (dissolved ones included)."""
    rows = session.exec(
        select(CoopVersion)
        .where(CoopVersion.valid_from <= on, col(CoopVersion.valid_to).is_(None) | (col(CoopVersion.valid_to) > on))
        .order_by(col(CoopVersion.code))
    ).all()
    return [to_coop(r) for r in rows]


def latest(session: Session) -> list[Coop]:
    rows = session.exec(select(CoopVersion).where(col(CoopVersion.valid_to).is_(None)).order_by(col(CoopVersion.code))).all()
    return [to_coop(r) for r in rows]


def history(session: Session) -> list[Coop]:
    rows = session.exec(select(CoopVersion).order_by(col(CoopVersion.code), col(CoopVersion.valid_from))).all()
    return [to_coop(r) for r in rows]


def count(session: Session) -> int:
    return session.exec(select(func.count()).select_from(CoopVersion)).one()


def has_synthetic(session: Session) -> bool:
    return session.exec(select(CoopVersion.id).where(col(CoopVersion.synthetic).is_(True)).limit(1)).first() is not None


def export(session: Session, plan: Plan, path: Path, *, on: dt.date | None = None,
           full_history: bool = False) -> int:
    """Write the registry (latest, as of ``on``, or every version) to ``path``; returns the rows."""
    if full_history:
        coops = history(session)
    elif on is not None:
        coops = snapshot(session, on)
    else:
        coops = latest(session)
    write_rows(path, [format_coop(c, plan) for c in coops], synthetic=any(c.synthetic for c in coops))
    return len(coops)


def load_demo(session: Session, plan: Plan, *, now: dt.datetime) -> ImportResult | None:
    """Fill an empty registry with the synthetic demonstration data; None if it has data."""
    from htx_tasks.registry.demo import demo_registry

    if count(session) > 0:
        return None
    return apply(session, demo_registry(plan, load_registry_config(plan)), source="demo", now=now)
