"""A reviewed draft becomes a plan the office follows: ``activate_draft``; such plans, as ``Plan``: ``stored_plans``.

Activation checks the draft whole and refuses, naming each row, while any row kept has no lead unit,
a unit still to confirm, no deadline, or a unit both ordered and asked. The plan it makes is stored
in ``PlanRow.source`` (the plan's own part: its header, policy, duties and the units it adds or asks);
the office's directory of units is laid under it whenever it is loaded, so a unit merged later
moves this plan's work too. The plan is followed from the next pass: its periods open and the
assignment notices go out then, never before.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlmodel import Session, col

from htx_tasks.core.statuses import PlanStatus
from htx_tasks.core.zones import local_date
from htx_tasks.plan.checks import check_plan
from htx_tasks.plan.loader import Plan
from htx_tasks.plan.schema import PlanFile
from htx_tasks.plan.yamlio import Located
from htx_tasks.services.actors import Actor
from htx_tasks.services.drafts import DEFAULT_DELIVERABLE, ActivateDraft, as_json, begin_change, draft_view
from htx_tasks.services.errors import Refused
from htx_tasks.store.models import DraftRow, PlanRow
from htx_tasks.store.writes import audit

LABEL_MAX = 40


def _label(meta: dict[str, Any], title: str) -> str:
    number = str(meta.get("number") or "")
    if not number and meta.get("document"):
        words = str(meta["document"]).split()
        number = next((w for w in words if "/" in w), "")
    label = f"KH {number}" if number else title
    return label if len(label) <= LABEL_MAX else label[: LABEL_MAX - 1].rstrip() + "…"


def _units(rows: list[DraftRow], proposed: dict[str, dict[str, Any]], office: Plan,
           problems: list[str]) -> list[dict[str, Any]]:
    """The units the plan adds (proposed units a row chose) or asks rather than orders."""
    asked: dict[str, set[bool]] = {}
    for row in rows:
        if row.unit_code:
            asked.setdefault(row.unit_code, set()).add(row.request)
    own = []
    for code, kinds in asked.items():
        if len(kinds) > 1:
            where = ", ".join(f"dòng {r.position}" for r in rows if r.unit_code == code)
            problems.append(f"Đơn vị '{code}' vừa được giao việc vừa được đề nghị ({where}): chọn một cách cho mọi dòng "
                            "của đơn vị này")
        request = kinds == {True}
        if code in proposed:
            unit = proposed[code]
            own.append({"code": code, "name": unit["name"], "kind": unit["kind"],
                        **({"ref": unit["ref"]} if unit.get("ref") else {}),
                        **({"assignment": "request"} if request else {})})
        elif request and code in office.units:
            own.append({**office.units[code].model_dump(mode="json", exclude_none=True, by_alias=True, exclude={"ref"}),
                        "assignment": "request"})
    return own


def compose(view_rows: list[DraftRow], head: dict[str, Any], row: PlanRow, office: Plan,
            *, today: dt.date) -> tuple[dict[str, Any], list[str]]:
    """The plan's own part from the reviewed rows, and every reason it cannot be followed yet."""
    problems: list[str] = []
    kept = [r for r in view_rows if not r.dropped]
    if not kept:
        problems.append("Mọi dòng đều đã bỏ: không còn nhiệm vụ nào để theo dõi")
    proposed = {u["code"]: u for u in head.get("units", [])}
    known = set(office.units) | set(proposed)
    for r in kept:
        where = f"Dòng {r.position} ({r.ref})"
        if not r.unit_code:
            problems.append(f"{where}: chưa có đơn vị chủ trì")
        elif not r.unit_sure:
            problems.append(f"{where}: cần xác nhận đơn vị “{r.unit_text or r.unit_code}”")
        elif r.unit_code not in known:
            problems.append(f"{where}: đơn vị '{r.unit_code}' không có trong danh bạ")
        if r.recurrence is None:
            problems.append(f"{where}: chưa có thời hạn")
    chosen = {r.unit_code for r in kept if r.unit_code}
    meta = head.get("plan", {})
    own_part: dict[str, Any] = {
        "plan": {
            "code": row.code, "issuer": meta.get("issuer") or office.meta.issuer, "title": row.title,
            "short_title": row.title if len(row.title) <= 120 else row.title[:119].rstrip() + "…",
            "label": _label(meta, row.title), **({"document": row.document} if row.document else {}),
            "status": "active",
            "legal_bases": list(meta.get("legal_bases") or [f"{row.title} (nhập từ tệp {head.get('file', '')})"]),
            "signer": {"office": list((meta.get("signer") or {}).get("office") or []),
                       "name": str((meta.get("signer") or {}).get("name") or "")},
            "recipients": list(meta.get("recipients") or []), "timezone": "Asia/Ho_Chi_Minh",
            "tracking_from": today.isoformat(),
            "coordinator": office.meta.coordinator.model_dump(mode="json"),
            "leadership": office.meta.leadership.model_dump(mode="json"),
        },
        "policy": office.source.policy.model_dump(mode="json", exclude_none=True),
        "units": _units(kept, {c: u for c, u in proposed.items() if c in chosen}, office, problems),
        "duties": [{
            "code": r.code, "ref": r.ref, "title": r.title, "unit": r.unit_code,
            "coordinating": [c for c in json.loads(r.coordinating) if c in office.units or c in chosen],
            "deliverable": r.deliverable or DEFAULT_DELIVERABLE, "deadline_source": r.deadline_source,
            **({"active": json.loads(r.active)} if r.active else {}),
            "recurrence": json.loads(r.recurrence) if r.recurrence else None,
        } for r in kept],
    }
    return own_part, problems


def plan_of(own_part: dict[str, Any], office: Plan) -> Plan:
    """The plan a stored part makes, the office's directory laid under its own units (without
    ``office``'s section numbers: those are its plan's)."""
    own_units = {u["code"]: u for u in own_part.get("units", [])}
    units = [own_units.pop(u.code, None) or u.model_dump(mode="json", exclude_none=True, by_alias=True, exclude={"ref"})
             for u in office.source.units]
    doc = {"version": 1, "indicators": [], "task_groups": [], **own_part, "units": units + list(own_units.values())}
    source = PlanFile.model_validate(doc)
    problems = check_plan(source, Located(Path(f"kế hoạch {own_part['plan']['code']}"), doc))
    if problems:
        raise Refused(f"kế hoạch '{own_part['plan']['code']}' (lưu trong cơ sở dữ liệu) không dùng được với danh bạ đơn "
                      "vị hiện hành: " + "; ".join(p.message for p in problems))
    return Plan(source=source, calendar=office.calendar, config_dir=office.config_dir)


def _checked(own_part: dict[str, Any], office: Plan) -> Plan:
    try:
        return plan_of(own_part, office)
    except ValidationError as exc:
        raise Refused("; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())) from None


def activate_draft(session: Session, office: Plan, actor: Actor, command: ActivateDraft, *, now: dt.datetime) -> Plan:
    """The reviewed draft becomes a plan followed from the next pass; refused, naming each row, until
    every row kept has its unit and its deadline."""
    row = begin_change(session, office, actor, command)
    view = draft_view(session, row.code)
    assert view is not None
    own_part, problems = compose(view.rows, view.head, row, office, today=local_date(now))
    if problems:
        raise Refused(f"kế hoạch nháp '{row.code}' chưa theo dõi được: " + "; ".join(problems))
    plan = _checked(own_part, office)
    kept = sum(not r.dropped for r in view.rows)
    audit(session, occurrence_id=None, at=now, actor=actor.name, action="activate_plan",
          reason=f"Bắt đầu theo dõi kế hoạch {row.title} ({row.code}) sau rà soát: {kept} nhiệm vụ, "
                 f"{len(view.rows) - kept} dòng bỏ", role=actor.role.value, via=actor.via)
    row.status, row.status_at, row.source = PlanStatus.ACTIVE, now, as_json(own_part)
    session.add(row)
    session.flush()
    return plan


def stored_plans(session: Session, office: Plan) -> dict[str, Plan]:
    """The plans activated from a reviewed draft, by code, each over the office's directory."""
    query = select(col(PlanRow.code), col(PlanRow.source)).where(col(PlanRow.source).is_not(None))
    return {code: plan_of(json.loads(source), office) for code, source in session.execute(query.order_by(col(PlanRow.code)))}
