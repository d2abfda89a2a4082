"""The report's draft: compiled from the units' reports, edited by the coordinator, compiled again
without losing an edit, every change a compare-and-set on its version, every action audited."""

from __future__ import annotations

import pytest
from sqlmodel import Session, col, select

from htx_tasks import clock
from htx_tasks.reporting.draft import Merged, Part, merge
from htx_tasks.services import Actor, Conflict, Refused, SubmitReport, submit, via_link
from htx_tasks.services.reporting import CompileDraft, EditDraft, edit_draft, parse_period
from htx_tasks.store.db import session_scope
from htx_tasks.store.drafts import ReportDraft, ReportPart, parts_of
from htx_tasks.store.models import AuditEvent, Occurrence
from tests.reportkit import COORDINATOR, NOW, REPORTS, compiled, followed

LATER = clock.parse_instant("2026-12-30T09:00")
H2 = parse_period("2026-H2")


def part(key: str, text: str) -> Part:
    return Part(key, "don-vi", "", text)


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        # not edited: the new compilation's text replaces the old
        ([Merged(part("a", "cũ"), "cũ")], [part("a", "mới")], [("a", "mới", False, None, False)]),
        # edited, compilation changed: the edit stays, the new text is offered beside it
        ([Merged(part("a", "đã sửa"), "cũ", edited=True)], [part("a", "mới")], [("a", "đã sửa", True, "mới", False)]),
        # edited, compilation unchanged: nothing offered
        ([Merged(part("a", "đã sửa"), "cũ", edited=True)], [part("a", "cũ")], [("a", "đã sửa", True, None, False)]),
        # an edited part the compilation no longer writes is kept, marked gone; an unedited one goes
        (
            [Merged(part("a", "đã sửa"), "cũ", edited=True), Merged(part("b", "x"), "x")],
            [part("c", "mới")],
            [("c", "mới", False, None, False), ("a", "đã sửa", True, None, True)],
        ),
    ],
)
def test_merge_keeps_every_edit_and_offers_the_new_text(old, new, expected) -> None:
    got = [(m.part.key, m.part.text, m.edited, m.offered, m.gone) for m in merge(old, new)]
    assert got == expected


def _parts(engine) -> dict[str, ReportPart]:
    with Session(engine) as session:
        draft = session.exec(select(ReportDraft)).one()
        assert draft.id is not None
        return {p.key: p for p in parts_of(session, draft.id)}


def _audits(engine, action: str) -> list[AuditEvent]:
    with Session(engine) as session:
        return list(session.exec(select(AuditEvent).where(AuditEvent.action == action).order_by(col(AuditEvent.id))).all())


def _edit(engine, plan, seen: int, **values) -> ReportDraft:
    with session_scope(engine) as session:
        draft = edit_draft(
            session,
            plan,
            COORDINATOR,
            EditDraft.parse(period="2026-H2", expected_version=seen, recipients="Thành ủy Cam Ranh (báo cáo)", **values),
            now=NOW,
        )
        session.expunge(draft)
    return draft


def test_the_coordinators_edits_survive_a_new_compilation(db_engine, plan) -> None:
    items = followed(db_engine, plan)
    draft = compiled(db_engine, plan)
    parts = _parts(db_engine)
    quoted = parts[f"kq-{items['phuong-ba-ngoi']}"]
    assert (quoted.author, quoted.text) == ("UBND phường Ba Ngòi", REPORTS["phuong-ba-ngoi"])
    assert parts["phuong-huong"].text == ""
    edited = _edit(
        db_engine,
        plan,
        draft.version,
        texts={
            f"kq-{items['phuong-ba-ngoi']}": "Đã tuyên truyền Luật Hợp tác xã năm 2023 tại 4 khu dân cư.",
            "phuong-huong": "Tiếp tục hướng dẫn thành lập hợp tác xã nông nghiệp.",
        },
    )
    assert edited.version == draft.version + 1
    # a ward reports after the draft was edited; the overview's figures change with it
    with session_scope(db_engine) as session:
        row = session.exec(
            select(Occurrence).where(Occurrence.unit_code == "phuong-cam-loc", col(Occurrence.deadline).between(H2.start, H2.end))
        ).first()
        assert row is not None
        submit(
            session,
            plan,
            Actor.of_unit("phuong-cam-loc", via_link("l")),
            SubmitReport.parse(
                occurrence=row.id, results="Đã phổ biến Nghị quyết 20 tới 3 tổ dân phố", expected_version=row.version
            ),
            now=LATER,
        )
    again = compiled(db_engine, plan, edited.version, now=LATER)
    parts = _parts(db_engine)
    assert parts[f"kq-{items['phuong-ba-ngoi']}"].text.endswith("năm 2023 tại 4 khu dân cư.")
    assert parts[f"kq-{items['phuong-ba-ngoi']}"].edited and parts[f"kq-{items['phuong-ba-ngoi']}"].offered is None
    assert parts["phuong-huong"].text == "Tiếp tục hướng dẫn thành lập hợp tác xã nông nghiệp."
    assert parts[f"kq-{row.id}"].text == "Đã phổ biến Nghị quyết 20 tới 3 tổ dân phố"  # the new report is in
    assert parts["tong-quan"].text.startswith("Tính đến ngày 30/12/2026, 3 đơn vị")  # not edited: rewritten
    # the overview edited, then a compilation with other figures offers its text beside the edit
    mine = "Sáu tháng cuối năm, các đơn vị triển khai đúng kế hoạch."
    _edit(db_engine, plan, again.version, texts={"tong-quan": mine})
    third = compiled(db_engine, plan, again.version + 1, now=NOW)
    overview = _parts(db_engine)["tong-quan"]
    assert (overview.text, overview.edited) == (mine, True)
    assert overview.offered is not None and overview.offered.startswith("Tính đến ngày 28/12/2026")
    _edit(db_engine, plan, third.version, texts={"tong-quan": mine}, take=["tong-quan"])
    overview = _parts(db_engine)["tong-quan"]
    assert (overview.text.startswith("Tính đến ngày 28/12/2026"), overview.edited, overview.offered) == (True, False, None)
    kept = [a.reason for a in _audits(db_engine, "report_compile")]
    assert len(kept) == 3 and kept[1].endswith("giữ 2 phần đã biên tập") and kept[2].endswith("giữ 3 phần đã biên tập")
    assert [a.actor for a in _audits(db_engine, "report_edit")] == ["cơ quan thường trực"] * 3


def test_a_stale_or_missing_version_or_a_unit_is_refused_and_nothing_is_written(db_engine, plan) -> None:
    followed(db_engine, plan, {"phong-kinh-te": "Đã hướng dẫn 1 hợp tác xã"})
    draft = compiled(db_engine, plan)
    before = {k: (p.text, p.edited) for k, p in _parts(db_engine).items()}
    with pytest.raises(Conflict, match="đã có người xử lý trước"):
        _edit(db_engine, plan, draft.version + 5, texts={"phuong-huong": "x"})
    with pytest.raises(Conflict, match="đã có người xử lý trước"):
        compiled(db_engine, plan, 0)  # the page showed no draft, but there is one now
    with pytest.raises(Refused, match="Phiên bản|expected_version"), session_scope(db_engine) as session:
        edit_draft(session, plan, COORDINATOR, EditDraft.parse(period="2026-H2", recipients="Thành ủy"), now=NOW)
    with pytest.raises(Refused, match="không có quyền"), session_scope(db_engine) as session:
        unit = Actor.of_unit("phong-kinh-te", via_link("l"))
        edit_draft(
            session, plan, unit, EditDraft.parse(period="2026-H2", expected_version=draft.version, recipients="Thành ủy"), now=NOW
        )
    with pytest.raises(Refused, match="Số văn bản|number"):
        EditDraft.parse(period="2026-H2", expected_version=1, number="15/BC", recipients="Thành ủy")
    assert {k: (p.text, p.edited) for k, p in _parts(db_engine).items()} == before
    with Session(db_engine) as session:
        assert session.exec(select(ReportDraft)).one().version == draft.version
    assert _audits(db_engine, "report_edit") == [] and len(_audits(db_engine, "report_compile")) == 1
    assert CompileDraft.parse(period="2026-H2", expected_version="0").expected_version == 0
