"""The words every reader sees: the one home of the Vietnamese for states, timings, notices and pages.

The plan speaks in two registers, and so does every surface (messages, web pages, ``status``, the
board, the report):

- an **assignment** (giao): the People's Committee directs its own bodies; they have a *hạn*, can
  be *quá hạn*, are *đôn đốc*-ed and escalated;
- a **request** (đề nghị, Section III.7): the plan *asks* the Fatherland Front and the
  socio-political organisations to cooperate. A request has a *mốc trao đổi kết quả*; past it the
  standing office *trao đổi* (liaises). It never reads "giao", "quá hạn" or "đôn đốc", and it is
  never listed among overdue work.

Every function takes ``request`` (keyword) and answers in the matching register. Tables are keyed
by the stored values (``State``, ``Kind``, ``Target`` and the status enums are ``StrEnum``), so
this module imports nothing of ours but its part ``core.unitwords``: the enums' ``.label`` read
from here, and a new surface never needs a table of its own. Pure: no I/O, no clock.
"""

from __future__ import annotations

import datetime as dt

# what a unit reads on its pages and in its messages: its own module, read through this one
from htx_tasks.core.unitwords import (  # noqa: F401
    ASSIGNMENT_WORDS,
    REQUEST_WORDS,
    UnitWords,
    report_silence,
    report_source,
    report_task,
    unit_words,
)

# --- states of an obligation (core.lifecycle.State) --------------------------------------------

_STATES: dict[str, tuple[str, str]] = {  # value: (assignment, request)
    "open": ("Đang thực hiện", "Đang phối hợp thực hiện"),
    "due_soon": ("Sắp đến hạn", "Sắp đến mốc trao đổi kết quả"),
    "overdue": ("Quá hạn", "Đã qua mốc trao đổi"),
    "escalated": ("Quá hạn, đã báo cấp trên", "Đã qua mốc, cơ quan thường trực đang trao đổi"),
    "returned": ("Trả lại để hoàn thiện", "Đề nghị bổ sung thông tin"),
    "submitted": ("Đã báo cáo, chờ duyệt", "Đã gửi thông tin kết quả, chờ tiếp nhận"),
    "done_on_time": ("Hoàn thành đúng hạn", "Đã trao đổi kết quả"),
    "done_late": ("Hoàn thành quá hạn", "Đã trao đổi kết quả"),
    "waived": ("Miễn thực hiện", "Không tiếp tục đề nghị"),
    "succeeded": ("Đã chuyển đơn vị kế thừa", "Đã chuyển đơn vị kế thừa"),
    "missed": ("Không báo cáo", "Không có thông tin kết quả"),  # closed when the next period came due
}


def state_label(state: str, *, request: bool = False) -> str:
    """``Quá hạn`` / ``Đã qua mốc trao đổi``: an obligation's state as its reader names it."""
    return _STATES[state][request]


# --- notices (core.lifecycle.Kind) --------------------------------------------------------------

_KINDS: dict[str, tuple[str, str, str]] = {  # value: (coordinator's name, the unit's title, request)
    "assigned": ("Giao nhiệm vụ", "Giao nhiệm vụ", "Đề nghị phối hợp"),
    "reminder": ("Nhắc việc", "Nhắc việc", "Nhắc mốc trao đổi kết quả"),
    "overdue": ("Báo quá hạn", "Đã quá hạn", "Trao đổi"),
    "escalation": ("Đôn đốc", "Đôn đốc", "Trao đổi"),
    "repeat": ("Đôn đốc lại", "Đôn đốc lại", "Trao đổi lại"),
    "ext_approved": ("Đồng ý gia hạn", "Đồng ý gia hạn", "Đồng ý lùi mốc"),
    "ext_refused": ("Không đồng ý gia hạn", "Không đồng ý gia hạn", "Chưa đồng ý lùi mốc"),
    "indicator": ("Chỉ tiêu chệch lộ trình", "Chỉ tiêu chệch lộ trình", "Chỉ tiêu chệch lộ trình"),  # no item
    "briefing": ("Tổng hợp tuần", "Tổng hợp tuần", "Tổng hợp tuần"),  # the weekly briefing (no item)
}
COPY_TITLE = "Để phối hợp"
# coordinating units: told for cooperation, never escalated; a digest's line under its heading "Để phối hợp"
_COPY_LINES = {"assigned": "Nhiệm vụ mới", "overdue": "Nhiệm vụ chưa hoàn thành"}
_COPY_TITLES = {kind: f"{COPY_TITLE}: {line[0].lower()}{line[1:]}" for kind, line in _COPY_LINES.items()}
LIAISON_TITLE = "Để liên hệ, trao đổi"  # the coordinator's copy of a request past its date
ESCALATION_KINDS = ("overdue", "escalation", "repeat")  # the notices that follow work past its term


def kind_label(kind: str, *, request: bool = False) -> str:
    """A notice as the coordinator names it (board, history, ``simulate``): ``Đôn đốc`` / ``Trao đổi``."""
    return _KINDS[kind][2 if request else 0]


def notice_title(kind: str, *, request: bool = False) -> str:
    """A notice as the unit it concerns reads it in its digest: ``Đã quá hạn`` / ``Trao đổi``."""
    return _KINDS[kind][2 if request else 1]


def copy_title(kind: str) -> str:
    """A notice as a coordinating unit reads it (a copy, for cooperation)."""
    return _COPY_TITLES.get(kind, COPY_TITLE)


def copy_line(kind: str) -> str:
    """A copy's line under a digest's heading "Để phối hợp", which is not said again: ``Nhiệm vụ mới``
    (empty for a notice with no word of its own)."""
    return _COPY_LINES.get(kind, "")


# --- timing --------------------------------------------------------------------------------------


def timing(days_left: int, working_days_overdue: int, *, request: bool = False) -> str:
    """``còn 3 ngày``, ``đến hạn hôm nay``, ``quá hạn 2 ngày làm việc``; for a request ``còn 3
    ngày đến mốc``, ``mốc là hôm nay``, ``đã qua mốc 2 ngày làm việc``. Days left are calendar
    days; days past are whole working days, in both registers."""
    if days_left > 0:
        return f"còn {days_left} ngày đến mốc" if request else f"còn {days_left} ngày"
    if days_left == 0:
        return "mốc là hôm nay" if request else "đến hạn hôm nay"
    if request:
        return f"đã qua mốc {working_days_overdue} ngày làm việc" if working_days_overdue else "đã qua mốc"
    return f"quá hạn {working_days_overdue} ngày làm việc" if working_days_overdue else "đã quá hạn"


def past_heading(*, request: bool = False) -> str:
    """A count of work past its term: ``Quá hạn``; of requests past their date (never "quá hạn")."""
    return "Đề nghị đã qua mốc" if request else "Quá hạn"


def lateness(days_late: int, working_days_overdue: int) -> str:
    """``5 ngày (3 ngày làm việc)``: how long past its term (or date), for a table's column."""
    return f"{days_late} ngày" + (f" ({working_days_overdue} ngày làm việc)" if working_days_overdue else "")


def past_cell(days_late: int, working_days_overdue: int, *, request: bool = False) -> str:
    """``quá hạn 5 ngày (3 ngày làm việc)`` / ``đã qua mốc 5 ngày (…)``: a table cell that also says what."""
    return ("đã qua mốc " if request else "quá hạn ") + lateness(days_late, working_days_overdue)


def source_words(words: str, *, request: bool = False) -> str:
    """Who set a deadline, in the item's register: a request has a date (mốc), not a term (hạn)."""
    return "mốc" + words[3:] if request and words.startswith("hạn") else words


def reported(*, request: bool = False) -> str:
    """What a table says of the timing of work reported and awaiting review."""
    return "đã gửi thông tin kết quả" if request else "đã báo cáo"


NO_TIMING = "—"  # closed work: the deadline no longer counts


def figure_text(value: float, unit: str) -> str:
    """A figure a unit reported: ``1.250 hợp tác xã``, ``2,5 triệu đồng`` (dot for thousands,
    comma for decimals, at most two decimals)."""
    whole, _, decimals = f"{value:,.2f}".partition(".")
    decimals = decimals.rstrip("0")
    return whole.replace(",", ".") + (f",{decimals}" if decimals else "") + f" {unit}"

# --- the period of an item ----------------------------------------------------------------------

TRACKING_CODE = "Mã theo dõi"  # an item's reference (its id): a code to quote, not a count
ONE_OFF = "một lần"


def period_cell(label: str) -> str:
    """A table's "Kỳ" cell: ``quý I/2027``; a one-off duty (stored as ``hạn 15/01/2027``) reads
    ``một lần``, its date being in the deadline's column; a case ``hồ sơ HTX-DAT-07`` as stored."""
    return ONE_OFF if _one_off(label) else label


def period_line(label: str) -> str:
    """A message's or a page's line about the period: ``Kỳ: quý I/2027``, ``Hồ sơ: HTX-DAT-07``;
    empty for a one-off duty (its deadline line says it all)."""
    if _one_off(label):
        return ""
    if label.startswith("hồ sơ "):
        return f"Hồ sơ: {label.removeprefix('hồ sơ ')}"
    return f"Kỳ: {label}"


def _one_off(label: str) -> bool:
    return label.startswith("hạn ") and label[4:5].isdigit()


# --- escalation steps (plan.schema.Target) ------------------------------------------------------

TARGET_NAMES = {"unit": "đơn vị", "coordinator": "cơ quan thường trực", "leadership": "lãnh đạo UBND thành phố"}
_STEPS: dict[str, tuple[str, str]] = {  # target: (assignment, request)
    "unit": ("đã báo đơn vị", "đã trao đổi với đơn vị"),
    "coordinator": ("đã báo cơ quan thường trực", "cơ quan thường trực trao đổi"),
    "leadership": ("đã báo lãnh đạo UBND", "đã báo lãnh đạo UBND"),
}


def step_reached(target: str, *, request: bool = False) -> str:
    """``đã báo cơ quan thường trực`` / ``cơ quan thường trực trao đổi``: whom a step has reached."""
    return _STEPS[target][request]


# --- the trail of an item (store.AuditEvent.action) ---------------------------------------------

_ACTIONS: dict[str, tuple[str, str]] = {
    "open": ("Giao nhiệm vụ", "Đề nghị phối hợp"),
    "submit": ("Báo cáo hoàn thành", "Gửi thông tin kết quả"),
    "accept": ("Duyệt báo cáo", "Tiếp nhận kết quả"),
    "return": ("Trả lại báo cáo", "Đề nghị bổ sung thông tin"),
    "extend": ("Gia hạn", "Lùi mốc trao đổi"),
    "waive": ("Miễn thực hiện", "Không tiếp tục đề nghị"),
    "request_extension": ("Đề nghị gia hạn", "Đề nghị lùi mốc"),
    "refuse_extension": ("Không đồng ý gia hạn", "Chưa đồng ý lùi mốc"),
    "acknowledge": ("Đã nhận, đang thực hiện", "Đã nhận đề nghị, đang phối hợp thực hiện"),
    "clock": ("Chuyển trạng thái", "Chuyển trạng thái"),
}


def action_label(action: str, *, request: bool = False) -> str:
    """A line of an item's history; an action without words of its own is shown as stored."""
    words = _ACTIONS.get(action)
    return words[request] if words else action


# --- statuses of rows beside an obligation (core.statuses) --------------------------------------

_NOTIFICATION = {
    "pending": "chờ gửi",
    "sending": "đang gửi",
    "sent": "đã gửi",
    "failed": "gửi thất bại sau khi đã thử lại",
    "review": "cần kiểm tra (tiến trình dừng khi đang gửi)",
    "cancelled": "đã hủy",
    "superseded": "đã thay bằng thông báo mới hơn",
}
_SUBMISSION = {"pending": "chờ duyệt", "accept": "chấp nhận", "return": "trả lại", "waive": "miễn thực hiện"}
_EXTENSION: dict[str, tuple[str, str]] = {
    "pending": ("Đề nghị gia hạn, chờ quyết định", "Đề nghị lùi mốc, chờ ý kiến"),
    "approved": ("Đã đồng ý gia hạn", "Đã đồng ý lùi mốc"),
    "refused": ("Không đồng ý gia hạn", "Chưa đồng ý lùi mốc"),
}

_PLAN = {"draft": "dự thảo, chưa theo dõi", "active": "đang theo dõi", "closed": "đã kết thúc"}


def plan_status_label(status: str) -> str:
    return _PLAN[status]


def plan_closed(title: str, code: str, *, ended: int, reports: int, cancelled: int) -> str:
    """What the coordinator reads on closing a plan. The notices were cancelled ("bị hủy"): not
    "chưa gửi được", which reads as notices that could not be sent."""
    return (f"Đã kết thúc kế hoạch {title} ({code}): {ended} nhiệm vụ còn mở kết thúc theo, {reports} báo cáo chờ "
            f"duyệt đóng lại, {cancelled} thông báo chưa gửi bị hủy.")


def handover_intro(names: list[str], on: dt.date, why: str | None, count: int) -> str:
    """What a successor reads first: whose open work it took over, from when, why."""
    reason = f" ({why})" if why else ""
    return (f"Nhận bàn giao: {count} nhiệm vụ còn mở của {', '.join(names)} chuyển sang đơn vị từ ngày "
            f"{on:%d/%m/%Y}{reason}. Việc cùng kỳ của các đơn vị cũ gộp thành một; đơn vị báo cáo chung "
            "cho cả địa bàn.")


def plans_tag(count: int) -> str:
    """What a digest's title starts with when it speaks of several plans."""
    return f"[{count} kế hoạch]"


def across_plans_intro(context: dict, count: int, *, markdown: bool = False) -> str:
    """The greeting and first line of a digest across plans."""
    greeting = f"Kính gửi: {context['recipient_name']}"
    lines = [f"**{greeting}**" if markdown else greeting, "",
             f"Đơn vị có nhiệm vụ cần lưu ý thuộc {count} kế hoạch (tính đến {context['today']}), "
             "lần lượt theo từng kế hoạch dưới đây."]
    if context["handover"]:
        lines += ["", context["handover"]]
    return "\n".join(lines)


def across_plans_common(count: int) -> str:
    """The heading of what a digest across plans says once for all of them (the unit's page)."""
    return f"Chung cho cả {count} kế hoạch"


def across_plans_closing(context: dict) -> str:
    return f"Đầu mối theo dõi: {context['coordinator']}. Thông báo tự động, vui lòng không trả lời thư này."


def handed_from(names: list[str]) -> str:
    """An item's line: who held it before."""
    return "Nhận bàn giao từ: " + ", ".join(names)


def notification_status_label(status: str) -> str:
    return _NOTIFICATION[status]


def submission_decision_label(decision: str) -> str:
    return _SUBMISSION[decision]


def extension_decision_label(decision: str, *, request: bool = False) -> str:
    return _EXTENSION[decision][request]
