"""Helpers for the web app tests: a movable clock, a seeded database, sample evidence files.

Registered as a plugin by ``conftest.py`` (``pytest_plugins``), so its fixture ``site`` (the app on the
plan's first pass with three cooperatives in the registry) serves any module without its own ``site``.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import Engine, func
from sqlmodel import Session, select

from htx_tasks.core.coops import Coop
from htx_tasks.engine import run_pass
from htx_tasks.links import COORDINATOR_SUBJECT, Role, Signer
from htx_tasks.plan.loader import Plan
from htx_tasks.registry import service
from htx_tasks.settings import Settings
from htx_tasks.store.answers import EvidenceFile, ExtensionRequest, WebAudit
from htx_tasks.store.db import session_scope
from htx_tasks.store.models import AuditEvent, Notification, Occurrence, Submission
from htx_tasks.web.app import create_app

KEY = "test-key-" + "x" * 32
START = dt.datetime(2026, 11, 27, 2, 0, tzinfo=dt.UTC)  # Friday 09:00 in Hà Nội time
WARD, OTHER_WARD = "phuong-ba-ngoi", "phuong-cam-linh"
KT = "phong-kinh-te"


def pdf_bytes(text: str = "bao cao") -> bytes:
    return (b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\n% " + text.encode() + b"\ntrailer<<>>\n%%EOF\n")


def docx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def sent_back(html: str, action: str) -> dict[str, str]:
    """The hidden fields of the page's form posting to ``action``: the CSRF token and what the page
    showed (``version``, ``seen``), which a post sends back as the browser would."""
    form = re.search(rf'action="{re.escape(action)}".*?</form>', html, re.S)
    assert form is not None, f"no form posting to {action}"
    return dict(re.findall(r'type="hidden" name="(csrf|version|seen)" value="([^"]*)"', form.group(0)))


@dataclass
class Clock:
    now: dt.datetime = START

    def __call__(self) -> dt.datetime:
        return self.now


@dataclass
class Site:
    engine: Engine
    plan: Plan
    clock: Clock
    signer: Signer
    var_dir: Path
    settings: Settings
    app: object = None
    tokens: dict[str, str] = field(default_factory=dict)

    def with_settings(self, **changes) -> Site:
        """The app again, on these settings changed (as a restart with other variables would)."""
        self.settings = self.settings.replace(**changes)
        self.app = create_app(self.engine, self.plan, self.signer, settings=self.settings, now=self.clock)
        return self

    def token(self, subject: str) -> str:
        with Session(self.engine) as session:
            role = Role.COORDINATOR if subject == COORDINATOR_SUBJECT else Role.UNIT
            return self.signer.issue(session, role, subject)

    def items(self, unit: str) -> list[Occurrence]:
        with Session(self.engine) as session:
            return list(session.exec(select(Occurrence).where(Occurrence.unit_code == unit)
                                     .order_by(Occurrence.deadline, Occurrence.id)).all())

    def occurrence(self, occurrence_id: int) -> Occurrence:
        with Session(self.engine) as session:
            return session.get(Occurrence, occurrence_id)

    def written(self) -> dict[str, object]:
        """Everything an action could write: rows per table, states, files under var/."""
        with Session(self.engine) as session:
            counts = {model.__name__: session.exec(select(func.count()).select_from(model)).one()
                      for model in (Submission, AuditEvent, EvidenceFile, ExtensionRequest, Notification)}
            counts["states"] = sorted(session.exec(select(Occurrence.id, Occurrence.state,
                                                          Occurrence.deadline)).all())
            counts["done_audit"] = session.exec(select(func.count()).select_from(WebAudit)
                                                .where(WebAudit.outcome == "done")).one()
        counts["files"] = sorted(str(p) for p in self.var_dir.rglob("*") if p.is_file())
        return counts


def make_site(engine: Engine, plan: Plan, var_dir: Path, **settings) -> Site:
    """The plan's first pass on ``engine`` and the app on settings under ``var_dir`` (and ``settings``)."""
    run_pass(engine, plan, START)
    clock = Clock()
    signer = Signer(KEY, now=clock)
    site = Site(engine=engine, plan=plan, clock=clock, signer=signer, var_dir=var_dir,
                settings=Settings(var_dir=var_dir, config_dir=plan.config_dir, link_key=KEY, **settings))
    return site.with_settings()


def org(code: str, ward: str, sector: str, follow: str, **kw) -> Coop:
    values = {"name": f"Hợp tác xã {code}", "kind": "hop-tac-xa", "ward": ward, "sector": sector,
              "follow_unit": follow, "status": "dang-hoat-dong", "founded_on": dt.date(2015, 3, 1),
              "valid_from": dt.date(2023, 1, 1), "members": 25}
    values.update(kw)
    return Coop(code=code, **values)


def organisations() -> list[Coop]:
    """Two cooperatives of ``WARD`` (followed by two departments) and one of ``OTHER_WARD``."""
    return [org("HTX-BN1", WARD, "nong-nghiep", KT, name="Hợp tác xã nông nghiệp Ba Ngòi"),
            org("HTX-BN2", WARD, "giao-thong-van-tai", "phong-quan-ly-do-thi"),
            org("HTX-CL1", OTHER_WARD, "thuong-mai", KT)]


@pytest.fixture
def site(db_engine: Engine, plan: Plan, tmp_path: Path) -> Site:
    """The app on the plan's first pass, with ``organisations()`` imported into the registry."""
    made = make_site(db_engine, plan, tmp_path / "var")
    with session_scope(db_engine) as session:
        service.apply(session, organisations(), source="import", now=START)
    return made
