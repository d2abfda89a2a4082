"""A plan read from a file is a draft: nothing is opened or sent until the coordinator activates it.

The seed plan's text is drafted into the database (as ``plan draft --into-db`` does), the office's
pass runs over every plan the office has (nothing opens for the draft, no notice names it), the
coordinator reviews rows (a unit, a deadline, a request, a row dropped; each audited, each with the
version the page showed), activation is refused row by row until every kept row has a unit and a
deadline, and once activated the next pass opens its items and records their assignment notices
(SQLite and PostgreSQL).
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import Engine, func, select
from sqlmodel import Session

from htx_tasks.core.lifecycle import Kind
from htx_tasks.core.zones import at_local
from htx_tasks.intake.directory import directory_of, policy_of
from htx_tasks.intake.errors import Limits
from htx_tasks.intake.plandraft import draft_of_text, read_plan_file
from htx_tasks.plan.loader import Plan
from htx_tasks.services import Actor, Conflict, InvalidInput, Refused, passes
from htx_tasks.services.draftplan import activate_draft, stored_plans
from htx_tasks.services.drafts import ActivateDraft, EditDraftRow, draft_view, drafts, edit_row, register_draft
from htx_tasks.store.db import read_scope, session_scope
from htx_tasks.store.models import AuditEvent, DraftRow, Notification, Occurrence, PlanRow
from tests.plan_documents import SEED

COORDINATOR = Actor.coordinator("link:kiem-thu")
NOW = at_local(dt.date(2026, 11, 2), 7, 30)
QUARTERLY = "hằng quý, trước ngày 15 tháng cuối quý"


def drafted(engine: Engine, plan: Plan) -> str:
    directory, units = directory_of(plan)
    name, text = read_plan_file(SEED, directory, Limits())
    draft = draft_of_text(name, text, units, policy_of(plan))
    with session_scope(engine) as session:
        row = register_draft(session, plan, Actor.coordinator("cli:kiem-thu"), draft,
                             taken={plan.meta.code, *plan.duties}, now=NOW)
        return row.code


def office(engine: Engine, plan: Plan) -> list[Plan]:
    """Every plan of the office, as the front doors give them to the pass."""
    with read_scope(engine) as session:
        return [plan, *stored_plans(session, plan).values()]


def counted(engine: Engine, code: str) -> tuple[int, int, int]:
    """The plan's items, its notices, and its items with an assignment notice."""
    with Session(engine) as session:
        items = session.execute(select(func.count()).select_from(Occurrence).where(Occurrence.plan_code == code)).scalar_one()
        notices = session.execute(select(func.count()).select_from(Notification).join(
            Occurrence, Occurrence.id == Notification.occurrence_id).where(Occurrence.plan_code == code)).scalar_one()
        assigned = session.execute(select(func.count(func.distinct(Notification.occurrence_id))).join(
            Occurrence, Occurrence.id == Notification.occurrence_id).where(
            Occurrence.plan_code == code, Notification.kind == Kind.ASSIGNED.value)).scalar_one()
        return items, notices, assigned


def version(engine: Engine, code: str) -> int:
    with Session(engine) as session:
        row = session.get(PlanRow, code)
        assert row is not None
        return row.version


def edit(engine: Engine, plan: Plan, code: str, row: DraftRow, actor: Actor = COORDINATOR, **values) -> DraftRow:
    with session_scope(engine) as session:
        command = EditDraftRow.parse(plan=code, row=row.id, expected_version=values.pop("seen", version(engine, code)),
                                     **values)
        return edit_row(session, plan, actor, command, now=NOW)


def test_a_drafted_plan_sends_nothing_until_the_coordinator_activates_it(db_engine: Engine, plan: Plan) -> None:
    code = drafted(db_engine, plan)
    with read_scope(db_engine) as session:
        assert [d.code for d in drafts(session)] == [code]
        view = draft_view(session, code)
    assert view is not None and view.row.status == "draft" and len(view.rows) == 16
    assert len({r.ref for r in view.rows}) == 16 and view.rows[0].ref == "III.1.1" and view.rows[-1].ref == "III.8.2"
    assert all(r.unit_code in plan.units and r.unit_sure for r in view.rows), "the seed's units are all the office's"
    assert all(r.source.startswith(SEED.name) and "dòng" in r.source for r in view.rows)

    passes.run_pass(db_engine, office(db_engine, plan), NOW)
    assert counted(db_engine, code) == (0, 0, 0), "a draft opens nothing and sends nothing"
    assert counted(db_engine, plan.meta.code)[0] > 0, "the office's pass did run"

    undated = [r for r in view.rows if r.recurrence is None]
    assert undated, "the seed leaves most duties without a deadline"
    with session_scope(db_engine) as session, pytest.raises(Refused) as refused:
        activate_draft(session, plan, COORDINATOR, ActivateDraft.parse(plan=code, expected_version=version(db_engine, code)),
                       now=NOW)
    assert f"Dòng {undated[0].position} ({undated[0].ref}): chưa có thời hạn" in str(refused.value)

    dropped = view.rows[0]
    edit(db_engine, plan, code, dropped, dropped=True)
    for row in undated[1:]:
        edit(db_engine, plan, code, row, deadline=QUARTERLY)
    for row in view.rows[1:]:
        if row.recurrence is not None and row.request:
            edit(db_engine, plan, code, row, request=True, deadline="31/12/2026")
    passes.run_pass(db_engine, office(db_engine, plan), NOW)
    assert counted(db_engine, code) == (0, 0, 0), "still a draft after the review"

    with session_scope(db_engine) as session:
        made = activate_draft(session, plan, COORDINATOR,
                              ActivateDraft.parse(plan=code, expected_version=version(db_engine, code)), now=NOW)
    assert made.meta.code == code and dropped.code not in made.duties and len(made.duties) == 15
    assert made.duty(undated[1].code).recurrence.every.value == "quarter"
    with read_scope(db_engine) as session:
        assert session.get(PlanRow, code).status == "active"
        assert set(stored_plans(session, plan)) == {code}
    passes.run_pass(db_engine, office(db_engine, plan), NOW)
    items, notices, assigned = counted(db_engine, code)
    assert items > 0 and assigned == items and notices >= assigned, "activated: the next pass assigns the work"
    with Session(db_engine) as session:
        trail = list(session.execute(select(AuditEvent.action).where(AuditEvent.occurrence_id.is_(None))).scalars())
    assert trail.count("register_draft") == 1 and trail.count("activate_plan") == 1
    assert trail.count("edit_draft_row") == 1 + len(undated[1:]) + sum(1 for r in view.rows[1:] if r.recurrence and r.request)


def test_every_change_needs_the_coordinator_and_the_version_it_saw(db_engine: Engine, plan: Plan) -> None:
    code = drafted(db_engine, plan)
    with read_scope(db_engine) as session:
        view = draft_view(session, code)
    assert view is not None
    row, seen = view.rows[1], version(db_engine, code)
    with pytest.raises(Refused, match="không có quyền rà soát kế hoạch nháp"):
        edit(db_engine, plan, code, row, actor=Actor.of_unit("phong-kinh-te", "link:x"), deadline=QUARTERLY)
    with pytest.raises(InvalidInput, match="expected_version"):
        EditDraftRow.parse(plan=code, row=row.id, deadline=QUARTERLY)
    with pytest.raises(InvalidInput, match="deadline: chưa dùng được “Kỳ họp chuyên đề tháng 5/2026”"):
        edit(db_engine, plan, code, row, deadline="Kỳ họp chuyên đề tháng 5/2026")
    with pytest.raises(InvalidInput, match="unit: không có đơn vị mã 'khong-co'"):
        edit(db_engine, plan, code, row, unit="khong-co")
    assert version(db_engine, code) == seen, "refusals write nothing"
    edit(db_engine, plan, code, row, unit="phong-tai-chinh-ke-hoach", deadline="quý I/2027", seen=seen)
    with pytest.raises(Conflict, match="đã có người xử lý trước"):
        edit(db_engine, plan, code, row, dropped=True, seen=seen)
    with Session(db_engine) as session:
        stored = session.get(DraftRow, row.id)
        assert stored is not None and not stored.dropped and stored.unit_code == "phong-tai-chinh-ke-hoach"
        assert json.loads(stored.recurrence or "{}")["due_date"] == "2027-03-31"
        assert "Chủ trì:" not in stored.flags and "Thời hạn:" not in stored.flags
        reasons = list(session.execute(select(AuditEvent.reason).where(AuditEvent.action == "edit_draft_row")).scalars())
    assert len(reasons) == 1 and "Phòng Tài chính – Kế hoạch" in reasons[0] and "31/03/2027" in reasons[0]
    with session_scope(db_engine) as session, pytest.raises(Conflict, match="đã có người xử lý trước"):
        activate_draft(session, plan, COORDINATOR, ActivateDraft.parse(plan=code, expected_version=seen), now=NOW)


def test_the_cli_imports_into_review_and_activates_with_the_version_it_showed(run_cli, tmp_path) -> None:
    table = tmp_path / "phan-cong.csv"
    table.write_text("STT,Nội dung nhiệm vụ,Cơ quan chủ trì,Thời gian hoàn thành,Sản phẩm\n"
                     "1,Rà soát hợp tác xã nông nghiệp,Phòng Kinh tế,Quý I/2027,Báo cáo rà soát\n"
                     "2,Tuyên truyền Luật Hợp tác xã,Trung tâm Văn hóa - Thông tin và Thể thao,"
                     "\"hằng quý, trước ngày 15 tháng cuối quý\",Bản tin\n", encoding="utf-8")
    assert run_cli("init").exit_code == 0
    result = run_cli("plan", "import", table, "--into-db", "--year", "2027")
    assert result.exit_code == 0, result.output
    assert "Đã đưa kế hoạch nháp 'phan-cong' vào rà soát (chưa mở, chưa gửi việc nào)" in " ".join(result.stdout.split())
    again = run_cli("plan", "import", table, "--into-db", "--year", "2027")
    assert again.exit_code == 1 and "đã có kế hoạch mã 'phan-cong'" in " ".join(again.stderr.split())
    tick = json.loads(run_cli("tick", "--now", "2026-11-02T07:30", "--no-dispatch", "--json").stdout)
    listed = {p["code"]: p for p in json.loads(run_cli("plans", "--json").stdout)}
    assert listed["phan-cong"]["status"] == "draft" and listed["phan-cong"]["open"] == 0 and tick["opened"] > 0
    assert "(bản nháp chờ rà soát)" in " ".join(run_cli("plans").stdout.split())
    shown = json.loads(run_cli("plan", "show", "phan-cong", "--json").stdout)
    assert shown["version"] == 1
    table_view = " ".join(run_cli("plan", "show", "phan-cong").stdout.split())
    assert "phiên bản 1" in table_view and "Rà soát hợp tác xã nông nghiệp" in table_view
    unversioned = run_cli("plan", "activate", "phan-cong")
    assert unversioned.exit_code == 2 and "--version" in unversioned.stderr
    stale = run_cli("plan", "activate", "phan-cong", "--version", "7")
    assert stale.exit_code == 1 and "đã có người xử lý trước" in " ".join(stale.stderr.split())
    done = run_cli("plan", "activate", "phan-cong", "--version", "1", "--now", "2026-11-02T08:00")
    assert done.exit_code == 0, done.output
    tick = json.loads(run_cli("tick", "--now", "2026-11-03T07:30", "--no-dispatch", "--json").stdout)
    listed = {p["code"]: p for p in json.loads(run_cli("plans", "--json").stdout)}
    assert listed["phan-cong"]["status"] == "active" and listed["phan-cong"]["open"] == 1
    rows = json.loads(run_cli("status", "--plan", "phan-cong", "--json", "--now", "2026-11-03T07:30").stdout)
    assert [r["unit"] for r in rows] == ["trung-tam-vhtt-tt"], "this quarter's; the 31/03 one opens nearer"
    assert tick["notifications"] >= 1
