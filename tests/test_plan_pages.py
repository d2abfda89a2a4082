"""Two active plans (the seed plan and the demonstration plan) on the web: a unit's page shows its
items of both, each under its plan's title and read under its own plan's duties; an item page and
a report work for the demonstration plan's item; the coordinator's page names each item's plan."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from office import SEED, office_folder
from sqlalchemy import Engine
from sqlmodel import Session, select
from test_demo_plan import DEMO, WARD, M

from htx_tasks import services
from htx_tasks.config import Config, load_config
from htx_tasks.engine import run_pass
from htx_tasks.links import COORDINATOR_SUBJECT, Role, Signer
from htx_tasks.services import Actor, SubmitReport
from htx_tasks.settings import Settings
from htx_tasks.store.db import session_scope
from htx_tasks.store.models import Occurrence
from htx_tasks.web.app import create_app
from tests.webkit import KEY, Clock

DEMO_DUTY = "Rà soát nhanh hợp tác xã trên địa bàn phường (minh họa)"


@pytest.fixture
def config(tmp_path: Path) -> Config:
    """The shipped configuration with the demonstration plan beside the seed plan (both active)."""
    folder = office_folder(tmp_path / "config", demo=True)
    return load_config(folder, tmp_path / "inbox")


def visible(html: str) -> str:
    html = re.sub(r"<(style|script)[^>]*>.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def site(engine: Engine, config: Config, tmp_path: Path, plans: dict | None):
    for plan in config.plans.values():
        run_pass(engine, plan, M("2026-11-16"))
    clock = Clock(M("2026-11-17"))
    signer = Signer(KEY, now=clock)
    seed = config.plans[SEED]
    settings = Settings(var_dir=tmp_path / "var", config_dir=seed.config_dir, link_key=KEY)
    app = create_app(engine, seed, signer, settings=settings, now=clock, plans=plans)

    def token(subject: str) -> str:
        with Session(engine) as session:
            role = Role.COORDINATOR if subject == COORDINATOR_SUBJECT else Role.UNIT
            return signer.issue(session, role, subject)

    return TestClient(app), token


def test_a_wards_page_shows_both_plans_each_under_its_title(db_engine: Engine, config: Config,
                                                            tmp_path: Path) -> None:
    client, token = site(db_engine, config, tmp_path, config.plans)
    demo, seed = (config.plans[c].meta.short_title for c in (DEMO, SEED))
    ward = token(WARD)
    answer = client.get(f"/u/{ward}")
    assert answer.status_code == 200
    page = visible(answer.text)
    assert page.index(seed) < page.index("[III.8.1]") and page.index(demo) < page.index(f"[III.1] {DEMO_DUTY}")
    titles = [p.meta.short_title for p in config.plans.values()]  # in the configuration's order
    assert re.findall(r'<h2 class="plan">([^<]+)</h2>', answer.text) == titles and set(titles) == {seed, demo}
    assert page.count(DEMO_DUTY) == 1

    with Session(db_engine) as session:
        item = session.exec(select(Occurrence).where(Occurrence.plan_code == DEMO,
                                                     Occurrence.unit_code == WARD)).one()
    url = f"/u/{ward}/o/{item.id}"
    shown = client.get(url)
    assert shown.status_code == 200 and f"Kế hoạch: {demo}" in visible(shown.text)
    assert DEMO_DUTY in visible(shown.text)
    form = shown.text.split('/report"', 1)[1]
    csrf = re.search(r'name="csrf" value="([^"]+)"', form).group(1)
    version = re.search(r'name="version" value="(\d+)"', form).group(1)
    done = client.post(f"{url}/report", follow_redirects=True, data={
        "csrf": csrf, "version": version, "note": "Đã rà soát 4 hợp tác xã (minh họa)",
        "evidence_url": "https://example.org/bao-cao-minh-hoa"})
    assert done.status_code == 200
    with Session(db_engine) as session:
        assert session.get(Occurrence, item.id).state == "submitted"

    coordinator = client.get(f"/c/{token(COORDINATOR_SUBJECT)}")
    assert coordinator.status_code == 200
    review = visible(coordinator.text)
    assert f"Kế hoạch: {demo} [III.1] {DEMO_DUTY}" in review


def test_a_single_plan_office_shows_no_plan_titles(db_engine: Engine, config: Config, tmp_path: Path) -> None:
    client, token = site(db_engine, config, tmp_path, None)  # the app given only the seed plan
    answer = client.get(f"/u/{token(WARD)}")
    assert answer.status_code == 200
    page = visible(answer.text)
    assert "[III.8.1]" in page and DEMO_DUTY not in page and "Kế hoạch:" not in page
    assert '<h2 class="plan">' not in answer.text


def test_the_coordinator_sees_every_plan_worst_first_then_one_plan(db_engine: Engine, config: Config,
                                                                    tmp_path: Path) -> None:
    client, token = site(db_engine, config, tmp_path, config.plans)
    later = M("2026-11-23")  # the demonstration plan's ward reports (due 20/11) are overdue, the seed's are not
    for plan in config.plans.values():
        run_pass(db_engine, plan, later)
    demo, seed = (config.plans[c].meta.short_title for c in (DEMO, SEED))
    coordinator = token(COORDINATOR_SUBJECT)
    answer = client.get(f"/c/{coordinator}")
    assert answer.status_code == 200
    page = visible(answer.text)
    header = re.search(r'<header><div class="plan">([^<]*)</div>', answer.text).group(1)
    assert header == "2 kế hoạch đang theo dõi"  # the office's page names no one plan
    assert "Các kế hoạch đang theo dõi (2)" in page
    assert page.index(f"{demo} · 2 quá hạn") < page.index(f"{seed} · 0 quá hạn")  # worst first
    assert f'href="/c/{coordinator}?ke-hoach={DEMO}"' in answer.text

    with session_scope(db_engine) as session:  # the ward reports on an item of each plan
        for code in (SEED, DEMO):
            row = session.exec(select(Occurrence).where(Occurrence.plan_code == code,
                                                        Occurrence.unit_code == WARD)).first()
            command = SubmitReport.parse(occurrence=row.id, results="Đã thực hiện", expected_version=row.version)
            services.submit(session, config.plans[code], Actor.of_unit(WARD, "cli:kiem-thu"), command, now=later)
    both = visible(client.get(f"/c/{coordinator}").text)
    assert f"Kế hoạch: {demo}" in both and f"Kế hoạch: {seed}" in both
    one = client.get(f"/c/{coordinator}?ke-hoach={DEMO}")
    assert one.status_code == 200
    narrowed = visible(one.text)
    assert f"Đang xem: {demo}" in narrowed and DEMO_DUTY in narrowed and "[III.8.1]" not in narrowed
    assert "Báo cáo chờ duyệt (1)" in narrowed
    missing = client.get(f"/c/{coordinator}?ke-hoach=khong-co")
    assert missing.status_code == 404 and "Không có kế hoạch mã &#39;khong-co&#39;" in missing.text  # escaped
