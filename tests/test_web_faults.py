"""Faults get a page: 503 in Vietnamese with the security headers, typed text kept, nothing half-written.

Real faults where they can be had: a port nobody listens on, a PostgreSQL backend terminated by
``pg_terminate_backend`` in the middle of a report, another process holding SQLite's write lock or
a PostgreSQL row lock. A full disk is a stand-in that writes half the file and raises ENOSPC.
"""

from __future__ import annotations

import errno
import os
import re
import subprocess
import sys
import textwrap
import threading

import psycopg
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, text

from htx_tasks.store.db import make_engine, read_scope, upgrade
from htx_tasks.web import evidence
from htx_tasks.web.app import create_app
from tests.webkit import WARD, make_site, pdf_bytes
from tests.webserver import served

NOTE = "Đã tổ chức hội nghị <b>tuyên truyền</b> cho 3 hợp tác xã"


@pytest.fixture
def sqlite_site(plan, tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'web.db'}")
    upgrade(engine)
    yield make_site(engine, plan, tmp_path / "var")
    engine.dispose()


@pytest.fixture
def pg_site(pg_url, plan, tmp_path):
    engine = make_engine(pg_url)
    upgrade(engine)
    yield make_site(engine, plan, tmp_path / "var")
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    engine.dispose()


def with_lock_wait(site, seconds: float) -> TestClient:
    return TestClient(site.with_settings(web_lock_wait=seconds).app, follow_redirects=False)


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def post_report(client, token, item, *, csrf, files=None):
    return client.post(f"/u/{token}/o/{item.id}/report", files=files or [],
                       data={"csrf": csrf, "version": str(item.version), "note": NOTE,
                             "evidence_url": "https://example.org/bien-ban"})


def assert_fault_page(page, status: int, words: str) -> None:
    assert page.status_code == status, page.text[-500:]
    assert page.headers["content-type"].startswith("text/html") and 'lang="vi"' in page.text
    assert words in page.text
    for header in ("content-security-policy", "x-frame-options", "x-content-type-options", "referrer-policy"):
        assert header in page.headers
    if status == 503:
        assert page.headers["retry-after"]


def assert_typed_text_kept(page, token, item, csrf) -> None:
    """The 503 page holds a form to send again, with what was typed (escaped) and the same token."""
    assert f'action="/u/{token}/o/{item.id}/report"' in page.text and "Gửi lại" in page.text
    assert "Đã tổ chức hội nghị &lt;b&gt;tuyên truyền&lt;/b&gt;" in page.text and "<b>tuyên" not in page.text
    assert f'name="csrf" value="{csrf}"' in page.text and f'name="version" value="{item.version}"' in page.text


def test_a_database_refusing_connections_answers_503_in_vietnamese_and_keeps_the_report(sqlite_site, plan):
    site = sqlite_site
    token, item = site.token(WARD), site.items(WARD)[0]
    client = TestClient(site.app, follow_redirects=False)
    csrf = csrf_of(client.get(f"/u/{token}/o/{item.id}").text)
    down = make_engine("postgresql://postgres@127.0.0.1:1/htx")  # nothing listens on port 1
    site.app = create_app(down, plan, site.signer, settings=site.settings, now=site.clock)
    client = TestClient(site.app, follow_redirects=False, cookies=client.cookies)
    before = site.written()
    assert_fault_page(client.get(f"/u/{token}"), 503, "không làm việc được với cơ sở dữ liệu")
    page = post_report(client, token, item, csrf=csrf)
    assert_fault_page(page, 503, "chưa có gì được lưu")
    assert_typed_text_kept(page, token, item, csrf)
    assert site.written() == before
    down.dispose()


def test_a_full_evidence_disk_writes_nothing_leaves_no_partial_file_and_later_uploads_work(sqlite_site, monkeypatch):
    site = sqlite_site
    token, item = site.token(WARD), site.items(WARD)[0]
    client = TestClient(site.app, follow_redirects=False)
    csrf = csrf_of(client.get(f"/u/{token}/o/{item.id}").text)
    real_fdopen = os.fdopen

    class FullDisk:  # writes half of what it is given, then the disk is full
        def __init__(self, fd, mode):
            self.handle = real_fdopen(fd, mode)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.handle.close()

        def write(self, data):
            self.handle.write(data[: len(data) // 2])
            self.handle.flush()
            raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(evidence.os, "fdopen", FullDisk)
    before = site.written()
    upload = [("files", ("bien-ban.pdf", pdf_bytes("bien ban"), "application/pdf"))]
    page = post_report(client, token, item, csrf=csrf, files=upload)
    assert_fault_page(page, 503, "hết chỗ lưu tệp minh chứng")
    assert_typed_text_kept(page, token, item, csrf)
    assert "Tệp đính kèm cần chọn lại" in page.text
    assert site.written() == before  # rows, states and the files under var/: no .upload-* left
    monkeypatch.setattr(evidence.os, "fdopen", real_fdopen)  # space freed
    assert post_report(client, token, item, csrf=csrf, files=upload).status_code == 303
    stored = [p for p in (site.var_dir / "evidence").rglob("*") if p.is_file()]
    assert [p.read_bytes() for p in stored] == [pdf_bytes("bien ban")]


HOLD_SQLITE_LOCK = textwrap.dedent("""
    import sqlite3, sys
    db = sqlite3.connect(sys.argv[1], isolation_level=None)
    db.execute("BEGIN IMMEDIATE")
    db.execute("UPDATE occurrence SET state = state")
    print("locked", flush=True)
    sys.stdin.readline()
    db.execute("ROLLBACK")
""")


def test_pages_read_while_another_process_writes_and_a_post_gives_up_with_a_503(sqlite_site, tmp_path):
    site = sqlite_site
    client = with_lock_wait(site, 0.5)
    token, item = site.token(WARD), site.items(WARD)[0]
    csrf = csrf_of(client.get(f"/u/{token}/o/{item.id}").text)
    before = site.written()
    writer = subprocess.Popen([sys.executable, "-c", HOLD_SQLITE_LOCK, str(tmp_path / "web.db")],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert writer.stdout.readline().strip() == "locked"
        for path in (f"/u/{token}", f"/u/{token}/o/{item.id}", f"/u/{token}/so-htx"):
            assert client.get(path).status_code == 200, path  # a reader never waits for the writer
        page = post_report(client, token, item, csrf=csrf)
        assert_fault_page(page, 503, "đang bận")
        assert_typed_text_kept(page, token, item, csrf)
        assert writer.poll() is None  # the lock was still held all along
    finally:
        writer.communicate("\n", timeout=30)
    assert site.written() == before  # the writer rolled back; the refused post wrote nothing
    assert post_report(client, token, item, csrf=csrf).status_code == 303


def test_a_post_waiting_for_the_write_lock_does_not_stall_other_pages(sqlite_site, tmp_path):
    site = sqlite_site
    with_lock_wait(site, 20)
    token, item = site.token(WARD), site.items(WARD)[0]
    writer = subprocess.Popen([sys.executable, "-c", HOLD_SQLITE_LOCK, str(tmp_path / "web.db")],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    with served(site.app) as client:
        csrf = csrf_of(client.get(f"/u/{token}/o/{item.id}").text)
        outcome = {}
        post = threading.Thread(target=lambda: outcome.setdefault("status", post_report(client, token, item,
                                                                                        csrf=csrf).status_code))
        try:
            assert writer.stdout.readline().strip() == "locked"
            post.start()  # waits for the lock (up to 20 s here)
            for _ in range(3):  # meanwhile other pages answer, each well within the post's wait
                assert client.get(f"/u/{token}", timeout=5).status_code == 200
                assert client.get("/healthz", timeout=5).status_code == 200
            assert post.is_alive()  # still waiting
        finally:
            writer.communicate("\n", timeout=30)
            post.join(30)
    assert outcome["status"] == 303  # and once the lock came, it went through


def test_a_row_lock_that_does_not_come_gives_a_503_on_postgresql(pg_site):
    site = pg_site
    client = with_lock_wait(site, 0.5)
    token, item = site.token(WARD), site.items(WARD)[0]
    csrf = csrf_of(client.get(f"/u/{token}/o/{item.id}").text)
    url = site.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(url) as other:
        other.execute("SELECT id FROM occurrence WHERE id = %s FOR UPDATE", (item.id,))
        assert client.get(f"/u/{token}/o/{item.id}").status_code == 200
        before = site.written()
        page = post_report(client, token, item, csrf=csrf)
        assert_fault_page(page, 503, "đang bận")
        assert_typed_text_kept(page, token, item, csrf)
        assert site.written() == before
    assert post_report(client, token, item, csrf=csrf).status_code == 303


def test_a_backend_terminated_mid_report_writes_nothing_and_the_report_can_be_sent_again(pg_site):
    site = pg_site
    client = TestClient(site.app, follow_redirects=False)
    token, item = site.token(WARD), site.items(WARD)[0]
    csrf = csrf_of(client.get(f"/u/{token}/o/{item.id}").text)
    url = site.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    killed = []

    def kill_before_the_audit_line(conn, cursor, statement, *args):
        if statement.startswith("INSERT INTO web_audit") and not killed:  # after the report's own writes
            pid = conn.connection.dbapi_connection.info.backend_pid
            with psycopg.connect(url, autocommit=True) as admin:
                killed.append(admin.execute("SELECT pg_terminate_backend(%s)", (pid,)).fetchone()[0])

    event.listen(site.engine, "before_cursor_execute", kill_before_the_audit_line)
    before = site.written()
    upload = [("files", ("bien-ban.pdf", pdf_bytes("giua chung"), "application/pdf"))]
    page = post_report(client, token, item, csrf=csrf, files=upload)
    event.remove(site.engine, "before_cursor_execute", kill_before_the_audit_line)
    assert killed == [True]
    assert_fault_page(page, 503, "chưa có gì được lưu")
    assert_typed_text_kept(page, token, item, csrf)
    assert site.written() == before  # no submission, no state change, no evidence row, no file on disk
    assert post_report(client, token, item, csrf=csrf, files=upload).status_code == 303
    assert site.written()["Submission"] == before["Submission"] + 1


def test_a_read_scope_cannot_write_on_postgresql(pg_site):
    with read_scope(pg_site.engine) as session, pytest.raises(Exception, match="read-only transaction"):
        session.execute(text("UPDATE occurrence SET state = state"))


@pytest.mark.parametrize("value", ["mười", "0", "-1", "301", "nan"])
def test_a_bad_lock_wait_setting_is_refused_in_vietnamese(run_cli, value):
    bad = run_cli("web", env={"HTX_LINK_KEY": "k" * 32, "HTX_WEB_LOCK_WAIT_SECONDS": value})
    assert bad.exit_code == 2 and "HTX_WEB_LOCK_WAIT_SECONDS phải là số lớn hơn 0 và không quá 300" in bad.stderr
