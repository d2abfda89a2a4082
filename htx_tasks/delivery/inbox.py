"""The embedded default channel: an Apprise plug-in that appends to one file per recipient.

``inbox://RECIPIENT?dir=/abs/path`` writes to ``/abs/path/RECIPIENT.txt``, so a newcomer sees
exactly what each unit would receive without configuring any credentials.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from apprise.decorators import notify

SCHEME = "inbox"
SEPARATOR = "=" * 72
DEFAULT_DIR = Path("var/inbox")  # for an inbox:// URL without ?dir= (the channels always give one)


def inbox_url(recipient: str, folder: Path) -> str:
    return f"{SCHEME}://{recipient}?dir={quote(str(folder.resolve()), safe='')}"


@notify(on=SCHEME, name="Hộp thư cục bộ htx-tasks")
def _write(body: str, title: str, notify_type, meta: dict, *args, **kwargs) -> bool:
    qsd = meta.get("qsd") or {}
    folder = Path(qsd["dir"]) if qsd.get("dir") else DEFAULT_DIR
    recipient = meta.get("host") or "unknown"
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / f"{recipient}.txt").open("a", encoding="utf-8") as handle:
        handle.write(f"{SEPARATOR}\n{title}\n{'-' * len(title)}\n{body.rstrip()}\n\n")
    return True
