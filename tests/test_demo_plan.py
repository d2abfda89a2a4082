"""The demonstration plan (config/plans/minh-hoa-ra-soat-htx.yaml) beside the seed plan: a ward with
items in both gets one digest per pass listing both plans, each under its title; closing the
demonstration plan ends its items and stops its messages, the seed plan's items untouched; the
weekly briefing counts the overdue work of both."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from office import CONFIG_DIR, DEMO, SEED, office_folder
from sqlalchemy import Engine, select
from sqlmodel import Session

from htx_tasks.config import Config, load_config
from htx_tasks.core.zones import at_local
from htx_tasks.delivery.dispatcher import dispatch
from htx_tasks.delivery.messages import combine
from htx_tasks.delivery.ports import Message
from htx_tasks.engine import run_pass
from htx_tasks.links import LinkMaker, Signer
from htx_tasks.services import Actor
from htx_tasks.services.plans import ClosePlan, close_plan
from htx_tasks.store.db import session_scope
from htx_tasks.store.models import AuditEvent, Occurrence

WARD = "phuong-ba-ngoi"
SEPARATOR = "=" * 72
D = dt.date.fromisoformat


def M(day: str) -> dt.datetime:
    return at_local(D(day), 7, 30)


@pytest.fixture
def config(tmp_path: Path) -> Config:
    folder = office_folder(tmp_path / "config", demo=True)
    return load_config(folder, tmp_path / "inbox")


def messages(config: Config, unit: str) -> list[str]:
    assert config.channels.inbox_dir is not None
    path = config.channels.inbox_dir / f"{unit}.txt"
    return [m for m in path.read_text(encoding="utf-8").split(SEPARATOR) if m.strip()] if path.exists() else []


def states(engine: Engine, plan: str) -> dict[int, tuple[str, int]]:
    with Session(engine) as session:
        rows = session.execute(select(Occurrence).where(Occurrence.plan_code == plan)).scalars()
        return {o.id: (o.state, o.version) for o in rows}


def test_the_demonstration_plan_is_small_labelled_and_shares_the_seeds_units(config: Config) -> None:
    demo, seed = config.plans[DEMO], config.plans[SEED]
    assert "minh họa" in demo.meta.title and "minh họa" in demo.meta.short_title
    owners = {d.unit for d in demo.source.duties}
    assert 2 <= len(owners) <= 3 and owners <= set(seed.units) and WARD in owners
    assert demo.source.units == [u.model_copy(update={"ref": None}) for u in seed.source.units]  # sections: each plan's
    assert demo.policy_for("mh-ra-soat-htx-phuong", WARD).reminder_days == [3, 0]  # its own rhythm
    assert seed.policy_for("xa-tuyen-truyen", WARD).reminder_days == [7, 3, 0]  # the seed's ward duties


def test_a_ward_gets_one_digest_for_both_plans_until_one_is_closed(db_engine: Engine, config: Config) -> None:
    for plan in config.plans.values():
        run_pass(db_engine, plan, M("2026-11-16"))
    dispatch(db_engine, config.plans, M("2026-11-16"), channels=config.channels)
    (digest,) = messages(config, WARD)  # one message this pass, both plans in it
    demo_title, seed_title = (f"━━ {config.plans[c].meta.short_title} ━━" for c in (DEMO, SEED))
    assert "[2 kế hoạch]" in digest.splitlines()[1]
    assert digest.index(demo_title) < digest.index("Rà soát nhanh hợp tác xã trên địa bàn phường (minh họa)")
    assert digest.index(seed_title) < digest.index("[III.8.1]")
    assert digest.count("Kính gửi:") == 1
    # a unit of the seed plan only hears of the seed plan, as before
    (only_seed,) = messages(config, "phuong-cam-loc")
    assert "kế hoạch]" not in only_seed.splitlines()[1] and demo_title not in only_seed

    seed_before = states(db_engine, SEED)
    with session_scope(db_engine) as session:
        closed = close_plan(session, config.plans[DEMO], Actor.coordinator("cli:kiem-thu"),
                            ClosePlan.parse(plan=DEMO, note="Kết thúc trình diễn"), now=M("2026-11-17"))
    assert closed.ended == len(states(db_engine, DEMO)) == 3
    assert {s for s, _ in states(db_engine, DEMO).values()} == {"waived"}
    assert states(db_engine, SEED) == seed_before
    with Session(db_engine) as session:  # each item's end is on record, with the coordinator's note
        trail = session.execute(select(AuditEvent).where(AuditEvent.action == "close_plan")).scalars().all()
    assert {e.occurrence_id for e in trail} == {*states(db_engine, DEMO), None}  # each item, and the plan
    assert all("Kết thúc trình diễn" in (e.reason or "") for e in trail)

    # past the demonstration plan's deadlines and into its next month: nothing more of it; the seed
    # plan's reminders (7 days before 10/12) go on
    later = M("2026-12-03")
    for plan in config.plans.values():
        run_pass(db_engine, plan, later)
    dispatch(db_engine, config.plans, later, channels=config.channels)
    after = messages(config, WARD)[1:]
    assert after and all("[III.8.1]" in m for m in after)
    assert all(demo_title not in m and "minh họa" not in m for m in after)
    assert all("minh họa" not in m for m in messages(config, "phong-kinh-te")[1:])


def test_the_readmes_out_of_hours_morning_shows_the_ward_both_plans_in_one_digest(db_engine: Engine, config: Config) -> None:
    """The README sends a newcomer running ``make run`` out of hours to one morning (a fresh ``var/``):
    that morning phường Ba Ngòi's one digest holds both plans, under the title the README quotes."""
    readme = (CONFIG_DIR.parent / "README.md").read_text(encoding="utf-8")
    when = dt.datetime.fromisoformat(re.search(r"rm -rf var && make run ARGS=--now=(\S+?)`?\n", readme).group(1))
    title = re.search(r'"(\[2 kế hoạch\] [^"]+)"', readme).group(1)
    now = at_local(when.date(), when.hour, when.minute)
    run_pass(db_engine, list(config.plans.values()), now)  # a fresh database's first pass
    dispatch(db_engine, config.plans, now, channels=config.channels)
    (digest,) = messages(config, WARD)
    assert digest.splitlines()[1] == title
    for code in (SEED, DEMO):
        assert f"━━ {config.plans[code].meta.short_title} ━━" in digest


def briefings(config: Config, tag: str) -> list[str]:
    return [m for m in messages(config, tag) if "Tổng hợp tuần (đến" in m]


def test_the_weekly_briefing_counts_the_overdue_work_of_every_plan(db_engine: Engine, config: Config) -> None:
    plans = list(config.plans.values())
    # the demonstration plan's three monthly reports (due 20/11 and 25/11) are never sent, nor the
    # seed plan's monthly report of the culture centre (due 25/11)
    run_pass(db_engine, plans, at_local(dt.date(2026, 11, 16), 7, 30))
    monday = at_local(dt.date(2026, 11, 30), 7, 30)  # the briefing's slot: Monday at work_start
    run_pass(db_engine, plans, monday)
    dispatch(db_engine, config.plans, monday, channels=config.channels)

    demo, seed = (config.plans[c].meta.short_title for c in (DEMO, SEED))
    assert list(config.plans) == [SEED, DEMO]  # plans/ read in file-name order
    count = "\n".join(
        [
            "Tổng hợp tuần (đến Thứ Hai, 30/11/2026): 4 nhiệm vụ quá hạn của 4 đơn vị:",
            f"  {seed}:",
            "  - Trung tâm Văn hóa – Thông tin và Thể thao: 1 nhiệm vụ quá hạn, trong đó 1 đã báo cấp trên",
            f"  {demo}:",
            "  - Phòng Kinh tế: 1 nhiệm vụ quá hạn",
            "  - UBND phường Ba Ngòi: 1 nhiệm vụ quá hạn, trong đó 1 đã báo cấp trên",
            "  - UBND phường Cam Linh: 1 nhiệm vụ quá hạn, trong đó 1 đã báo cấp trên",
        ]
    )
    for tag in ("coordinator", "leadership"):
        (message,) = briefings(config, tag)  # one message, both plans' counts in it
        assert count in message, message
        title = message.splitlines()[1]
        assert "ổng hợp tuần" in title and "4 nhiệm vụ quá hạn của 4 đơn vị" in title, title
    # the coordinator is also a unit of the demonstration plan: one message for both roles, its
    # title naming the two plans it speaks of once, not the first plan's label
    (both,) = [m for m in messages(config, "phong-kinh-te") if "PHẦN 2" in m]
    title = both.splitlines()[1]
    assert title.startswith("[2 kế hoạch] Đôn đốc: ") and title.count("[") == 1, title
    assert "Đôn đốc: Phòng Kinh tế — 1 nhiệm vụ quá hạn" in title
    body = both[both.index("PHẦN 1"):]
    assert body.index(f"━━ {seed} ━━") < body.index(f"━━ {demo} ━━") < body.index("PHẦN 2. NHIỆM VỤ CỦA PHÒNG KINH TẾ")
    assert f"Theo {demo}" in body[body.index("PHẦN 2"):]


def test_a_message_for_two_roles_of_one_plan_is_titled_with_that_plan_not_the_first(config: Config) -> None:
    seed, demo = config.plans[SEED], config.plans[DEMO]
    tag = f"[{demo.meta.label}] "
    sections = [("coordinator", Message(f"{tag}Đôn đốc: 2 nhiệm vụ quá hạn của 2 đơn vị", "Kính gửi: A\n\nx\n", "x")),
                ("phong-kinh-te", Message(f"{tag}Nhắc việc: Phòng Kinh tế — 1 nhiệm vụ cần lưu ý", "y\n", "y"))]
    title = combine(seed, "phong-kinh-te", sections, [demo]).title
    assert title == f"{tag}Đôn đốc: 2 nhiệm vụ quá hạn của 2 đơn vị; Nhắc việc: Phòng Kinh tế — 1 nhiệm vụ cần lưu ý"
    assert seed.meta.label not in title


def test_a_two_plan_digest_says_the_page_and_the_cooperation_heading_once(db_engine: Engine, config: Config) -> None:
    """The unit's page is one for every plan: its link closes the digest once, under its own heading,
    not at the end of each plan's part; a copy's line does not repeat its heading "Để phối hợp"."""
    links = LinkMaker("https://htx.example.vn", Signer("k" * 32))
    for plan in config.plans.values():
        run_pass(db_engine, plan, M("2026-11-16"))
    dispatch(db_engine, config.plans, M("2026-11-16"), channels=config.channels, links=links)
    (digest,) = messages(config, WARD)
    assert digest.count("Trang của đơn vị (") == 1 and digest.count("Liên kết dành riêng cho đơn vị") == 1
    last_plan = max(digest.index(f"━━ {p.meta.short_title} ━━") for p in config.plans.values())
    common = digest.index("━━ Chung cho cả 2 kế hoạch ━━")
    assert last_plan < common < digest.index("Trang của đơn vị (") < digest.index("Đầu mối theo dõi:")
    assert digest.count("Để phối hợp") == 1  # the heading; its line reads "- Nhiệm vụ mới — [III.1.5] …"
    assert "  - Nhiệm vụ mới — [III.1.5]" in digest


def test_closing_a_plan_leaves_nothing_of_it_to_send_even_to_a_pass_that_no_longer_knows_it(
        db_engine: Engine, config: Config) -> None:
    """Notices written but not yet sent when a plan is closed are cancelled: a later pass, even one
    given only the plans still followed, finds none of the closed plan's items to read."""
    for plan in config.plans.values():
        run_pass(db_engine, plan, M("2026-11-16"))  # both plans' notices pending, none sent
    with session_scope(db_engine) as session:
        close_plan(session, config.plans[DEMO], Actor.coordinator("cli:kiem-thu"),
                   ClosePlan.parse(plan=DEMO, note="Kết thúc trình diễn"), now=M("2026-11-16"))
    result = dispatch(db_engine, {SEED: config.plans[SEED]}, M("2026-11-16"), channels=config.channels)
    assert result.failed == result.retrying == 0 and result.sent > 0
    (digest,) = messages(config, WARD)
    assert "[III.8.1]" in digest and "minh họa" not in digest and "kế hoạch]" not in digest.splitlines()[1]


def test_a_two_plan_digest_in_markdown_gives_each_plan_its_heading_and_the_page_once(
        tmp_path: Path, db_engine: Engine, http) -> None:
    """A channel that renders Markdown gets the same digest across plans: each plan under a heading
    of its title, then the unit's page once, under the heading shared by both plans."""
    folder = office_folder(tmp_path / "config", demo=True)
    url = http.url(f"/{WARD}", query="format=markdown")
    (folder / "channels.yaml").write_text(f'version: 1\nurls:\n  - "{url}":\n      - tag: {WARD}\n', encoding="utf-8")
    config = load_config(folder, tmp_path / "inbox")
    links = LinkMaker("https://htx.example.vn", Signer("k" * 32))
    for plan in config.plans.values():
        run_pass(db_engine, plan, M("2026-11-16"))
    dispatch(db_engine, config.plans, M("2026-11-16"), channels=config.channels, links=links)
    (body,) = http.bodies(f"/{WARD}")
    markdown = body["message"]
    assert body["title"].startswith("[2 kế hoạch] ")
    headings = [markdown.index(f"### {p.meta.short_title}") for p in config.plans.values()]
    common = markdown.index("### Chung cho cả 2 kế hoạch")
    assert max(headings) < common < markdown.index("**[Trang của đơn vị")
    assert markdown.count("**[Trang của đơn vị") == 1 and markdown.count("Liên kết dành riêng cho đơn vị") == 1
    assert markdown.count("**Để phối hợp:**") == 1 and "- Nhiệm vụ mới — [III.1.5]" in markdown
