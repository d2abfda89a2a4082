"""Channels: ``config/channels.yaml`` (Apprise's YAML format), checked strictly, plus the inbox.

Every recipient is an Apprise tag: a unit code, ``coordinator``, ``leadership`` or ``fallback``.
Secrets never sit in the file: URLs use ``${NAME}`` template variables, filled from the
environment the settings were read from (``APPRISE_TEMPLATE_NAME`` or ``NAME``) or, with a
Prefect server configured, a Prefect Secret block named ``name``.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

import apprise
from apprise.manager_plugins import NotificationManager

from htx_tasks.core.policy import COORDINATOR, FALLBACK, LEADERSHIP
from htx_tasks.delivery import inbox  # noqa: F401  (registers the inbox:// scheme)
from htx_tasks.delivery.inbox import inbox_url
from htx_tasks.delivery.messages import Message
from htx_tasks.delivery.ports import Route, UrlResult, recipients_of
from htx_tasks.delivery.sender import Target, send, targets
from htx_tasks.plan.loader import Plan
from htx_tasks.plan.yamlio import ConfigError, Located, Problem, load_yaml, read_text
from htx_tasks.settings import Settings

log = logging.getLogger(__name__)
_PLUGINS = NotificationManager()
CHANNELS_FILE = "channels.yaml"
TEMPLATE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
TOP_KEYS = {"version", "urls", "include", "tag", "asset", "template"}


@dataclass
class Channels:
    """Parsed channels: the Apprise URLs per tag, and where the inbox lives."""

    text: str
    tags: dict[str, int] = field(default_factory=dict)  # tag → number of configured URLs
    variables: list[str] = field(default_factory=list)
    inbox_dir: Path | None = None
    settings: Settings | None = field(default=None, repr=False, compare=False)  # where ${NAME} values come from
    _config: apprise.AppriseConfig | None = field(default=None, init=False, repr=False, compare=False)
    # the sender's prepared URLs per (recipient, template values): built once while these channels
    # are in use (a dispatch pass loads them afresh unless it is given them)
    prepared: dict = field(default_factory=dict, init=False, repr=False, compare=False)
    lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False, compare=False)

    def apprise_for(self, *recipients: str) -> apprise.Apprise:
        """An Apprise object holding the recipients' configured URLs and their inboxes."""
        obj = apprise.Apprise()
        if any(self.tags.get(r) for r in recipients):
            if self._config is None:  # parse the YAML once, not once per recipient and pass
                config = apprise.AppriseConfig()
                config.add_config(self.text, format="yaml")
                self._config = config
            obj.add(self._config)
        if self.inbox_dir is not None:
            for recipient in recipients:
                obj.add(inbox_url(recipient, self.inbox_dir), tag=recipient)
        return obj

    def prepare(self, recipients: Iterable[str], template: Mapping[str, str]) -> None:
        """Build the URLs of those recipients who have none yet, in one look at the configuration.

        Under the lock (workers and other passes share these channels): Apprise parses its
        configuration lazily, and a look from another thread during the parse finds nothing."""
        values = tuple(sorted(template.items()))
        with self.lock:
            missing = [r for r in dict.fromkeys(recipients) if (r, values) not in self.prepared]
            if missing:
                built = targets(self.apprise_for(*missing), missing, dict(template))
                self.prepared.update({(r, values): found for r, found in built.items()})

    def routes(self, recipient: str, template: Mapping[str, str]) -> list[Target]:
        """The recipient's URLs, built once while these channels are in use."""
        self.prepare([recipient], template)
        return self.prepared[(recipient, tuple(sorted(template.items())))]

    def send(self, routes: Sequence[Route], recipient: str, message: Message, *, skip: set[str],
             template: Mapping[str, str]) -> list[UrlResult]:
        """Send through Apprise (``sender.send``) to the routes this object prepared."""
        return send([cast(Target, r) for r in routes], recipient, message, skip=skip, template=dict(template))

    def template_values(self) -> dict[str, str]:
        """Values of ``${NAME}`` variables: environment first, then a Prefect Secret block."""
        values: dict[str, str] = {}
        if self.settings is None:  # loaded to be checked only
            return values
        for name in self.variables:
            value = self.settings.variable(name)
            if value is None and self.settings.prefect_api_url:
                value = _prefect_secret(name)
            if value is not None:
                values[name] = value
        return values


def _prefect_secret(name: str) -> str | None:
    try:
        from prefect.blocks.system import Secret

        block = cast(Secret, Secret.load(name.lower().replace("_", "-")))  # the sync call of Prefect's dual API
        return str(block.get())
    except Exception:  # no such block, or no server: the variable stays unfilled
        log.warning("no value for channel variable %s (environment or Prefect Secret)", name)
        return None


def _tags_of(value) -> list[str]:
    if isinstance(value, str):
        return [t.strip() for t in value.split(",") if t.strip()]
    if isinstance(value, list | tuple):
        return [t for item in value for t in _tags_of(item)]
    return []


def load_channels(plan: Plan | None, config_dir: Path, inbox_dir: Path | None, *,
                  settings: Settings | None = None) -> Channels:
    """Read and check ``channels.yaml``; unknown tags, keys or URLs are errors with their line.

    Without a plan (it is broken itself) the file is still checked, all but its tags. The
    ``${NAME}`` variables are filled from ``settings`` (none without them: checked, not sent).
    """
    path = config_dir / CHANNELS_FILE
    if not path.exists() and not path.is_symlink():
        return Channels(text="version: 1\nurls: []\n", inbox_dir=inbox_dir, settings=settings)
    doc = load_yaml(path)
    problems = check_channels(doc, None if plan is None else set(recipients_of(plan)))
    if problems:
        raise ConfigError(problems)
    text = read_text(path)
    channels = Channels(text=text, inbox_dir=inbox_dir, variables=_url_variables(doc.data.get("urls") or []),
                        settings=settings)
    for entry in doc.data.get("urls") or []:
        tags = _entry_tags(entry) + _tags_of(doc.data.get("tag"))
        for tag in tags:
            channels.tags[tag] = channels.tags.get(tag, 0) + 1
    return channels


def _url_variables(urls: list) -> list[str]:
    """``${NAME}`` variables used by the URLs themselves (not by comments or examples)."""
    found: set[str] = set()
    for entry in urls:
        url = next(iter(entry)) if isinstance(entry, dict) else entry
        if isinstance(url, str):
            found.update(TEMPLATE.findall(url))
    return sorted(found)


def _entry_tags(entry) -> list[str]:
    if isinstance(entry, dict):
        tags: list[str] = []
        for options in entry.values():
            for option in options if isinstance(options, list) else [options]:
                if isinstance(option, dict):
                    tags += _tags_of(option.get("tag"))
        return tags
    return []


def check_channels(doc: Located, known: set[str] | None) -> list[Problem]:
    """Apprise's YAML format, strictly; ``known`` recipient tags (None: tags are not checked)."""
    data = doc.data if isinstance(doc.data, dict) else {}
    problems = []
    if not isinstance(doc.data, dict):
        return [doc.problem((), "tệp cần là một bảng khóa–giá trị bắt đầu bằng 'version: 1'")]
    for tag in _tags_of(data.get("tag")):
        if known is not None and tag not in known:
            problems.append(doc.problem(("tag",), f"tag '{tag}' không phải người nhận trong kế hoạch"))
    if data.get("version") != 1:
        problems.append(doc.problem(("version",), "cần 'version: 1' (định dạng YAML của Apprise)"))
    for key in data:
        if key not in TOP_KEYS:
            problems.append(doc.problem((key,), f"khóa không được phép '{key}'"))
    if data.get("include"):
        problems.append(doc.problem(("include",), "không dùng 'include': khai báo mọi kênh trong tệp này"))
    declared = _declared(data.get("template"))
    urls = data.get("urls") or []
    if not isinstance(urls, list):
        return [*problems, doc.problem(("urls",), "'urls' phải là một danh sách")]
    for i, entry in enumerate(urls):
        url = next(iter(entry)) if isinstance(entry, dict) else entry
        if not isinstance(url, str):
            problems.append(doc.problem(("urls", i), "mỗi mục 'urls' là một URL Apprise"))
            continue
        if not _url_is_valid(url):
            problems.append(doc.problem(("urls", i), f"URL không hợp lệ hoặc không có plug-in Apprise: {_mask(url)}"))
        for name in sorted({n for n in TEMPLATE.findall(url) if n.lower() not in declared}):
            problems.append(doc.problem(("urls", i), f"biến ${{{name}}} chưa khai báo trong mục 'template:' "
                                        "(Apprise sẽ gửi nguyên chuỗi, không thay giá trị)"))
        tags = _entry_tags(entry)
        if not tags and not data.get("tag"):
            problems.append(doc.problem(("urls", i), "URL chưa gắn tag người nhận"))
        for tag in tags:
            if known is not None and tag not in known:
                problems.append(doc.problem(("urls", i), f"tag '{tag}' không phải người nhận trong kế hoạch"))
    return problems


def _declared(section) -> set[str]:
    """Names declared in Apprise's ``template:`` section (a list or a mapping), lower-cased."""
    if isinstance(section, dict):
        return {str(k).lower() for k in section}
    if isinstance(section, list):
        return {str(k).lower() for item in section for k in (item if isinstance(item, dict) else [item])}
    return set()


def _url_is_valid(url: str) -> bool:
    """A URL Apprise can build; one with ``${NAME}`` parts is checked for a known scheme only."""
    if TEMPLATE.search(url):
        scheme = url.split("://", 1)[0].lower() if "://" in url else ""
        return scheme in _PLUGINS
    _quiet_apprise_while_checking()
    _checking.on = True  # Apprise's own complaint is dropped: the problem we report names the URL
    try:
        return apprise.Apprise.instantiate(url) is not None
    finally:
        _checking.on = False


class _QuietWhileChecking(logging.Filter):
    """Drops Apprise's records in a thread that is checking a URL, and only there.

    Not by raising the logger's level: that is shared, so two threads checking at once could
    leave it raised for good, and every later delivery error would lose Apprise's explanation.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        return not getattr(_checking, "on", False)


_checking = threading.local()


def _quiet_apprise_while_checking() -> None:
    """Put the filter on Apprise's logger the first time a URL is checked (once per process)."""
    apprise_log = logging.getLogger("apprise")
    if not any(isinstance(f, _QuietWhileChecking) for f in apprise_log.filters):
        apprise_log.addFilter(_QuietWhileChecking())


def _mask(url: str) -> str:
    return re.sub(r"(//)[^/@]*@", r"\1***@", url)


def coverage_warnings(plan: Plan, channels: Channels) -> list[str]:
    """One warning naming every recipient with no configured channel (only the local inbox)."""
    silent = [
        f"{tag} ({plan.unit_name(tag) if tag in plan.units else _ROLE_NAMES[tag]})"
        for tag in recipients_of(plan)
        if not channels.tags.get(tag)
    ]
    if not silent:
        return []
    return [
        f"{len(silent)} người nhận chưa có kênh nào ngoài hộp thư cục bộ var/inbox/ và sẽ không nhận "
        f"được thông báo thật (khai báo trong channels.yaml): {', '.join(silent)}"
    ]


_ROLE_NAMES = {COORDINATOR: "cơ quan thường trực", LEADERSHIP: "lãnh đạo UBND", FALLBACK: "kênh dự phòng"}
