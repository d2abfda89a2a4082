"""The web app through HTTP: unit page, report with evidence, extension requests, the coordinator."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from htx_tasks.core.lifecycle import State
from htx_tasks.links import COORDINATOR_SUBJECT
from htx_tasks.readings import reading_of
from htx_tasks.store.answers import EvidenceFile, ExtensionRequest, WebAudit
from htx_tasks.store.models import AuditEvent, Notification, Submission
from tests.webkit import OTHER_WARD, WARD, docx_bytes, make_site, pdf_bytes, sent_back


@pytest.fixture
def site(db_engine, plan, tmp_path):
    return make_site(db_engine, plan, tmp_path / "var")


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def open_item(client: TestClient, token: str, occurrence_id: int, form: str = "report") -> dict[str, str]:
    """The item page's form to ``form``: its CSRF token and the version it shows."""
    page = client.get(f"/u/{token}/o/{occurrence_id}")
    assert page.status_code == 200
    return sent_back(page.text, f"/u/{token}/o/{occurrence_id}/{form}")


def review_form(page: str, coordinator: str, occurrence_id: int) -> dict[str, str]:
    return sent_back(page, f"/c/{coordinator}/o/{occurrence_id}/review")


def report(client, token, occurrence_id, *, note="Đã tổ chức tuyên truyền", files=None, url=None):
    data = {**open_item(client, token, occurrence_id), "results": note, **({"evidence_url": url} if url else {})}
    return client.post(f"/u/{token}/o/{occurrence_id}/report", data=data, files=files or [],
                       follow_redirects=False)


def test_unit_page_lists_own_open_items_soonest_first_with_the_messages_words(site, plan):
    client = TestClient(site.app)
    page = client.get(f"/u/{site.token(WARD)}")
    assert page.status_code == 200
    items = [o for o in site.items(WARD) if State(o.state).active]
    assert items
    positions = [page.text.index(f"/o/{o.id}\"") for o in items]
    assert positions == sorted(positions)  # soonest deadline first
    for occurrence in items:
        assert reading_of(plan, occurrence, site.clock.now).timing in page.text
        assert f"{occurrence.deadline:%d/%m/%Y}" in page.text
    assert f"Căn cứ: Mục {plan.duty(items[0].duty_code).ref}" in page.text
    other = site.items(OTHER_WARD)[0]
    assert f"/o/{other.id}\"" not in page.text


def test_report_with_pdf_moves_item_to_review_stores_file_by_hash_and_audits(site):
    client = TestClient(site.app, client=("203.0.113.7", 5000))
    token = site.token(WARD)
    item = site.items(WARD)[0]
    answer = report(client, token, item.id, files=[("files", ("Báo cáo quý.pdf", pdf_bytes(), "application/pdf"))])
    assert answer.status_code == 303
    assert site.occurrence(item.id).state == State.SUBMITTED.value
    with Session(site.engine) as session:
        stored = session.exec(select(EvidenceFile)).one()
        audit = session.exec(select(WebAudit)).one()
        trail = session.exec(select(AuditEvent).where(AuditEvent.action == "submit")).one()
    assert stored.name == "Báo cáo quý.pdf" and stored.kind == "pdf"
    assert (site.var_dir / "evidence" / stored.sha256[:2] / stored.sha256).read_bytes() == pdf_bytes()
    with Session(site.engine) as session:
        link_id = site.signer.verify(session, token, site.clock.now).link_id
    assert (audit.subject, audit.link_id, audit.client, audit.action) == (WARD, link_id, "203.0.113.7", "report")
    assert token not in (audit.detail or "") and trail.via == f"link:{link_id}"
    page = client.get(answer.headers["location"])
    assert "Đã báo cáo, chờ duyệt" in page.text and "Báo cáo quý.pdf" in page.text
    download = client.get(f"/u/{token}/f/{stored.id}")
    assert download.status_code == 200 and download.content == pdf_bytes()
    assert download.headers["content-type"] == "application/pdf"
    assert download.headers["content-disposition"].startswith("attachment")
    assert download.headers["x-content-type-options"] == "nosniff"
    assert "sandbox" in download.headers["content-security-policy"]


def test_report_needs_a_note_and_some_evidence(site):
    client = TestClient(site.app)
    token, item = site.token(WARD), site.items(WARD)[0]
    before = site.written()
    empty = report(client, token, item.id, note="   ", url="https://example.org/a")
    assert empty.status_code == 400 and "Kết quả đạt được: không được để trống" in empty.text
    bare = report(client, token, item.id, note="xong")
    assert bare.status_code == 400 and "Cần gửi kèm minh chứng" in bare.text
    bad_url = report(client, token, item.id, url="javascript:alert(1)")
    assert bad_url.status_code == 400 and "Đường dẫn minh chứng: chỉ nhận đường dẫn bắt đầu bằng http://" in bad_url.text
    assert site.written() == before
    assert report(client, token, item.id, url="https://example.org/bien-ban", files=[
        ("files", ("bien-ban.docx", docx_bytes(), "application/octet-stream"))]).status_code == 303


def test_coordinator_accepts_a_report_done_on_time(site):
    client = TestClient(site.app)
    item = site.items(WARD)[0]
    assert report(client, site.token(WARD), item.id, url="https://example.org/x").status_code == 303
    coordinator = site.token(COORDINATOR_SUBJECT)
    page = client.get(f"/c/{coordinator}")
    assert page.status_code == 200 and "Báo cáo chờ duyệt (1)" in page.text
    answer = client.post(f"/c/{coordinator}/o/{item.id}/review",
                         data={**review_form(page.text, coordinator, item.id), "decision": "accept"},
                         follow_redirects=False)
    assert answer.status_code == 303
    assert site.occurrence(item.id).state == State.DONE_ON_TIME.value
    assert "Không có báo cáo chờ duyệt" in client.get(answer.headers["location"]).text


def test_coordinator_returns_a_report_only_with_a_note(site):
    client = TestClient(site.app)
    item = site.items(WARD)[0]
    report(client, site.token(WARD), item.id, url="https://example.org/x")
    coordinator = site.token(COORDINATOR_SUBJECT)
    seen = review_form(client.get(f"/c/{coordinator}").text, coordinator, item.id)
    refused = client.post(f"/c/{coordinator}/o/{item.id}/review", data={**seen, "decision": "return"})
    assert refused.status_code == 400 and "Ý kiến: trả lại báo cáo cần ghi rõ nội dung" in refused.text
    assert f"Nhiệm vụ số {item.id}: Ý kiến" in refused.text
    assert site.occurrence(item.id).state == State.SUBMITTED.value
    answer = client.post(f"/c/{coordinator}/o/{item.id}/review",
                         data={**seen, "decision": "return", "note": "Bổ sung danh sách"},
                         follow_redirects=False)
    assert answer.status_code == 303 and site.occurrence(item.id).state == State.RETURNED.value


def request_more_time(client, token, occurrence_id, proposed: dt.date, reason="Chờ số liệu của HTX", seen=None):
    seen = seen or open_item(client, token, occurrence_id, "extension")
    return client.post(f"/u/{token}/o/{occurrence_id}/extension",
                       data={**seen, "proposed": proposed.isoformat(), "reason": reason},
                       follow_redirects=False)


def test_extension_request_approved_moves_deadline_with_art_148_shift_and_tells_the_unit(site):
    client = TestClient(site.app)
    token, item = site.token(WARD), site.items(WARD)[0]
    sunday = dt.date(2027, 1, 10)
    assert sunday.weekday() == 6
    shown = open_item(client, token, item.id, "extension")  # a second tab keeps this page open
    answer = request_more_time(client, token, item.id, sunday, seen=shown)
    assert answer.status_code == 303
    page = client.get(answer.headers["location"]).text
    assert "Đề nghị gia hạn đến 10/01/2027, chờ quyết định" in page
    assert State(site.occurrence(item.id).state).active  # reminders continue meanwhile
    again = request_more_time(client, token, item.id, sunday, seen=shown)
    assert again.status_code == 409 and "đã có đề nghị gia hạn" in again.text
    coordinator = site.token(COORDINATOR_SUBJECT)
    queue = client.get(f"/c/{coordinator}").text
    assert "Đề nghị gia hạn (1)" in queue and "Chờ số liệu của HTX" in queue
    with Session(site.engine) as session:
        request_id = session.exec(select(ExtensionRequest)).one().id
    decided = client.post(f"/c/{coordinator}/x/{request_id}",
                          data={**sent_back(queue, f"/c/{coordinator}/x/{request_id}"), "decision": "approve"},
                          follow_redirects=False)
    assert decided.status_code == 303
    assert site.occurrence(item.id).deadline == dt.date(2027, 1, 11)  # Sunday → Monday (art. 148)
    with Session(site.engine) as session:
        told = session.exec(select(Notification).where(Notification.kind == "ext_approved")).one()
    assert told.recipient == WARD and told.status == "pending"


def test_extension_refusal_needs_a_note_and_tells_the_unit(site):
    client = TestClient(site.app)
    token, item = site.token(WARD), site.items(WARD)[0]
    request_more_time(client, token, item.id, item.deadline + dt.timedelta(days=20))
    coordinator = site.token(COORDINATOR_SUBJECT)
    with Session(site.engine) as session:
        request_id = session.exec(select(ExtensionRequest)).one().id
    seen = sent_back(client.get(f"/c/{coordinator}").text, f"/c/{coordinator}/x/{request_id}")
    bare = client.post(f"/c/{coordinator}/x/{request_id}", data={**seen, "decision": "refuse"})
    assert bare.status_code == 400 and "Ý kiến: không đồng ý gia hạn cần ghi rõ lý do" in bare.text
    answer = client.post(f"/c/{coordinator}/x/{request_id}",
                         data={**seen, "decision": "refuse", "note": "Đề nghị hoàn thành đúng hạn"},
                         follow_redirects=False)
    assert answer.status_code == 303
    assert site.occurrence(item.id).deadline == item.deadline
    with Session(site.engine) as session:
        assert session.exec(select(Notification).where(Notification.kind == "ext_refused")).one().recipient == WARD
    history = client.get(f"/u/{token}/o/{item.id}").text
    assert "Không đồng ý gia hạn: Đề nghị hoàn thành đúng hạn" in history


def test_extension_date_must_be_after_the_deadline(site):
    client = TestClient(site.app)
    token, item = site.token(WARD), site.items(WARD)[0]
    before = site.written()
    answer = request_more_time(client, token, item.id, item.deadline)
    assert answer.status_code == 400 and "phải sau hạn hiện tại" in answer.text
    assert site.written() == before


def test_each_ward_of_the_group_has_its_own_page(site, plan):
    client = TestClient(site.app)
    for ward in plan.members("ubnd-xa-phuong")[:3]:
        page = client.get(f"/u/{site.token(ward)}")
        assert page.status_code == 200 and plan.unit_name(ward) in page.text
        assert all(f"/o/{o.id}\"" in page.text for o in site.items(ward) if State(o.state).active)


def test_submissions_carry_the_web_actor_not_the_coordinator(site):
    client = TestClient(site.app)
    item = site.items(WARD)[0]
    report(client, site.token(WARD), item.id, url="https://example.org/x")
    with Session(site.engine) as session:
        submission = session.exec(select(Submission)).one()
    assert submission.unit_code == WARD
    with Session(site.engine) as session:
        trail = session.exec(select(AuditEvent).where(AuditEvent.action == "submit")).one()
        link_id = session.exec(select(WebAudit.link_id)).one()
    assert (trail.actor, trail.role, trail.via) == (WARD, "unit", f"link:{link_id}")


def test_coordinator_login_with_a_password_hash_from_the_settings(site):
    from htx_tasks.web.login import hash_password

    client = TestClient(site.app, client=("198.51.100.4", 1234))
    assert "Chưa cấu hình mật khẩu" in client.get("/dang-nhap").text
    site.with_settings(coordinator_password_hash=hash_password("mat-khau-dai-du-12", iterations=1000))
    client = TestClient(site.app, client=("198.51.100.4", 1234))
    page = client.get("/dang-nhap").text
    wrong = client.post("/dang-nhap", data={"csrf": csrf_of(page), "password": "sai"}, follow_redirects=False)
    assert wrong.status_code == 403 and "Mật khẩu không đúng" in wrong.text
    bare = client.post("/dang-nhap", data={"password": "mat-khau-dai-du-12"}, follow_redirects=False)
    assert bare.status_code == 403 and "mã chống giả mạo" in bare.text
    right = client.post("/dang-nhap", data={"csrf": csrf_of(page), "password": "mat-khau-dai-du-12"},
                        follow_redirects=False)
    assert right.status_code == 303 and right.headers["location"].startswith("/c/")
    assert "Báo cáo chờ duyệt" in client.get(right.headers["location"]).text
    with Session(site.engine) as session:
        login = session.exec(select(WebAudit).where(WebAudit.action == "login")).one()
    assert (login.subject, login.client) == ("coordinator", "198.51.100.4")
    for _ in range(10):
        client.post("/dang-nhap", data={"csrf": csrf_of(page), "password": "sai"})
    limited = client.post("/dang-nhap", data={"csrf": csrf_of(page), "password": "mat-khau-dai-du-12"})
    assert limited.status_code == 429


def test_a_page_gone_stale_cannot_overwrite_another_coordinators_decision(site):
    first, second = TestClient(site.app), TestClient(site.app)
    item = site.items(WARD)[0]
    report(first, site.token(WARD), item.id, url="https://example.org/x")
    coordinator = site.token(COORDINATOR_SUBJECT)
    page_one, page_two = first.get(f"/c/{coordinator}").text, second.get(f"/c/{coordinator}").text
    version = re.search(r'name="version" value="(\d+)"', page_two).group(1)
    accepted = first.post(f"/c/{coordinator}/o/{item.id}/review", follow_redirects=False,
                          data={"csrf": csrf_of(page_one), "decision": "accept", "version": version})
    assert accepted.status_code == 303
    before = site.written()
    stale = second.post(f"/c/{coordinator}/o/{item.id}/review",
                        data={"csrf": csrf_of(page_two), "decision": "return", "note": "Bổ sung", "version": version})
    assert stale.status_code == 409 and "đã có người xử lý trước" in stale.text
    assert f"Nhiệm vụ số {item.id}: Nhiệm vụ số" not in stale.text  # the item is named once
    assert site.written() == before and site.occurrence(item.id).state == State.DONE_ON_TIME.value
