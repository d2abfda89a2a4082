"""Abuse of the forms: oversized or overfull posts, a zip bomb, a second link, borrowed tokens.

Each refusal is a Vietnamese HTML page (never Starlette's English JSON) and writes nothing.
"""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from htx_tasks.links import COORDINATOR_SUBJECT
from htx_tasks.store.answers import EvidenceFile
from htx_tasks.store.db import make_engine, upgrade
from tests.webkit import OTHER_WARD, WARD, docx_bytes, make_site, pdf_bytes


@pytest.fixture
def site(plan, tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'web.db'}")
    upgrade(engine)
    yield make_site(engine, plan, tmp_path / "var", unit_posts_per_hour=4, coordinator_posts_per_hour=3,
                    evidence_max_inflated_mb=2)
    engine.dispose()


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def refused(site, send, status: int, words: str):
    before = site.written()
    page = send()
    assert page.status_code == status, page.text[-400:]
    assert page.headers["content-type"].startswith("text/html") and 'lang="vi"' in page.text
    assert words in page.text and "{\"detail\"" not in page.text
    assert site.written() == before
    return page


def report(client, token, item, csrf, **extra):
    files = extra.pop("files", [])
    data = {"csrf": csrf, "version": str(item.version), "note": "Đã xong", "evidence_url": "https://example.org/a",
            **extra}
    return client.post(f"/u/{token}/o/{item.id}/report", data=data, files=files, follow_redirects=False)


def test_an_oversized_note_too_many_fields_or_files_get_a_vietnamese_page(site):
    client, token, item = TestClient(site.app), site.token(WARD), site.items(WARD)[0]
    csrf = csrf_of(client.get(f"/u/{token}/o/{item.id}").text)
    refused(site, lambda: report(client, token, item, csrf, note="x" * (1024 * 1024)), 413, "dài quá 64 kB")
    many = {f"f{i}": "x" for i in range(21)}
    refused(site, lambda: report(client, token, item, csrf, **many), 400, "quá nhiều mục (tối đa 20)")
    six = [("files", (f"t{i}.pdf", pdf_bytes(str(i)), "application/pdf")) for i in range(6)]
    refused(site, lambda: report(client, token, item, csrf, files=six), 400, "tối đa 5 tệp")
    coordinator = site.token(COORDINATOR_SUBJECT)
    refused(site, lambda: client.post(f"/c/{coordinator}/o/{item.id}/review", data={"note": "y" * 70_000}),
            413, "dài quá 64 kB")


def bomb(inflated_mb: int) -> bytes:
    """A .docx whose one picture is ``inflated_mb`` MB of zeros (a few kB packed)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
        with archive.open("word/media/image1.png", "w") as member:
            for _ in range(inflated_mb):
                member.write(bytes(1 << 20))
    return buffer.getvalue()


def test_a_docx_that_inflates_beyond_the_limit_is_refused(site, plan, tmp_path):
    client, token, item = TestClient(site.app), site.token(WARD), site.items(WARD)[0]
    csrf = csrf_of(client.get(f"/u/{token}/o/{item.id}").text)
    small = bomb(3)
    assert len(small) < 64 * 1024
    refused(site, lambda: report(client, token, item, csrf, files=[("files", ("bao-cao.docx", small, "x"))]),
            400, "khi giải nén vượt 2 MB")
    default = TestClient(site.with_settings(evidence_max_inflated_mb=200).app)
    csrf = csrf_of(default.get(f"/u/{token}/o/{item.id}").text)
    huge = bomb(300)  # the 300 MB, against the default 200 MB
    refused(site, lambda: report(default, token, item, csrf, files=[("files", ("bao-cao.docx", huge, "x"))]),
            400, "khi giải nén vượt 200 MB")
    assert report(default, token, item, csrf, files=[("files", ("bao-cao.docx", docx_bytes(), "x"))]).status_code == 303


def test_a_units_second_link_shares_the_units_hourly_limit(site):
    client, item = TestClient(site.app), site.items(WARD)[0]
    first, second = site.token(WARD), site.token(WARD)
    csrf = csrf_of(client.get(f"/u/{first}/o/{item.id}").text)
    assert [report(client, first, item, csrf, note="").status_code for _ in range(4)] == [400] * 4
    csrf = csrf_of(client.get(f"/u/{second}/o/{item.id}").text)
    refused(site, lambda: report(client, second, item, csrf), 429, "quá nhiều lần trong một giờ")
    other = site.token(OTHER_WARD)  # another unit keeps its own
    other_item = site.items(OTHER_WARD)[0]
    csrf = csrf_of(client.get(f"/u/{other}/o/{other_item.id}").text)
    assert report(client, other, other_item, csrf).status_code == 303


def test_a_form_token_works_only_with_the_link_it_was_given_for(site):
    client = TestClient(site.app)  # one browser, one cookie
    mine, item = site.token(WARD), site.items(WARD)[0]
    theirs, their_item = site.token(OTHER_WARD), site.items(OTHER_WARD)[0]
    my_csrf = csrf_of(client.get(f"/u/{mine}/o/{item.id}").text)
    client.get(f"/u/{theirs}/o/{their_item.id}")
    refused(site, lambda: report(client, theirs, their_item, my_csrf), 403, "mã chống giả mạo")
    my_other_link = site.token(WARD)  # even the same unit's other link
    refused(site, lambda: report(client, my_other_link, item, my_csrf), 403, "mã chống giả mạo")
    assert report(client, mine, item, my_csrf).status_code == 303


def test_a_coordinator_decision_needs_its_token_and_keeps_to_its_limit(site):
    unit_client, item, token = TestClient(site.app), site.items(WARD)[0], site.token(WARD)
    assert report(unit_client, token, item, csrf_of(unit_client.get(f"/u/{token}/o/{item.id}").text)).status_code == 303
    client, coordinator = TestClient(site.app), site.token(COORDINATOR_SUBJECT)
    page = client.get(f"/c/{coordinator}").text
    version = re.search(rf'/c/[^/]+/o/{item.id}/review".*?name="version" value="(\d+)"', page, re.S).group(1)
    decision = {"decision": "return", "note": "Bổ sung biên bản", "version": version}
    refused(site, lambda: client.post(f"/c/{coordinator}/o/{item.id}/review", data=decision), 403, "mã chống giả mạo")
    refused(site, lambda: client.post(f"/c/{coordinator}/o/{item.id}/review", data={**decision, "csrf": "giả"}),
            403, "mã chống giả mạo")
    csrf = csrf_of(page)
    for _ in range(3):  # within the limit (3 an hour here): refused for their content, not for the rate
        assert client.post(f"/c/{coordinator}/o/{item.id}/review", data={"csrf": csrf, "decision": "?"},
                           follow_redirects=False).status_code == 400
    refused(site, lambda: client.post(f"/c/{coordinator}/o/{item.id}/review", data={**decision, "csrf": csrf}),
            429, "quá nhiều lần trong một giờ")


def test_a_unit_cannot_fetch_another_units_evidence_file(site):
    client, item, token = TestClient(site.app), site.items(WARD)[0], site.token(WARD)
    csrf = csrf_of(client.get(f"/u/{token}/o/{item.id}").text)
    upload = [("files", ("bien-ban.pdf", pdf_bytes("rieng"), "application/pdf"))]
    assert report(client, token, item, csrf, files=upload).status_code == 303
    with Session(site.engine) as session:
        stored = session.exec(select(EvidenceFile)).one()
    assert client.get(f"/u/{token}/f/{stored.id}").content == pdf_bytes("rieng")
    other = TestClient(site.app)
    page = refused(site, lambda: other.get(f"/u/{site.token(OTHER_WARD)}/f/{stored.id}"), 403,
                   "Tệp này không thuộc đơn vị của liên kết")
    assert pdf_bytes("rieng") not in page.content
    refused(site, lambda: other.get(f"/u/{site.token(OTHER_WARD)}/f/{stored.id + 1}"), 403, "không thuộc đơn vị")
