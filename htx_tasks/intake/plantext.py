"""Reading a plan's own text: header, Section I.2 targets, Section II groups, Section III assignments.

Vietnamese plans follow one layout (Nghị định 30/2020/NĐ-CP): "I. MỤC TIÊU" (1. chung, 2. cụ thể),
"II. NHIỆM VỤ VÀ GIẢI PHÁP" (numbered groups), "III. TỔ CHỨC THỰC HIỆN" (one numbered heading per
unit, its duties as bullets or paragraphs), then "Nơi nhận" and the signature. What is read keeps
the paragraph it came from; what is not is listed for a person.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from htx_tasks.core.deadlines import DeadlineKind, Reading, Window, read_deadline
from htx_tasks.core.unit_match import MatchKind, UnitDirectory, UnitMatch
from htx_tasks.core.vntext import fold
from htx_tasks.intake.documents import BULLET, Para

ROMAN = re.compile(r"^([IVX]{1,5})\.\s+(.+)$")
NUMBERED = re.compile(r"^(\d{1,2})\.\s+(.+)$")
PERCENT = re.compile(r"(\d+(?:[.,]\d+)?)\s*(?:[-–—]|đến)\s*(\d+(?:[.,]\d+)?)\s*%|(\d+(?:[.,]\d+)?)\s*%")
DEADLINE_PHRASES = re.compile(
    r"(?:hoàn thành\s+)?(?:trước|chậm nhất|hạn chót)\s+(?:(?:vào\s+)?ngày\s+)?\d{1,2}\s*/\s*\d{1,2}(?:\s*/\s*\d{4})?"
    r"|(?:định kỳ|(?:hằng|hàng)\s+(?:tháng|quý|năm))[^.;()]*|thường xuyên"
    r"|trong\s+(?:tháng|quý)\s+[0-9IVX]+(?:\s*/\s*\d{4}|\s+năm\s+\d{4})?|quý\s+[IV]+\s*/\s*\d{4}", re.IGNORECASE)
SIGNATURE_BREAK = re.compile(r"\s+(?=(?:TM|KT|TL|TUQ)\.\s)|(?<!PHÓ)(?<!KT\.)(?<!TM\.)(?<!TL\.)\s+(?=(?:PHÓ )?CHỦ TỊCH$)")
PARTNER_END = re.compile(r"\s(?:thực hiện|để|nhằm|trong|tháo gỡ|tham mưu|thường xuyên)\b|[,;.:]")
WINDOW = re.compile(r"giai đoạn\s+(\d{4})\s*[-–—]\s*(\d{4})|(?<![/\d])(?<!tháng \d)(?<!tháng \d\d)năm\s+(\d{4})(?!\s*[-–/])",
                    re.IGNORECASE)


@dataclass
class Found:
    value: Any
    where: str
    note: str = ""


@dataclass
class Target:
    year: int
    source: str
    where: str
    kind: str = "target"  # or "qualitative"
    aim: str = "reach"
    comparator: str | None = None
    value: float | None = None
    low: float | None = None
    high: float | None = None
    note: str = ""


@dataclass
class TextDuty:
    ref: str
    text: str
    where: str
    role: str  # "chủ trì", "phối hợp", "" (the heading's unit does it)
    coordinating: list[UnitMatch] = field(default_factory=list)
    window: tuple[Window, str] | None = None  # the window and the words it was read from
    deadlines: list[Reading] = field(default_factory=list)


@dataclass
class TextUnit:
    ref: str
    heading: str
    where: str
    match: UnitMatch
    request: bool
    role_line: str = ""
    duties: list[TextDuty] = field(default_factory=list)


@dataclass
class PlanText:
    header: dict[str, Found] = field(default_factory=dict)
    legal_bases: list[Found] = field(default_factory=list)
    recipients: list[Found] = field(default_factory=list)
    signer_office: list[Found] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)
    groups: list[Found] = field(default_factory=list)  # value: (ref, title)
    units: list[TextUnit] = field(default_factory=list)
    unread: list[str] = field(default_factory=list)


def _number(text: str) -> float:
    value = float(text.replace(",", "."))
    return int(value) if value.is_integer() else value


def _issuer(text: str) -> str:
    text = re.sub(r"^(?:UBND|Ubnd)\b", "Ủy ban nhân dân", text.strip())
    return text[:1].upper() + text[1:]


def read_plan_text(paras: list[Para], directory: UnitDirectory) -> PlanText:
    plan = PlanText()
    section, sub, year = "", 0, None
    unit: TextUnit | None = None
    after_title = False
    for para in paras:
        text = para.text.strip()
        key = fold(text)
        roman = ROMAN.match(text)
        numbered = NUMBERED.match(text)
        if key.startswith(("tren day la", "noi nhan")):
            section = "recipients" if key.startswith("noi nhan") else "end"
            continue
        if roman and (para.heading or text.isupper()) and section not in ("recipients", "end"):
            section, sub, unit = roman.group(1), 0, None
            continue
        if section == "" and _header(plan, para, text, key, after_title):
            after_title = key == "ke hoach"
            continue
        after_title = False
        if numbered and section in ("I", "II", "III") and (para.heading or len(text) < 160):
            sub = int(numbered.group(1))
            title = numbered.group(2).strip()
            if section == "II":
                plan.groups.append(Found((f"II.{sub}", title), para.where))
            elif section == "III":
                unit = _unit(plan, sub, title, para.where, directory)
            continue
        if section == "I" and sub == 2:
            found = re.match(r"^đến năm (\d{4})\s*:?$", BULLET.sub("", text), re.IGNORECASE)
            if found:
                year = int(found.group(1))
            elif year:
                _targets(plan, BULLET.sub("", text), year, para.where)
        elif section == "III" and unit is not None:
            _body(plan, unit, para, directory, _year(plan))
        elif section == "recipients" and BULLET.match(text):
            plan.recipients.append(Found(BULLET.sub("", text).rstrip(";.").strip(), para.where))
        elif section in ("recipients", "end") and re.match(r"^(?:TM|KT|TL|TUQ)\.\s|^(?:PHÓ )?CHỦ TỊCH$", text):
            # a PDF may join the signature's lines: "TM. ỦY BAN NHÂN DÂN KT. CHỦ TỊCH PHÓ CHỦ TỊCH"
            for part in re.split(SIGNATURE_BREAK, text):
                plan.signer_office.append(Found(part.strip(), para.where))
        elif section in ("recipients", "end") and plan.signer_office and len(text) < 60 and not BULLET.match(text):
            plan.header["signer"] = Found(text, para.where)
    _numbered_refs(plan)
    return plan


def _header(plan: PlanText, para: Para, text: str, key: str, after_title: bool) -> bool:
    if key == "ke hoach":
        return True
    if after_title and "title" not in plan.header:
        plan.header["title"] = Found("Kế hoạch " + text[:1].lower() + text[1:], para.where, "tên loại “KẾ HOẠCH” và trích yếu")
        return True
    if key.startswith("can cu "):
        plan.legal_bases.append(Found(re.sub(r"^Căn cứ\s+", "", text).rstrip(";.").strip(), para.where))
        return True
    number = re.search(r"\bSố\s*:\s*([0-9]+\s*/\s*[A-ZĐ0-9-]+(?:/[A-ZĐ0-9-]+)?)", text)
    if number:
        plan.header["number"] = Found(re.sub(r"\s+", "", number.group(1)), para.where)
    date = re.search(r"ngày\s+(\d{1,2})\s+tháng\s+(\d{1,2})\s+năm\s+(\d{4})", text)
    if date and not key.startswith("can cu"):
        plan.header["date"] = Found(f"{int(date.group(1)):02d}/{int(date.group(2)):02d}/{date.group(3)}", para.where)
    issued = re.match(r"^((?:UBND|Ủy ban nhân dân|Uỷ ban nhân dân)\s+.+?)\s+ban hành\b", text, re.IGNORECASE)
    if issued:
        if "issuer" not in plan.header:  # the header block's name, when there is one, wins
            plan.header["issuer"] = Found(_issuer(issued.group(1)), para.where, "câu ban hành")
        return True
    if re.match(r"^(?:ỦY|UỶ) BAN NHÂN DÂN\b|^UBND [A-ZĐ]", text) and text.upper() == text and "issuer" not in plan.header:
        plan.header["issuer"] = Found(_issuer(_unshout(text)), para.where, "tiêu đề văn bản")
        return True
    issuer = plan.header.get("issuer")
    if issuer is not None and issuer.value == "Ủy ban nhân dân" and re.match(LOCALITY, text) and text.upper() == text:
        plan.header["issuer"] = Found(f"Ủy ban nhân dân {_unshout(text)[:1].lower()}{_unshout(text)[1:]}", issuer.where,
                                      f"tiêu đề văn bản, đến {para.where}")
        return True
    return bool(number or date)


LOCALITY = r"^(?:THÀNH PHỐ|TỈNH|HUYỆN|THỊ XÃ|XÃ|PHƯỜNG|QUẬN|ĐẶC KHU)\b"


def _unshout(text: str) -> str:
    """"ỦY BAN NHÂN DÂN THÀNH PHỐ CAM RANH" → "Ủy ban nhân dân thành phố Cam Ranh": a place keeps its capitals."""
    lower = text.lower().replace("uỷ", "ủy")
    place = re.search(r"\b(?:thành phố|tỉnh|huyện|thị xã|xã|phường|quận|đặc khu)\s+(.+)$", lower)
    if place:
        lower = lower[:place.start(1)] + place.group(1).title()
    return lower[:1].upper() + lower[1:]


def _targets(plan: PlanText, item: str, year: int, where: str) -> None:
    for sentence in re.split(r"(?<=\.)\s+(?=[A-ZĐÂĂÊÔƠƯ])", item):
        clauses = [c.strip() for c in sentence.rstrip(".").split(";") if c.strip()]
        measured = [c for c in clauses if PERCENT.search(c)]
        rest = [c for c in clauses if not PERCENT.search(c)]
        for clause in measured:
            plan.targets.append(_measured(clause, year, where))
        key = fold(sentence)
        if not measured and "giai the dut diem" in key:
            plan.targets.append(Target(year, sentence.strip(), where, aim="eliminate",
                                       note="“giải thể dứt điểm”: đưa về 0 (aim: eliminate)"))
        elif rest and (measured or "giai the dut diem" not in key):
            plan.targets.append(Target(year, "; ".join(rest) + ("." if not measured else ""), where, kind="qualitative",
                                       note="không có con số: mục tiêu định tính"))


def _measured(clause: str, year: int, where: str) -> Target:
    found = PERCENT.search(clause)
    assert found is not None
    key = fold(clause)
    aim = "maintain" if re.search(r"\b(?:duy tri|giu vung)\b", key) else "reach"
    target = Target(year, clause.strip() + ("" if clause.endswith(".") else "."), where, aim=aim)
    if found.group(1):
        target.comparator, target.low, target.high = "between", _number(found.group(1)), _number(found.group(2))
        target.note = f"khoảng {found.group(1)}–{found.group(2)}%"
        return target
    target.value = _number(found.group(3))
    before = fold(clause[:found.start()])
    if re.search(r"\b(?:tren|hon|vuot)\s*$", before):
        target.comparator, target.note = "gt", f"“trên {found.group(3)}%”: lớn hơn"
    elif re.search(r"\b(?:duoi|khong qua|toi da)\s*$", before):
        target.comparator, target.note = "lte" if "khong qua" in before or "toi da" in before else "lt", "giới hạn trên"
    else:
        target.comparator, target.note = "gte", f"“{found.group(3)}%” không kèm “trên”: đọc là đạt ít nhất {found.group(3)}%"
    return target


def _unit(plan: PlanText, number: int, heading: str, where: str, directory: UnitDirectory) -> TextUnit:
    request = fold(heading).startswith("de nghi")
    name = re.sub(r"^Đề nghị\s+", "", heading, flags=re.IGNORECASE).strip()
    unit = TextUnit(f"III.{number}", heading, where, directory.match(name), request)
    plan.units.append(unit)
    return unit


def _partners(text: str, directory: UnitDirectory) -> list[UnitMatch]:
    """The units after "phối hợp (với)": the longest run of words that names a known unit, else what it says."""
    found = []
    for hit in re.finditer(r"phối hợp(?:\s+với)?\s+", text, re.IGNORECASE):
        words = text[hit.end():].split()[:14]
        best = None
        for size in range(len(words), 0, -1):
            candidate = " ".join(words[:size]).rstrip(",;.:")
            match = directory.match(candidate)
            if match.codes and match.kind is not MatchKind.AMBIGUOUS:
                best = match
                break
        if best is None:
            phrase = re.split(PARTNER_END, text[hit.end():], maxsplit=1)[0]
            match = directory.match(phrase.strip())
            best = match if match.kind is MatchKind.VAGUE else UnitMatch(phrase.strip(), MatchKind.VAGUE, (), 0.0, (),
                                                                        "Không chỉ rõ đơn vị phối hợp nào.")
        found.append(best)
    return found


def _year(plan: PlanText) -> int | None:
    date = plan.header.get("date")
    return int(date.value[-4:]) if date else None


def _body(plan: PlanText, unit: TextUnit, para: Para, directory: UnitDirectory, year: int | None) -> None:
    text = para.text.strip()
    bullet = bool(BULLET.match(text))
    body = BULLET.sub("", text).strip()
    key = fold(body)
    if not bullet and body.endswith(":"):
        unit.role_line = body
        return
    role = "chủ trì" if key.startswith("chu tri") else "phối hợp" if key.startswith("phoi hop") else ""
    duty = TextDuty("", body, para.where, role, _partners(body, directory))
    if unit.role_line and not role:
        duty.role = "chủ trì" if fold(unit.role_line).startswith("chu tri") else ""
        duty.coordinating = [m for m in _partners(unit.role_line, directory) if m.codes] + duty.coordinating
    windows = list(WINDOW.finditer(body))
    if windows:
        hit = windows[0]
        if hit.group(1):
            reading = read_deadline(hit.group(0))
            if reading.window:
                duty.window = (reading.window, hit.group(0))
        else:
            duty.window = (Window(year=int(hit.group(3))), hit.group(0))
    duty.deadlines = [read_deadline(m.group(0), year=year) for m in DEADLINE_PHRASES.finditer(body)]
    duty.deadlines = [r for r in duty.deadlines if r.kind is not DeadlineKind.WINDOW]
    duty.ref = "bullet" if bullet else "para"
    unit.duties.append(duty)


def _numbered_refs(plan: PlanText) -> None:
    for unit in plan.units:
        single = len(unit.duties) == 1 and unit.duties[0].ref == "para"
        for k, duty in enumerate(unit.duties, start=1):
            duty.ref = unit.ref if single else f"{unit.ref}.{k}"
        if not unit.duties:
            plan.unread.append(f"Mục {unit.ref} “{unit.heading}” ({unit.where}): không thấy nhiệm vụ nào dưới tiêu đề.")
