"""Real receivers on loopback for the delivery tests and the benchmark.

* ``HttpReceiver``: a threading HTTP server recording every POST (the ``json://`` target) and
  counting the requests it handles at once (``max_in_flight``, per path too), with
  fault modes: ``ok``, ``error`` (answers 500), ``hang`` (never reads the request: nothing is
  received), ``hang_after_read`` (records the request, then answers too late: the sender cannot
  know it arrived). ``stop()`` closes the port (receiver down); ``start()`` reopens the same port.
* ``SmtpReceiver``: an aiosmtpd ``Controller`` collecting the messages it accepts, parsed with
  ``email.policy.default`` (headers decoded), optionally with AUTH LOGIN/PLAIN over plain SMTP.
* ``mqtt_reachable`` / ``MqttSubscriber``: a paho-mqtt subscriber for the local broker.

PostgreSQL databases for tests come from tests/conftest.py (``pg_url``, ``pg_database``).
"""

from __future__ import annotations

import contextlib
import email
import email.policy
import json
import socket
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

LOOPBACK = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((LOOPBACK, 0))
        return sock.getsockname()[1]


def port_open(host: str, port: int, timeout: float = 1.0) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


# --------------------------------------------------------------------------- HTTP (json://)


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    raw: bytes
    at: float

    @property
    def json(self) -> Any:
        return json.loads(self.raw.decode("utf-8"))


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256
    receiver: HttpReceiver


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, *args) -> None:  # keep test output clean
        pass

    def do_POST(self) -> None:  # noqa: N802
        receiver = self.server.receiver
        receiver.enter(self.path)
        try:
            self._post(receiver)
        finally:
            receiver.leave(self.path)

    def _post(self, receiver: HttpReceiver) -> None:
        mode = receiver.mode
        receiver.hits += 1
        if mode == "hang":
            # the request is never read: as far as the receiver is concerned nothing arrived
            receiver.release.wait(receiver.hang_seconds)
            self.close_connection = True
            return
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        if mode == "error":
            receiver.errors += 1
            self._answer(500, b'{"error": "internal"}')
            return
        if receiver.delay:
            time.sleep(receiver.delay)
        receiver.record(Received(self.path, dict(self.headers.items()), raw, time.monotonic()))
        if mode == "hang_after_read":
            # received and processed, but the answer comes after the sender gave up
            receiver.release.wait(receiver.hang_seconds)
        self._answer(200, b'{"ok": true}')

    def _answer(self, code: int, body: bytes) -> None:
        try:
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except OSError:  # the client went away (it timed out)
            self.close_connection = True


class HttpReceiver:
    """Records POSTs on ``127.0.0.1:port``; ``mode`` selects the behaviour of the next requests."""

    def __init__(self, port: int | None = None, *, mode: str = "ok", hang_seconds: float = 30,
                 delay: float = 0) -> None:
        self.port = port or free_port()
        self.mode = mode
        self.delay = delay
        self.hang_seconds = hang_seconds
        self.release = threading.Event()
        self.received: list[Received] = []
        self.hits = 0
        self.errors = 0
        self.in_flight = 0  # requests being handled now, and the most at once (all, and per path)
        self.max_in_flight = 0
        self.max_in_flight_by_path: dict[str, int] = {}
        self._by_path: dict[str, int] = {}
        self._lock = threading.Lock()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # lifecycle
    def start(self) -> HttpReceiver:
        if self._server is None:
            self._server = _Server((LOOPBACK, self.port), _Handler)
            self._server.receiver = self
            self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                            daemon=True, name=f"http-receiver-{self.port}")
            self._thread.start()
        return self

    def stop(self) -> None:
        """Close the port: the receiver is down."""
        self.release.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        self.release = threading.Event()

    def __enter__(self) -> HttpReceiver:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # recording
    def enter(self, path: str) -> None:
        with self._lock:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            self._by_path[path] = self._by_path.get(path, 0) + 1
            self.max_in_flight_by_path[path] = max(self.max_in_flight_by_path.get(path, 0), self._by_path[path])

    def leave(self, path: str) -> None:
        with self._lock:
            self.in_flight -= 1
            self._by_path[path] -= 1

    def record(self, item: Received) -> None:
        with self._lock:
            self.received.append(item)

    def url(self, path: str = "/notify", scheme: str = "json", query: str = "", userinfo: str = "") -> str:
        at = f"{userinfo}@" if userinfo else ""
        return f"{scheme}://{at}{LOOPBACK}:{self.port}{path}" + (f"?{query}" if query else "")

    def bodies(self, path: str | None = None) -> list[dict]:
        with self._lock:
            return [r.json for r in self.received if path is None or r.path.split("?")[0] == path]

    def count(self, path: str | None = None) -> int:
        return len(self.bodies(path))

    def wait_for(self, n: int, path: str | None = None, timeout: float = 10) -> bool:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.count(path) >= n:
                return True
            time.sleep(0.02)
        return self.count(path) >= n


# --------------------------------------------------------------------------- SMTP (mailto://)


@dataclass
class SmtpReceiver:
    """aiosmtpd on loopback; ``messages`` holds what it accepted, parsed with email.policy.default."""

    user: str | None = None
    password: str | None = None
    port: int = field(default_factory=free_port)
    messages: list[email.message.EmailMessage] = field(default_factory=list)
    envelopes: list[tuple[str, list[str]]] = field(default_factory=list)
    logins: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._controller = None

    def start(self) -> SmtpReceiver:
        from aiosmtpd.controller import Controller
        from aiosmtpd.smtp import AuthResult, LoginPassword

        receiver = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):  # noqa: N802
                message = email.message_from_bytes(envelope.original_content or envelope.content,
                                                   policy=email.policy.default)
                receiver.messages.append(message)
                receiver.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
                return "250 Message accepted for delivery"

        def authenticator(server, session, envelope, mechanism, auth_data):
            ok = (isinstance(auth_data, LoginPassword) and receiver.user is not None
                  and auth_data.login.decode() == receiver.user
                  and auth_data.password.decode() == receiver.password)
            if ok:
                receiver.logins.append(receiver.user)
            return AuthResult(success=ok)

        kwargs: dict[str, Any] = {}
        if self.user is not None:
            kwargs = dict(authenticator=authenticator, auth_require_tls=False)
        self._controller = Controller(Handler(), hostname=LOOPBACK, port=self.port, **kwargs)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def __enter__(self) -> SmtpReceiver:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


# --------------------------------------------------------------------------- MQTT


def mqtt_reachable(host: str = LOOPBACK, port: int = 1883) -> str | None:
    """None when a broker answers a CONNECT on host:port, else the reason it does not."""
    if not port_open(host, port):
        return f"nothing listens on {host}:{port}"
    try:
        sub = MqttSubscriber("htx/probe", host=host, port=port)
        sub.start(timeout=3)
        sub.stop()
    except Exception as exc:  # noqa: BLE001
        return f"{host}:{port} answers but is not an MQTT broker ({exc})"
    return None


class MqttSubscriber:
    """A paho-mqtt client subscribed to ``topic``; ``messages`` holds (topic, payload) pairs."""

    def __init__(self, topic: str, host: str = LOOPBACK, port: int = 1883) -> None:
        import paho.mqtt.client as mqtt

        self.topic, self.host, self.port = topic, host, port
        self.messages: list[tuple[str, bytes]] = []
        self._subscribed = threading.Event()
        self._client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"htx-test-{uuid.uuid4().hex[:8]}")
        self._client.on_connect = lambda c, u, f, rc, p=None: c.subscribe(self.topic, qos=1)
        self._client.on_subscribe = lambda *a: self._subscribed.set()
        self._client.on_message = lambda c, u, m: self.messages.append((m.topic, bytes(m.payload)))

    def start(self, timeout: float = 5) -> MqttSubscriber:
        self._client.connect(self.host, self.port, keepalive=30)
        self._client.loop_start()
        if not self._subscribed.wait(timeout):
            self.stop()
            raise TimeoutError(f"no SUBACK from {self.host}:{self.port} within {timeout}s")
        return self

    def wait_for(self, n: int, timeout: float = 10) -> bool:
        end = time.monotonic() + timeout
        while time.monotonic() < end and len(self.messages) < n:
            time.sleep(0.02)
        return len(self.messages) >= n

    def stop(self) -> None:
        with contextlib.suppress(Exception):
            self._client.disconnect()
        with contextlib.suppress(Exception):
            self._client.loop_stop()
