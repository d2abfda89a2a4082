"""Protections in front of every page: request size, rate per link, CSRF cookie, headers."""

from __future__ import annotations

import datetime as dt
import secrets
import threading
from collections import defaultdict, deque
from collections.abc import Callable

CSRF_COOKIE = "htx_csrf"
HEADERS = {
    "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; "
                               "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",  # the link is in the path: never pass it on
    "x-frame-options": "DENY",
    "cache-control": "no-store",
}
TOO_LARGE = "Dữ liệu gửi lên quá lớn (giới hạn {mb:.0f} MB cho mỗi lần gửi). Vui lòng gửi tệp nhỏ hơn."


class RequestTooLarge(Exception):
    pass


class BodyLimit:
    """ASGI middleware: refuse a request whose body exceeds ``limit`` bytes (413), even chunked."""

    def __init__(self, app, limit: int, render: Callable[[str], bytes]) -> None:
        self.app, self.limit, self.render = app, limit, render

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            return await self._refuse(send)
        seen = 0
        started = False

        async def limited_receive():
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise RequestTooLarge
            return message

        async def tracking_send(message):
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except RequestTooLarge:
            if not started:
                await self._refuse(send)

    async def _refuse(self, send) -> None:
        body = self.render(TOO_LARGE.format(mb=self.limit / 1048576))
        headers = [(b"content-type", b"text/html; charset=utf-8"), (b"connection", b"close"),
                   *((k.encode(), v.encode()) for k, v in HEADERS.items())]
        await send({"type": "http.response.start", "status": 413, "headers": headers})
        await send({"type": "http.response.body", "body": body})


class RateLimit:
    """At most ``per_hour`` form submissions per link id in any hour (kept in this process)."""

    def __init__(self, per_hour: int, now: Callable[[], dt.datetime]) -> None:
        self.per_hour, self.now = per_hour, now
        self._hits: dict[str, deque[dt.datetime]] = defaultdict(deque)
        self._lock = threading.Lock()

    def allow(self, key: str) -> bool:
        now = self.now()
        with self._lock:
            hits = self._hits[key]
            while hits and hits[0] <= now - dt.timedelta(hours=1):
                hits.popleft()
            if len(hits) >= self.per_hour:
                return False
            hits.append(now)
            return True


def new_csrf_cookie() -> str:
    return secrets.token_urlsafe(18)
