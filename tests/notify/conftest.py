"""A real HTTP receiver on loopback, playing an SMS gateway or a WeCom bot relay."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from wangge.notify import services as notify_services
from wangge.notify.signing import verify

SECRET = "test-secret-短信网关"


@dataclass
class Received:
    headers: dict[str, str]
    raw: bytes
    signature_ok: bool

    @property
    def json(self) -> dict:
        return json.loads(self.raw)

    @property
    def delivery_id(self) -> str:
        return self.headers["X-Wangge-Delivery"]


@dataclass
class Receiver:
    """Answers each POST with the next status in `statuses` (then `default_status`); records
    every request and whether its signature verified with SECRET."""

    port: int = 0
    secret: str = SECRET
    default_status: int = 200
    statuses: list[int] = field(default_factory=list)
    delay: float = 0.0
    received: list[Received] = field(default_factory=list)
    _server: ThreadingHTTPServer | None = None
    _thread: threading.Thread | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def start(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                headers = {k: v for k, v in self.headers.items()}
                ok = verify(
                    receiver.secret,
                    headers.get("X-Wangge-Timestamp", ""),
                    raw,
                    headers.get("X-Wangge-Signature", ""),
                )
                with receiver._lock:
                    receiver.received.append(Received(headers, raw, ok))
                    status = (
                        receiver.statuses.pop(0) if receiver.statuses else receiver.default_status
                    )
                if receiver.delay:
                    time.sleep(receiver.delay)
                payload = b'{"ok":true}' if status < 300 else b'{"error":"busy"}'
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Take the receiver down: the port refuses connections until `start` again."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def delivery_ids(self) -> list[str]:
        return [r.delivery_id for r in self.received]


@pytest.fixture
def receiver():
    r = Receiver()
    r.start()
    yield r
    r.stop()


@pytest.fixture(autouse=True)
def _fast_delivery(settings):
    settings.NOTIFY_RETRY_BASE_SECONDS = 10
    settings.NOTIFY_RETRY_MAX_SECONDS = 600
    settings.NOTIFY_MAX_ATTEMPTS = 4
    settings.NOTIFY_TIMEOUT_SECONDS = 2
    settings.NOTIFY_LEASE_SECONDS = 60
    notify_services._last_kick = 0.0
