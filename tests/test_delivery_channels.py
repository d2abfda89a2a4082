"""Delivery through each kind of channel against real servers on loopback: SMTP (aiosmtpd) with
secrets from the environment and masked everywhere, HTTP json:// one digest per recipient, MQTT (Mosquitto).

Every test runs in its own config/var/database under ``tmp_path`` at fixed instants.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from collections import Counter
from email.header import decode_header, make_header

import pytest
from deliverykit import KT, NOW, WARD, World, body_of
from receivers import MqttSubscriber, SmtpReceiver, mqtt_reachable
from sqlmodel import Session, select

from htx_tasks.core.zones import at_local
from htx_tasks.delivery.dispatcher import BACKOFF
from htx_tasks.engine import run_pass
from htx_tasks.store.models import Delivery, Notification

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
    assert "Cách báo cáo hoàn thành: gửi Phòng Kinh tế (cơ quan thường trực)" in body and "htx-tasks" not in body
    assert body.count("   Mã theo dõi: ") == 4  # one digest listing its four own items...
    assert "Để phối hợp: các nhiệm vụ sau do đơn vị khác chủ trì" in body  # ...then the copies
    assert body.count("Đầu mối theo dõi:") == 1 and body.count("cơ quan thường trực") == 7  # whom to answer; III.1 added

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
    assert "  - Nhiệm vụ mới — [III.1.5]" in ward[0]["message"]  # under the heading "Để phối hợp", not again
    assert ward[0]["message"].count("Để phối hợp") == 1
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
