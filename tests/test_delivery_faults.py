"""Delivery when receivers fail: down then up, partly failed digests, 500s, hangs before and after
reading, giving up and telling the fallback, rows stuck in sending; two dispatchers at once (SQLite, PostgreSQL).
"""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
from collections import Counter

import pytest
from deliverykit import KT, MINUTE, NOW, World, make_world
from receivers import HttpReceiver, free_port
from sqlmodel import Session, select

from htx_tasks.core.zones import at_local
from htx_tasks.delivery import channels, sender
from htx_tasks.delivery.channels import FALLBACK
from htx_tasks.delivery.dispatcher import BACKOFF, MAX_ATTEMPTS
from htx_tasks.engine import run_pass
from htx_tasks.store.models import LEASE

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
        patch.setattr(channels, "send", die)  # what ``Channels.send`` calls
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
        patch.setattr(channels, "send", die)  # what ``Channels.send`` calls
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


def test_two_dispatchers_at_once_postgresql(tmp_path, monkeypatch, pg_url):
    with HttpReceiver() as receiver:
        world = make_world(tmp_path, monkeypatch, database_url=pg_url)
        try:
            assert world.engine.dialect.name == "postgresql"
            _concurrent_dispatch(world, receiver)
        finally:
            world.engine.dispose()


def test_two_dispatchers_at_once_sqlite(world, http):
    _concurrent_dispatch(world, http)
