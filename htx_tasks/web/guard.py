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


class SecurityHeaders:
    """ASGI middleware: the protective headers on every response that does not set its own (a plain
    ASGI wrapper: no per-request task or stream, unlike ``@app.middleware("http")``)."""

    def __init__(self, app) -> None:
        self.app = app
        self.headers = [(k.encode(), v.encode()) for k, v in HEADERS.items()]

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def with_headers(message):
            if message["type"] == "http.response.start":
                present = {k.lower() for k, _ in message.get("headers", [])}
                message["headers"] = [*message.get("headers", []), *(h for h in self.headers if h[0] not in present)]
            await send(message)

        await self.app(scope, receive, with_headers)


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


class Backoff:
    """Failed tries per key (an account, an address): after ``free`` failures in a row each further try
    must wait 2, 4, 8... seconds, at most ``cap``; a success clears the key, a quiet spell of
    ``forget`` forgets it. A try is booked before the password is checked, as if it will fail, so tries
    sent in parallel cannot slip in between. Keys are bounded (the oldest are dropped first)."""

    def __init__(self, free: int, cap: float, now: Callable[[], dt.datetime], max_keys: int = 10_000) -> None:
        self.free, self.cap, self.now, self.max_keys = free, cap, now, max_keys
        self.forget = dt.timedelta(seconds=max(900.0, 3 * cap))
        self._state: dict[str, tuple[int, dt.datetime, dt.datetime]] = {}  # failures, next try, last failure
        self._lock = threading.Lock()

    def _delay(self, failures: int) -> float:
        return 0.0 if failures < self.free else min(self.cap, 2.0 ** (failures - self.free + 1))

    def begin(self, keys: list[str]) -> float:
        """Seconds to wait before trying (0: go ahead, the try is booked)."""
        now = self.now()
        with self._lock:
            states = {k: self._current(k, now) for k in keys}
            wait = max((s[1] - now).total_seconds() for s in states.values())
            if wait > 0:
                return wait
            for key, (failures, _, last) in states.items():
                self._state[key] = (failures, now + dt.timedelta(seconds=self._delay(failures + 1)), last)
            if len(self._state) > self.max_keys:
                for key in sorted(self._state, key=lambda k: self._state[k][2])[: len(self._state) - self.max_keys]:
                    del self._state[key]
            return 0.0

    def failed(self, keys: list[str]) -> None:
        now = self.now()
        with self._lock:
            for key in keys:
                failures, next_try, _ = self._current(key, now)
                self._state[key] = (failures + 1, next_try, now)

    def succeeded(self, keys: list[str]) -> None:
        with self._lock:
            for key in keys:
                self._state.pop(key, None)

    def _current(self, key: str, now: dt.datetime) -> tuple[int, dt.datetime, dt.datetime]:
        state = self._state.get(key)
        if state is None or now - state[2] > self.forget:
            return 0, now, now
        return state


def new_csrf_cookie() -> str:
    return secrets.token_urlsafe(18)
