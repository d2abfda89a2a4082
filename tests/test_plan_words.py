"""Say what the plan says (issue 7), read in the messages people receive.

Each test runs the engine and the real dispatcher on SQLite and PostgreSQL, with every message
written to the local inbox, and reads the inbox as the recipient would.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import sys
from itertools import pairwise
from pathlib import Path

import pytest
from office import SEED_DIR
from sqlalchemy import Engine
from sqlmodel import Session, select

from htx_tasks.bootstrap import Context
from htx_tasks.core.zones import at_local
from htx_tasks.delivery.dispatcher import dispatch
from htx_tasks.delivery.inbox import SEPARATOR
from htx_tasks.delivery.messages import make_item, render_digest
from htx_tasks.engine import run_pass
from htx_tasks.plan.loader import Plan, load_plan
from htx_tasks.services import Refused
from htx_tasks.settings import Settings
from htx_tasks.store.db import session_scope
from htx_tasks.store.models import Notification, Occurrence

sys.path.insert(0, str(Path(__file__).parent))  # tests/actions.py
from actions import open_case  # noqa: E402

CONFIG_DIR = SEED_DIR
D = dt.date.fromisoformat
ORGANISATIONS = ["ubmttq-thanh-pho", "ldld-thanh-pho", "hoi-nong-dan-thanh-pho", "hoi-lhpn-thanh-pho",
                 "thanh-doan", "hoi-ccb-thanh-pho"]
ORDER_WORDS = re.compile(r"giao nhiệm vụ|đôn đốc|quá hạn|báo cấp trên", re.IGNORECASE)


def M(day: str, hour: int = 7, minute: int = 30) -> dt.datetime:
    return at_local(D(day), hour, minute)


@pytest.fixture
def var(tmp_path: Path) -> Path:
    return tmp_path / "var"


def deliver(engine: Engine, plan: Plan, now: dt.datetime, var: Path, **options) -> None:
    """Delivery to the local inbox under ``var`` (the plan's channels, on settings of their own)."""
    with Context(Settings(config_dir=plan.config_dir, var_dir=var), engine=engine) as ctx:
        dispatch(engine, plan, now, channels=ctx.channels, **options)


def tick(engine: Engine, plan: Plan, now: dt.datetime, var: Path) -> None:
    """What a unit run does: one engine pass, then delivery (to the local inbox only)."""
    run_pass(engine, plan, now)
    deliver(engine, plan, now, var, wall=now)


def inbox(var: Path, recipient: str) -> list[str]:
    path = var / "inbox" / f"{recipient}.txt"
    if not path.exists():
        return []
    return [m for m in path.read_text(encoding="utf-8").split(SEPARATOR + "\n") if m.strip()]


# --- 1. requests are requests ---------------------------------------------------------------------


def test_the_organisations_are_asked_never_ordered_and_the_coordinator_liaises(db_engine, plan, var) -> None:
    """III.7 "Đề nghị UBMTTQ và các đoàn thể": six bodies, each its own inbox; through a whole
    half-year and past its date, none reads "giao", "đôn đốc" or "quá hạn"; leadership never hears."""
    for day in ("2026-11-02", "2026-12-03", "2026-12-11", "2026-12-15", "2027-01-14", "2027-02-15"):
        tick(db_engine, plan, M(day), var)
    for org in ORGANISATIONS:
        messages = inbox(var, org)
        # the request, one reminder, one "Trao đổi", then monthly recalls (January's with the new request)
        assert len(messages) == 5, org
        for message in messages:
            assert not ORDER_WORDS.search(message), message
            assert f"Kính gửi: {plan.unit_name(org)}" in message
    first, reminder, past, recall, _ = inbox(var, "hoi-nong-dan-thanh-pho")
    assert "[KH thực hiện CTr 46-CTr/TU] Đề nghị phối hợp: Hội Nông dân thành phố — 1 nội dung" in first
    assert "kính đề nghị quý cơ quan phối hợp thực hiện các nội dung sau" in first
    assert "1. Đề nghị phối hợp — [III.7]" in first
    assert "Mốc trao đổi kết quả: Thứ Năm, 10/12/2026 (còn 38 ngày đến mốc); mốc do cơ quan thường trực định để theo dõi" in first
    assert "Nhắc mốc trao đổi kết quả" in reminder
    # past the date in whole working days, as overdue work is counted (none whole yet on the first morning)
    assert "Trao đổi: Hội Nông dân thành phố" in past and "(đã qua mốc);" in past
    assert "10/12/2026 (đã qua mốc 23 ngày làm việc)" in recall  # 14/01/2027: Dec 11-31 15, Jan 4-13 8
    assert "Phòng Kinh tế (cơ quan thường trực) xin trao đổi: đến nay chưa nhận được thông tin kết quả" in past
    assert "Trao đổi lại" in recall
    # the coordinator is told for liaison, not as a superior; the leadership hears nothing of it
    coordinator = inbox(var, "coordinator")
    liaison = [m for m in coordinator if "Hội Nông dân thành phố" in m]
    assert liaison and all("6 đề nghị phối hợp chưa có thông tin kết quả" in m.splitlines()[0] for m in liaison)
    assert all("để cơ quan thường trực liên hệ, trao đổi với từng tổ chức; không phải đôn đốc" in m for m in liaison)
    assert not [m for m in inbox(var, "leadership") if any(plan.unit_name(o) in m for o in ORGANISATIONS)]


def test_requests_are_recalled_at_most_monthly(db_engine, plan, var) -> None:
    run_pass(db_engine, plan, M("2026-11-02"))
    day = D("2026-12-01")
    while day <= D("2027-03-31"):  # weekly passes (a long catch-up keeps only the newest recall)
        run_pass(db_engine, plan, at_local(day, 7, 30))
        day += dt.timedelta(days=7)
    with Session(db_engine) as session:
        (org,) = session.exec(select(Occurrence.id).where(Occurrence.unit_code == "thanh-doan",
                                                          Occurrence.period_key == "2026-H2")).all()
        times = [n.due_at for n in session.exec(
            select(Notification).where(Notification.occurrence_id == org, Notification.recipient == "thanh-doan",
                                       Notification.kind == "repeat").order_by(Notification.due_at))]
    assert len(times) == 3  # January, February, March
    assert all((b - a).days >= 28 for a, b in pairwise(times))


# --- 2. nobody is escalated to itself --------------------------------------------------------------


def test_the_coordinators_own_overdue_work_goes_to_leadership_and_says_why(db_engine, plan, var) -> None:
    for day in ("2026-11-02", "2026-12-22", "2026-12-24", "2026-12-29"):
        tick(db_engine, plan, M(day), var)
    # leadership hears at its weekly briefing: Monday 04/01/2027, not on Tuesday 29/12
    assert not [m for m in inbox(var, "leadership") if "\nPhòng Kinh tế (" in m]
    tick(db_engine, plan, M("2027-01-04"), var)
    with Session(db_engine) as session:
        own = {o.id for o in session.exec(select(Occurrence).where(Occurrence.unit_code == "phong-kinh-te"))}
        told = {n.due_at for n in session.exec(select(Notification).where(
            Notification.occurrence_id.in_(own), Notification.recipient == "leadership"))}
        to_coordinator = session.exec(select(Notification).where(
            Notification.occurrence_id.in_(own), Notification.recipient == "coordinator")).all()
    assert own and to_coordinator == []  # Phòng Kinh tế is never "escalated" to itself
    assert told == {M("2027-01-04")}
    (report,) = [m for m in inbox(var, "leadership") if "\nPhòng Kinh tế (3 nhiệm vụ)" in m]
    assert report.startswith("[KH thực hiện CTr 46-CTr/TU] Báo cáo lãnh đạo: ")
    (own_block,) = [b for b in report.split("\n\n") if b.startswith("Phòng Kinh tế (3 nhiệm vụ)")]
    assert own_block.count("Không qua bước báo cơ quan thường trực vì Phòng Kinh tế chính là cơ quan thường trực.") == 3
    # the leadership step kept its own threshold (5 working days: 29/12); read on Monday 04/01, 8 days
    assert own_block.count("quá hạn 8 ngày làm việc") == 3
    assert "Không qua bước" not in report.replace(own_block, "")  # other units went through the coordinator


# --- 3. dated duties end; III.1.3's follow-on and III.4 are cases ---------------------------------


def test_dated_duties_open_only_inside_their_window(db_engine, plan: Plan, tmp_path: Path) -> None:
    early = _plan_with(tmp_path, ("tracking_from: 2026-11-01", "tracking_from: 2023-01-01"))
    for day in ("2023-01-02", "2023-10-02", "2025-06-02", "2026-06-01"):
        run_pass(db_engine, early, M(day))
    with Session(db_engine) as session:
        rows = session.exec(select(Occurrence).where(Occurrence.unit_code == "phong-kinh-te")).all()
    periods = {(o.duty_code, o.period_key) for o in rows}
    assert ("kt-tieu-chi-13", "2023") in periods and ("kt-tham-muu", "2023") in periods
    assert not {p for p in periods if p[0] in ("kt-tieu-chi-13", "kt-tham-muu") and p[1] != "2023"}
    assert ("kt-ha-tang", "2025-H1") in periods  # QĐ 1804/QĐ-TTg: 2021–2025
    assert not {p for p in periods if p[0] == "kt-ha-tang" and p[1].startswith("2026")}
    assert ("kt-thanh-lap-htx", "2026-Q2") in periods  # an undated duty goes on


def test_a_communes_difficulty_and_a_cooperatives_land_proposal_open_cases(db_engine, plan: Plan) -> None:
    with session_scope(db_engine) as session:
        land = open_case(session, plan, "tnmt-quy-dat", unit="phong-tai-nguyen-moi-truong", kind="de-xuat-thue-dat",
                         received=D("2027-03-15"), ref="HTX-DAT-07", now=M("2027-03-15", 9))
        assert (land.deadline, land.period_label) == (D("2027-04-05"), "hồ sơ HTX-DAT-07")  # 15 working days
        with pytest.raises(Refused, match="chỉ áp dụng năm 2023"):  # the Tiêu chí 13 follow-on ended with 2023
            open_case(session, plan, "kt-tieu-chi-13-vuong-mac", unit="phong-kinh-te", kind="vuong-mac-tieu-chi-13",
                      received=D("2027-03-15"), ref="XA-01", now=M("2027-03-15", 9))
        difficulty = open_case(session, plan, "kt-tieu-chi-13-vuong-mac", unit="phong-kinh-te",
                               kind="vuong-mac-tieu-chi-13", received=D("2023-08-14"), ref="CAM-LAP-01",
                               now=M("2023-08-14", 9))
        assert difficulty.deadline == D("2023-08-21")  # five working days to report it upward


# --- 4. deadlines show where they come from --------------------------------------------------------


def test_every_duty_says_who_set_its_deadline(plan: Plan, tmp_path: Path) -> None:
    assert {d.deadline_source.value for d in plan.source.duties} == {"coordinator", "law"}  # III.2.2: the law
    item = make_item(plan, occurrence_id=1, kind="reminder", level=-1, unit="phong-quan-ly-do-thi",
                     duty="qldt-theo-doi-htx", period="quý I/2027", deadline=D("2027-03-15"), now=M("2027-03-08"))
    text = render_digest(plan, "phong-quan-ly-do-thi", [item], M("2027-03-08")).text
    assert "Hạn: Thứ Hai, 15/03/2027 (còn 7 ngày); hạn do cơ quan thường trực định để theo dõi" in text
    with pytest.raises(Exception, match="deadline_source"):
        _plan_with(tmp_path, ("    deadline_source: coordinator\n    recurrence:\n      every: month",
                              "    recurrence:\n      every: month"))


# --- 5. no surprise on day one ---------------------------------------------------------------------


def test_a_fresh_install_sends_leadership_nothing_and_opens_nothing_overdue(db_engine, plan, var) -> None:
    """`make run` on Friday 27/11/2026, tracking from 1/11: periods due within the lead time (7 days)
    are not opened, so nobody is handed work that is already late, and nothing goes up."""
    result = run_pass(db_engine, plan, M("2026-11-27", 8, 0))
    assert result.not_opened == ["III.6 Trung tâm Văn hóa – Thông tin và Thể thao kỳ tháng 11/2026 (hạn 25/11/2026)"]
    with Session(db_engine) as session:
        rows = session.exec(select(Occurrence)).all()
        kinds = {n.kind for n in session.exec(select(Notification))}
    assert rows and min(o.deadline for o in rows) >= D("2026-12-04")
    assert kinds == {"assigned"}
    deliver(db_engine, plan, M("2026-11-27", 8, 0), var)
    assert inbox(var, "leadership") == [] and inbox(var, "coordinator") == []
    assert not any("quá hạn" in m for f in (var / "inbox").glob("*.txt") for m in inbox(var, f.stem))
    # a week later the Centre is reminded of December's report; nothing of November reaches anyone
    run_pass(db_engine, plan, M("2026-12-18"))
    with Session(db_engine) as session:
        assert not session.exec(select(Occurrence).where(Occurrence.period_key == "2026-M11")).all()


# --- 6. notices at human hours ---------------------------------------------------------------------


def test_the_assignment_of_a_period_opening_on_new_years_day_is_sent_on_the_next_working_morning(
        db_engine, plan, var) -> None:
    run_pass(db_engine, plan, M("2026-12-31"))  # first pass; then the year turns on a holiday
    run_pass(db_engine, plan, at_local(D("2027-01-01"), 0, 5))
    with Session(db_engine) as session:
        january = session.exec(select(Notification).join(Occurrence, Occurrence.id == Notification.occurrence_id)
                               .where(Occurrence.period_key == "2027-M01")).all()
    assert january == []  # not yet: nothing is stamped at midnight on a holiday
    tick(db_engine, plan, M("2027-01-04"), var)
    message = inbox(var, "trung-tam-vhtt-tt")[-1]
    assert "Giao nhiệm vụ — [III.6]" in message and "Kỳ: tháng 1/2027" in message
    assert "tính đến Thứ Hai, 04/01/2027" in message


# --- 7. coordinating units are told -----------------------------------------------------------------


def test_coordinating_units_get_copies_in_the_same_digest_never_escalations(db_engine, plan, var) -> None:
    for day in ("2026-11-02", "2026-12-11", "2026-12-15", "2026-12-18"):
        tick(db_engine, plan, M(day), var)
    kinh_te = inbox(var, "phong-kinh-te")
    assert len(kinh_te) >= 2
    first = kinh_te[0]
    assert "Nhắc việc: Phòng Kinh tế — 4 nhiệm vụ cần lưu ý" in first  # its own items...
    assert "Để phối hợp: các nhiệm vụ sau do đơn vị khác chủ trì" in first  # ...and the copies, same digest
    assert "Đơn vị chủ trì: UBND phường Ba Ngòi, UBND phường Cam Linh" in first  # 15 wards on one line
    overdue_copy = next(m for m in kinh_te if "  - Nhiệm vụ chưa hoàn thành — [III.8.2]" in m)
    assert "Để phối hợp" in overdue_copy.splitlines()[0]
    # the wards' reports went to the coordinator on 15/12 and to leadership on 18/12: Phòng Kinh
    # tế's unit inbox (a coordinating unit) got copies only of the assignment and the first notice
    with Session(db_engine) as session:
        copies = {n.kind for n in session.exec(select(Notification).join(
            Occurrence, Occurrence.id == Notification.occurrence_id).where(
            Occurrence.duty_code == "xa-theo-doi-htx", Notification.recipient == "phong-kinh-te"))}
    assert copies == {"assigned", "overdue"}


# --- 8. words --------------------------------------------------------------------------------------


def test_titles_name_this_plan_and_what_the_message_is(db_engine, plan, var) -> None:
    for day in ("2026-11-02", "2026-12-11", "2026-12-18"):
        tick(db_engine, plan, M(day), var)
    titles = {m.splitlines()[0] for f in (var / "inbox").glob("*.txt") for m in inbox(var, f.stem)}
    assert all(t.startswith("[KH thực hiện CTr 46-CTr/TU] ") for t in titles)
    # one message per person: Phòng Kinh tế's title names each of its sections ("Đôn đốc: …; Để phối hợp: …")
    kinds = {p.split(":", 1)[0] for t in titles for p in t.split("] ", 1)[1].split("; ") if ":" in p}
    assert kinds == {"Nhắc việc", "Đề nghị phối hợp", "Trao đổi", "Đôn đốc", "Báo cáo lãnh đạo", "Để phối hợp",
                     "Tổng hợp tuần"}
    for f in (var / "inbox").glob("*.txt"):
        for message in inbox(var, f.stem):
            assert message.count("Đầu mối theo dõi:") == 1
            assert "(cơ quan thường trực) (cơ quan thường trực)" not in message
            assert "Cơ quan thường trực: Phòng Kinh tế (cơ quan thường trực)" not in message


def _plan_with(tmp_path: Path, *edits: tuple[str, str]) -> Plan:
    target = tmp_path / "config"
    if not target.exists():
        shutil.copytree(CONFIG_DIR, target)
    path = target / "plan.yaml"
    text = path.read_text(encoding="utf-8")
    for old, new in edits:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    path.write_text(text, encoding="utf-8")
    return load_plan(target)
