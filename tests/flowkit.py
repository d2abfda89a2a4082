"""What the tests of the Prefect flows share: constants of the plan, a throw-away installation the
flows find through the environment, artifact readers, row counts and a log-record collector.

The Prefect harness and the ``installed`` / ``prefect_records`` fixtures are in conftest.py.
"""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path

import pytest
from office import SEED_DIR
from prefect.artifacts import Artifact
from sqlalchemy import Engine, func
from sqlmodel import Session, select

from htx_tasks.store.db import make_engine, upgrade
from htx_tasks.store.models import AuditEvent, Notification, Occurrence

ROOT = Path(__file__).resolve().parents[1]
CONFIG_DIR = SEED_DIR
KT, TCKH, QLDT, TTVH = "phong-kinh-te", "phong-tai-chinh-ke-hoach", "phong-quan-ly-do-thi", "trung-tam-vhtt-tt"
WARDS = "ubnd-xa-phuong"
MONDAY = "2026-12-14T07:30"  # ward reports were due Thursday 10/12; Quản lý đô thị's is due 15/12
TUESDAY = "2026-12-15T07:30"  # the wards' reports are two whole working days late: the coordinator hears
WARD = "phuong-ba-ngoi"
PERSON = "Nguyễn Thị Lan"  # who fills a form in: the Prefect server has no users
SECTION_III = {
    "III.1": KT, "III.2": TCKH, "III.3": QLDT, "III.4": "phong-tai-nguyen-moi-truong",
    "III.5": "phong-van-hoa-thong-tin", "III.6": TTVH, "III.7": "ubmttq-doan-the", "III.8": WARDS,
}


def _install(root: Path, monkeypatch: pytest.MonkeyPatch, *, tracking_from: str | None = None) -> Engine:
    """A throw-away installation the flows find through the environment: config, var, SQLite."""
    config = root / "config"
    shutil.copytree(CONFIG_DIR, config)
    if tracking_from:
        plan_file = config / "plan.yaml"
        text = plan_file.read_text(encoding="utf-8")
        plan_file.write_text(text.replace("tracking_from: 2026-11-01", f"tracking_from: {tracking_from}"),
                             encoding="utf-8")
    url = f"sqlite:///{root / 'htx.db'}"
    monkeypatch.setenv("HTX_CONFIG_DIR", str(config))
    monkeypatch.setenv("HTX_VAR_DIR", str(root / "var"))
    monkeypatch.setenv("HTX_DATABASE_URL", url)
    engine = make_engine(url)
    upgrade(engine)
    return engine


def table(key: str) -> list[dict]:
    artifact = Artifact.get(key)
    assert artifact is not None, f"no artifact {key}"
    data = artifact.data
    return json.loads(data) if isinstance(data, str) else data


def markdown(key: str) -> str:
    artifact = Artifact.get(key)
    assert artifact is not None, f"no artifact {key}"
    return artifact.data


def count(engine: Engine, model, *where) -> int:
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(model).where(*where)).one()


def notification_keys(engine: Engine) -> list[tuple]:
    with Session(engine) as session:
        rows = session.exec(select(Notification).order_by(Notification.due_at, Notification.id)).all()
        return [(r.occurrence_id, r.kind, r.level, r.due_at, r.recipient, r.status, r.sent_at) for r in rows]


def _ward_occurrence(engine: Engine, ward: str, ref_duty: str = "xa-tuyen-truyen") -> int:
    with Session(engine) as session:
        return session.exec(select(Occurrence.id).where(Occurrence.unit_code == ward,
                                                         Occurrence.duty_code == ref_duty)).one()


def _version(engine: Engine, occurrence: int) -> int:
    """The occurrence's version, as the unit table's "Phiên bản" column shows it."""
    with Session(engine) as session:
        return session.get(Occurrence, occurrence).version


def _audit(engine: Engine, occurrence: int) -> list[tuple]:
    with Session(engine) as session:
        rows = session.exec(select(AuditEvent).where(AuditEvent.occurrence_id == occurrence).order_by(AuditEvent.id))
        return [(a.action, a.actor, a.role, (a.via or "").split(":")[0]) for a in rows]


COORD = "co-quan-thuong-truc"


class Records(logging.Handler):
    """Every record Prefect's flow-run and task-run loggers emit during a test."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def text(self) -> str:
        return "\n".join(r.getMessage() for r in self.records)
