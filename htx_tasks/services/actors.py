"""Who takes an action, how it came, and the one place that says who may do what.

An ``Actor`` is required by every service entry. Its ``role`` says what it acts as (a unit, the
coordinator, the system) and ``via`` how the action came: ``cli:<os user>``,
``form:<flow run id>:<name given on the form>``, ``link:<signed link id>``. The audit trail records all three.
"""

from __future__ import annotations

import getpass
from dataclasses import dataclass
from enum import StrEnum

from htx_tasks.plan.loader import Plan
from htx_tasks.services.errors import InvalidInput, Refused
from htx_tasks.services.inputs import clean_text
from htx_tasks.store.writes import ENGINE_ACTOR

COORDINATOR_ACTOR = "cơ quan thường trực"  # the audit's name for the coordinator (standing office)
SYSTEM_ACTOR = ENGINE_ACTOR  # the system's name in the audit, the same as the engine's own steps
VIA_MAX = 128
PERSON_MAX = 64  # characters of the name a person gives on the Prefect form
LINK_VIA = "link:"  # how an action through a web page (a signed link) is named


class Role(StrEnum):
    UNIT = "unit"
    COORDINATOR = "coordinator"
    SYSTEM = "system"


class Act(StrEnum):
    """Every human action a service performs; the web app adds its own here (see MAY)."""

    SUBMIT = "submit"
    ACCEPT = "accept"
    RETURN = "return"
    EXTEND = "extend"
    WAIVE = "waive"
    OPEN_CASE = "open_case"
    RESOLVE_NOTICE = "resolve_notice"
    REQUEST_EXTENSION = "request_extension"  # the web app: a unit asks for more time
    DECIDE_EXTENSION = "decide_extension"  # the coordinator approves or refuses it
    CONFIRM_REGISTRY = "confirm_registry"  # a unit confirms its organisations in the registry
    EDIT_REGISTRY = "edit_registry"  # a unit updates one organisation it follows
    ACTIVATE_PLAN = "activate_plan"  # the coordinator starts following a plan
    CLOSE_PLAN = "close_plan"  # the coordinator ends a plan: its open items end, its messages stop
    ACKNOWLEDGE = "acknowledge"  # a unit has the work in hand: repeats pause until the date it gives
    COMPILE_REPORT = "compile_report"  # the coordinator compiles (or recompiles) the consolidated report's draft
    EDIT_REPORT = "edit_report"  # the coordinator edits the draft: its parts, number, date, recipients
    EXPORT_REPORT = "export_report"  # the coordinator writes the draft to Word and PDF for signing
    REVIEW_DRAFT = "review_draft"  # the coordinator brings a plan read from a file in and corrects its rows

    @property
    def label(self) -> str:
        return ACT_LABELS[self]


ACT_LABELS = {
    Act.SUBMIT: "báo cáo hoàn thành",
    Act.ACCEPT: "chấp nhận báo cáo",
    Act.RETURN: "trả lại báo cáo",
    Act.EXTEND: "gia hạn",
    Act.WAIVE: "miễn thực hiện",
    Act.OPEN_CASE: "mở nhiệm vụ theo hồ sơ",
    Act.RESOLVE_NOTICE: "xử lý thông báo cần kiểm tra",
    Act.REQUEST_EXTENSION: "đề nghị gia hạn",
    Act.DECIDE_EXTENSION: "quyết định đề nghị gia hạn",
    Act.CONFIRM_REGISTRY: "xác nhận sổ theo dõi hợp tác xã",
    Act.EDIT_REGISTRY: "cập nhật thông tin hợp tác xã",
    Act.ACTIVATE_PLAN: "bắt đầu theo dõi kế hoạch",
    Act.CLOSE_PLAN: "kết thúc kế hoạch",
    Act.ACKNOWLEDGE: "báo đã nhận, đang thực hiện",
    Act.COMPILE_REPORT: "tổng hợp báo cáo kết quả thực hiện kế hoạch",
    Act.EDIT_REPORT: "biên tập dự thảo báo cáo",
    Act.EXPORT_REPORT: "xuất báo cáo để trình ký",
    Act.REVIEW_DRAFT: "rà soát kế hoạch nháp",
}

# Who may take each action. A unit acts only on its own obligations (a group: its members');
# deciding on a report is never a unit's to do.
MAY: dict[Act, frozenset[Role]] = {
    Act.SUBMIT: frozenset({Role.UNIT}),
    Act.ACCEPT: frozenset({Role.COORDINATOR}),
    Act.RETURN: frozenset({Role.COORDINATOR}),
    Act.EXTEND: frozenset({Role.COORDINATOR}),
    Act.WAIVE: frozenset({Role.COORDINATOR}),
    Act.OPEN_CASE: frozenset({Role.UNIT, Role.COORDINATOR}),
    Act.RESOLVE_NOTICE: frozenset({Role.COORDINATOR}),
    Act.REQUEST_EXTENSION: frozenset({Role.UNIT}),
    Act.DECIDE_EXTENSION: frozenset({Role.COORDINATOR}),
    # the coordinator may act on a unit's behalf (the unit confirmed by telephone or in writing)
    Act.CONFIRM_REGISTRY: frozenset({Role.UNIT, Role.COORDINATOR}),
    Act.EDIT_REGISTRY: frozenset({Role.UNIT, Role.COORDINATOR}),
    Act.ACTIVATE_PLAN: frozenset({Role.COORDINATOR}),
    Act.CLOSE_PLAN: frozenset({Role.COORDINATOR}),
    Act.ACKNOWLEDGE: frozenset({Role.UNIT}),
    # the scheduled report flow compiles and exports too (it never edits, and never overwrites an edit)
    Act.COMPILE_REPORT: frozenset({Role.COORDINATOR, Role.SYSTEM}),
    Act.EDIT_REPORT: frozenset({Role.COORDINATOR}),
    Act.EXPORT_REPORT: frozenset({Role.COORDINATOR, Role.SYSTEM}),
    Act.REVIEW_DRAFT: frozenset({Role.COORDINATOR}),
}


@dataclass(frozen=True)
class Actor:
    role: Role
    via: str
    unit: str | None = None  # the unit acting, for Role.UNIT only

    def __post_init__(self) -> None:
        if (self.role is Role.UNIT) != bool(self.unit):
            raise ValueError("a unit actor needs its unit code, and only a unit actor has one")
        if not self.via or len(self.via) > VIA_MAX:
            raise ValueError(f"via must say how the action came (1..{VIA_MAX} characters)")

    @classmethod
    def of_unit(cls, unit: str, via: str) -> Actor:
        return cls(Role.UNIT, via, unit)

    @classmethod
    def coordinator(cls, via: str) -> Actor:
        return cls(Role.COORDINATOR, via)

    @classmethod
    def system(cls, via: str = "engine") -> Actor:
        return cls(Role.SYSTEM, via)

    @property
    def on_page(self) -> bool:
        """The action came from a web page (a signed link): the page sent back what it showed."""
        return self.via.startswith(LINK_VIA)

    @property
    def name(self) -> str:
        """The name the audit trail shows."""
        if self.role is Role.UNIT:
            assert self.unit is not None
            return self.unit
        return COORDINATOR_ACTOR if self.role is Role.COORDINATOR else SYSTEM_ACTOR


def via_cli() -> str:
    try:
        user = getpass.getuser()
    except (OSError, KeyError):  # no user name in this environment
        user = "?"
    return f"cli:{user}"[:VIA_MAX]


def via_form(flow_run_id: object, person: object) -> str:
    """``form:<flow run id>:<name>``. The Prefect server has no users: the person gives a name, and
    the audit keeps it with the run; ``InvalidInput`` on ``person`` when it is missing or unusable."""
    try:
        name = clean_text(person, limit=PERSON_MAX, multiline=False, required=True)
    except ValueError as exc:
        raise InvalidInput.one("person", str(exc)) from None
    return f"form:{flow_run_id}:{name}"[:VIA_MAX]


def via_link(link_id: str) -> str:
    return f"{LINK_VIA}{link_id}"[:VIA_MAX]


def authorize(plan: Plan, actor: Actor, act: Act, *, owner: str | None, what: str = "") -> None:
    """Refuse unless ``actor`` may take ``act`` on an item owned by ``owner`` (a unit code).

    This is the only permission check: every service entry calls it before it changes anything.
    ``what`` names the item in messages ("nhiệm vụ số 12").
    """
    if actor.role is Role.UNIT:
        assert actor.unit is not None
        plan.unit(actor.unit)  # UnknownCode, a refusal, when the plan has no such unit
    if actor.role not in MAY[act]:
        if actor.role is Role.UNIT and act in (Act.ACCEPT, Act.RETURN):
            raise Refused(f"đơn vị '{actor.unit}' không được tự duyệt báo cáo; chỉ {COORDINATOR_ACTOR} "
                          "mới chấp nhận hoặc trả lại báo cáo")
        if actor.role is Role.UNIT:
            raise Refused(f"đơn vị '{actor.unit}' không có quyền {act.label}; việc này do "
                          f"{COORDINATOR_ACTOR} quyết định")
        who = COORDINATOR_ACTOR if actor.role is Role.COORDINATOR else SYSTEM_ACTOR
        if Role.UNIT in MAY[act]:
            raise Refused(f"{who} không {act.label} thay đơn vị; đơn vị tự {act.label}")
        raise Refused(f"{who} không có quyền {act.label}; việc này do {COORDINATOR_ACTOR} quyết định")
    if actor.role is Role.UNIT and owner is not None and owner not in {actor.unit, *plan.members(actor.unit or "")}:
        raise Refused(f"đơn vị '{actor.unit}' không phụ trách {what or 'việc này'} (thuộc {plan.unit_name(owner)})")
