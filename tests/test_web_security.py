"""Hostile visitors: each refusal gives its status and Vietnamese message, and writes nothing."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from htx_tasks.links import COORDINATOR_SUBJECT, Signer, revoke
from htx_tasks.store.db import make_engine, upgrade
from htx_tasks.web.app import create_app
from tests.webkit import KEY, OTHER_WARD, WARD, make_site, pdf_bytes, sent_back


@pytest.fixture
def site(plan, tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'web.db'}")
    upgrade(engine)
    yield make_site(engine, plan, tmp_path / "var", evidence_max_mb=1)
    engine.dispose()


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def post_report(client, token, occurrence_id, *, csrf=None, version=None, note="Đã xong", files=None,
                url="https://example.org/a"):
    if csrf is None or version is None:
        page = client.get(f"/u/{token}/o/{occurrence_id}").text
        shown = sent_back(page, f"/u/{token}/o/{occurrence_id}/report") if "/report\"" in page else {}
        csrf = shown.get("csrf", "") if csrf is None else csrf
        version = shown.get("version", "1") if version is None else version
    data = {"note": note, "evidence_url": url, "version": version, **({"csrf": csrf} if csrf else {})}
    return client.post(f"/u/{token}/o/{occurrence_id}/report", data=data, files=files or [], follow_redirects=False)


def refused(site, response_of, status: int, message: str) -> None:
    """The request gets ``status`` and ``message``, and nothing is written anywhere."""
    before = site.written()
    response = response_of()
    assert response.status_code == status, response.text[-600:]
    assert message in response.text
    assert 'lang="vi"' in response.text
    assert site.written() == before


def test_tampered_signature(site):
    client, item = TestClient(site.app), site.items(WARD)[0]
    token = site.token(WARD)
    tampered = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    refused(site, lambda: client.get(f"/u/{tampered}"), 403, "chữ ký không đúng")
    refused(site, lambda: post_report(client, tampered, item.id, csrf="x"), 403, "chữ ký không đúng")


def test_payload_swapped_to_another_unit_breaks_the_signature(site):
    import base64
    import json

    client, token = TestClient(site.app), site.token(WARD)
    payload, rest = token.split(".", 1)
    data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    data["s"] = OTHER_WARD
    forged = base64.urlsafe_b64encode(json.dumps(data, separators=(",", ":")).encode()).decode().rstrip("=")
    refused(site, lambda: client.get(f"/u/{forged}.{rest}"), 403, "chữ ký không đúng")


def test_expired_link(site):
    client, item, token = TestClient(site.app), site.items(WARD)[0], site.token(WARD)
    assert client.get(f"/u/{token}").status_code == 200
    csrf = csrf_of(client.get(f"/u/{token}/o/{item.id}").text)
    site.clock.now += dt.timedelta(days=45, minutes=1)
    refused(site, lambda: client.get(f"/u/{token}"), 403, "Liên kết đã hết hạn")
    refused(site, lambda: post_report(client, token, item.id, csrf=csrf), 403, "Liên kết đã hết hạn")


def test_revoked_link_and_rotated_key(site, plan):
    client, item, token = TestClient(site.app), site.items(WARD)[0], site.token(WARD)
    csrf = csrf_of(client.get(f"/u/{token}/o/{item.id}").text)
    with Session(site.engine) as session:
        revoke(session, WARD, site.clock.now)
        session.commit()
    refused(site, lambda: post_report(client, token, item.id, csrf=csrf), 403, "Liên kết đã bị thu hồi")
    fresh = site.token(WARD)
    assert client.get(f"/u/{fresh}").status_code == 200
    rotated = create_app(site.engine, plan, Signer(KEY + "-rotated", now=site.clock), settings=site.settings,
                         now=site.clock)
    refused(site, lambda: TestClient(rotated).get(f"/u/{fresh}"), 403, "chữ ký không đúng")


def test_another_units_item(site):
    client, token = TestClient(site.app), site.token(WARD)
    other = site.items(OTHER_WARD)[0]
    csrf = csrf_of(client.get(f"/u/{token}/o/{site.items(WARD)[0].id}").text)
    refused(site, lambda: client.get(f"/u/{token}/o/{other.id}"), 403, "không thuộc đơn vị của liên kết")
    refused(site, lambda: post_report(client, token, other.id, csrf=csrf), 403, "không thuộc đơn vị của liên kết")
    refused(site, lambda: client.get(f"/u/{token}/o/99999999999999999999"), 403, "không thuộc đơn vị")
    refused(site, lambda: client.get(f"/u/{token}/o/abc"), 404, "Không có trang này")


def test_unit_link_cannot_open_the_coordinator_page_nor_the_reverse(site):
    client = TestClient(site.app)
    refused(site, lambda: client.get(f"/c/{site.token(WARD)}"), 403, "không dùng cho trang này")
    refused(site, lambda: client.get(f"/u/{site.token(COORDINATOR_SUBJECT)}"), 403, "không dùng cho trang này")


def test_missing_or_foreign_csrf_token(site):
    client, item, token = TestClient(site.app), site.items(WARD)[0], site.token(WARD)
    client.get(f"/u/{token}/o/{item.id}")
    refused(site, lambda: post_report(client, token, item.id, csrf=""), 403, "mã chống giả mạo")
    other_browser = TestClient(site.app)
    stolen = csrf_of(other_browser.get(f"/u/{token}/o/{item.id}").text)
    refused(site, lambda: post_report(client, token, item.id, csrf=stolen), 403, "mã chống giả mạo")


def test_oversized_upload(site):
    client, item, token = TestClient(site.app), site.items(WARD)[0], site.token(WARD)
    big = pdf_bytes() + b"0" * (1024 * 1024)
    refused(site, lambda: post_report(client, token, item.id, files=[("files", ("lon.pdf", big, "application/pdf"))]),
            400, "quá lớn")
    huge = pdf_bytes() + b"0" * (3 * 1024 * 1024)
    refused(site, lambda: post_report(client, token, item.id, files=[("files", ("lon.pdf", huge, "application/pdf"))]),
            413, "Dữ liệu gửi lên quá lớn")


@pytest.mark.parametrize("name, content", [
    ("bao-cao.pdf", b"<html><script>alert(1)</script></html>"),  # says PDF, is HTML
    ("bao-cao.html", b"<html></html>"),
    ("chay.exe", b"MZ\x90\x00"),
    ("anh.png", pdf_bytes()),  # a real PDF named as an image
])
def test_disallowed_file_type(site, name, content):
    client, item, token = TestClient(site.app), site.items(WARD)[0], site.token(WARD)
    refused(site, lambda: post_report(client, token, item.id, files=[("files", (name, content, "application/pdf"))]),
            400, "không đúng loại cho phép")


@pytest.mark.parametrize("name", ["../../etc/passwd.pdf", "..\\..\\boot.pdf", ".hidden.pdf"])
def test_file_name_with_a_path(site, name):
    client, item, token = TestClient(site.app), site.items(WARD)[0], site.token(WARD)
    refused(site, lambda: post_report(client, token, item.id, files=[("files", (name, pdf_bytes(), "application/pdf"))]),
            400, "Tên tệp không hợp lệ")


def test_note_with_script_is_shown_as_typed(site):
    client, item, token = TestClient(site.app), site.items(WARD)[0], site.token(WARD)
    note = '<script>alert("x")</script><b>đậm</b>'
    assert post_report(client, token, item.id, note=note).status_code == 303
    coordinator = site.token(COORDINATOR_SUBJECT)
    for page in (client.get(f"/u/{token}/o/{item.id}").text, client.get(f"/c/{coordinator}").text):
        assert "<script>" not in page and "<b>đậm" not in page
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&lt;b&gt;đậm&lt;/b&gt;" in page
    assert "script-src" not in TestClient(site.app).get("/").headers["content-security-policy"]  # none at all


def test_one_hundred_rapid_submissions_from_one_link(site):
    client, item, token = TestClient(site.app), site.items(WARD)[0], site.token(WARD)
    shown = sent_back(client.get(f"/u/{token}/o/{item.id}").text, f"/u/{token}/o/{item.id}/report")
    statuses = [post_report(client, token, item.id, **shown).status_code for _ in range(100)]
    assert statuses[0] == 303  # the first is the report; then "somebody got there first", then the limit
    assert set(statuses[1:30]) == {409} and set(statuses[30:]) == {429}
    before = site.written()
    refused(site, lambda: post_report(client, token, item.id, **shown), 429, "quá nhiều lần trong một giờ")
    assert site.written()["Submission"] == 1 == before["Submission"]
    site.clock.now += dt.timedelta(hours=1, seconds=1)
    assert post_report(client, token, item.id, **shown).status_code == 409  # the hour has passed


def test_pages_send_protective_headers_and_no_token_in_logs(site, caplog):
    client, token = TestClient(site.app), site.token(WARD)
    caplog.set_level("INFO")
    page = client.get(f"/u/{token}")
    assert page.headers["referrer-policy"] == "no-referrer"
    assert page.headers["x-frame-options"] == "DENY"
    cookie = page.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie
    post_report(client, token, site.items(WARD)[0].id)
    ours = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("htx_tasks"))
    assert "web report done" in ours and "link=" in ours
    assert token not in ours and KEY not in ours
