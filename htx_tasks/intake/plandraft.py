"""``plan draft``: a plan's text read (``plantext``) into a draft plan with a comment on every field."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from htx_tasks.core.deadlines import DeadlineKind
from htx_tasks.core.unit_match import DirectoryUnit, MatchKind, UnitDirectory, UnitMatch
from htx_tasks.core.vntext import slug
from htx_tasks.intake.documents import read_document
from htx_tasks.intake.drafts import Draft, Entry, guess_kind, proposed_unit, unique_code, unit_entries
from htx_tasks.intake.errors import Limits
from htx_tasks.intake.plantext import PlanText, TextUnit, read_plan_text


def read_plan_file(path: Path, directory: UnitDirectory, limits: Limits) -> tuple[str, PlanText]:
    loaded, paras = read_document(path, limits)
    return loaded.name, read_plan_text(paras, directory)


def _code_of(match: UnitMatch) -> str | None:
    if match.group:
        return match.group
    return match.codes[0] if len(match.codes) == 1 else None


def draft_of_text(name: str, text: PlanText, directory: dict[str, DirectoryUnit], policy: dict[str, Any] | None) -> Draft:
    draft = Draft(source=name, policy=policy, unread=list(text.unread))
    header = text.header
    draft.plan.add("code", unique_code(Path(name).stem, set()), f"mã đề xuất từ tên tệp {name}")
    for key, label in (("issuer", "cơ quan ban hành"), ("title", "tên kế hoạch")):
        if key in header:
            found = header[key]
            draft.plan.add(key, found.value, found.where + (f" ({found.note})" if found.note else ""))
        else:
            draft.unread.append(f"Không thấy {label} trong văn bản.")
    for key, label in (("number", "số, ký hiệu văn bản (Số: …/KH-…)"), ("date", "ngày ban hành (…, ngày … tháng … năm …)")):
        if key not in header:
            draft.unread.append(f"Không thấy {label} trong văn bản.")
    if "number" in header or "date" in header:
        parts = ["Kế hoạch"] + ([f"số {header['number'].value}"] if "number" in header else []) \
            + ([f"ngày {header['date'].value}"] if "date" in header else []) \
            + ([f"của {header['issuer'].value}"] if "issuer" in header else [])
        draft.plan.add("document", " ".join(parts), "văn bản ban hành: " + ", ".join(
            header[k].where for k in ("number", "date", "issuer") if k in header))
    draft.plan.add("status", "draft", "bản nháp: chưa theo dõi, chưa gửi gì cho đến khi cơ quan thường trực kích hoạt "
                                      "(htx-tasks plan activate)")
    draft.plan.add("legal_bases", [b.value for b in text.legal_bases],
                   "các đoạn “Căn cứ …”: " + ", ".join(b.where for b in text.legal_bases) if text.legal_bases else "")
    if "signer" in header or text.signer_office:
        signer: dict[str, Any] = {"office": [s.value for s in text.signer_office]}
        if "signer" in header:
            signer["name"] = header["signer"].value
        draft.plan.add("signer", signer, "phần ký: " + ", ".join(
            [s.where for s in text.signer_office] + ([header["signer"].where] if "signer" in header else [])))
    draft.plan.add("recipients", [r.value for r in text.recipients],
                   "mục “Nơi nhận”: " + ", ".join(r.where for r in text.recipients[:1] + text.recipients[-1:]))
    draft.plan.add("timezone", "Asia/Ho_Chi_Minh", "giờ Việt Nam (mọi kế hoạch)")
    draft.unread.append("Tên ngắn, nhãn, ngày bắt đầu theo dõi, cơ quan thường trực, lãnh đạo phụ trách: văn bản không ghi "
                        "thành mục riêng; cơ quan thường trực điền (short_title, label, tracking_from, coordinator, leadership).")
    _targets(draft, text)
    for found in text.groups:
        ref, title = found.value
        draft.task_groups.append(Entry().add("ref", ref, found.where).add("title", title, found.where))
    if text.groups:
        draft.unread.append("Nhiệm vụ thuộc từng nhóm của Mục II (task_groups[].duties): văn bản không ghi; cần chọn.")
    _units_and_duties(draft, text, directory)
    return draft


def _targets(draft: Draft, text: PlanText) -> None:
    taken: set[str] = set()
    for target in text.targets:
        entry = Entry().add("code", unique_code(f"muc-tieu-{target.year}", taken), f"mục I.2, {target.where}")
        entry.add("kind", "qualitative" if target.kind == "qualitative" else None, target.note)
        entry.add("title", target.source.rstrip(".")[:160], target.where)
        entry.add("source", target.source, f"nguyên văn, {target.where}")
        entry.add("year", target.year, f"“Đến năm {target.year}”")
        if target.kind == "target":
            entry.add("aim", target.aim if target.aim != "reach" else None, target.note if target.aim != "reach" else "")
            entry.add("comparator", target.comparator, target.note)
            for key in ("value", "low", "high"):
                entry.add(key, getattr(target, key), f"con số trong câu, {target.where}")
            if target.aim == "eliminate":
                entry.add("unit", "hợp tác xã", "đếm tổ chức")
            draft.unread.append(f"Chỉ tiêu “{target.source[:70]}…” ({target.where}): cần năm gốc (baseline_year) và cách đếm "
                                "trên sổ theo dõi (numerator, denominator).")
        draft.indicators.append(entry)


def _units_and_duties(draft: Draft, text: PlanText, directory: dict[str, DirectoryUnit]) -> None:
    known: list[str] = []
    taken = set(directory)
    codes: set[str] = set()
    heading_codes: dict[str, str] = {}
    notes: dict[str, str] = {}
    for unit in text.units:
        code = _code_of(unit.match)
        if code and code in directory:
            known.append(code)
            notes[code] = f"{unit.ref}: “{unit.heading}” ({unit.where}) — {unit.match.understood}"
        else:
            code = unique_code(unit.match.proposed_code or slug(unit.heading), taken)
            entry = proposed_unit(code, unit.match.text, [f"{unit.ref} ({unit.where})"],
                                  [f"{c.name} ({c.score:g})" for c in unit.match.candidates if c.score >= 50])
            entry.add("ref", unit.ref, unit.where)
            if unit.request:
                entry.add("assignment", "request", "“Đề nghị …”: đề nghị phối hợp, không giao việc")
            if guess_kind(unit.match.text) == "group":
                draft.unread.append(f"Nhóm “{unit.match.text}” ({unit.ref}): cần liệt kê các đơn vị thành viên (members).")
            draft.units.append(entry)
            draft.unread.append(f"Đơn vị “{unit.match.text}” ({unit.ref}, {unit.where}) chưa có trong danh bạ: "
                                f"{unit.match.understood}")
        heading_codes[unit.ref] = code
        for duty in unit.duties:
            draft.duties.append(_duty(draft, unit, duty, code, codes, directory, known))
    refs = [d.ref for u in text.units for d in u.duties]
    if refs:
        draft.unread.append("Văn bản không ghi sản phẩm (deliverable) của nhiệm vụ nào: " + ", ".join(refs) + ".")
    undated = [e.get("ref") for e in draft.duties if e.get("recurrence") is None]
    if undated:
        draft.unread.append("Văn bản không đặt hạn cho các nhiệm vụ " + ", ".join(undated) + ": cơ quan thường trực "
                            "chọn chu kỳ hoặc hạn (recurrence) để theo dõi.")
    entries = unit_entries(known, directory, notes)
    for entry in entries:
        headed = next((u for u in text.units if _code_of(u.match) == entry.get("code")), None)
        if headed is not None:
            entry.add("ref", headed.ref, headed.where)
            if headed.request:
                entry.add("assignment", "request", f"“{headed.heading}”: đề nghị, không giao việc ({headed.where})")
    draft.units = entries + draft.units


def _duty(draft: Draft, unit: TextUnit, duty: Any, code: str, codes: set[str], directory: dict[str, DirectoryUnit],
          known: list[str]) -> Entry:
    entry = Entry(heading=f"{duty.ref} — {unit.heading} ({duty.where})")
    entry.add("code", unique_code(f"{code[:24]}-{duty.ref.lower().replace('.', '-')}", codes), f"mã lập từ mục {duty.ref}")
    entry.add("ref", duty.ref, duty.where)
    entry.add("title", duty.text, duty.where)
    role = f", vai trò: {duty.role}" if duty.role else ""
    entry.add("unit", code, f"tiêu đề mục {unit.ref} ({unit.where}){role}")
    partners = []
    for match in duty.coordinating:
        partner = _code_of(match)
        if partner and partner != code:
            partners.append(partner)
            known.append(partner) if partner in directory else None
        elif match.kind in (MatchKind.VAGUE, MatchKind.UNKNOWN, MatchKind.AMBIGUOUS):
            draft.unread.append(f"{duty.ref} ({duty.where}): phối hợp với “{match.text}” — {match.understood}")
    entry.add("coordinating", list(dict.fromkeys(partners)), f"“phối hợp …”, {duty.where}")
    if duty.window:
        window, words = duty.window
        entry.add("active", window.plan_active(), f"“{words}”, {duty.where}")
    readings = [r for r in duty.deadlines if r.kind is not DeadlineKind.UNREAD]
    usable = [r for r in readings if r.plan_fields().get("recurrence") and not r.needs_review
              and r.kind in (DeadlineKind.DATE, DeadlineKind.RECURRING) and (r.rule is None or r.rule.complete)]
    if len(usable) == 1:
        reading = usable[0]
        entry.add("deadline_source", "plan", f"hạn trong văn bản: “{reading.phrase}”")
        entry.add("recurrence", {**reading.plan_fields()["recurrence"], "why": f"Kế hoạch ghi: “{reading.phrase}”"},
                  f"{reading.understood}, {duty.where}")
    else:
        entry.add("deadline_source", "coordinator", "kế hoạch không đặt hạn cho việc này: cơ quan thường trực định để theo dõi")
        found = "; ".join(f"“{r.phrase}” ({r.understood})" for r in duty.deadlines)
        if found:
            draft.unread.append(f"{duty.ref} ({duty.where}): cần chọn chu kỳ hoặc hạn (recurrence); văn bản ghi {found}")
    entry.review = {
        "source": f"{draft.source}, {duty.where}", "unit_text": unit.heading, "unit_note": unit.match.understood,
        "unit_sure": code in directory and not unit.match.needs_review, "request": unit.request,
        "deadline_phrase": "; ".join(r.phrase for r in duty.deadlines),
        "deadline_note": ("; ".join(f"{r.understood} (độ tin cậy {r.confidence:g})" for r in duty.deadlines)
                          or "Văn bản không đặt hạn cho việc này."),
        "flags": [],
    }
    return entry


def text_json(name: str, text: PlanText) -> dict[str, Any]:
    return {
        "file": name,
        "header": {k: {"value": v.value, "where": v.where} for k, v in text.header.items()},
        "legal_bases": [{"value": b.value, "where": b.where} for b in text.legal_bases],
        "targets": [{k: getattr(t, k) for k in ("year", "kind", "aim", "comparator", "value", "low", "high", "source", "where")}
                    for t in text.targets],
        "task_groups": [{"ref": g.value[0], "title": g.value[1], "where": g.where} for g in text.groups],
        "units": [{
            "ref": u.ref, "heading": u.heading, "where": u.where, "request": u.request, "match": u.match.kind.value,
            "codes": list(u.match.codes), "group": u.match.group,
            "duties": [{"ref": d.ref, "where": d.where, "role": d.role, "text": d.text,
                        "coordinating": [m.text for m in d.coordinating],
                        "active": d.window[0].plan_active() if d.window else None,
                        "deadlines": [{"phrase": r.phrase, "kind": r.kind.value, "understood": r.understood}
                                      for r in d.deadlines]}
                       for d in u.duties],
        } for u in text.units],
        "summary": {"units": len(text.units), "duties": sum(len(u.duties) for u in text.units),
                    "targets": sum(t.kind == "target" for t in text.targets), "task_groups": len(text.groups)},
    }
