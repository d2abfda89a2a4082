"""What people do: one service entry per human action, each with a required actor.

How to call an action (the CLI, the Prefect form and the web app all do exactly this)::

    from htx_tasks import services
    from htx_tasks.services import Actor, SubmitReport

    command = SubmitReport.parse(occurrence=12, results=text, evidence=url, expected_version=seen)  # InvalidInput
    actor = Actor.of_unit("phuong-ba-ngoi", via=services.via_link(link_id))
    with session_scope(engine) as session:                                 # one transaction
        row = services.submit(session, plan, actor, command, now=now)      # Refused / Conflict

- ``Actor``: ``Actor.of_unit(code, via)``, ``Actor.coordinator(via)``, ``Actor.system(via)``;
  ``via`` says how the action came: ``via_cli()``, ``via_form(flow_run_id, person)``, ``via_link(link_id)``.
- Commands (``inputs``): ``SubmitReport``, ``ReviewReport``, ``ExtendDeadline``, ``Waive``,
  ``OpenCase``, ``ResolveNotice``. ``parse`` validates every input once (limits on notes, URLs,
  ids, dates, control characters live in ``inputs`` only) and raises ``InvalidInput``, whose
  ``errors`` are ``FieldError(field, message)``: show them with ``render(labels)``, your labels.
  Every command on an occurrence takes ``expected_version`` (``Occurrence.version`` as the
  person saw it): a coordinator's decision requires it in its model, and the services refuse
  every action through a web page without it (``require_seen``; the registry's ``seen`` too),
  so a stale or crafted page cannot overwrite a decision. Front ends pass what they got.
- Errors: ``Refused`` (not allowed; Vietnamese message); its subclasses ``Conflict`` (somebody
  decided first: "đã có người xử lý trước"), ``UnknownCode`` (a code the plan does not hold),
  ``BadInput`` (what was typed cannot be used) and its ``InvalidInput`` (naming each field).
  Nothing is written on any of them: the caller's transaction is rolled back, no audit row remains.
- Entries: ``submit``, ``review``, ``extend``, ``waive``, ``open_case`` (``decisions``) and
  ``resolve_notice`` (``notices``); the system's own work: ``passes.init_database``,
  ``passes.run_pass``, ``passes.follow_up``, ``delivery.dispatch`` (the channels are handed in:
  ``senders=ctx.channels``, so nothing here loads Apprise); the coordinator's login:
  ``login.check`` then ``login.issue`` (a fresh signed link); the Prefect form's adapter: ``form.record``.
- A code the plan does not hold raises ``UnknownCode`` (a ``Refused``) from the plan itself.

Adding an action (the web app's "request extension", "decide extension"): add an ``Act`` and its
roles to ``actors.MAY`` (the only permission table), a command model in ``inputs``, its starting
states to ``decisions.EXPECTS``, and an entry that calls ``begin_decision`` (lock, version,
permission, state), changes the row, writes the audit with ``set_state`` (or
``engine.audit(..., role=actor.role.value, via=actor.via)`` when the state does not change) and
returns through ``save_decision`` (the version compare-and-set). ``resolve_notice`` shows the
same steps for a table without a version: one ``UPDATE ... WHERE status = <expected>``.
"""

from htx_tasks.services.actors import COORDINATOR_ACTOR, MAY, Act, Actor, Role, authorize, via_cli, via_form, via_link
from htx_tasks.services.decisions import (
    EXPECTS,
    PREEMPTED,
    Attachment,
    begin_decision,
    extend,
    get_occurrence,
    lock_occurrence,
    open_case,
    require_seen,
    review,
    save_decision,
    set_state,
    submit,
    waive,
)
from htx_tasks.services.errors import BadInput, Conflict, FieldError, InvalidInput, Refused, UnknownCode
from htx_tasks.services.inputs import (
    Command,
    Decision,
    ExtendDeadline,
    NoticeOutcome,
    OpenCase,
    ResolveNotice,
    ReviewReport,
    SubmitReport,
    Waive,
)
from htx_tasks.services.notices import resolve_notice

__all__ = [
    "COORDINATOR_ACTOR",
    "EXPECTS",
    "MAY",
    "PREEMPTED",
    "Act",
    "Actor",
    "Attachment",
    "BadInput",
    "Command",
    "Conflict",
    "Decision",
    "ExtendDeadline",
    "FieldError",
    "InvalidInput",
    "NoticeOutcome",
    "OpenCase",
    "Refused",
    "ResolveNotice",
    "ReviewReport",
    "Role",
    "UnknownCode",
    "SubmitReport",
    "Waive",
    "authorize",
    "begin_decision",
    "extend",
    "get_occurrence",
    "lock_occurrence",
    "open_case",
    "require_seen",
    "resolve_notice",
    "review",
    "save_decision",
    "set_state",
    "submit",
    "via_cli",
    "via_form",
    "via_link",
    "waive",
]
