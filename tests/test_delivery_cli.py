"""The command line's delivery commands: channels, dispatch and the outbox views, ``notify failed``,
and ``validate`` on channels.yaml.
"""

from __future__ import annotations

import json

import pytest
from deliverykit import KT, NOW, WARD
from receivers import HttpReceiver, free_port

from htx_tasks.delivery.channels import FALLBACK
from htx_tasks.delivery.dispatcher import BACKOFF, MAX_ATTEMPTS
from htx_tasks.engine import run_pass

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
    typo = _cli("channels", "test", "khong-co")  # a recipient typed wrong: exit 2, the tag named
    assert typo.exit_code == 2 and "'khong-co' không phải người nhận trong kế hoạch" in typo.output
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
