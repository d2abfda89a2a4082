"""Delivery against real servers on loopback: SMTP (aiosmtpd), HTTP (json://), MQTT (Mosquitto),
PostgreSQL for concurrent dispatchers; faults, working hours, a simulated month and the CLI.

Every test runs in its own config/var/database under ``tmp_path`` at fixed instants; the real
clock is never used in an assertion.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import shutil
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from email.header import decode_header, make_header
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

sys.path.insert(0, str(Path(__file__).parent))  # tests/receivers.py, with or without tests/__init__.py
from actions import submit, waive  # noqa: E402
from receivers import HttpReceiver, MqttSubscriber, SmtpReceiver, free_port, mqtt_reachable, postgres_database, postgres_reachable  # noqa: E402

from htx_tasks.bootstrap import Context  # noqa: E402
from htx_tasks.core.zones import at_local, local_date  # noqa: E402
from htx_tasks.delivery import dispatcher, sender  # noqa: E402
from htx_tasks.delivery.channels import FALLBACK  # noqa: E402
from htx_tasks.delivery.dispatcher import BACKOFF, MAX_ATTEMPTS, dispatch  # noqa: E402
from htx_tasks.delivery.inbox import SEPARATOR  # noqa: E402
from htx_tasks.engine import run_pass  # noqa: E402
from htx_tasks.plan.loader import Plan, load_plan  # noqa: E402
from htx_tasks.settings import Settings  # noqa: E402
from htx_tasks.store.db import make_engine, session_scope, upgrade  # noqa: E402
from htx_tasks.store.models import (  # noqa: E402
    LEASE,  # noqa: E402
    Delivery,
    Notification,
    Occurrence,
)

REPO_CONFIG = Path(__file__).resolve().parents[1] / "config"
FRIDAY = dt.date(2026, 11, 27)  # a working day; Saturday 28 and Sunday 29 are not
NOW = at_local(FRIDAY, 8, 0)
KT = "phong-kinh-te"
WARD = "phuong-ba-ngoi"
MINUTE = dt.timedelta(minutes=1)


# --------------------------------------------------------------------------- fixtures


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


@pytest.fixture
def world(tmp_path, monkeypatch) -> World:
    w = make_world(tmp_path, monkeypatch)
    yield w
    w.engine.dispose()


@pytest.fixture
def http():
    with HttpReceiver() as receiver:
        yield receiver


def body_of(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


# --------------------------------------------------------------------------- 1. SMTP


def test_smtp_vietnamese_digest_with_secret_from_environment(world, monkeypatch, caplog):
    """mailto:// to aiosmtpd with AUTH over plain SMTP: the password comes from a template
    variable filled from the environment and is found nowhere we write."""
    secret = "Mk-7f3q!vN9x"
    world.env["APPRISE_TEMPLATE_SMTP_PASSWORD"] = secret
    caplog.set_level(logging.DEBUG)
    with SmtpReceiver(user="htx", password=secret) as smtp:
        world.write_channels(
            [(f"mailto://htx:${{SMTP_PASSWORD}}@127.0.0.1:{smtp.port}"
              "?from=htx@example.test&to=kinhte@example.test", KT)],
            template=["SMTP_PASSWORD"],
        )
        run_pass(world.engine, world.plan, NOW)
        result = world.dispatch(NOW, recipients={KT})
    assert result.messages == 1 and result.failed == result.retrying == 0
    assert smtp.logins == ["htx"]  # the password reached the server, from the environment
    assert len(smtp.messages) == 1
    mail = smtp.messages[0]
    assert smtp.envelopes[0][1] == ["kinhte@example.test"]

    # the subject travels encoded (RFC 2047) and decodes to the Vietnamese title
    raw_subject = mail.get("Subject")
    assert str(make_header(decode_header(str(raw_subject)))) == \
        "[KH thực hiện CTr 46-CTr/TU] Nhắc việc: Phòng Kinh tế — 4 nhiệm vụ cần lưu ý"
    assert mail["Subject"] == "[KH thực hiện CTr 46-CTr/TU] Nhắc việc: Phòng Kinh tế — 4 nhiệm vụ cần lưu ý"

    body = body_of(mail).replace("\r\n", "\n")
    assert "Kính gửi: Phòng Kinh tế\n" in body
    assert "Giao nhiệm vụ — [III.1.2] Hướng dẫn thành lập hợp tác xã nông nghiệp" in body  # with its source ref
    assert "\n   Kỳ: quý IV/2026\n" in body  # line breaks survive (body_format=TEXT)
    assert "Hạn: Thứ Hai, 21/12/2026 (còn 24 ngày); hạn do cơ quan thường trực định để theo dõi" in body
    # a fresh install on 27/11/2026: III.1.3 (năm 2023) is not opened, nothing is born overdue
    assert "[III.1.3]" not in body and "quá hạn" not in body
    assert "htx-tasks submit <Số nhiệm vụ> --unit phong-kinh-te" in body
    assert body.count("   Số nhiệm vụ: ") == 4  # one digest listing its four own items...
    assert "Để phối hợp: các nhiệm vụ sau do đơn vị khác chủ trì" in body  # ...then the copies
    assert body.count("Đầu mối theo dõi:") == 1 and body.count("cơ quan thường trực") == 5

    # the secret is in no table, no log line, no inbox file
    _assert_secret_nowhere(world, secret, caplog)
    assert any(d.url.startswith("mailto://htx:") and d.status == "success" for d in world.deliveries(KT))


def test_monthly_period_label_and_plain_env_secret(world, monkeypatch):
    """A monthly duty names its month; a secret given as plain ``NAME`` (no APPRISE_TEMPLATE_
    prefix) reaches the URL too (the dispatcher resolves it, Apprise alone would skip the URL)."""
    secret = "Plain-Env-Secret-42"
    world.env["SMTP_PASSWORD"] = secret
    with SmtpReceiver(user="vhtt", password=secret) as smtp:
        world.write_channels(
            [(f"mailto://vhtt:${{SMTP_PASSWORD}}@127.0.0.1:{smtp.port}"
              "?from=htx@example.test&to=vhtt@example.test", "trung-tam-vhtt-tt")],
            template=["SMTP_PASSWORD"],
        )
        # installed on 27/11: November's report (due 25/11) is not opened, it would be born overdue
        assert run_pass(world.engine, world.plan, NOW).not_opened == [
            "III.6 Trung tâm Văn hóa – Thông tin và Thể thao kỳ tháng 11/2026 (hạn 25/11/2026)"]
        december = at_local(dt.date(2026, 12, 1), 8, 0)
        run_pass(world.engine, world.plan, december)
        world.dispatch(december, recipients={"trung-tam-vhtt-tt"})
    assert len(smtp.messages) == 1
    body = body_of(smtp.messages[0])
    assert "Kỳ: tháng 12/2026" in body and "tháng 11/2026" not in body
    assert "Hạn: Thứ Sáu, 25/12/2026 (còn 24 ngày)" in body


def test_missing_secret_is_a_recorded_failure_not_a_silent_skip(world, monkeypatch, http):
    world.write_channels([(http.url("/hook/${HOOK_TOKEN}"), KT)], template=["HOOK_TOKEN"])
    run_pass(world.engine, world.plan, NOW)
    result = world.dispatch(NOW, recipients={KT})
    assert result.retrying == 20 and result.sent == 0  # 4 own items, 16 copies "để phối hợp"
    failure = [d for d in world.deliveries(KT) if d.status != "success"]
    assert len(failure) == 1 and "HOOK_TOKEN" in failure[0].error
    assert len(world.inbox_messages(KT)) == 1  # the inbox still got it, and is not sent again
    world.env["APPRISE_TEMPLATE_HOOK_TOKEN"] = "tok-123456"
    result = world.dispatch(NOW + BACKOFF[0], recipients={KT})
    assert result.sent == 20 and http.count("/hook/tok-123456") == 1
    assert len(world.inbox_messages(KT)) == 1


def test_secrets_masked_in_failures_database_and_logs(world, monkeypatch, caplog, http):
    """Secrets in the user:password part and in a json:// path (which Apprise does not mask)."""
    password, token = "pw-Zr8#kq2", "tok-9b1e77c3a0"
    world.env.update(APPRISE_TEMPLATE_HOOK_PASSWORD=password, APPRISE_TEMPLATE_HOOK_TOKEN=token)
    caplog.set_level(logging.DEBUG)
    http.mode = "error"
    world.write_channels(
        [(http.url("/a", userinfo="bot:${HOOK_PASSWORD}"), KT),
         (http.url("/hook/${HOOK_TOKEN}"), KT)],
        template=["HOOK_PASSWORD", "HOOK_TOKEN"],
    )
    run_pass(world.engine, world.plan, NOW)
    result = world.dispatch(NOW, recipients={KT})
    assert result.retrying == 20
    assert http.errors == 2  # both URLs were really tried with the real values
    failures = [d for d in world.deliveries(KT) if d.status == "failure"]
    assert len(failures) == 2 and all(d.error for d in failures)
    assert all(r.last_error for r in world.rows("pending", KT))
    _assert_secret_nowhere(world, password, caplog)
    # A secret in a URL *path* is scrubbed from everything we write and from every log record at
    # INFO and above (``htx-tasks -v``). At DEBUG, urllib3 and Apprise themselves log the request
    # path: keep DEBUG logs private, or keep secrets out of paths (user:password is always masked).
    _assert_secret_nowhere(world, token, caplog, min_level=logging.INFO)
    assert not [r for r in caplog.records if r.name.startswith("htx_tasks") and token in r.getMessage()]


def _assert_secret_nowhere(world: World, secret: str, caplog, min_level: int = logging.NOTSET) -> None:
    with Session(world.engine) as session:
        for d in session.exec(select(Delivery)).all():
            assert secret not in f"{d.url} {d.error} {d.url_id}"
        for n in session.exec(select(Notification)).all():
            assert secret not in (n.last_error or "") and secret not in n.delivered_urls
    logged = "\n".join(f"{r.name} {r.getMessage()} {r.exc_text or ''}" for r in caplog.records
                       if r.levelno >= min_level)
    assert logged  # the logs were really captured
    assert secret not in logged
    for path in world.var.rglob("*.txt"):
        assert secret not in path.read_text(encoding="utf-8")


# --------------------------------------------------------------------------- 2. HTTP json://


def test_json_one_digest_per_recipient_per_pass(world, http):
    world.write_channels([
        (http.url(f"/{WARD}"), WARD),
        (http.url(f"/{KT}"), KT),
        (http.url(f"/{KT}-md", query="format=markdown"), KT),
        (http.url("/coordinator"), "coordinator"),
        (http.url("/leadership"), "leadership"),
    ])
    run_pass(world.engine, world.plan, NOW)
    rows = world.rows("pending")
    result = world.dispatch(NOW)
    assert result.sent == len(rows) and result.messages == len({r.recipient for r in rows})

    # the ward has two items and one copy: ONE message listing all three
    ward = http.bodies(f"/{WARD}")
    assert len(ward) == 1 and len(world.rows(recipient=WARD)) == 3
    assert ward[0]["title"] == "[KH thực hiện CTr 46-CTr/TU] Nhắc việc: UBND phường Ba Ngòi — 2 nhiệm vụ cần lưu ý"
    assert "[III.8.1]" in ward[0]["message"] and "[III.8.2]" in ward[0]["message"]
    assert "Để phối hợp: nhiệm vụ mới — [III.1.5]" in ward[0]["message"]
    assert "Đơn vị chủ trì: Phòng Kinh tế" in ward[0]["message"]
    assert ward[0]["message"].count("Kỳ: quý IV/2026") == 3

    # body_format: plain text where the service takes text, Markdown where it was asked for
    text, markdown = http.bodies(f"/{KT}"), http.bodies(f"/{KT}-md")
    assert len(text) == len(markdown) == 1
    assert text[0]["message"].startswith("Kính gửi: Phòng Kinh tế\n") and "**" not in text[0]["message"]
    assert markdown[0]["message"].startswith("**Kính gửi: Phòng Kinh tế**")
    assert "**Thứ Hai, 21/12/2026**" in markdown[0]["message"]
    assert text[0]["title"] == markdown[0]["title"]

    # a fresh install (tracking from 1/11, first run 27/11): nothing is born overdue, so neither
    # the coordinator nor the leadership hear anything on the first pass
    assert http.bodies("/coordinator") == [] and http.bodies("/leadership") == []

    # a second pass and dispatch at the same instant send nothing more (idempotency keys)
    before = len(http.received)
    assert run_pass(world.engine, world.plan, NOW).notifications == 0
    again = world.dispatch(NOW)
    assert again.messages == 0 and len(http.received) == before
    per_recipient = Counter(r.path for r in http.received)
    assert set(per_recipient.values()) == {1}


# --------------------------------------------------------------------------- 3. MQTT


def test_mqtt_through_local_broker(world):
    reason = mqtt_reachable()
    if reason is not None:
        message = f"MQTT broker not available at 127.0.0.1:1883: {reason}"
        print(message)
        if os.environ.get("HTX_REQUIRE_MQTT") == "1":
            pytest.fail(message + " (HTX_REQUIRE_MQTT=1)")
        pytest.skip(message)
    topic = f"htx/test-{os.getpid()}/{KT}"
    subscriber = MqttSubscriber(topic).start()
    try:
        world.write_channels([(f"mqtt://127.0.0.1:1883/{topic}", KT)])
        run_pass(world.engine, world.plan, NOW)
        result = world.dispatch(NOW, recipients={KT})
        assert result.messages == 1
        assert subscriber.wait_for(1, timeout=10)
    finally:
        subscriber.stop()
    assert len(subscriber.messages) == 1
    payload = subscriber.messages[0][1].decode("utf-8")
    assert payload.startswith("[KH thực hiện CTr 46-CTr/TU] Nhắc việc: Phòng Kinh tế — 4 nhiệm vụ cần lưu ý")
    assert "Hạn: Thứ Hai, 21/12/2026 (còn 24 ngày)" in payload


# --------------------------------------------------------------------------- 4. faults


def _wait(condition, timeout: float = 10) -> bool:
    end = time.monotonic() + timeout
    while not condition() and time.monotonic() < end:
        time.sleep(0.02)
    return condition()


def _fault_setup(world: World, receiver_url: str) -> int:
    world.write_channels([(receiver_url, KT)])
    run_pass(world.engine, world.plan, NOW)
    return len(world.rows("pending", KT))


def test_receiver_down_then_up(world):
    receiver = HttpReceiver(port=free_port())  # nothing listens yet: the port is closed
    rows = _fault_setup(world, receiver.url())
    first = world.dispatch(NOW, recipients={KT})
    assert first.retrying == rows and first.messages == 0
    assert {r.attempts for r in world.rows(recipient=KT)} == {1}
    # before the backoff has passed nothing is tried
    assert world.dispatch(NOW + MINUTE, recipients={KT}).retrying == 0
    with receiver:
        second = world.dispatch(NOW + BACKOFF[0], recipients={KT})
        assert second.sent == rows and second.messages == 1
        assert world.dispatch(NOW + BACKOFF[0] + BACKOFF[1], recipients={KT}).sent == 0
    assert receiver.count() == 1
    assert len(world.inbox_messages(KT)) == 1  # the inbox succeeded at once and was skipped on retry
    statuses = [d.status for d in world.deliveries(KT) if d.url.startswith("json://")]
    assert statuses == ["failure", "success"]


def test_a_partly_failed_digest_is_retried_only_where_it_failed(world):
    """The inbox took the first digest, the webhook did not; new rows arrive before the retry.

    The retry goes to the webhook alone; the new rows go to both: nobody gets an item twice.
    """
    receiver = HttpReceiver(port=free_port())  # down at first
    rows = _fault_setup(world, receiver.url())
    assert world.dispatch(NOW, recipients={KT}).retrying == rows
    assert len(world.inbox_messages(KT)) == 1
    later = at_local(dt.date(2026, 12, 14), 7, 30)  # the 7-day reminders of the reports due 21/12
    run_pass(world.engine, world.plan, later)
    fresh = len(world.rows("pending", KT)) - rows
    assert fresh > 0
    with receiver:
        result = world.dispatch(later, recipients={KT})
    assert result.sent == rows + fresh and result.retrying == 0
    assert receiver.count() == 2  # the old digest, then the new one
    assert len(world.inbox_messages(KT)) == 2  # the first digest once, then only the new one


def test_receiver_answers_500_then_recovers(world, http):
    rows = _fault_setup(world, http.url())
    http.mode = "error"
    at = NOW
    for attempt in range(2):
        result = world.dispatch(at, recipients={KT})
        assert result.retrying == rows
        at += BACKOFF[attempt]
    http.mode = "ok"
    result = world.dispatch(at, recipients={KT})
    assert result.sent == rows and http.errors == 2 and http.count() == 1
    assert {r.status for r in world.rows(recipient=KT)} == {"sent"}
    assert {r.attempts for r in world.rows(recipient=KT)} == {3}
    assert all("500" in (d.error or "") for d in world.deliveries(KT) if d.status == "failure")


def test_receiver_hangs_before_reading(world, monkeypatch):
    """The receiver accepts the connection and never reads: Apprise gives up after
    ``sender.TIMEOUT`` and reports TIMEOUT; the row is retried and arrives exactly once."""
    monkeypatch.setattr(sender, "TIMEOUT", 0.5)
    with HttpReceiver(mode="hang", hang_seconds=10) as receiver:
        rows = _fault_setup(world, receiver.url())
        first = world.dispatch(NOW, recipients={KT})
        assert first.retrying == rows
        assert [d.status for d in world.deliveries(KT) if d.url.startswith("json://")] == ["timeout"]
        assert _wait(lambda: receiver.hits == 1)  # the request is in the hung handler
        receiver.mode = "ok"
        receiver.release.set()  # the hung handler drops the request without reading it
        second = world.dispatch(NOW + BACKOFF[0], recipients={KT})
        assert second.sent == rows
        assert receiver.count() == 1 and receiver.hits == 2


def test_receiver_hangs_after_reading_duplicate_is_bounded_and_recorded(world, monkeypatch):
    """Apprise's TIMEOUT means "stopped waiting", not "not delivered": here the receiver got the
    digest but answered too late. The retry delivers it again. Nothing is lost; each duplicate
    corresponds to one attempt recorded as ``timeout`` in the delivery table."""
    monkeypatch.setattr(sender, "TIMEOUT", 0.5)
    with HttpReceiver(mode="hang_after_read", hang_seconds=10) as receiver:
        rows = _fault_setup(world, receiver.url())
        first = world.dispatch(NOW, recipients={KT})
        assert first.retrying == rows
        assert receiver.wait_for(1)  # received, though the sender gave up waiting for the answer
        receiver.mode = "ok"
        receiver.release.set()
        second = world.dispatch(NOW + BACKOFF[0], recipients={KT})
        assert second.sent == rows
    timeouts = [d for d in world.deliveries(KT) if d.status == "timeout"]
    assert len(timeouts) == 1
    assert receiver.count() == 2  # at least once: the copy beyond the first is the recorded timeout
    assert receiver.count() - 1 <= len(timeouts)
    titles = {b["title"] for b in receiver.bodies()}
    assert len(titles) == 1


def test_gives_up_after_max_attempts_and_tells_fallback(world, http):
    with HttpReceiver() as fallback:
        world.write_channels([(http.url(), KT), (fallback.url("/fallback"), FALLBACK)])
        run_pass(world.engine, world.plan, NOW)
        rows = len(world.rows("pending", KT))
        http.mode = "error"
        at = NOW
        for attempt in range(MAX_ATTEMPTS):
            result = world.dispatch(at, recipients={KT})
            if attempt < MAX_ATTEMPTS - 1:
                assert result.retrying == rows and result.failed == 0
                at += BACKOFF[attempt]
        assert result.failed == rows
        assert http.errors == MAX_ATTEMPTS and http.count() == 0
        failed = world.rows("failed", KT)
        assert len(failed) == rows and {r.attempts for r in failed} == {MAX_ATTEMPTS}
        assert all("500" in r.last_error for r in failed)
        notice = fallback.bodies("/fallback")
        assert len(notice) == 1
        assert notice[0]["title"] == "[KH thực hiện CTr 46-CTr/TU] Không gửi được thông báo cho Phòng Kinh tế"
        assert f"đã thử gửi {rows} thông báo" in notice[0]["message"]
        fallback_inbox = world.inbox_messages(FALLBACK)
        assert len(fallback_inbox) == 1 and "Không gửi được thông báo cho Phòng Kinh tế" in fallback_inbox[0]
        told = world.deliveries(FALLBACK)  # the notice itself is on record
        assert sorted(d.status for d in told) == ["success", "success"]
        assert all({int(i) for i in d.notification_ids.split(",")} == {r.id for r in failed} for d in told)
        # nothing more happens afterwards
        assert world.dispatch(at + dt.timedelta(hours=3), recipients={KT}).failed == 0
        assert len(fallback.bodies("/fallback")) == 1


def test_row_stuck_in_sending_goes_to_review(world, http, monkeypatch):
    """The process dies mid-send: the claimed rows are neither resent silently nor dropped."""
    from typer.testing import CliRunner

    from htx_tasks.cli.main import app

    rows = _fault_setup(world, http.url())

    def die(*args, **kwargs):
        raise KeyboardInterrupt  # not an Exception: nothing in the dispatcher catches it

    with monkeypatch.context() as patch:
        patch.setattr(dispatcher, "send", die)
        with pytest.raises(KeyboardInterrupt):
            world.dispatch(NOW, recipients={KT}, wall=NOW)
    assert len(world.rows("sending", KT)) == rows
    # within the lease nothing touches them
    # the lease runs in real time: a pass for an old scheduled time does not shorten it
    stale = world.dispatch(NOW + LEASE + MINUTE, recipients={KT}, wall=NOW + MINUTE)
    assert stale.review == 0 and len(world.rows("sending", KT)) == rows
    early = world.dispatch(NOW, recipients={KT}, wall=NOW + LEASE - MINUTE)
    assert early.review == 0 and early.messages == 0 and len(world.rows("sending", KT)) == rows
    late = world.dispatch(NOW, recipients={KT}, wall=NOW + LEASE + MINUTE)
    assert late.review == rows and late.messages == 0
    assert http.count() == 0
    out = CliRunner().invoke(app, ["notify", "review", "--json"])
    assert out.exit_code == 0, out.output
    listed = json.loads(out.stdout)
    assert len(listed) == rows and {r["recipient"] for r in listed} == {KT}
    assert all("dừng giữa chừng" in r["last_error"] for r in listed)
    # later passes leave them for a person
    world.dispatch(NOW + dt.timedelta(hours=2), recipients={KT}, wall=NOW + dt.timedelta(hours=2))
    assert http.count() == 0 and len(world.rows("review", KT)) == rows


def test_rows_being_sent_show_their_lease_and_a_person_resolves_rows_set_aside(world, http, monkeypatch):
    from typer.testing import CliRunner

    from htx_tasks.cli.main import app
    from htx_tasks.store.models import AuditEvent

    def cli(*args: str):
        return CliRunner().invoke(app, list(args))

    monkeypatch.setenv("USER", "dieu-phoi")
    monkeypatch.setenv("LOGNAME", "dieu-phoi")
    rows = _fault_setup(world, http.url())
    assert rows >= 3

    def die(*args, **kwargs):
        raise KeyboardInterrupt

    with monkeypatch.context() as patch:
        patch.setattr(dispatcher, "send", die)
        with pytest.raises(KeyboardInterrupt):
            world.dispatch(NOW, recipients={KT}, wall=NOW)
    # while they are being sent, a person sees them and when their lease runs out
    out = cli("notify", "sending", "--json")
    assert out.exit_code == 0, out.output
    listed = json.loads(out.stdout)
    assert len(listed) == rows
    assert {(r["claimed_at"], r["lease_until"]) for r in listed} == {
        (NOW.astimezone(dt.UTC).isoformat(), (NOW + LEASE).astimezone(dt.UTC).isoformat())}
    text = cli("notify", "sending")
    assert f"Thông báo đang gửi: {rows}" in text.stdout and "Hết hạn giữ" in text.stdout
    assert "08:00 27/11/2026" in text.stdout and "08:15 27/11/2026" in text.stdout  # claimed, lease ends
    world.dispatch(NOW, recipients={KT}, wall=NOW + LEASE + MINUTE)
    first, second, third = [r.id for r in world.rows("review", KT)][:3]
    at = "2026-11-27T09:00"
    out = cli("notify", "resolve", str(first), "--as", "delivered", "--note", "Đã gọi điện xác nhận", "--now", at)
    assert out.exit_code == 0, out.output
    assert f"Thông báo số {first}: đã ghi nhận là đã đến nơi." in out.stdout
    out = cli("notify", "resolve", str(second), "--as", "resend", "--note", "Không nhận được", "--now", at)
    assert out.exit_code == 0, out.output
    assert f"Thông báo số {second}: sẽ gửi lại trong lượt gửi tới." in out.stdout
    again = cli("notify", "resolve", str(first), "--as", "resend", "--note", "Gửi lại", "--now", at)
    assert again.exit_code == 1 and f"Lỗi: thông báo số {first} đã có người xử lý trước (nay: 'đã gửi')" in again.stderr
    wrong = cli("notify", "resolve", str(third), "--as", "maybe", "--note", "x", "--now", at)
    assert wrong.exit_code == 2 and "Lỗi: --as: giá trị không hợp lệ; chọn một trong: 'delivered', 'resend'" in wrong.stderr
    missing = cli("notify", "resolve", "999999", "--as", "resend", "--note", "x", "--now", at)
    assert missing.exit_code == 1 and "Lỗi: không có thông báo số 999999" in missing.stderr
    statuses = {r.id: r.status for r in world.rows(recipient=KT)}
    assert (statuses[first], statuses[second], statuses[third]) == ("sent", "pending", "review")
    # the row sent again goes out in the next pass, alone; the one that arrived is not repeated
    result = world.dispatch(NOW + dt.timedelta(hours=2), recipients={KT},
                      wall=NOW + dt.timedelta(hours=2))
    assert (result.sent, result.messages) == (1, 1) and http.count() == 1
    with Session(world.engine) as session:
        trail = session.exec(select(AuditEvent).where(AuditEvent.action.like("notice_%")).order_by(AuditEvent.id)).all()
    assert [(a.action, a.actor, a.role, a.via) for a in trail] == [
        ("notice_delivered", "cơ quan thường trực", "coordinator", "cli:dieu-phoi"),
        ("notice_resend", "cơ quan thường trực", "coordinator", "cli:dieu-phoi"),
    ]
    assert trail[0].reason.startswith(f"Thông báo số {first} (gửi {KT}, ")


# --------------------------------------------------------------------------- 5. concurrency


def _concurrent_dispatch(world: World, receiver: HttpReceiver) -> None:
    tags = sorted({*[u.code for u in world.plan.source.units if not u.members], "coordinator", "leadership"})
    world.write_channels([(receiver.url(f"/{tag}"), tag) for tag in tags])
    run_pass(world.engine, world.plan, NOW)
    pending = world.rows("pending")
    expected = Counter(r.recipient for r in pending)
    receiver.delay = 0.02  # keep both dispatchers busy at the same time
    barrier = threading.Barrier(2)
    results, errors = [], []

    def worker() -> None:
        try:
            barrier.wait()
            results.append(world.dispatch(NOW))
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    received = Counter(r.path.lstrip("/") for r in receiver.received)
    assert received == Counter({tag: 1 for tag in expected})  # one digest per recipient, no duplicates
    assert sum(r.messages for r in results) == len(expected)
    print(f"dispatchers split the digests {[r.messages for r in results]}")
    assert sum(r.sent for r in results) == len(pending)
    assert {r.status for r in world.rows()} == {"sent"}
    carried = Counter(int(i) for d in world.deliveries() if d.url.startswith("json://")
                      for i in d.notification_ids.split(","))
    assert carried == Counter({r.id: 1 for r in pending})  # each row delivered by exactly one dispatcher
    for tag in expected:
        assert len(world.inbox_messages(tag)) == 1


def require_postgres() -> None:
    """Skip with the reason when no PostgreSQL server answers; fail instead when CI requires one."""
    reason = postgres_reachable()
    if reason is not None:
        message = f"PostgreSQL not available: {reason}"
        print(message)
        if os.environ.get("HTX_REQUIRE_POSTGRES") == "1":
            pytest.fail(message + " (HTX_REQUIRE_POSTGRES=1)")
        pytest.skip(message)


def test_two_dispatchers_at_once_postgresql(tmp_path, monkeypatch):
    require_postgres()
    with postgres_database() as url, HttpReceiver() as receiver:
        world = make_world(tmp_path, monkeypatch, database_url=url)
        try:
            assert world.engine.dialect.name == "postgresql"
            _concurrent_dispatch(world, receiver)
        finally:
            world.engine.dispose()


def test_two_dispatchers_at_once_sqlite(world, http):
    _concurrent_dispatch(world, http)


# --------------------------------------------------------------------------- 6. working hours, closed


MONDAY_0730 = at_local(dt.date(2026, 11, 30), 7, 30)


@pytest.mark.parametrize(("when", "next_morning"), [
    (at_local(FRIDAY, 20, 0), MONDAY_0730),
    (at_local(dt.date(2026, 11, 29), 8, 0), MONDAY_0730),  # Sunday
    (at_local(FRIDAY, 17, 0), MONDAY_0730),  # working hours end at 17:00
    (at_local(FRIDAY, 7, 29), at_local(FRIDAY, 7, 30)),  # ... and start at 07:30
], ids=["friday-20h", "sunday-8h", "friday-17h", "friday-7h29"])
def test_outside_working_hours_waits_for_next_working_morning(world, http, when, next_morning):
    world.write_channels([(http.url(f"/{KT}"), KT), (http.url(f"/{WARD}"), WARD)])
    run_pass(world.engine, world.plan, when)
    pending = len(world.rows("pending"))
    result = world.dispatch(when)
    assert result.deferred == pending > 0 and result.messages == result.sent == 0
    assert http.count() == 0 and not world.inbox.exists()
    monday = next_morning
    run_pass(world.engine, world.plan, monday)
    morning = world.dispatch(monday)
    assert morning.deferred == 0 and morning.sent >= pending
    assert http.count(f"/{KT}") == 1 and http.count(f"/{WARD}") == 1


def test_a_units_own_working_hours_hold_its_messages_only(world, http):
    """A ward that starts at 08:00 waits; everyone else is sent at 07:45 as usual."""
    plan_file = world.config / "plan.yaml"
    text = plan_file.read_text(encoding="utf-8")
    ward_line = f"  - {{code: {WARD}, "
    start = text.index(ward_line)
    end = text.index("}", start)
    plan_file.write_text(text[:end] + ", policy: {work_start: '08:00'}" + text[end:], encoding="utf-8")
    world.plan = load_plan(world.config)
    world.write_channels([(http.url(f"/{KT}"), KT), (http.url(f"/{WARD}"), WARD)])
    early = at_local(FRIDAY, 7, 45)
    run_pass(world.engine, world.plan, early)
    first = world.dispatch(early, recipients={KT, WARD})
    assert first.deferred == len(world.rows("pending", WARD)) > 0
    assert http.count(f"/{KT}") == 1 and http.count(f"/{WARD}") == 0
    later = world.dispatch(at_local(FRIDAY, 8, 0), recipients={KT, WARD})
    assert later.deferred == 0 and http.count(f"/{WARD}") == 1 and http.count(f"/{KT}") == 1


def test_nothing_sent_for_submitted_or_waived(world, http):
    world.write_channels([(http.url(f"/{KT}"), KT), (http.url(f"/{WARD}"), WARD)])
    run_pass(world.engine, world.plan, NOW)
    thanh_lap = world.occurrence(KT, "kt-thanh-lap-htx").id
    ha_tang = world.occurrence(KT, "kt-chinh-sach").id
    ward = [world.occurrence(WARD, duty).id for duty in ("xa-tuyen-truyen", "xa-theo-doi-htx")]
    with session_scope(world.engine) as session:
        submit(session, world.plan, thanh_lap, unit=KT, note="Đã nộp báo cáo quý", evidence=None, now=NOW)
        waive(session, world.plan, ha_tang, note="Không phát sinh trong kỳ", now=NOW)
        waive(session, world.plan, ward[0], note="Đã tuyên truyền trong kỳ trước", now=NOW)
        submit(session, world.plan, ward[1], unit=WARD, note="Đã báo cáo", evidence=None, now=NOW)
    result = world.dispatch(NOW, recipients={KT, WARD})
    assert result.dropped == 5  # the four items, and the ward's III.8.2 copy to Phòng Kinh tế
    # the ward's own items are gone; the copy of Phòng Kinh tế's III.1.5 remains, for cooperation
    assert http.count(f"/{WARD}") == 1 and "Để phối hợp" in http.bodies(f"/{WARD}")[0]["title"]
    message = http.bodies(f"/{KT}")[0]["message"]
    assert "[III.1.2]" not in message and "[III.1.6]" not in message
    assert message.count("   Số nhiệm vụ: ") == 2  # III.1.5 and the III.1 consolidated report
    cancelled = {r.occurrence_id for r in world.rows("cancelled")}
    assert {thanh_lap, ha_tang} <= cancelled


# --------------------------------------------------------------------------- 7. a simulated month


def test_simulated_month_digest_rule(world):
    """December 2026 with the shipped plan (tracking from 01/11/2026, so the first morning catches
    up a month): tick at 07:30 every working morning, tick again at 10:00 and 16:30 (as a
    re-run or an overlapping schedule would), and on weekend mornings (deferred to Monday)."""
    day, last = dt.date(2026, 12, 1), dt.date(2026, 12, 31)
    mornings = 0
    while day <= last:
        working = world.plan.calendar.is_working_day(day)
        for hour, minute in ((7, 30), (10, 0), (16, 30)) if working else ((8, 0),):
            at = at_local(day, hour, minute)
            run_pass(world.engine, world.plan, at)
            result = world.dispatch(at)
            assert result.failed == result.retrying == result.review == 0
            assert (result.deferred == 0) if working else (result.messages == 0)
        mornings += working
        day += dt.timedelta(days=1)
    assert mornings >= 20
    per_day: Counter = Counter()
    for d in world.deliveries():
        assert d.status == "success"
        per_day[(d.recipient, local_date(d.at))] += 1
    assert per_day and max(per_day.values()) == 1  # at most one message per recipient per day
    # every row recorded was delivered (or superseded by a newer event of the same item)
    assert {r.status for r in world.rows()} == {"sent"}
    sent = world.rows("sent")
    assert len({(r.recipient, local_date(r.sent_at)) for r in sent}) == sum(per_day.values())
    # inbox files agree with the delivery table
    for recipient in {r for r, _ in per_day}:
        assert len(world.inbox_messages(recipient)) == sum(n for (r, _), n in per_day.items() if r == recipient)
    # requests to the Fatherland Front are never escalated to leadership
    with Session(world.engine) as session:
        front = {o.id for o in session.exec(select(Occurrence).where(
            Occurrence.unit_code.in_(world.plan.members("ubmttq-doan-the"))))}
    assert front and not [r for r in world.rows(recipient="leadership") if r.occurrence_id in front]
    assert world.rows(recipient="leadership") and world.rows(recipient="coordinator")


def test_a_weekend_morning_defers_what_is_due_to_the_next_working_morning(world):
    """Tracking starts on Sunday 01/11/2026: the periods open, but their assignment is stamped for
    Monday's working morning; a dispatch after working hours leaves it for the next morning."""
    sunday, monday = at_local(dt.date(2026, 11, 1), 8, 0), at_local(dt.date(2026, 11, 2), 7, 30)
    assert run_pass(world.engine, world.plan, sunday).opened > 0
    assert world.rows("pending") == []  # nothing is stamped on a Sunday
    run_pass(world.engine, world.plan, monday)
    due = world.rows("pending")
    assert due and {r.next_attempt_at for r in due} == {monday}
    evening = at_local(dt.date(2026, 11, 2), 17, 30)
    result = world.dispatch(evening)
    assert (result.messages, result.deferred) == (0, len(due))
    assert world.deliveries() == [] and world.inbox_messages(KT) == []
    assert {r.id for r in world.rows("pending")} == {r.id for r in due}
    result = world.dispatch(at_local(dt.date(2026, 11, 3), 7, 30))
    assert result.deferred == 0 and result.messages >= 1
    assert {r.id for r in world.rows("sent")} >= {r.id for r in due}
    assert {local_date(r.sent_at) for r in world.rows("sent")} == {dt.date(2026, 11, 3)}
    assert len(world.inbox_messages(KT)) == 1


# --------------------------------------------------------------------------- 8. CLI


def _cli(*args: str):
    from typer.testing import CliRunner

    from htx_tasks.cli.main import app

    return CliRunner().invoke(app, list(args))


def test_cli_channels_dispatch_and_views(world, http):
    world.write_channels([(http.url(f"/{KT}"), KT), (http.url(f"/{KT}-2"), KT), (http.url("/ward"), WARD)])
    out = _cli("channels", "list", "--json")
    assert out.exit_code == 0, out.output
    listed = {r["recipient"]: r for r in json.loads(out.stdout)}
    assert listed[KT]["channels"] == 2 and listed[WARD]["channels"] == 1 and listed["leadership"]["channels"] == 0
    assert set(listed) >= {"coordinator", "leadership", FALLBACK, "xa-cam-thinh-tay"}
    assert listed[KT]["name"] == "Phòng Kinh tế"

    out = _cli("channels", "test", KT)
    assert out.exit_code == 0, out.output
    assert http.count(f"/{KT}") == 1 and http.count(f"/{KT}-2") == 1
    assert http.bodies(f"/{KT}")[0]["title"] == "[KH thực hiện CTr 46-CTr/TU] Thông báo thử"
    assert "✓" in out.stdout and "inbox://" in out.stdout
    assert _cli("channels", "test", "khong-co").exit_code == 1
    down = f"json://127.0.0.1:{free_port()}/down"
    world.write_channels([(http.url("/ward"), WARD), (down, WARD)])
    out = _cli("channels", "test", WARD)
    assert out.exit_code == 1 and "✗ json://" in out.stdout and http.count("/ward") == 1
    world.write_channels([(http.url(f"/{KT}"), KT), (http.url(f"/{KT}-2"), KT), (http.url("/ward"), WARD)])
    http.received.clear()

    # Friday evening: the tick records, the dispatch defers
    out = _cli("tick", "--now", "2026-11-27T20:00", "--json")
    assert out.exit_code == 0, out.output
    tick = json.loads(out.stdout)
    out = _cli("notify", "pending", "--json")
    pending = json.loads(out.stdout)
    assert out.exit_code == 0 and pending and {p["recipient"] for p in pending} >= {KT, WARD}
    assert tick["dispatch"]["deferred"] == len(pending) and tick["dispatch"]["messages"] == 0
    assert http.count() == 0

    # Monday morning: one digest per recipient
    out = _cli("dispatch", "--now", "2026-11-30T07:30", "--json")
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    assert data["sent"] == len(pending) and KT in data["recipients"] and data["deferred"] == 0
    assert http.count(f"/{KT}") == http.count(f"/{KT}-2") == http.count("/ward") == 1
    out = _cli("notify", "sent", "--json")
    assert len(json.loads(out.stdout)) == len(pending)
    assert json.loads(_cli("notify", "pending", "--json").stdout) == []
    human = _cli("dispatch", "--now", "2026-11-30T07:31")
    assert human.exit_code == 0 and "Đã gửi 0 thông báo tổng hợp" in human.stdout

    # tick twice at the same instant: the second records and sends nothing
    assert _cli("tick", "--now", "2026-11-30T07:30", "--json").exit_code == 0
    before = len(http.received)
    out = _cli("tick", "--now", "2026-11-30T07:30", "--json")
    data = json.loads(out.stdout)
    assert data["notifications"] == 0 and data["dispatch"]["messages"] == 0
    assert len(http.received) == before


def test_cli_notify_failed(world):
    receiver = HttpReceiver(port=free_port())  # never started: down for good
    world.write_channels([(receiver.url(), KT)])
    run_pass(world.engine, world.plan, NOW)
    at = NOW
    for attempt in range(MAX_ATTEMPTS):
        world.dispatch(at, recipients={KT})
        at += BACKOFF[min(attempt, len(BACKOFF) - 1)]
    out = _cli("notify", "failed", "--json")
    assert out.exit_code == 0, out.output
    failed = json.loads(out.stdout)
    assert failed and {f["recipient"] for f in failed} == {KT}
    assert all(f["attempts"] == MAX_ATTEMPTS and f["last_error"] for f in failed)
    table = _cli("notify", "failed")
    assert table.exit_code == 0 and "Phòng Kinh tế" in table.stdout


@pytest.mark.parametrize("case", ["unknown-tag", "unknown-key", "undeclared-variable"])
def test_cli_validate_rejects_bad_channels(world, case):
    if case == "unknown-tag":
        world.write_channels([("json://127.0.0.1:9/x", KT), ("json://127.0.0.1:9/y", "phong-khong-co")])
        line, words = 5, "phong-khong-co"
    elif case == "unknown-key":
        world.write_channels([("json://127.0.0.1:9/x", KT)], extra="recipients: [a]\n")
        line, words = 5, "recipients"
    else:
        world.write_channels([("json://127.0.0.1:9/${TOKEN}", KT)])
        line, words = 3, "TOKEN"
    out = _cli("validate")
    assert out.exit_code == 2, out.output
    text = out.output
    assert f"channels.yaml:{line}:" in text and words in text


def test_cli_validate_checks_a_templated_url_by_its_scheme(world):
    """A token-shaped ${VAR} cannot be probed with a placeholder: a known scheme is accepted."""
    world.write_channels([("tgram://${BOT}/${CHAT}", KT)], template=["BOT", "CHAT"])
    assert _cli("validate").exit_code == 0
    world.write_channels([("tgramx://${BOT}/${CHAT}", KT)], template=["BOT", "CHAT"])
    out = _cli("validate")
    assert out.exit_code == 2 and "tgramx://" in out.output


def test_cli_validate_accepts_template_section_and_warns_uncovered(world):
    world.write_channels([("json://127.0.0.1:9/${TOKEN}", KT)], template=["TOKEN"])
    out = _cli("validate")
    assert out.exit_code == 0, out.output
    assert "leadership" in out.stderr and "chưa có kênh" in out.stderr
