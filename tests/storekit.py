"""What the tests of the engine pass, the services and the store share: instants (local and UTC),
the plan's wards and organisations, what the first pass opens, row readers and a plan with edits.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

from office import SEED_DIR
from sqlalchemy import Engine
from sqlmodel import Session, select

from htx_tasks.core.zones import at_local
from htx_tasks.plan.loader import Plan, load_plan
from htx_tasks.store.models import AuditEvent, Notification, Occurrence

D = dt.date.fromisoformat
CONFIG_DIR = SEED_DIR
WARDS = [
    "phuong-ba-ngoi", "phuong-cam-linh", "phuong-cam-loc", "phuong-cam-loi", "phuong-cam-nghia",
    "phuong-cam-phu", "phuong-cam-phuc-bac", "phuong-cam-phuc-nam", "phuong-cam-thuan", "xa-cam-binh",
    "xa-cam-lap", "xa-cam-phuoc-dong", "xa-cam-thanh-nam", "xa-cam-thinh-dong", "xa-cam-thinh-tay",
]
ORGANISATIONS = [  # III.7: each organisation is its own body, with its own inbox
    "ubmttq-thanh-pho", "ldld-thanh-pho", "hoi-nong-dan-thanh-pho", "hoi-lhpn-thanh-pho", "thanh-doan",
    "hoi-ccb-thanh-pho",
]


def L(day: str, hour: int = 0, minute: int = 0) -> dt.datetime:
    return at_local(D(day), hour, minute)


def M(day: str) -> dt.datetime:
    return L(day, 7, 30)


# What is open on the morning of Monday 2/11/2026, the first working day of tracking.
OPEN_ON_2026_11_02 = {
    ("kt-thanh-lap-htx", "phong-kinh-te", "2026-Q4", D("2026-12-21")),  # 20/12 is a Sunday
    # kt-tieu-chi-13 (năm 2023) and kt-ha-tang (2021–2025) are outside their windows; tnmt-quy-dat is a case duty
    ("kt-theo-doi-htx", "phong-kinh-te", "2026-Q4", D("2026-12-21")),
    ("kt-chinh-sach", "phong-kinh-te", "2026-H2", D("2026-12-21")),
    ("kt-bao-cao-tong-hop", "phong-kinh-te", "2026-H2", D("2026-12-25")),
    ("tckh-van-ban", "phong-tai-chinh-ke-hoach", "2026-H2", D("2026-12-21")),
    ("qldt-theo-doi-htx", "phong-quan-ly-do-thi", "2026-Q4", D("2026-12-15")),
    ("ttvhtt-tuyen-truyen", "trung-tam-vhtt-tt", "2026-M11", D("2026-11-25")),
    *{("mttq-tuyen-truyen", org, "2026-H2", D("2026-12-10")) for org in ORGANISATIONS},
    *{(duty, ward, "2026-Q4", D("2026-12-10")) for duty in ("xa-tuyen-truyen", "xa-theo-doi-htx") for ward in WARDS},
}


def occurrences(engine: Engine, *where) -> list[Occurrence]:
    with Session(engine) as session:
        return list(session.exec(select(Occurrence).where(*where).order_by(Occurrence.id)))


def notifications(engine: Engine, *where) -> list[Notification]:
    with Session(engine) as session:
        return list(session.exec(select(Notification).where(*where).order_by(Notification.id)))


def audit_rows(engine: Engine, *where) -> list[AuditEvent]:
    with Session(engine) as session:
        return list(session.exec(select(AuditEvent).where(*where).order_by(AuditEvent.id)))


def one(engine: Engine, duty: str, unit: str) -> Occurrence:
    rows = occurrences(engine, Occurrence.duty_code == duty, Occurrence.unit_code == unit)
    assert len(rows) == 1, rows
    return rows[0]


def keys(rows: list[Notification], engine: Engine) -> set[tuple]:
    """Notification identity independent of row ids: duty, unit, period, kind, level, time, recipient."""
    occ = {o.id: (o.duty_code, o.unit_code, o.period_key) for o in occurrences(engine)}
    return {(*occ[n.occurrence_id], n.kind, n.level, n.due_at, n.recipient) for n in rows}


def plan_with(tmp_path: Path, *edits: tuple[str, str]) -> Plan:
    target = tmp_path / "config"
    shutil.copytree(CONFIG_DIR, target)
    path = target / "plan.yaml"
    text_ = path.read_text(encoding="utf-8")
    for old, new in edits:
        assert text_.count(old) == 1
        text_ = text_.replace(old, new)
    path.write_text(text_, encoding="utf-8")
    return load_plan(target)


CAM_LINH = "  - {code: phuong-cam-linh, name: UBND phường Cam Linh, kind: ward}"
LAST_UNIT = "  - {code: xa-cam-thinh-tay, name: UBND xã Cam Thịnh Tây, kind: commune}"
