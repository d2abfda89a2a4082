"""A unit's report holds what its duty asks (issue 20, point 1): results, the figures the plan
declares for the duty, difficulties, proposals and evidence; each part is checked by the
services and a refusal names the part, writes nothing and leaves its audit line.
"""

from __future__ import annotations

import html
import re

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from htx_tasks.core.lifecycle import State
from htx_tasks.links import COORDINATOR_SUBJECT
from htx_tasks.store.answers import WebAudit
from htx_tasks.store.models import Submission
from tests.webkit import WARD, make_site, sent_back

FRONT = "ubmttq-thanh-pho"
EVIDENCE = "https://example.org/bien-ban"


@pytest.fixture
def site(db_engine, plan, tmp_path):
    return make_site(db_engine, plan, tmp_path / "var")


def item_of(site, unit: str, duty: str):
    return next(o for o in site.items(unit) if o.duty_code == duty and State(o.state).active)


def visible(page: str) -> str:
    page = re.sub(r"<(style|script)[^>]*>.*?</\1>", " ", page, flags=re.S)
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


def post_report(client, token, item, **fields):
    page = client.get(f"/u/{token}/o/{item.id}").text
    data = {**sent_back(page, f"/u/{token}/o/{item.id}/report"), "evidence_url": EVIDENCE, **fields}
    return client.post(f"/u/{token}/o/{item.id}/report", data=data, follow_redirects=False)


def submissions(site) -> list[Submission]:
    with Session(site.engine) as session:
        return list(session.exec(select(Submission)).all())


def test_the_form_asks_for_the_duty_s_parts_and_each_part_is_stored_and_shown(site):
    client, token = TestClient(site.app), site.token(WARD)
    item = item_of(site, WARD, "xa-tuyen-truyen")
    form = visible(client.get(f"/u/{token}/o/{item.id}").text)
    for words in (
        "Kết quả đạt được (bắt buộc)",
        "Số liệu kết quả",
        "Số buổi tuyên truyền (buổi)",
        "Số lượt cán bộ, công chức và Nhân dân được tuyên truyền (lượt người)",
        "Khó khăn, vướng mắc",
        "Đề xuất, kiến nghị",
    ):
        assert words in form
    sent = post_report(
        client,
        token,
        item,
        results="Tổ chức 3 hội nghị tuyên truyền tại các khu dân cư",
        **{"figure:buoi-tuyen-truyen": "3", "figure:luot-nguoi": "1250"},
        difficulties="Kinh phí tuyên truyền hạn chế",
        proposals="Đề nghị cấp tài liệu tuyên truyền",
    )
    assert sent.status_code == 303, visible(sent.text)
    (stored,) = submissions(site)
    assert (stored.results, stored.difficulties, stored.proposals) == (
        "Tổ chức 3 hội nghị tuyên truyền tại các khu dân cư",
        "Kinh phí tuyên truyền hạn chế",
        "Đề nghị cấp tài liệu tuyên truyền",
    )
    assert stored.figures == {"buoi-tuyen-truyen": 3, "luot-nguoi": 1250}
    assert all(isinstance(v, int) for v in stored.figures.values())
    shown = visible(client.get(f"/u/{token}/o/{item.id}").text)
    assert "Số buổi tuyên truyền: 3 buổi" in shown
    assert "Số lượt cán bộ, công chức và Nhân dân được tuyên truyền: 1.250 lượt người" in shown
    assert "Khó khăn, vướng mắc: Kinh phí tuyên truyền hạn chế" in shown
    assert "Đề xuất, kiến nghị: Đề nghị cấp tài liệu tuyên truyền" in shown
    queue = visible(client.get(f"/c/{site.token(COORDINATOR_SUBJECT)}").text)  # the coordinator reviews the same parts
    assert "Số buổi tuyên truyền: 3 buổi" in queue and "Kinh phí tuyên truyền hạn chế" in queue


def open_case(site, plan, duty: str, unit: str, kind: str, ref: str) -> int:
    from htx_tasks import services
    from htx_tasks.services import Actor, via_cli
    from htx_tasks.store.db import session_scope

    with session_scope(site.engine) as session:
        case = services.open_case(
            session,
            plan,
            Actor.of_unit(unit, via_cli()),
            services.OpenCase.parse(duty=duty, unit=unit, received="2026-11-26", ref=ref, kind=kind),
            now=site.clock.now,
        )
        assert case.id is not None
        return case.id


def test_a_decimal_figure_takes_a_comma_and_a_figure_left_empty_is_not_reported(site, plan):
    unit = "phong-tai-nguyen-moi-truong"
    item = site.occurrence(open_case(site, plan, "tnmt-quy-dat", unit, "de-xuat-thue-dat", "DX-01"))
    client, token = TestClient(site.app), site.token(unit)
    assert "Diện tích quỹ đất đề xuất bố trí (m²)" in visible(client.get(f"/u/{token}/o/{item.id}").text)
    sent = post_report(client, token, item, results="Đã tham mưu văn bản đề xuất", **{"figure:dien-tich-de-xuat": "1250,5"})
    assert sent.status_code == 303, visible(sent.text)
    assert submissions(site)[0].figures == {"dien-tich-de-xuat": 1250.5}
    assert "Diện tích quỹ đất đề xuất bố trí: 1.250,5 m²" in visible(client.get(f"/u/{token}/o/{item.id}").text)
    ward = item_of(site, WARD, "xa-theo-doi-htx")
    assert (
        post_report(
            client,
            site.token(WARD),
            ward,
            results="Theo dõi 4 hợp tác xã",
            **{"figure:htx-theo-doi": "4", "figure:vuong-mac-bao-cao": ""},
        ).status_code
        == 303
    )
    assert submissions(site)[1].figures == {"htx-theo-doi": 4}


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"results": "   "}, "Kết quả đạt được: không được để trống"),
        ({"results": "x" * 4001}, "Kết quả đạt được: dài quá 4.000 ký tự (đang có 4.001)"),
        ({"difficulties": "x" * 4001}, "Khó khăn, vướng mắc: dài quá 4.000 ký tự (đang có 4.001)"),
        ({"proposals": "Đề nghị\x07"}, "Đề xuất, kiến nghị: có ký tự điều khiển không được phép (U+0007) ở vị trí 8"),
        ({"figure:buoi-tuyen-truyen": "-2"}, "Số buổi tuyên truyền: phải là số nguyên không âm"),
        ({"figure:buoi-tuyen-truyen": "2,5"}, "Số buổi tuyên truyền: phải là số nguyên không âm"),
        ({"figure:luot-nguoi": "1.250"}, "Số lượt cán bộ, công chức và Nhân dân được tuyên truyền: phải là số nguyên"),
        ({"figure:luot-nguoi": "9" * 14}, "Số lượt cán bộ, công chức và Nhân dân được tuyên truyền: lớn quá 1.000.000.000.000"),
        (
            {"figure:htx-theo-doi": "4"},
            "Số liệu kết quả: báo cáo mục III.8.1 không có số liệu 'htx-theo-doi'; các số liệu: buoi-tuyen-truyen, luot-nguoi",
        ),
    ],
)
def test_a_refused_part_is_named_nothing_is_written_and_the_refusal_is_audited(site, fields, message):
    client, token = TestClient(site.app), site.token(WARD)
    item = item_of(site, WARD, "xa-tuyen-truyen")
    before = site.written()
    page = post_report(client, token, item, **{"results": "Đã tuyên truyền", **fields})
    assert page.status_code == 400
    assert message in visible(page.text)
    assert site.written() == before
    with Session(site.engine) as session:
        (line,) = session.exec(select(WebAudit).where(WebAudit.outcome == "refused")).all()
    assert (line.action, line.occurrence_id, line.subject) == ("report", item.id, WARD)
    assert message.split(":")[0] in (line.detail or "")
    again = visible(page.text)  # what was typed is handed back to correct, not lost
    if "results" in fields and fields["results"].strip():
        assert fields["results"][:50] in again


def test_a_part_the_duty_does_not_ask_is_refused_by_the_service(site, plan):
    from htx_tasks import services
    from htx_tasks.services import Actor, InvalidInput, via_cli
    from htx_tasks.store.db import session_scope

    number = open_case(site, plan, "tckh-thu-tuc", "phong-tai-chinh-ke-hoach", "dang-ky", "HS-9")
    page = TestClient(site.app).get(f"/u/{site.token('phong-tai-chinh-ke-hoach')}/o/{number}").text
    assert 'name="results"' in page and 'name="difficulties"' not in page and 'name="proposals"' not in page
    command = services.SubmitReport.parse(
        occurrence=number, results="Đã cấp giấy chứng nhận", difficulties="Hồ sơ thiếu", proposals="Không",
        expected_version=site.occurrence(number).version,
    )
    with pytest.raises(InvalidInput) as refused, session_scope(site.engine) as session:
        services.submit(session, plan, Actor.of_unit("phong-tai-chinh-ke-hoach", via_cli()), command, now=site.clock.now)
    assert [(e.field, e.message.split(";")[0]) for e in refused.value.errors] == [
        ("difficulties", "báo cáo mục III.2.2 không có phần khó khăn, vướng mắc"),
        ("proposals", "báo cáo mục III.2.2 không có phần đề xuất, kiến nghị"),
    ]
    assert submissions(site) == []


def test_a_page_opened_before_reports_had_parts_sends_its_note_as_the_results(site):
    client, token = TestClient(site.app), site.token(WARD)
    item = item_of(site, WARD, "xa-tuyen-truyen")
    assert post_report(client, token, item, note="Đã tuyên truyền (trang cũ)").status_code == 303
    assert submissions(site)[0].results == "Đã tuyên truyền (trang cũ)"


def test_the_front_exchanges_results_in_a_requests_words_with_its_figures(site):
    client, token = TestClient(site.app), site.token(FRONT)
    item = item_of(site, FRONT, "mttq-tuyen-truyen")
    page = client.get(f"/u/{token}/o/{item.id}").text
    form = visible(re.search(r'<form class="card".*?</form>', page, re.S).group(0))
    assert "Trao đổi kết quả" in form and "Kết quả phối hợp thực hiện (bắt buộc)" in form
    assert "Số hội viên được vận động tham gia hợp tác xã (hội viên)" in form and "Gửi thông tin kết quả" in form
    assert not re.search(r"báo cáo|nhiệm vụ|hạn\b|giao", form, re.IGNORECASE), form
    unknown = post_report(client, token, item, results="x", **{"figure:htx-theo-doi": "3"})
    assert "Số liệu kết quả: thông tin kết quả mục III.7 không có số liệu 'htx-theo-doi'" in visible(unknown.text)
    sent = post_report(
        client,
        token,
        item,
        results="Phối hợp tổ chức 2 buổi tuyên truyền",
        **{"figure:buoi-tuyen-truyen": "2", "figure:hoi-vien-van-dong": "40"},
        proposals="Đề nghị phối hợp tập huấn cho hội viên",
    )
    assert sent.status_code == 303
    shown = visible(client.get(sent.headers["location"]).text)
    assert "Kết quả phối hợp thực hiện: Phối hợp tổ chức 2 buổi tuyên truyền" in shown
    assert "Số hội viên được vận động tham gia hợp tác xã: 40 hội viên" in shown
    other = "hoi-nong-dan-thanh-pho"
    refused = post_report(client, site.token(other), item_of(site, other, "mttq-tuyen-truyen"), results=" ")
    assert refused.status_code == 400
    assert "Kết quả phối hợp thực hiện: không được để trống" in visible(refused.text)
