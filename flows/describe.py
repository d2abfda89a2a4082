"""What each deployment says in the Prefect UI: when it runs and what it does, in Vietnamese."""

from __future__ import annotations

import datetime as dt

from flows.indicators import TABLE_KEY
from flows.record import COORDINATOR_CHOICE
from flows.report import REPORT_KEY
from htx_tasks.board import BOARD_KEY
from htx_tasks.core.recurrence import Every
from htx_tasks.followup import Action, artifact_key
from htx_tasks.plan.loader import Plan
from htx_tasks.plan.schema import Duty, Unit


def follow_up_time(plan: Plan) -> dt.time:
    """The latest working-day start any unit's policy names: every morning event is due by then."""
    times = [plan.source.policy.work_start or dt.time(7, 30)]
    for duty in plan.source.duties:
        for unit in plan.assignees(duty):
            times.append(plan.policy_for(duty.code, unit).work_start or times[0])
    return max(times)


def recurrence_text(duty: Duty) -> str:
    """``hằng quý, hạn ngày 20 tháng cuối quý``: when a duty falls due, in words."""
    rec = duty.recurrence
    day = "ngày cuối tháng" if rec.due_day == "last" else f"ngày {rec.due_day}"
    if rec.every is Every.MONTH:
        return f"hằng tháng, hạn {day}"
    if rec.every is Every.QUARTER:
        return f"hằng quý, hạn {day} tháng thứ {rec.due_month} của quý"
    if rec.every is Every.HALF_YEAR:
        return f"6 tháng một lần, hạn {day} tháng thứ {rec.due_month} của kỳ"
    if rec.every is Every.YEAR:
        return f"hằng năm, hạn {day} tháng {rec.due_month}"
    if rec.every is Every.ONCE:
        return f"một lần, hạn {rec.due_date:%d/%m/%Y}"
    kinds = rec.case_kinds or []
    days = sorted({k.working_days for k in kinds})
    return "theo từng hồ sơ, hạn " + "/".join(map(str, days)) + " ngày làm việc kể từ ngày nhận hồ sơ hợp lệ"


def _schedule_text(at: dt.time) -> str:
    return (
        f"{at:%H:%M} sáng từ Thứ Hai đến Thứ Bảy, giờ Việt Nam (Asia/Ho_Chi_Minh); ngày nghỉ lễ, "
        "ngày làm bù theo lịch làm việc của kế hoạch"
    )


def unit_description(plan: Plan, unit: Unit, at: dt.time) -> str:
    duties = [d for d in plan.source.duties if d.unit == unit.code]
    lines = [
        f"**{f'Mục {unit.ref} — ' if unit.ref else ''}{unit.name}**, {plan.meta.short_title} ({plan.meta.issuer}).",
        "",
        (
            f"Theo dõi, đôn đốc lúc {_schedule_text(at)}: mở kỳ mới, nhắc trước hạn, báo quá hạn và báo "
            "cấp trên theo chính sách của kế hoạch, gửi thông báo cho đơn vị, rồi công bố bảng theo dõi "
            f"(artifact `{artifact_key(unit.code)}`). Trạng thái của mỗi lượt chạy: **Đúng tiến độ**, "
            "**Sắp đến hạn** (còn trong 3 ngày làm việc) hoặc **Quá hạn**."
        ),
        "",
        "Nhiệm vụ:",
    ]
    lines += [f"- {d.ref}: {' '.join(d.title.split())} — {recurrence_text(d)}." for d in duties]
    if unit.members:
        names = ", ".join(plan.unit_name(m).removeprefix("UBND ") for m in unit.members)
        lines += ["", f"Mỗi xã, phường có nhiệm vụ riêng ({len(unit.members)} đơn vị): {names}."]
    return "\n".join(lines)


def board_description(plan: Plan, at: dt.time, plans: list[Plan] | None = None) -> str:
    several = plans is not None and len(plans) > 1
    what = (
        f"mọi kế hoạch ({len(plans or [])}) của {plan.meta.coordinator.title}"
        if several
        else f"{plan.meta.coordinator.title}, {plan.meta.short_title}"
    )
    published = (
        f"bảng toàn cơ quan (artifact `{BOARD_KEY}`: mọi kế hoạch, kế hoạch nhiều việc quá hạn nhất "
        "trước) và bảng của từng kế hoạch (artifact `bang-theo-doi-<mã kế hoạch>`)"
        if several
        else f"bảng (artifact `{BOARD_KEY}`)"
    )
    return "\n".join(
        [
            f"**Bảng theo dõi chung** của {what}.",
            "",
            (
                f"Lúc {_schedule_text(at)}, sau các lượt theo dõi đơn vị: gửi bản tin trong ngày cho cơ quan "
                f"thường trực và {plan.meta.leadership.title.lower()}, rồi công bố {published}: "
                "kết quả theo bốn nhóm của từng đơn vị, mọi nhiệm vụ quá hạn, việc đôn đốc trong ngày, tỷ lệ "
                "hoàn thành đúng hạn từ đầu năm."
            ),
        ]
    )


def indicators_description(plan: Plan) -> str:
    return "\n".join(
        [
            f"**Chỉ tiêu mục I.2** của {plan.meta.short_title}, tính từ sổ theo dõi tổ chức kinh tế tập thể.",
            "",
            (
                "Hằng năm lúc 16:00 ngày 31/12 (giờ Việt Nam), và bất cứ lúc nào khi bấm **Run** với năm cần xem: "
                f"bảng giá trị, mục tiêu, mức cần đạt trong năm, chênh lệch và đánh giá (artifact `{TABLE_KEY}`), "
                f"một biểu đồ cho mỗi chỉ tiêu (artifact `bieu-do-<mã chỉ tiêu>`); chỉ tiêu chệch lộ trình được báo cho "
                f"{plan.meta.coordinator.title} và {plan.meta.leadership.title.lower()}, mỗi chỉ tiêu một lần trong năm."
            ),
        ]
    )


def report_description(plan: Plan) -> str:
    return "\n".join(
        [
            f"**Báo cáo tổng hợp** kết quả thực hiện {plan.meta.short_title}, do {plan.meta.coordinator.title} lập.",
            "",
            (
                "08:00 ngày 20/6 (sơ kết 6 tháng) và 20/12 (tổng kết năm), giờ Việt Nam, hoặc khi bấm **Run** với kỳ "
                "cần lập: nhiệm vụ theo đơn vị trong bốn nhóm kết quả, nhiệm vụ quá hạn và lý do, chỉ tiêu mục I.2 "
                "kèm biểu đồ, mục tiêu định tính, khó khăn vướng mắc. Ghi ba tệp .md, .xlsx, .docx (thể thức Nghị "
                f"định 30/2020/NĐ-CP) vào `var/reports/<kỳ>/` và artifact `{REPORT_KEY}`."
            ),
        ]
    )


def record_description(plan: Plan) -> str:
    actions = "; ".join(a.value for a in Action)
    return "\n".join(
        [
            "**Ghi nhận kết quả** thực hiện nhiệm vụ: bấm **Run** rồi điền biểu mẫu.",
            "",
            (
                f"Việc cần ghi: {actions}. Đơn vị báo cáo hoàn thành: kết quả đạt được, số liệu kết quả nhiệm vụ nêu "
                "(mã số liệu: giá trị; xem bằng htx-tasks show N), khó khăn, vướng mắc, đề xuất, kiến nghị, kèm đường dẫn "
                "minh chứng; "
                f"{plan.meta.coordinator.title} chấp nhận, trả lại, gia hạn hoặc miễn thực hiện. "
                "Số nhiệm vụ là cột **Số** trong bảng theo dõi. **Người ghi nhận** là đơn vị báo cáo, hoặc "
                f"{COORDINATOR_CHOICE} cho quyết định của cơ quan thường trực; đơn vị không phụ trách nhiệm vụ, "
                "hoặc đơn vị tự duyệt báo cáo của mình, bị từ chối. "
                "**Họ tên người thao tác** là bắt buộc: nhật ký ghi tên này cùng số lượt chạy."
            ),
            "",
            (
                "**Phiên bản nhiệm vụ** là cột **Phiên bản** trong bảng theo dõi của đơn vị, bắt buộc khi "
                f"{plan.meta.coordinator.title} chấp nhận, trả lại, gia hạn hoặc miễn thực hiện. Nếu nhiệm vụ đã thay đổi "
                "từ lúc xem (người khác đã quyết định, lượt theo dõi buổi sáng đã chuyển trạng thái), không ghi gì và báo "
                '"đã có người xử lý trước": hãy xem lại bảng rồi điền phiên bản mới.'
            ),
            "",
            "Sau khi ghi nhận, bảng theo dõi của đơn vị và bảng theo dõi chung được cập nhật ngay.",
        ]
    )
