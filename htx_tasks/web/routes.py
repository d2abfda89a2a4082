"""Every request of the web app that changes something, in one table, with what it sends back.

A page that lets a person act shows the state it acted on, and its form sends that back: the
item's ``version``, the organisation's ``version`` (the id of the version shown), or the registry
list's ``seen`` mark. The services refuse an action through a page without it, with a garbled one
(400, naming the field) or a stale one (409, "đã có người xử lý trước"), and write nothing.
Login and logout act on no shown state; they carry only the CSRF token.

``tests/test_web_routes.py`` walks this table against the app's own routes: a new POST route
missing here fails it, and each listed route is sent without, with a garbled and with a stale
version.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Post:
    path: str  # as the router declares it
    action: str  # the web audit's name for it
    seen: str | None  # the form field that carries what the page showed
    why_none: str = ""  # for a post that carries none: why nothing shown can go stale


POSTS = (
    Post("/u/{token}/o/{occurrence_id}/report", "report", "version"),
    Post("/u/{token}/o/{occurrence_id}/extension", "request_extension", "version"),
    Post("/u/{token}/o/{occurrence_id}/ack", "acknowledge", "version"),
    Post("/u/{token}/so-htx/xac-nhan", "registry_confirm", "seen"),
    Post("/u/{token}/so-htx/{code}", "registry_edit", "version"),
    Post("/c/{token}/o/{occurrence_id}/review", "review", "version"),
    Post("/c/{token}/x/{request_id}", "decide_extension", "version"),
    Post("/c/{token}/bao-cao/{period}/soan", "report_compile", "version"),  # the draft's version (0: none yet)
    Post("/c/{token}/bao-cao/{period}/sua", "report_edit", "version"),
    Post("/c/{token}/bao-cao/{period}/xuat", "report_export", "version"),
    Post("/c/{token}/ke-hoach/{code}/dong/{row_id}", "edit_draft_row", "version"),  # the draft's version
    Post("/c/{token}/ke-hoach/{code}/kich-hoat", "activate_plan", "version"),
    Post("/dang-nhap", "login", None, "a password gives a new link: there is no shown state to go stale"),
    Post("/c/{token}/dang-xuat", "logout", None, "ends the session of its own link, whatever the pages showed"),
)
