"""Every state-changing POST of the web app, walked from one table (``htx_tasks.web.routes``).

Each route that acts on what its page showed is sent without its CSRF token (403), then, with a
valid link and CSRF token, without that version, with garbled ones and with a stale one: each is refused (400 naming the field, or
409 "đã có người xử lý trước") and nothing is written but the web audit line of the refusal.
The same post with what the page shows now then goes through, so the refusals were the version's.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, text
from sqlmodel import Session, SQLModel, select

from htx_tasks.core.lifecycle import State
from htx_tasks.links import COORDINATOR_SUBJECT
from htx_tasks.registry.models import CoopVersion
from htx_tasks.services import Actor, SubmitReport, submit
from htx_tasks.services.drafts import draft_view
from htx_tasks.services.extensions import RequestExtension, request_extension
from htx_tasks.services.registry import EditCoop, edit_coop, lock_latest
from htx_tasks.services.reporting import CompileDraft, compile_draft
from htx_tasks.store.answers import WebAudit
from htx_tasks.store.db import session_scope
from htx_tasks.store.models import Occurrence
from htx_tasks.web.routes import POSTS, Post
from tests.test_plan_review import QUARTERLY, drafted, edit
from tests.test_web_registry import edit_form
from tests.webkit import START, WARD, sent_back

CLI = "cli:kiem-thu"
PREEMPTED = "đã có người xử lý trước"
GARBLED = ("abc", "-3", "99999999999")


def snapshot(site) -> dict[str, object]:
    """Every row count, every item's state and version, the registry's versions, the stored files."""
    with Session(site.engine) as session:
        counts: dict[str, object] = {}
        for table in SQLModel.metadata.sorted_tables:
            query = select(func.count()).select_from(table)
            if table.name == WebAudit.__tablename__:  # the refusal's own line is expected
                query = query.where(table.c.outcome == "done")
            counts[table.name] = session.execute(query).scalar_one()
        counts["items"] = sorted(session.execute(select(Occurrence.id, Occurrence.state, Occurrence.version,
                                                        Occurrence.deadline)).all())
        counts["registry"] = sorted(session.execute(select(CoopVersion.id, CoopVersion.valid_to)).all())
    counts["files"] = sorted(str(p) for p in site.var_dir.rglob("*") if p.is_file())
    return counts


def refusals(site, action: str) -> int:
    with Session(site.engine) as session:
        return session.exec(select(func.count()).select_from(WebAudit).where(
            WebAudit.action == action, WebAudit.outcome == "refused")).one()


@dataclass
class Case:
    client: TestClient
    url: str
    page: str  # the page whose form posts to ``url``
    form: dict[str, str]  # the fields a person fills in, all valid
    go_stale: Callable[[], None]  # somebody else's change after the page was shown
    label: str  # how the refusal names the field

    def shown(self) -> dict[str, str]:
        return sent_back(self.client.get(self.page).text, self.url)


def bump(site, occurrence_id: int) -> Callable[[], None]:
    def change() -> None:  # another person's decision moved the item on
        with site.engine.begin() as conn:
            conn.execute(text("UPDATE occurrence SET version = version + 1 WHERE id = :id"), {"id": occurrence_id})
    return change


def active_item(site) -> Occurrence:
    return next(o for o in site.items(WARD) if State(o.state).active)


def report_case(site) -> Case:
    token, item = site.token(WARD), active_item(site)
    return Case(TestClient(site.app), f"/u/{token}/o/{item.id}/report", f"/u/{token}/o/{item.id}",
                {"note": "Đã tổ chức tuyên truyền", "evidence_url": "https://example.org/bien-ban"},
                bump(site, item.id), "Phiên bản trang")


def extension_case(site) -> Case:
    token, item = site.token(WARD), active_item(site)
    proposed = (item.deadline + dt.timedelta(days=20)).isoformat()
    return Case(TestClient(site.app), f"/u/{token}/o/{item.id}/extension", f"/u/{token}/o/{item.id}",
                {"proposed": proposed, "reason": "Chờ số liệu"}, bump(site, item.id), "Phiên bản trang")


def ack_case(site) -> Case:
    token, item = site.token(WARD), active_item(site)
    expected = (site.clock.now.date() + dt.timedelta(days=10)).isoformat()
    return Case(TestClient(site.app), f"/u/{token}/o/{item.id}/ack", f"/u/{token}/o/{item.id}",
                {"expected": expected, "progress": "Đang tổng hợp số liệu"}, bump(site, item.id), "Phiên bản trang")


def coop_edit(site, code: str, members: str) -> None:
    with session_scope(site.engine) as session:
        shown = lock_latest(session, code)  # the organisation as the other person's page showed it
        assert shown is not None
        edit_coop(session, site.plan, Actor.of_unit(WARD, CLI), EditCoop.parse(
            unit=WARD, code=code, valid_from=START.date(), values={"members": members}, expected_version=shown.id),
            now=site.clock.now)


def confirm_case(site) -> Case:
    token = site.token(WARD)
    return Case(TestClient(site.app), f"/u/{token}/so-htx/xac-nhan", f"/u/{token}/so-htx", {},
                lambda: coop_edit(site, "HTX-BN2", "12"), "Danh sách đã xem")


def edit_case(site) -> Case:
    token = site.token(WARD)
    return Case(TestClient(site.app), f"/u/{token}/so-htx/HTX-BN1", f"/u/{token}/so-htx/HTX-BN1",
                edit_form(members="31"), lambda: coop_edit(site, "HTX-BN1", "40"), "Phiên bản đã xem")


def review_case(site) -> Case:
    item, coordinator = active_item(site), site.token(COORDINATOR_SUBJECT)
    with session_scope(site.engine) as session:
        submit(session, site.plan, Actor.of_unit(WARD, CLI), SubmitReport.parse(occurrence=item.id, results="Báo cáo",
                                                                                  expected_version=item.version),
               now=site.clock.now)
    return Case(TestClient(site.app), f"/c/{coordinator}/o/{item.id}/review", f"/c/{coordinator}",
                {"decision": "accept", "note": "Đạt"}, bump(site, item.id), "Phiên bản trang")


def decide_case(site) -> Case:
    item, coordinator = active_item(site), site.token(COORDINATOR_SUBJECT)
    with session_scope(site.engine) as session:
        asked = request_extension(session, site.plan, Actor.of_unit(WARD, CLI), RequestExtension.parse(
            occurrence=item.id, proposed=item.deadline + dt.timedelta(days=20), reason="Chờ số liệu",
            expected_version=item.version),
            now=site.clock.now)
    return Case(TestClient(site.app), f"/c/{coordinator}/x/{asked.id}", f"/c/{coordinator}",
                {"decision": "approve", "note": ""}, bump(site, item.id), "Phiên bản trang")


def draft_bump(site) -> Callable[[], None]:
    def change() -> None:  # another coordinator's edit moved the draft on
        with site.engine.begin() as conn:
            conn.execute(text("UPDATE report_draft SET version = version + 1"))
    return change


def draft_case(site, step: str, form: dict[str, str]) -> Case:
    coordinator = site.token(COORDINATOR_SUBJECT)
    with session_scope(site.engine) as session:  # the draft the page shows (its version is what goes stale)
        compile_draft(session, site.plan, Actor.coordinator(CLI), CompileDraft.parse(period="2026-H2"),
                      now=site.clock.now)
    page = f"/c/{coordinator}/bao-cao/2026-H2"
    return Case(TestClient(site.app), f"{page}/{step}", page, form, draft_bump(site), "Phiên bản dự thảo")
def bump_draft(site, code: str) -> Callable[[], None]:
    def change() -> None:  # another coordinator's page saved a row of the same draft
        with site.engine.begin() as conn:
            conn.execute(text("UPDATE plan SET version = version + 1 WHERE code = :code"), {"code": code})
    return change


def draft_rows(site) -> tuple[str, list]:
    code = drafted(site.engine, site.plan)
    with Session(site.engine) as session:
        view = draft_view(session, code)
    assert view is not None
    return code, view.rows


def draft_row_case(site) -> Case:
    (code, rows), coordinator = draft_rows(site), site.token(COORDINATOR_SUBJECT)
    page = f"/c/{coordinator}/ke-hoach/{code}"
    return Case(TestClient(site.app), f"{page}/dong/{rows[1].id}", page,
                {"unit": "phong-kinh-te", "deadline": QUARTERLY}, bump_draft(site, code), "Phiên bản trang")


def activate_case(site) -> Case:
    (code, rows), coordinator = draft_rows(site), site.token(COORDINATOR_SUBJECT)
    for row in rows:
        if row.recurrence is None:
            edit(site.engine, site.plan, code, row, deadline=QUARTERLY)
    page = f"/c/{coordinator}/ke-hoach/{code}"
    return Case(TestClient(site.app), f"{page}/kich-hoat", page, {}, bump_draft(site, code), "Phiên bản trang")


CASES: dict[str, Callable[..., Case]] = {
    "/u/{token}/o/{occurrence_id}/report": report_case,
    "/u/{token}/o/{occurrence_id}/extension": extension_case,
    "/u/{token}/o/{occurrence_id}/ack": ack_case,
    "/u/{token}/so-htx/xac-nhan": confirm_case,
    "/u/{token}/so-htx/{code}": edit_case,
    "/c/{token}/o/{occurrence_id}/review": review_case,
    "/c/{token}/x/{request_id}": decide_case,
    "/c/{token}/bao-cao/{period}/soan": lambda site: draft_case(site, "soan", {}),
    "/c/{token}/bao-cao/{period}/sua": lambda site: draft_case(site, "sua", {
        "t-phuong-huong": "Tiếp tục hướng dẫn thành lập hợp tác xã", "recipients": "Thành ủy Cam Ranh",
        "number": "15"}),
    "/c/{token}/bao-cao/{period}/xuat": lambda site: draft_case(site, "xuat", {}),
    "/c/{token}/ke-hoach/{code}/dong/{row_id}": draft_row_case,
    "/c/{token}/ke-hoach/{code}/kich-hoat": activate_case,
}
SEEN = [p for p in POSTS if p.seen]


def routes_of(app) -> list[tuple[str, set[str]]]:
    """Every route the app answers (path, methods), the included routers' too."""
    found: list[tuple[str, set[str]]] = []

    def walk(routes, prefix: str = "") -> None:
        for route in routes:
            if hasattr(route, "effective_candidates"):  # an included router (FastAPI resolves it lazily)
                found.extend((c.path, set(c.methods or ())) for c in route.effective_candidates())
            elif hasattr(route, "routes"):  # a mounted app or router
                walk(route.routes, prefix + route.path)
            elif hasattr(route, "methods"):
                found.append((prefix + route.path, set(route.methods or ())))

    walk(app.routes)
    return found


def test_the_table_lists_every_state_changing_route_of_the_app(site) -> None:
    routes = routes_of(site.app)
    assert any(path == "/u/{token}" for path, _ in routes)  # the walk reaches the routers' routes
    changing = {path for path, methods in routes if methods - {"GET", "HEAD", "OPTIONS"}}
    assert changing == {p.path for p in POSTS}, "a POST route is missing from htx_tasks.web.routes.POSTS"
    assert all(methods <= {"GET", "HEAD", "POST"} for _, methods in routes)
    assert set(CASES) == {p.path for p in SEEN}  # each route that sends a version is walked below
    assert all(p.why_none for p in POSTS if not p.seen)


@pytest.mark.parametrize("post", SEEN, ids=[p.action for p in SEEN])
def test_a_post_without_a_garbled_or_a_stale_version_is_refused_and_writes_nothing(site, post: Post) -> None:
    case = CASES[post.path](site)
    shown = case.shown()
    assert post.seen in shown and shown["csrf"]

    def send(value: str | None):
        data = {**case.form, "csrf": shown["csrf"], **({post.seen: value} if value is not None else {})}
        return case.client.post(case.url, data=data, follow_redirects=False)

    before = snapshot(site)
    forged = case.client.post(case.url, data={**case.form, post.seen: shown[post.seen]}, follow_redirects=False)
    assert forged.status_code == 403 and "mã chống giả mạo" in forged.text  # the version alone is not enough
    assert snapshot(site) == before
    for value in (None, "", *GARBLED):
        before, audited = snapshot(site), refusals(site, post.action)
        answer = send(value)
        assert answer.status_code == 400, (value, answer.text[-500:])
        assert f"{case.label}: " in answer.text and 'lang="vi"' in answer.text, value
        assert snapshot(site) == before, value
        assert refusals(site, post.action) == audited + 1  # the refusal is audited
    case.go_stale()
    before = snapshot(site)
    stale = send(shown[post.seen])
    assert stale.status_code == 409 and PREEMPTED in stale.text, stale.text[-500:]
    assert snapshot(site) == before
    fresh = case.shown()  # the page opened again shows the change: what it sends now goes through
    assert fresh[post.seen] != shown[post.seen]
    done = case.client.post(case.url, data={**case.form, **fresh}, follow_redirects=False)
    assert done.status_code == 303, done.text[-500:]
    assert snapshot(site) != before


@pytest.mark.parametrize("post", [p for p in POSTS if not p.seen], ids=lambda p: p.action)
def test_login_and_logout_without_their_form_token_are_refused_and_write_nothing(site, post: Post) -> None:
    client = TestClient(site.app)
    url = post.path.replace("{token}", site.token(COORDINATOR_SUBJECT))
    client.get("/dang-nhap")  # the browser has its cookie; the forged form has no token
    before = snapshot(site)
    answer = client.post(url, data={"password": "x"}, follow_redirects=False)
    assert answer.status_code == 403 and "mã chống giả mạo" in answer.text
    assert snapshot(site) == before


def test_two_registry_edits_at_once_without_a_version_both_fail_and_with_one_only_one_wins(site) -> None:
    case = edit_case(site)
    shown = case.shown()
    before = snapshot(site)

    def race(data: list[dict[str, str]]) -> list[int]:
        barrier, statuses = threading.Barrier(len(data)), []

        def post(form: dict[str, str]) -> None:
            client = TestClient(site.app, cookies=case.client.cookies)
            barrier.wait(timeout=30)
            statuses.append(client.post(case.url, data=form, follow_redirects=False).status_code)

        threads = [threading.Thread(target=post, args=(form,)) for form in data]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        return sorted(statuses)

    unversioned = {**edit_form(), "csrf": shown["csrf"]}
    assert race([{**unversioned, "members": "31"}, {**unversioned, "members": "32"}]) == [400, 400]
    assert snapshot(site) == before
    assert race([{**unversioned, "members": "31", "version": shown["version"]},
                 {**unversioned, "members": "32", "version": shown["version"]}]) == [303, 409]
    with Session(site.engine) as session:
        kept = session.exec(select(CoopVersion.members).where(CoopVersion.code == "HTX-BN1",
                                                              CoopVersion.valid_to.is_(None))).one()
    assert kept in (31, 32)
