"""The coordinator's login and logout, limits on guessing, and the audit of security events.

The limits are checked through a real uvicorn server with the CLI's proxy settings, so the client
address is the one the trusted proxy reports in X-Forwarded-For.
"""

from __future__ import annotations

import datetime as dt
import re
import threading

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from htx_tasks.links import COORDINATOR_SUBJECT, revoke
from htx_tasks.services import login as services_login
from htx_tasks.store.answers import WebAudit
from htx_tasks.store.db import make_engine, session_scope, upgrade
from htx_tasks.web import login
from tests.webkit import OTHER_WARD, WARD, make_site
from tests.webserver import served

PASSWORD = "mat-khau-dung-12"
ADDRESS = "203.0.113.9"


@pytest.fixture
def site(plan, tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'web.db'}")
    upgrade(engine)
    yield make_site(engine, plan, tmp_path / "var", coordinator_password_hash=login.hash_password(PASSWORD, 1000),
                    unit_posts_per_hour=2, login_free_tries=3, login_max_wait=60, login_hours=12)
    engine.dispose()


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def log_in(client, password: str = PASSWORD, **headers):
    csrf = csrf_of(client.get("/dang-nhap").text)
    return client.post("/dang-nhap", data={"csrf": csrf, "password": password}, headers=headers,
                       follow_redirects=False)


def audit_rows(site) -> list[WebAudit]:
    with Session(site.engine) as session:
        return list(session.exec(select(WebAudit).order_by(WebAudit.id)).all())


def test_logout_ends_this_session_and_no_other(site):
    client = TestClient(site.app)
    answer = log_in(client)
    assert answer.status_code == 303
    mine = answer.headers["location"]
    other = f"/c/{site.token(COORDINATOR_SUBJECT)}"  # the link printed by make run
    page = client.get(mine).text
    assert "Đăng xuất" in page
    assert client.post(f"{mine}/dang-xuat", data={}, follow_redirects=False).status_code == 403  # no token
    out = client.post(f"{mine}/dang-xuat", data={"csrf": csrf_of(page)}, follow_redirects=False)
    assert (out.status_code, out.headers["location"]) == (303, "/dang-nhap?done=logout")
    assert "Đã đăng xuất" in client.get(out.headers["location"]).text
    ended = client.get(mine)
    assert ended.status_code == 403 and "Phiên làm việc này đã kết thúc (đã đăng xuất)" in ended.text
    assert client.get(other).status_code == 200
    again = log_in(client).headers["location"]
    assert client.get(again).status_code == 200
    site.clock.now += dt.timedelta(hours=12, minutes=1)  # a login's link lives HTX_WEB_LOGIN_HOURS
    late = client.get(again)
    assert late.status_code == 403 and "hiệu lực 12 giờ" in late.text
    assert client.get(other).status_code == 200


def test_security_events_are_audited_with_the_address_and_shown_to_the_coordinator(site):
    client = TestClient(site.app, client=(ADDRESS, 5000))
    assert log_in(client, "sai-mat-khau").status_code == 403
    token = site.token(WARD)
    assert client.get(f"/u/{token[:-4]}AAAA").status_code == 403  # tampered
    assert client.get(f"/u/{token}/o/{site.items(OTHER_WARD)[0].id}").status_code == 403  # another unit's item
    item = site.items(WARD)[0]
    csrf = csrf_of(client.get(f"/u/{token}/o/{item.id}").text)
    data = {"csrf": "giả", "note": "x", "version": str(item.version)}
    assert client.post(f"/u/{token}/o/{item.id}/report", data=data).status_code == 403
    data["csrf"] = csrf
    statuses = [client.post(f"/u/{token}/o/{item.id}/extension", data=data).status_code for _ in range(3)]
    assert statuses == [400, 400, 429]
    old = site.token(OTHER_WARD)
    with session_scope(site.engine) as session:
        revoke(session, OTHER_WARD, site.clock.now)
    assert client.get(f"/u/{old}").status_code == 403
    events = [(r.action, r.subject, r.outcome, r.detail) for r in audit_rows(site) if r.outcome != "refused"
              or r.action in ("link_refused", "cross_unit", "csrf")]
    item_id = site.items(OTHER_WARD)[0].id
    assert events == [("login_failed", COORDINATOR_SUBJECT, "failed", None), ("link_refused", "?", "refused", "signature"),
                      ("cross_unit", WARD, "refused", f"nhiệm vụ {item_id}"), ("csrf", WARD, "refused", None),
                      ("rate_limited", WARD, "limited", None), ("link_refused", OTHER_WARD, "refused", "revoked")]
    rows = audit_rows(site)
    assert {r.client for r in rows} == {ADDRESS}
    for row in rows:  # no secret in any column
        assert not any(secret in str(value) for value in row.model_dump().values() for secret in (token, old, PASSWORD))
    page = TestClient(site.app).get(f"/c/{site.token(COORDINATOR_SUBJECT)}").text
    assert "<title>Cơ quan thường trực</title>" in page and page.count("Sự kiện an ninh gần đây") == 1
    shown = page.split("Sự kiện an ninh gần đây")[1]
    for words in ("Đăng nhập sai mật khẩu", "chữ ký sai hoặc liên kết bị sửa", "Mở nhiệm vụ hoặc tệp của đơn vị khác",
                  "Gửi quá nhiều lần trong một giờ", "đã thu hồi", site.plan.unit_name(OTHER_WARD), ADDRESS):
        assert words in shown
    assert shown.index("đã thu hồi") < shown.index("Đăng nhập sai mật khẩu")  # newest first


def test_guessing_slows_down_per_account_whatever_the_forwarded_address_and_never_locks_out_for_long(site):
    with served(site.app) as client:
        statuses = [log_in(client, f"doan-{i}", **{"x-forwarded-for": f"198.51.100.{i}"}).status_code for i in range(4)]
        assert statuses == [403, 403, 403, 429]  # three free tries, then a wait, from any address
        right = log_in(client, **{"x-forwarded-for": "192.0.2.1"})
        assert right.status_code == 429 and "thử lại sau 2 giây" in right.text and right.headers["retry-after"] == "2"
        for _ in range(12):  # a patient guesser: each wait doubles, up to the 60 s cap
            site.clock.now += dt.timedelta(seconds=61)
            assert log_in(client, "doan-nua", **{"x-forwarded-for": "198.51.100.200"}).status_code == 403
        assert "thử lại sau 60 giây" in log_in(client, **{"x-forwarded-for": "192.0.2.1"}).text
        site.clock.now += dt.timedelta(seconds=61)  # the right password waits at most the cap
        assert log_in(client, **{"x-forwarded-for": "192.0.2.1"}).status_code == 303
        assert log_in(client, "lai-sai", **{"x-forwarded-for": "192.0.2.1"}).status_code == 403  # cleared
    rows = audit_rows(site)
    failed = [r.client for r in rows if r.action == "login_failed"]
    assert failed[:3] == ["198.51.100.0", "198.51.100.1", "198.51.100.2"]  # as the proxy reported them
    assert [r.client for r in rows if r.action == "login"] == ["192.0.2.1"]
    assert {r.action for r in rows} == {"login_failed", "login_limited", "login"}


def test_the_password_is_checked_off_the_event_loop(site, monkeypatch):
    entered, release = threading.Event(), threading.Event()
    real = services_login.check_password

    def slow_check(password: str, stored: str) -> bool:
        entered.set()
        release.wait(30)
        return real(password, stored)

    monkeypatch.setattr(services_login, "check_password", slow_check)  # what the login service checks with
    with served(site.app) as client:
        csrf = csrf_of(client.get("/dang-nhap").text)
        outcome = {}
        post = threading.Thread(target=lambda: outcome.setdefault("status", client.post(
            "/dang-nhap", data={"csrf": csrf, "password": PASSWORD}).status_code))
        post.start()
        try:
            assert entered.wait(30)
            assert client.get("/healthz", timeout=5).status_code == 200  # answered while the check still runs
        finally:
            release.set()
            post.join(30)
    assert outcome["status"] in (200, 303)
