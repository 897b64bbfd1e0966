"""A small HTTP server in a thread, for faking a platform's API in tests.

Subclasses answer requests the way the platform documents (``handle``);
tests read what was sent from ``requests`` and script failures with
``fail_next`` (a 429 with Retry-After, a 500, a permanent error...).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TypeVar
from urllib.parse import parse_qs, urlsplit


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    def form(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(self.body.decode()).items()}


@dataclass
class Reply:
    status: int = 200
    body: Any = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)


F = TypeVar("F", bound="FakeApi")


class FakeApi:
    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self._scripted: list[Reply] = []
        self._lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                parts = urlsplit(self.path)
                recorded = Recorded(
                    method=self.command,
                    path=parts.path,
                    query=parse_qs(parts.query),
                    headers={k.lower(): v for k, v in self.headers.items()},
                    body=self.rfile.read(length),
                )
                reply = fake._reply_for(recorded)
                payload = json.dumps(reply.body).encode()
                self.send_response(reply.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_DELETE = _serve

            def log_message(self, format: str, *args: Any) -> None:
                pass  # keep test output for the tests

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self: F) -> F:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def fail_next(self, *replies: Reply) -> None:
        """Answer the next requests with these replies, then normally again."""
        with self._lock:
            self._scripted.extend(replies)

    def reset(self) -> None:
        with self._lock:
            self.requests.clear()
            self._scripted.clear()

    def _reply_for(self, recorded: Recorded) -> Reply:
        with self._lock:
            self.requests.append(recorded)
            if self._scripted:
                return self._scripted.pop(0)
        return self.handle(recorded)

    def handle(self, request: Recorded) -> Reply:
        """The platform's documented success answer; subclasses override."""
        return Reply(200, {})

    def wait_for(
        self, condition: Callable[[list[Recorded]], bool], timeout_s: float = 30.0
    ) -> list[Recorded]:
        """Wait until the recorded requests satisfy ``condition`` (deliveries are async)."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            with self._lock:
                snapshot = list(self.requests)
            if condition(snapshot):
                return snapshot
            time.sleep(0.05)
        raise AssertionError(f"timed out; requests so far: {[r.path for r in snapshot]}")
