"""Signed links in messages and on the command line; extension decisions reach the unit."""

from __future__ import annotations

import base64
import datetime as dt
import re

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from htx_tasks import clock
from htx_tasks.bootstrap import Context
from htx_tasks.delivery.dispatcher import dispatch
from htx_tasks.engine import run_pass
from htx_tasks.links import LinkError, LinkMaker, Role, Signer, ensure_key_file, load_key, revoke
from htx_tasks.services import Actor
from htx_tasks.services.extensions import DecideExtension, RequestExtension, decide_extension, request_extension
from htx_tasks.settings import Settings
from htx_tasks.store.db import make_engine, session_scope, upgrade
from htx_tasks.web.app import create_app
from tests.webkit import KEY, START, WARD, make_site

BASE = "http://127.0.0.1:8300"


@pytest.fixture
def site(plan, tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'web.db'}")
    upgrade(engine)
    yield make_site(engine, plan, tmp_path / "var")
    engine.dispose()


def deliver(site, now: dt.datetime) -> str:
    """A dispatch pass on the site's settings (its channels, its link maker), as the flows run it."""
    with Context(site.settings, engine=site.engine) as ctx:
        dispatch(ctx.engine, ctx.plan, now, channels=ctx.channels, links=ctx.links, respect_hours=False, wall=now)
    path = site.var_dir / "inbox" / f"{WARD}.txt"
    return path.read_text() if path.exists() else ""


def test_messages_carry_a_working_link_to_the_units_page_and_each_item(site):
    site.with_settings(web_url=BASE)
    inbox = deliver(site, START)
    assert "htx-tasks submit" not in inbox
    pages = re.findall(re.escape(BASE) + r"(/u/[^/\s]+)(?=\s)", inbox)
    items = re.findall(re.escape(BASE) + r"(/u/[^/\s]+/o/\d+)", inbox)
    assert pages and items
    client = TestClient(site.app)
    page = client.get(pages[0])
    assert page.status_code == 200 and site.plan.unit_name(WARD) in page.text
    assert client.get(items[0]).status_code == 200
    with Session(site.engine) as session:
        assert site.signer.verify(session, pages[0].split("/")[2], START).subject == WARD


def test_without_a_base_url_messages_say_whom_to_answer_in_words(site):
    assert site.settings.web_url is None and site.settings.link_key == KEY
    inbox = deliver(site, START)
    assert "Cách báo cáo hoàn thành: gửi Phòng Kinh tế (cơ quan thường trực), ghi rõ mã theo dõi" in inbox
    assert "/u/" not in inbox and "htx-tasks" not in inbox and "Prefect" not in inbox


def test_links_are_scoped_expiring_and_revocable(site):
    with Session(site.engine) as session:
        token = site.signer.issue(session, Role.UNIT, WARD)
        assert site.signer.verify(session, token, START + dt.timedelta(days=44)).subject == WARD
        with pytest.raises(LinkError, match="hết hạn"):
            site.signer.verify(session, token, START + dt.timedelta(days=46))
        short = Signer(KEY, max_age=dt.timedelta(days=2), now=site.clock)
        with pytest.raises(LinkError, match="hết hạn"):
            short.verify(session, token, START + dt.timedelta(days=3))
        revoke(session, WARD, START)
        with pytest.raises(LinkError, match="thu hồi"):
            site.signer.verify(session, token, START)
    assert KEY not in token and "ba-ngoi" in base64.urlsafe_b64decode(token.split(".")[0] + "==").decode()


def test_approved_extension_shows_the_new_deadline_in_the_next_reminder(site):
    site.with_settings(web_url=BASE)
    item = site.items(WARD)[0]
    deliver(site, START)
    ward = Actor.of_unit(WARD, "cli:kiem-thu")
    with session_scope(site.engine) as session:
        request = request_extension(session, site.plan, ward, RequestExtension.parse(
            occurrence=item.id, proposed=dt.date(2027, 1, 10), reason="Chờ số liệu",
            expected_version=site.occurrence(item.id).version), now=START)
    later = START + dt.timedelta(hours=2)
    with session_scope(site.engine) as session:
        decide_extension(session, site.plan, Actor.coordinator("cli:kiem-thu"),
                         DecideExtension.parse(request=request.id, approve=True,
                                               expected_version=site.occurrence(item.id).version), now=later)
    told = deliver(site, later).split("Kính gửi")[-1]
    assert "Đồng ý gia hạn" in told and "Hạn: Thứ Hai, 11/01/2027" in told
    assert "đề nghị gia hạn đến 10/01/2027" in told
    reminder_day = dt.datetime(2027, 1, 8, 1, 0, tzinfo=dt.UTC)
    run_pass(site.engine, site.plan, reminder_day)
    reminder = deliver(site, reminder_day).split("Kính gửi")[-1]
    assert "Nhắc việc" in reminder and "Hạn: Thứ Hai, 11/01/2027" in reminder


def test_cli_prints_and_revokes_links(run_cli, cli_env, tmp_path):
    env = {"HTX_WEB_URL": BASE, "HTX_LINK_KEY": KEY}
    assert run_cli("init").exit_code == 0
    shown = run_cli("links", "show", WARD, env=env)
    assert shown.exit_code == 0 and shown.stdout.startswith(f"{BASE}/u/")
    token = shown.stdout.strip().rsplit("/", 1)[1]
    engine = make_engine(cli_env["HTX_DATABASE_URL"])
    with Session(engine) as session:
        assert Signer(KEY).verify(session, token, clock.utcnow()).subject == WARD
    assert run_cli("links", "revoke", WARD).exit_code == 0
    with Session(engine) as session, pytest.raises(LinkError, match="thu hồi"):
        Signer(KEY).verify(session, token, clock.utcnow())
    engine.dispose()
    group = run_cli("links", "show", "ubnd-xa-phuong", env=env)
    assert group.exit_code == 1 and "mỗi thành viên có liên kết riêng" in group.stderr and WARD in group.stderr
    unknown = run_cli("links", "show", "khong-co", env=env)
    assert unknown.exit_code == 2 and "không có đơn vị 'khong-co'" in unknown.stderr
    nokey = run_cli("web", env={"HTX_LINK_KEY": "", "HTX_LINK_KEY_FILE": "", "HTX_LINK_SECRET_BLOCK": ""})
    assert nokey.exit_code == 1 and "chưa có khoá ký liên kết" in nokey.stderr


def test_revoking_a_group_revokes_every_members_link(run_cli, cli_env, plan, tmp_path):
    env = {"HTX_WEB_URL": BASE, "HTX_LINK_KEY": KEY}
    assert run_cli("init").exit_code == 0
    wards = plan.members("ubnd-xa-phuong")
    tokens = {unit: run_cli("links", "show", unit, env=env).stdout.strip().rsplit("/", 1)[1]
              for unit in [*wards, "phong-kinh-te"]}
    done = run_cli("links", "revoke", "ubnd-xa-phuong")
    assert done.exit_code == 0 and f"{len(wards)} thành viên" in done.stdout
    engine = make_engine(cli_env["HTX_DATABASE_URL"])
    settings = Settings(var_dir=tmp_path / "var", config_dir=plan.config_dir, link_key=KEY)
    client = TestClient(create_app(engine, plan, Signer(KEY), settings=settings))
    for unit in wards:
        page = client.get(f"/u/{tokens[unit]}")
        assert (page.status_code, "Liên kết đã bị thu hồi" in page.text) == (403, True), unit
    assert client.get(f"/u/{tokens['phong-kinh-te']}").status_code == 200  # not a member: untouched
    fresh = run_cli("links", "show", WARD, env=env).stdout.strip().rsplit("/", 1)[1]
    assert client.get(f"/u/{fresh}").status_code == 200
    engine.dispose()


def test_key_sources(tmp_path):
    bare = Settings.from_env(environ={"HTX_WEB_URL": BASE})
    assert load_key(bare) is None and LinkMaker.of(bare, load_key(bare)) is None
    path = ensure_key_file(tmp_path / "var" / "link.key")
    assert path.stat().st_mode & 0o777 == 0o600
    from_file = Settings.from_env(environ={"HTX_WEB_URL": BASE, "HTX_LINK_KEY_FILE": str(path)})
    key = load_key(from_file)
    assert key == path.read_text().strip() and len(key) >= 32
    assert LinkMaker.of(from_file, key).base_url == BASE
    assert ensure_key_file(path).read_text() == path.read_text()  # kept, not replaced
    with pytest.raises(ValueError, match="quá ngắn"):
        Signer("short")
