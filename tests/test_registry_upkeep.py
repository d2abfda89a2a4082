"""Registry upkeep: units confirm or edit the organisations they follow; the board marks stale units.

Staleness is pure date arithmetic checked against hand-computed tables; the services run on
SQLite and PostgreSQL, including two people editing one organisation at once.
"""

from __future__ import annotations

import datetime as dt
import json
import threading

import pytest
from actions import COORDINATOR, VIA
from sqlalchemy import Engine, func
from sqlmodel import Session, select

from htx_tasks import board
from htx_tasks.core.coops import BY_NAME, Coop
from htx_tasks.core.zones import at_local, local_date
from htx_tasks.engine import run_pass
from htx_tasks.plan.loader import Plan
from htx_tasks.plan.schema import Active
from htx_tasks.registry import service
from htx_tasks.registry.models import CoopVersion, RegistryUpdate
from htx_tasks.registry.staleness import Freshness, upkeep
from htx_tasks.registry.standing import fingerprint, followed_rows, unit_upkeep
from htx_tasks.services import Actor, Conflict, InvalidInput, Refused
from htx_tasks.services.registry import ConfirmRegistry, EditCoop, confirm_registry, edit_coop
from htx_tasks.store.db import make_engine, session_scope
from htx_tasks.store.models import AuditEvent, Occurrence

D = dt.date
NOW = dt.datetime(2026, 11, 27, 2, 0, tzinfo=dt.UTC)  # Friday 27/11/2026, 09:00 local
WARD, OTHER_WARD, KT, QLDT = "phuong-ba-ngoi", "phuong-cam-linh", "phong-kinh-te", "phong-quan-ly-do-thi"
LABELS = {f.name: f.header for f in BY_NAME.values()}


def d(text: str) -> dt.date:
    day, month, year = (int(x) for x in text.split("/"))
    return D(year, month, day)


# ---------------------------------------------------------------- staleness (pure, hand-computed)
# III.8.2 (xa-theo-doi-htx): quarterly, due on the 10th of the quarter's last month; tracking from 01/11/2026.
# Quarter IV/2026: 01/10–31/12, due Thursday 10/12/2026. Quarter I/2027: 01/01–31/03, due Wednesday 10/03/2027.
WARD_CASES = [  # today, last update, → freshness, the period it is about
    ("27/11/2026", None, Freshness.DUE, "quý IV/2026"),  # the first period, due date ahead
    ("10/12/2026", None, Freshness.DUE, "quý IV/2026"),  # the due day itself still counts
    ("11/12/2026", None, Freshness.STALE, "quý IV/2026"),
    ("11/12/2026", "01/10/2026", Freshness.CURRENT, "quý IV/2026"),  # the period's first day counts
    ("11/12/2026", "30/09/2026", Freshness.STALE, "quý IV/2026"),  # older than the period
    ("05/01/2027", "15/11/2026", Freshness.DUE, "quý I/2027"),  # a new quarter: to do, not stale
    ("10/03/2027", "15/11/2026", Freshness.DUE, "quý I/2027"),
    ("11/03/2027", "15/11/2026", Freshness.STALE, "quý I/2027"),
    ("11/03/2027", "11/03/2027", Freshness.CURRENT, "quý I/2027"),  # late, but current again
    ("05/01/2027", None, Freshness.STALE, "quý IV/2026"),  # never updated: stale from the last period due
]


@pytest.mark.parametrize(("today", "last", "expected", "period"), WARD_CASES)
def test_a_ward_is_stale_when_its_data_is_older_than_its_last_period_due(plan: Plan, today, last, expected,
                                                                         period) -> None:
    duty = plan.duty("xa-theo-doi-htx")
    result = upkeep(duty, plan.calendar, d(last) if last else None, d(today), plan.meta.tracking_from)
    assert (result.freshness, result.period.label) == (expected, period)


def test_a_due_date_on_a_sunday_moves_to_monday_before_a_unit_turns_stale(plan: Plan) -> None:
    duty = plan.duty("kt-theo-doi-htx")  # III.1.5: the 20th of the quarter's last month; 20/12/2026 is a Sunday
    on_monday = upkeep(duty, plan.calendar, None, D(2026, 12, 21), plan.meta.tracking_from)
    assert (on_monday.freshness, on_monday.period.due) == (Freshness.DUE, D(2026, 12, 21))
    tuesday = upkeep(duty, plan.calendar, None, D(2026, 12, 22), plan.meta.tracking_from)
    assert tuesday.freshness is Freshness.STALE


def test_no_period_counts_before_tracking_or_after_the_duty_ended(plan: Plan) -> None:
    ended = plan.duty("xa-theo-doi-htx").model_copy(update={"active": Active(until=D(2026, 6, 30))})
    assert upkeep(ended, plan.calendar, None, D(2026, 12, 11), plan.meta.tracking_from) is None
    duty = plan.duty("xa-theo-doi-htx")
    assert upkeep(duty, plan.calendar, None, D(2026, 9, 15), plan.meta.tracking_from) is None


# ---------------------------------------------------------------- services (SQLite and PostgreSQL)
def org(code: str, ward: str, sector: str, follow: str, **kw) -> Coop:
    values = {"name": f"Hợp tác xã {code}", "kind": "hop-tac-xa", "ward": ward, "sector": sector,
              "follow_unit": follow, "status": "dang-hoat-dong", "founded_on": D(2015, 3, 1),
              "valid_from": D(2023, 1, 1), "members": 25, "key_product_count": 2, "ecommerce_products": 0}
    values.update(kw)
    return Coop(code=code, **values)


REGISTRY = [
    org("HTX-BN1", WARD, "nong-nghiep", KT),
    org("HTX-BN2", WARD, "giao-thong-van-tai", QLDT),
    org("HTX-CL1", OTHER_WARD, "thuong-mai", KT),
    org("HTX-CL2", OTHER_WARD, "thuong-mai", KT, status="da-giai-the"),  # dissolved: followed no more
]


@pytest.fixture
def engine(db_engine: Engine, plan: Plan) -> Engine:
    run_pass(db_engine, plan, NOW)
    with session_scope(db_engine) as session:
        service.apply(session, REGISTRY, source="import", now=NOW)
    return db_engine


def ward(unit: str = WARD) -> Actor:
    return Actor.of_unit(unit, VIA)


def version_id(engine: Engine, code: str) -> int:
    with Session(engine) as session:
        return session.exec(select(CoopVersion.id).where(CoopVersion.code == code,
                                                          CoopVersion.valid_to.is_(None))).one()


def list_mark(engine: Engine, plan: Plan, unit: str, now: dt.datetime) -> str:
    """The mark of the list a unit's page shows at ``now`` (what confirming it sends back)."""
    with Session(engine) as session:
        return fingerprint(followed_rows(session, plan, unit, local_date(now)))


def written(engine: Engine) -> tuple:
    with Session(engine) as session:
        return tuple(session.exec(select(func.count()).select_from(m)).one()
                     for m in (CoopVersion, RegistryUpdate, AuditEvent))


def confirm(engine: Engine, plan: Plan, actor: Actor, now: dt.datetime = NOW, **values) -> RegistryUpdate:
    """Confirm as a person who saw the list as it stands (unless ``seen`` says otherwise)."""
    values.setdefault("seen", list_mark(engine, plan, values["unit"], now))
    with session_scope(engine) as session:
        return confirm_registry(session, plan, actor, ConfirmRegistry.parse(**values), now=now)


def edit(engine: Engine, plan: Plan, actor: Actor, now: dt.datetime = NOW, **values):
    """Edit as a person who saw the organisation as it stands (unless ``expected_version`` says otherwise)."""
    with Session(engine) as session:
        shown = session.exec(select(CoopVersion.id).where(CoopVersion.code == values["code"],
                                                           CoopVersion.valid_to.is_(None))).first()
    values.setdefault("expected_version", shown or 1)  # a code no page shows: any version, refused for the code
    with session_scope(engine) as session:
        return edit_coop(session, plan, actor, EditCoop.parse(**values), now=now)


def test_each_unit_follows_its_organisations_by_ward_or_by_sector(engine: Engine, plan: Plan) -> None:
    with Session(engine) as session:
        followed = {u: [r.code for r in followed_rows(session, plan, u, D(2026, 11, 27))]
                    for u in (WARD, OTHER_WARD, KT, QLDT, "phong-tai-chinh-ke-hoach")}
    assert followed == {WARD: ["HTX-BN1", "HTX-BN2"], OTHER_WARD: ["HTX-CL1"], KT: ["HTX-BN1", "HTX-CL1"],
                        QLDT: ["HTX-BN2"], "phong-tai-chinh-ke-hoach": []}


def test_a_ward_confirms_its_list_tied_to_its_period_and_audited(engine: Engine, plan: Plan) -> None:
    row = confirm(engine, plan, ward(), unit=WARD)
    with Session(engine) as session:
        occurrence = session.exec(select(Occurrence).where(Occurrence.duty_code == "xa-theo-doi-htx",
                                                           Occurrence.unit_code == WARD)).one()
        trail = session.exec(select(AuditEvent).where(AuditEvent.action == "registry_confirm")).one()
        standing = unit_upkeep(session, plan, WARD, D(2026, 12, 11))
    assert (row.unit_code, row.kind, row.as_of, row.organisations) == (WARD, "confirm", D(2026, 11, 27), 2)
    assert occurrence.period_key == "2026-Q4" and row.occurrence_id == occurrence.id
    assert (trail.actor, trail.role, trail.via, trail.occurrence_id) == (WARD, "unit", VIA, occurrence.id)
    assert "Xác nhận danh sách 2 tổ chức" in trail.reason
    assert [s.standing.freshness for s in standing] == [Freshness.CURRENT]


def test_the_coordinator_confirms_on_a_units_behalf_for_a_past_day(engine: Engine, plan: Plan) -> None:
    row = confirm(engine, plan, COORDINATOR, unit=KT, as_of="2026-11-20", note="Phòng Kinh tế xác nhận qua điện thoại")
    assert (row.unit_code, row.actor, row.role, row.as_of, row.organisations) == (
        KT, "cơ quan thường trực", "coordinator", D(2026, 11, 20), 2)
    assert row.note == "Phòng Kinh tế xác nhận qua điện thoại"


@pytest.mark.parametrize(("actor", "values", "error", "message"), [
    (ward(OTHER_WARD), {"unit": WARD}, Refused, "không cập nhật thay UBND phường Ba Ngòi"),
    (ward(), {"unit": "phong-tai-chinh-ke-hoach"}, Refused, "không cập nhật thay Phòng Tài chính"),
    (COORDINATOR, {"unit": "phong-tai-chinh-ke-hoach"}, Refused, "không có nhiệm vụ theo dõi hợp tác xã"),
    (COORDINATOR, {"unit": "khong-co"}, Refused, "không có đơn vị 'khong-co'"),
    (ward("khong-co"), {"unit": WARD}, Refused, "không có đơn vị 'khong-co' trong kế hoạch"),
    (ward(), {"unit": WARD, "as_of": "2026-11-28"}, InvalidInput, "as_of: ngày xác nhận 28/11/2026 chưa đến"),
    (COORDINATOR, {"unit": WARD, "as_of": "2026-08-01"}, InvalidInput, "quá xa: sớm nhất 26/08/2026"),
    (ward(), {"unit": WARD, "seen": "0000000000000000"}, Conflict, "đã có người xử lý trước"),
])
def test_a_refused_confirmation_writes_nothing(engine: Engine, plan: Plan, actor, values, error, message) -> None:
    before = written(engine)
    with pytest.raises(error) as caught:
        confirm(engine, plan, actor, **values)
    assert message in str(caught.value)
    assert written(engine) == before


@pytest.mark.parametrize("action", ["confirm", "edit"])
def test_a_confirmation_or_an_edit_without_what_was_seen_is_refused_and_writes_nothing(engine: Engine, plan: Plan,
                                                                                       action: str) -> None:
    before = written(engine)
    with pytest.raises(InvalidInput) as caught, session_scope(engine) as session:
        if action == "confirm":
            confirm_registry(session, plan, ward(), ConfirmRegistry.parse(unit=WARD, seen=None), now=NOW)
        else:
            edit_coop(session, plan, ward(), EditCoop.parse(unit=WARD, code="HTX-BN1", valid_from="2026-11-27",
                                                            values={"members": "30"}), now=NOW)
    field = "seen" if action == "confirm" else "expected_version"
    assert [(e.field, e.missing) for e in caught.value.errors] == [(field, True)]
    assert "cần phiên bản như đã xem" in str(caught.value)
    assert written(engine) == before


def test_a_confirmation_of_the_list_the_page_showed_is_taken(engine: Engine, plan: Plan) -> None:
    with Session(engine) as session:
        seen = fingerprint(followed_rows(session, plan, WARD, D(2026, 11, 27)))
    edit(engine, plan, Actor.of_unit(KT, VIA), unit=KT, code="HTX-BN1", valid_from="2026-11-27",
         values={"members": "30"})
    with pytest.raises(Conflict, match="đã có người xử lý trước"):  # the list changed since the page was shown
        confirm(engine, plan, ward(), unit=WARD, seen=seen)
    with Session(engine) as session:
        seen = fingerprint(followed_rows(session, plan, WARD, D(2026, 11, 27)))
    assert confirm(engine, plan, ward(), unit=WARD, seen=seen).organisations == 2


def test_an_edit_writes_a_dated_version_and_counts_as_the_units_update(engine: Engine, plan: Plan) -> None:
    done = edit(engine, plan, ward(), unit=WARD, code="HTX-BN1", valid_from="2026-11-20",
                values={"members": "1.500", "rating": "Khá", "rating_year": "2026", "status": "Ngừng hoạt động"},
                expected_version=version_id(engine, "HTX-BN1"))
    assert done.changed == ["Tình trạng", "Số thành viên", "Xếp loại", "Năm xếp loại"]
    with Session(engine) as session:
        before = {c.code: c for c in service.snapshot(session, D(2026, 11, 19))}["HTX-BN1"]
        after = {c.code: c for c in service.snapshot(session, D(2026, 11, 20))}["HTX-BN1"]
        new = session.exec(select(CoopVersion).where(CoopVersion.code == "HTX-BN1",
                                                     CoopVersion.valid_to.is_(None))).one()
        trail = session.exec(select(AuditEvent).where(AuditEvent.action == "registry_edit")).one()
        update = session.exec(select(RegistryUpdate)).one()
    assert (before.members, before.status) == (25, "dang-hoat-dong")
    assert (after.members, after.rating, after.rating_year, after.status) == (1500, "kha", 2026, "ngung-hoat-dong")
    assert (new.source, new.name, new.follow_unit) == ("cli", "Hợp tác xã HTX-BN1", KT)
    assert "Số thành viên: 25 → 1500" in trail.reason and trail.via == VIA
    assert (update.unit_code, update.kind, update.coop_code, update.as_of) == (WARD, "edit", "HTX-BN1", D(2026, 11, 27))


def test_a_second_edit_the_same_day_corrects_the_first_without_a_new_version(engine: Engine, plan: Plan) -> None:
    edit(engine, plan, ward(), unit=WARD, code="HTX-BN1", valid_from="2026-11-27", values={"members": "30"})
    edit(engine, plan, ward(), unit=WARD, code="HTX-BN1", valid_from="2026-11-27", values={"members": "31"},
         expected_version=version_id(engine, "HTX-BN1"))
    with Session(engine) as session:
        versions = session.exec(select(CoopVersion).where(CoopVersion.code == "HTX-BN1")
                                .order_by(CoopVersion.valid_from)).all()
    assert [(v.valid_from, v.valid_to, v.members) for v in versions] == [
        (D(2023, 1, 1), D(2026, 11, 27), 25), (D(2026, 11, 27), None, 31)]


@pytest.mark.parametrize(("actor", "values", "error", "message"), [
    (ward(), {"code": "HTX-BN1", "values": {"members": "ba mươi"}}, InvalidInput, "Số thành viên: cần một số nguyên"),
    (ward(), {"code": "HTX-BN1", "values": {"ecommerce_products": "3"}}, InvalidInput,
     "Số sản phẩm chủ lực bán qua thương mại điện tử: lớn hơn số sản phẩm chủ lực (2)"),
    (ward(), {"code": "HTX-BN1", "values": {"rating": "Khá"}}, InvalidInput,
     "Năm xếp loại: có xếp loại thì phải ghi năm xếp loại"),
    (ward(), {"code": "HTX-BN1", "values": {"status": "Tạm nghỉ"}}, InvalidInput,
     "Tình trạng: giá trị không hợp lệ; chỉ nhận: Đang hoạt động, Ngừng hoạt động"),
    (ward(), {"code": "HTX-BN1", "values": {"tech": "Có"}}, InvalidInput,
     "Cách ứng dụng: có ứng dụng công nghệ cao, chuyển đổi số thì ghi rõ cách ứng dụng"),
    (ward(), {"code": "HTX-BN1", "values": {"name": "Tên khác"}}, InvalidInput, "không sửa được trường: name"),
    (ward(), {"code": "HTX-BN1", "valid_from": "2026-11-28", "values": {"members": "3"}}, InvalidInput,
     "Ngày hiệu lực: ngày 28/11/2026 chưa đến"),
    (ward(), {"code": "HTX-BN1", "valid_from": "2022-12-31", "values": {"members": "3"}}, InvalidInput,
     "không ghi lùi lịch sử"),
    (ward(), {"code": "HTX-BN1", "valid_from": "2023-01-01", "values": {"members": "3"}}, InvalidInput,
     "(nhập từ tệp); hãy ghi ngày hiệu lực sau ngày này"),
    (ward(), {"code": "HTX-BN1", "values": {"members": "25"}}, Refused, "không có thông tin nào thay đổi"),
    (ward(), {"code": "HTX-CL1", "values": {"members": "3"}}, Refused,
     "'HTX-CL1' không thuộc danh sách do UBND phường Ba Ngòi theo dõi"),
    (ward(), {"code": "HTX-CL2", "unit": OTHER_WARD, "values": {"members": "3"}}, Refused,
     "chỉ cập nhật danh sách hợp tác xã của chính đơn vị mình"),
    (ward(OTHER_WARD), {"code": "HTX-CL2", "unit": OTHER_WARD, "values": {"members": "3"}}, Refused,
     "không thuộc danh sách"),  # dissolved
    (Actor.of_unit(QLDT, VIA), {"code": "HTX-BN1", "unit": QLDT, "values": {"members": "3"}}, Refused,
     "không thuộc danh sách do Phòng Quản lý đô thị theo dõi"),  # agriculture is Phòng Kinh tế's
    (ward(), {"code": "KHONG-CO", "values": {"members": "3"}}, Refused, "không thuộc danh sách"),
])
def test_a_refused_edit_names_the_field_and_writes_nothing(engine: Engine, plan: Plan, actor, values, error,
                                                          message) -> None:
    before = written(engine)
    with pytest.raises(error) as caught:
        edit(engine, plan, actor, **{"unit": WARD, "valid_from": "2026-11-27", **values})
    text = caught.value.render(LABELS) if isinstance(caught.value, InvalidInput) else str(caught.value)
    assert message in text
    assert written(engine) == before


def test_two_people_editing_one_organisation_from_one_page_make_one_version(engine: Engine, plan: Plan) -> None:
    """Ten rounds: the ward and Phòng Kinh tế send the same organisation's form at the same moment."""
    url = engine.url.render_as_string(hide_password=False)
    barrier = threading.Barrier(2)
    outcomes: dict[int, list[str]] = {0: [], 1: []}
    seen: list[int] = []

    def worker(slot: int, actor: Actor, unit: str) -> None:
        own = make_engine(url)
        try:
            for round_ in range(10):
                if slot == 0:
                    seen.append(version_id(own, "HTX-BN1"))
                barrier.wait(timeout=60)
                try:
                    edit(own, plan, actor, now=NOW + dt.timedelta(days=round_), unit=unit, code="HTX-BN1",
                         valid_from=(D(2026, 11, 27) + dt.timedelta(days=round_)).isoformat(),
                         values={"members": str(100 + 2 * round_ + slot)}, expected_version=seen[round_])
                    outcomes[slot].append("ok")
                except Conflict as exc:
                    assert "đã có người xử lý trước" in str(exc)
                    outcomes[slot].append("conflict")
                barrier.wait(timeout=60)
        finally:
            own.dispose()

    threads = [threading.Thread(target=worker, args=(0, ward(), WARD)),
               threading.Thread(target=worker, args=(1, Actor.of_unit(KT, VIA), KT))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert sorted(zip(outcomes[0], outcomes[1], strict=True)) == sorted(
        [("ok", "conflict") if a == "ok" else ("conflict", "ok") for a in outcomes[0]])
    assert len(outcomes[0]) == 10
    with Session(engine) as session:
        versions = session.exec(select(CoopVersion).where(CoopVersion.code == "HTX-BN1")).all()
        edits = session.exec(select(func.count()).select_from(RegistryUpdate)).one()
    assert len(versions) == 11 and edits == 10  # one version and one update per round
    assert sum(v.valid_to is None for v in versions) == 1


# ---------------------------------------------------------------- the board
def test_the_board_marks_units_whose_registry_data_is_older_than_their_last_period(engine: Engine,
                                                                                   plan: Plan) -> None:
    confirm(engine, plan, ward(), unit=WARD)  # 27/11/2026
    confirm(engine, plan, COORDINATOR, unit=QLDT, as_of="2026-09-30")  # before quarter IV
    later = at_local(D(2026, 12, 11), 8)  # quarter IV's wards' due date (10/12) has passed
    with Session(engine) as session:
        data = board.build_board(session, plan, later)
    text = board.render_markdown(data, plan)
    section = text.split("## Sổ HTX: ")[1].split("\n## ")[0]
    assert section.startswith("đơn vị cập nhật sổ theo dõi hợp tác xã (14 đơn vị quá hạn cập nhật)")
    assert "| III.8.2 | UBND phường Ba Ngòi | 2 | 27/11/2026 | quý IV/2026 | 10/12/2026 | Đã cập nhật |" in section
    assert ("| III.8.2 | UBND phường Cam Linh | 1 | Chưa có | quý IV/2026 | 10/12/2026 | **Quá hạn cập nhật** |"
            in section)
    # III.1.5 and III.3 are due 21/12 (20/12 is a Sunday) and 15/12: still to do, not stale
    assert "| III.1.5 | Phòng Kinh tế | 2 | Chưa có | quý IV/2026 | 21/12/2026 | Chưa cập nhật |" in section
    assert "| III.3 | Phòng Quản lý đô thị | 1 | 30/09/2026 | quý IV/2026 | 15/12/2026 | Chưa cập nhật |" in section
    assert board.summary(data).endswith("; 14 đơn vị quá hạn cập nhật sổ HTX.")


# ---------------------------------------------------------------- the command line
def test_cli_confirms_and_edits_and_names_the_option_of_a_bad_value(run_cli) -> None:
    at = ("--now", "2026-11-27T09:00")
    assert run_cli("init").exit_code == 0 and run_cli("registry", "demo", *at).exit_code == 0
    shown = run_cli("registry", "show", "--unit", "phong-quan-ly-do-thi", "--json", *at)
    assert shown.exit_code == 0, shown.output
    listed = json.loads(shown.stdout)
    versions = {o["code"]: str(o["version"]) for o in listed["organisations"]}
    unseen = run_cli("registry", "confirm", "--unit", "phong-quan-ly-do-thi", *at)
    assert unseen.exit_code == 2
    assert ("--seen: cần dấu danh sách như đã xem (htx-tasks registry show --unit phong-quan-ly-do-thi)"
            in unseen.stderr)
    done = run_cli("registry", "confirm", "--unit", "phong-quan-ly-do-thi", "--seen", listed["seen"], *at)
    assert done.exit_code == 0 and "Phòng Quản lý đô thị xác nhận danh sách 5 tổ chức không thay đổi" in done.stdout
    unversioned = run_cli("registry", "edit", "MH-030", "--unit", "phong-quan-ly-do-thi", "--set", "members=41", *at)
    assert unversioned.exit_code == 2 and "--version: cần phiên bản thông tin tổ chức như đã xem" in unversioned.stderr
    bad = run_cli("registry", "edit", "MH-030", "--unit", "phong-quan-ly-do-thi", "--set", "members=abc",
                  "--version", versions["MH-030"], *at)
    assert bad.exit_code == 2 and "--set members (Số thành viên): cần một số nguyên" in bad.stderr
    other = run_cli("registry", "edit", "MH-030", "--unit", "phuong-ba-ngoi", "--set", "members=41",
                    "--version", versions["MH-030"], *at)
    assert other.exit_code == 1 and "không thuộc danh sách do UBND phường Ba Ngòi theo dõi" in other.stderr
    edited = run_cli("registry", "edit", "MH-030", "--unit", "phong-quan-ly-do-thi", "--coordinator",
                     "--set", "members=41", "--version", versions["MH-030"], *at)
    assert edited.exit_code == 0 and "Số thành viên" in edited.stdout
    again = run_cli("registry", "edit", "MH-030", "--unit", "phong-quan-ly-do-thi", "--coordinator",
                    "--set", "members=42", "--version", versions["MH-030"], *at)  # the page before the edit
    assert again.exit_code == 1 and "đã có người xử lý trước" in again.stderr


def test_the_upkeep_migration_goes_down_and_up_again(db_engine: Engine) -> None:
    from alembic import command
    from sqlalchemy import inspect

    from htx_tasks.store.db import alembic_config

    assert inspect(db_engine).has_table("registry_update")
    command.downgrade(alembic_config(db_engine), "i9_registry")
    assert not inspect(db_engine).has_table("registry_update") and inspect(db_engine).has_table("coop_version")
    command.upgrade(alembic_config(db_engine), "head")
    assert "ix_registry_update_unit_as_of" in {i["name"] for i in inspect(db_engine).get_indexes("registry_update")}
