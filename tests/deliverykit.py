"""What the delivery tests share: a throw-away installation (``World``: config copy, var dir, SQLite or
PostgreSQL database) with its outbox, deliveries and inbox, and the instants they run at.

The ``world`` and ``http`` fixtures are in conftest.py; the receivers on loopback in receivers.py.
"""

from __future__ import annotations

import datetime as dt
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from office import SEED_DIR
from sqlalchemy import Engine
from sqlmodel import Session, select

from htx_tasks.bootstrap import Context
from htx_tasks.core.zones import at_local
from htx_tasks.delivery import dispatcher
from htx_tasks.delivery.dispatcher import dispatch
from htx_tasks.delivery.inbox import SEPARATOR
from htx_tasks.plan.loader import Plan, load_plan
from htx_tasks.settings import Settings
from htx_tasks.store.db import make_engine, upgrade
from htx_tasks.store.models import Delivery, Notification, Occurrence

REPO_CONFIG = SEED_DIR
FRIDAY = dt.date(2026, 11, 27)  # a working day; Saturday 28 and Sunday 29 are not
NOW = at_local(FRIDAY, 8, 0)
KT = "phong-kinh-te"
WARD = "phuong-ba-ngoi"
MINUTE = dt.timedelta(minutes=1)


@dataclass
class World:
    """A throw-away installation: config copy, var dir, SQLite (or PostgreSQL) database."""

    root: Path
    config: Path
    var: Path
    plan: Plan
    engine: Engine
    env: dict[str, str] = field(default_factory=dict)  # the environment its settings are read from

    @property
    def inbox(self) -> Path:
        return self.var / "inbox"

    @property
    def settings(self) -> Settings:
        return Settings.from_env(environ=self.env)

    def dispatch(self, now: dt.datetime, **options) -> dispatcher.DispatchResult:
        """A dispatch pass as the CLI and the flows run it: on a context from the installation's
        settings (channels.yaml read afresh, its ${NAME} variables from ``env``)."""
        with Context(self.settings, engine=self.engine) as ctx:
            return dispatch(self.engine, self.plan, now, channels=ctx.channels, links=ctx.links, **options)

    def write_channels(self, entries: list[tuple[str, str]], template: list[str] | None = None,
                       extra: str = "") -> Path:
        """channels.yaml with ``(url, "tag, tag")`` entries, in Apprise's YAML format."""
        lines = ["version: 1"]
        if template:
            lines += ["template:", *(f"  - {name}" for name in template)]
        lines.append("urls:" if entries else "urls: []")
        for url, tags in entries:
            lines += [f'  - "{url}":', f"      - tag: {tags}"]
        path = self.config / "channels.yaml"
        path.write_text("\n".join(lines) + "\n" + extra, encoding="utf-8")
        return path

    def rows(self, status: str | None = None, recipient: str | None = None) -> list[Notification]:
        """Outbox rows; without ``status``, all but the superseded ones (never meant to be sent)."""
        with Session(self.engine) as session:
            query = select(Notification).order_by(Notification.id)
            if status:
                query = query.where(Notification.status == status)
            else:
                query = query.where(Notification.status != "superseded")
            if recipient:
                query = query.where(Notification.recipient == recipient)
            return list(session.exec(query).all())

    def deliveries(self, recipient: str | None = None) -> list[Delivery]:
        with Session(self.engine) as session:
            query = select(Delivery).order_by(Delivery.id)
            if recipient:
                query = query.where(Delivery.recipient == recipient)
            return list(session.exec(query).all())

    def inbox_messages(self, recipient: str) -> list[str]:
        path = self.inbox / f"{recipient}.txt"
        if not path.exists():
            return []
        return [m for m in path.read_text(encoding="utf-8").split(SEPARATOR + "\n") if m.strip()]

    def occurrence(self, unit: str, duty: str) -> Occurrence:
        with Session(self.engine) as session:
            return session.exec(select(Occurrence).where(Occurrence.unit_code == unit,
                                                         Occurrence.duty_code == duty)).one()


def make_world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, database_url: str | None = None) -> World:
    config, var = tmp_path / "config", tmp_path / "var"
    config.mkdir()
    for path in REPO_CONFIG.glob("*.yaml"):
        shutil.copy(path, config / path.name)
    url = database_url or f"sqlite:///{tmp_path / 'htx.db'}"
    env = {"HTX_VAR_DIR": str(var), "HTX_DATABASE_URL": url, "HTX_CONFIG_DIR": str(config)}
    for name, value in env.items():  # the command line reads the same installation from its environment
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("COLUMNS", "400")  # Rich must not wrap CLI lines we assert on
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    world = World(tmp_path, config, var, None, None, env)  # type: ignore[arg-type]
    world.write_channels([])
    world.plan = load_plan(config)
    world.engine = make_engine(url)
    upgrade(world.engine)
    return world


def body_of(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()
