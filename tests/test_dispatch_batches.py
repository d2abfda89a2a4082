"""Dispatch in batches against real receivers on loopback: a bounded number of digests in flight,
one recipient's digests one after another and in order, a hanging recipient that holds nobody
else up, an interrupted pass, and results written per batch (a handful of statements, not some per
message) with the right values on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter

import pytest
from deliverykit import KT, NOW, World, make_world
from receivers import HttpReceiver
from sqlalchemy import event, insert
from sqlmodel import Session, select

from htx_tasks.core.policy import COORDINATOR, LEADERSHIP
from htx_tasks.delivery import channels, sender
from htx_tasks.delivery.channels import FALLBACK
from htx_tasks.delivery.dispatcher import BACKOFF, IN_FLIGHT, MAX_ATTEMPTS
from htx_tasks.engine import run_pass
from htx_tasks.store.models import Notification, Occurrence

QLDT = "phong-quan-ly-do-thi"


def _tags(world: World) -> list[str]:
    return sorted({*[u.code for u in world.plan.source.units if not u.members], COORDINATOR, LEADERSHIP})


def _everyone_to(world: World, receiver: HttpReceiver, **special: HttpReceiver) -> list[str]:
    """Each recipient's own path on ``receiver`` (``special`` recipients: the root of another)."""
    tags = _tags(world)
    world.write_channels([(special[t].url(f"/{t}") if t in special else receiver.url(f"/{t}"), t) for t in tags])
    return tags


def _pending_recipients(world: World) -> Counter:
    return Counter(r.recipient for r in world.rows("pending"))


# --------------------------------------------------------------------------- concurrency


@pytest.mark.parametrize("in_flight", [1, 3, None], ids=["one", "three", "default"])
def test_no_more_digests_in_flight_than_allowed(world, in_flight):
    with HttpReceiver(delay=0.1) as receiver:
        _everyone_to(world, receiver)
        run_pass(world.engine, world.plan, NOW)
        recipients = _pending_recipients(world)
        assert len(recipients) >= 10
        result = world.dispatch(NOW, in_flight=in_flight)
        assert result.messages == len(recipients) == receiver.count()
    bound = in_flight or IN_FLIGHT
    assert receiver.max_in_flight <= bound
    if bound == 1:
        assert receiver.max_in_flight == 1
    else:  # different recipients really were served at once
        assert receiver.max_in_flight >= 2
    assert max(receiver.max_in_flight_by_path.values()) == 1  # one digest per recipient here


def test_one_recipients_digests_go_out_one_after_another_in_order(world):
    """Rows that reached different URLs before make several digests for one recipient in one pass
    (``delivered_urls`` differs): they go out in the order of their rows, never two at once, while
    other recipients are served alongside."""
    with HttpReceiver(delay=0.05) as receiver:
        _everyone_to(world, receiver)
        run_pass(world.engine, world.plan, NOW)
        with Session(world.engine) as session:
            session.exec(Notification.__table__.delete())
            session.commit()
            occurrences = list(session.exec(select(Occurrence).order_by(Occurrence.id)).all())
        wards = sorted({o.unit_code for o in occurrences if o.unit_code.startswith(("phuong-", "xa-"))})
        expected: dict[str, list[str]] = {}
        rows = []
        for ward in wards:
            own = [o for o in occurrences if o.unit_code == ward]
            own = [o for i, o in enumerate(own) if o.duty_code not in {p.duty_code for p in own[:i]}][:3]
            assert len(own) >= 2
            # later rows first in id order: the digests follow the rows' due times, not their ids
            for k, occurrence in reversed(list(enumerate(own))):
                rows.append(dict(occurrence_id=occurrence.id, kind="reminder", level=-1, detail=0,
                                 due_at=NOW - dt.timedelta(minutes=10 - k), recipient=ward, created_at=NOW,
                                 status="pending", attempts=0, next_attempt_at=NOW,
                                 delivered_urls="" if k == 0 else f"earlier-{k}"))
            expected[ward] = [world.plan.duty(o.duty_code).title for o in own]
        with world.engine.begin() as conn:
            conn.execute(insert(Notification), rows)
        result = world.dispatch(NOW, in_flight=4)
        assert result.messages == len(rows) and result.sent == len(rows)
    for ward, titles in expected.items():
        bodies = receiver.bodies(f"/{ward}")
        assert len(bodies) == len(titles)
        for body, title in zip(bodies, titles, strict=True):
            assert title in body["message"], (ward, title)
        assert receiver.max_in_flight_by_path[f"/{ward}"] == 1
    assert receiver.max_in_flight >= 2


def test_a_recipient_that_hangs_holds_up_nobody_else(world, monkeypatch):
    monkeypatch.setattr(sender, "TIMEOUT", 2.5)  # below the plug-in's own 4 s socket timeout
    with HttpReceiver() as receiver, HttpReceiver(mode="hang", hang_seconds=10) as stuck:
        _everyone_to(world, receiver, **{KT: stuck})
        run_pass(world.engine, world.plan, NOW)
        recipients = _pending_recipients(world)
        others = set(recipients) - {KT}
        started = time.monotonic()
        result = world.dispatch(NOW, in_flight=2)
        stuck.release.set()
    assert {r.path.lstrip("/") for r in receiver.received} == others
    # every other recipient was served while the hung request was still waiting for its deadline
    assert max(r.at for r in receiver.received) < started + sender.TIMEOUT
    assert result.messages == len(others) and result.retrying == recipients[KT]
    assert {(r.status, r.attempts) for r in world.rows(recipient=KT)} == {("pending", 1)}
    assert [d.status for d in world.deliveries(KT) if d.url.startswith("json://")] == ["timeout"]


def test_an_interrupted_pass_records_what_went_out_and_hands_back_the_rest(world, monkeypatch):
    """The process is stopped while one digest is on its way (KeyboardInterrupt is no Exception:
    nothing in the dispatcher swallows it). Digests already sent are recorded as sent; the one
    being sent stays claimed, for the lease to set aside; those never started are pending again."""
    with HttpReceiver() as receiver:
        tags = _everyone_to(world, receiver)
        run_pass(world.engine, world.plan, NOW)
        recipients = _pending_recipients(world)
        victim = sorted(recipients)[1]
        real_send = channels.send

        def send(route, recipient, *args, **kwargs):
            if recipient == victim:
                raise KeyboardInterrupt
            return real_send(route, recipient, *args, **kwargs)

        monkeypatch.setattr(channels, "send", send)  # what ``Channels.send`` calls
        with pytest.raises(KeyboardInterrupt):
            world.dispatch(NOW, in_flight=1)
        reached = Counter(r.path.lstrip("/") for r in receiver.received)
    assert set(reached) <= set(tags) and set(reached.values()) <= {1}
    statuses = {t: {r.status for r in world.rows(recipient=t)} for t in recipients}
    assert statuses[victim] == {"sending"}
    assert sorted(recipients)[0] in reached  # the first one went out before the interruption
    for tag in set(recipients) - {victim}:
        assert statuses[tag] == ({"sent"} if tag in reached else {"pending"}), tag
    assert all(r.claim_token is None for r in world.rows("pending"))
    assert any(statuses[t] == {"pending"} for t in recipients)  # some never started


# --------------------------------------------------------------------------- results per batch


@pytest.fixture(params=["sqlite", "postgresql"])
def any_world(request, tmp_path, monkeypatch):
    if request.param == "sqlite":
        w = make_world(tmp_path, monkeypatch)
        yield w
        w.engine.dispose()
        return
    w = make_world(tmp_path, monkeypatch, database_url=request.getfixturevalue("pg_url"))
    assert w.engine.dialect.name == "postgresql"
    yield w
    with w.engine.begin() as conn:  # the module's database, left empty for the next test that takes it
        conn.exec_driver_sql("DROP SCHEMA public CASCADE")
        conn.exec_driver_sql("CREATE SCHEMA public")
    w.engine.dispose()


def test_results_of_a_pass_are_written_per_batch(any_world):
    """25 recipients, three outcomes: delivered; failing for the first time (back off); failing
    for the last time (given up, the fallback told). Each kind of write is one statement for the
    whole batch, and every row and delivery record holds the right values."""
    world = any_world
    with HttpReceiver() as receiver, HttpReceiver(mode="error") as broken:
        world.write_channels([*[(receiver.url(f"/{t}") if t not in (KT, QLDT) else broken.url(f"/{t}"), t)
                                for t in _tags(world)], (receiver.url("/fallback"), FALLBACK)])
        run_pass(world.engine, world.plan, NOW)
        recipients = _pending_recipients(world)
        assert len(recipients) >= 20 and KT in recipients and QLDT in recipients
        with world.engine.begin() as conn:  # Phòng Kinh tế's rows are at their last attempt
            conn.execute(Notification.__table__.update().where(Notification.__table__.c.recipient == KT)
                         .values(attempts=MAX_ATTEMPTS - 1))
        before = {r.id: r for r in world.rows("pending")}
        statements: list[tuple[str, bool]] = []

        def seen(conn, cursor, statement, parameters, context, executemany):
            statements.append((" ".join(statement.split()[:3]).upper(), executemany))

        event.listen(world.engine, "before_cursor_execute", seen)
        try:
            result = world.dispatch(NOW)
        finally:
            event.remove(world.engine, "before_cursor_execute", seen)

    fine = set(recipients) - {KT, QLDT}
    assert result.messages == len(fine) and result.sent == sum(recipients[t] for t in fine)
    assert result.retrying == recipients[QLDT] and result.failed == recipients[KT]
    assert result.recipients == sorted(fine)
    # the statements of the pass do not grow with the number of recipients or rows
    writes = Counter(s for s, _ in statements if s.split()[0] in ("UPDATE", "INSERT"))
    assert writes["UPDATE NOTIFICATION SET"] == 5, writes  # set aside, drop closed, claim, sent, failed
    assert writes["INSERT INTO DELIVERY"] == 2, writes  # the digests' results, then the fallback's notice
    assert ("UPDATE NOTIFICATION SET", True) in statements  # results as one executemany

    inbox = {d.recipient: d.url_id for d in world.deliveries() if d.url.startswith("inbox://")}
    json = {d.recipient: d.url_id for d in world.deliveries() if d.url.startswith("json://")}
    for row in world.rows():
        assert row.claim_token is None
        assert row.attempts == before[row.id].attempts + 1
        if row.recipient in fine:
            assert (row.status, row.sent_at, row.last_error) == ("sent", NOW, None)
            assert row.delivered_urls == ",".join(sorted([inbox[row.recipient], json[row.recipient]]))
        elif row.recipient == QLDT:  # the inbox took it; only the webhook is tried again
            assert row.status == "pending" and row.next_attempt_at == NOW + BACKOFF[0]
            assert row.delivered_urls == inbox[QLDT] and "500" in row.last_error
        else:
            assert row.status == "failed" and row.sent_at is None and "500" in row.last_error
    for tag in recipients:  # one delivery record per URL and digest, naming the digest's rows
        ids = ",".join(str(r.id) for r in sorted(world.rows(recipient=tag), key=lambda r: (r.due_at, r.id)))
        records = world.deliveries(tag)
        assert sorted(d.status for d in records) == (["success"] * 2 if tag in fine else ["failure", "success"])
        assert {d.notification_ids for d in records} == {ids} and {d.at for d in records} == {NOW}
    told = world.deliveries(FALLBACK)
    assert sorted(d.status for d in told) == ["success", "success"]
    kt_ids = ",".join(str(r.id) for r in sorted(world.rows(recipient=KT), key=lambda r: (r.due_at, r.id)))
    assert {d.notification_ids for d in told} == {kt_ids}
    assert len(receiver.bodies("/fallback")) == 1 and broken.errors == 2


def test_channels_checked_in_several_threads_keep_apprises_explanations(world):
    """Checking channels.yaml silences Apprise's complaints about a bad URL in the checking thread
    only; dispatchers loading their channels at once must not leave Apprise silenced for good
    (a later failure would then be recorded without its cause)."""
    import threading

    from htx_tasks.delivery.channels import load_channels

    with HttpReceiver(mode="error") as broken:
        world.write_channels([(broken.url(f"/{t}"), t) for t in _tags(world)])
        barrier = threading.Barrier(4)

        def check() -> None:
            barrier.wait()
            for _ in range(20):
                load_channels(world.plan, world.config, None)

        threads = [threading.Thread(target=check) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        run_pass(world.engine, world.plan, NOW)
        world.dispatch(NOW, recipients={KT})
    errors = {r.last_error for r in world.rows(recipient=KT)}
    assert len(errors) == 1 and "500" in errors.pop()
