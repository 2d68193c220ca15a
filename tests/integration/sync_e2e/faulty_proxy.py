"""A loopback HTTP proxy that misbehaves on purpose: drops, resets, delays, duplicates, reorders, answers 5xx,
and can have the store killed while it handles a request.

Every request is passed to a rule that picks one fault (or none); the proxy records what reached the server,
so tests can count chunks and envelopes that were actually delivered.
"""

from __future__ import annotations

import contextlib
import http.client
import socket
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit


class Fault(StrEnum):
    """What the proxy does with one request."""

    NONE = "none"  # forward and answer
    DROP = "drop"  # close the connection without forwarding
    RESET = "reset"  # send a TCP reset without forwarding
    LOST_ANSWER = "lost_answer"  # forward (the server acts) then close without answering
    ERROR_503 = "error_503"  # answer 503 without forwarding
    DELAY = "delay"  # wait, then forward
    DUPLICATE = "duplicate"  # forward twice, answer with the second answer
    LATE_DUPLICATE = "late_duplicate"  # forward and answer, then deliver a stale copy later (reordering)
    REORDER = "reorder"  # hold until a later request reached the server (at most reorder_timeout_s)
    KILL_STORE = "kill_store"  # forward, call `crash` (kills the store) before reading the answer, then cut
    TOO_LARGE = "too_large"  # answer 413 with an HTML page, as nginx does over its body size limit


Rule = Callable[[str, str, int], Fault]
"""(method, path, how many requests came before this one) -> the fault to apply."""


@dataclass
class Delivered:
    """A request that reached the server and its answer status."""

    method: str
    path: str
    status: int  # 0: the store was killed before its answer was read


@dataclass
class Held:
    """A request held back by REORDER, and whether a later request reached the server before it."""

    method: str
    path: str
    overtaken: bool


@dataclass
class ProxyLog:
    """What went through the proxy."""

    delivered: list[Delivered] = field(default_factory=list)
    faults: list[tuple[str, str, Fault]] = field(default_factory=list)
    held: list[Held] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


class FaultyProxy:
    """A proxy on 127.0.0.1 in front of `upstream`, applying `rule` to each request.

    `crash(method, path)` is what KILL_STORE does once the request was sent to the store (kill it, perhaps
    after waiting for a sign that the store acted on it); the proxy then never reads the answer.
    `max_body`: bodies over this many bytes get TOO_LARGE whatever the rule says (nginx's
    client_max_body_size; its default is 1 MiB).
    """

    def __init__(
        self,
        upstream: str,
        rule: Rule | None = None,
        delay_s: float = 0.3,
        *,
        reorder_timeout_s: float = 1.0,
        crash: Callable[[str, str], None] | None = None,
        max_body: int | None = None,
    ) -> None:
        self.upstream = urlsplit(upstream)
        self.max_body = max_body
        self.rule: Rule = rule or (lambda _m, _p, _n: Fault.NONE)
        self.delay_s = delay_s
        self.reorder_timeout_s = reorder_timeout_s
        self.crash = crash
        self.log = ProxyLog()
        self._count = 0
        self._state = threading.Condition()
        self._last_forwarded = -1  # the highest request number that reached the server
        self._busy = 0  # requests being handled, held or waiting to be replayed
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *_args: object) -> None:
                pass

            def _handle(self) -> None:
                proxy._serve(self)

            do_GET = do_POST = do_PUT = do_DELETE = _handle

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        """Where clients connect."""
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def close(self) -> None:
        """Stop serving."""
        self._server.shutdown()
        self._server.server_close()

    def delivered(self, method: str, contains: str) -> list[Delivered]:
        """Requests of a method whose path contains a text that reached the server."""
        with self.log.lock:
            return [d for d in self.log.delivered if d.method == method and contains in d.path]

    def wait_quiet(self, timeout: float = 30.0) -> bool:
        """Wait until no request is being handled, held back or waiting to be replayed late."""
        with self._state:
            return self._state.wait_for(lambda: self._busy == 0, timeout)

    def _enter(self) -> None:
        with self._state:
            self._busy += 1

    def _leave(self) -> None:
        with self._state:
            self._busy -= 1
            self._state.notify_all()

    def _connect(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection(
            self.upstream.hostname or "127.0.0.1", self.upstream.port, timeout=60
        )

    def _forwarded(self, index: int | None) -> None:
        if index is not None:
            with self._state:
                self._last_forwarded = max(self._last_forwarded, index)
                self._state.notify_all()

    def _forward(
        self, method: str, path: str, headers: dict[str, str], body: bytes, index: int | None = None
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        conn = self._connect()
        try:
            conn.request(method, path, body=body, headers=headers)
            answer = conn.getresponse()
            data = answer.read()
            result = (answer.status, answer.getheaders(), data)
        finally:
            conn.close()
        with self.log.lock:
            self.log.delivered.append(Delivered(method, path, result[0]))
        self._forwarded(index)
        return result

    def _forward_and_crash(self, method: str, path: str, headers: dict[str, str], body: bytes) -> None:
        """Send the request, then have the store killed while it handles it; its answer is never read."""
        if self.crash is None:
            raise RuntimeError("KILL_STORE needs a crash callback")
        conn = self._connect()
        try:
            conn.request(method, path, body=body, headers=headers)
            self.crash(method, path)
        finally:
            conn.close()
        with self.log.lock:
            self.log.delivered.append(Delivered(method, path, 0))

    def _hold(self, method: str, path: str, index: int) -> None:
        """REORDER: wait until a later request reached the server, or give up waiting (a lone request)."""
        with self._state:
            overtaken = self._state.wait_for(lambda: self._last_forwarded > index, self.reorder_timeout_s)
        with self.log.lock:
            self.log.held.append(Held(method, path, overtaken))

    def _replay(self, method: str, path: str, headers: dict[str, str], body: bytes) -> None:
        try:
            with contextlib.suppress(OSError):
                self._forward(method, path, headers, body)
        finally:
            self._leave()

    def _serve(self, handler: BaseHTTPRequestHandler) -> None:
        self._enter()
        try:
            self._serve_one(handler)
        finally:
            self._leave()

    def _serve_one(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        with self.log.lock:
            index = self._count
            self._count += 1
        fault = self.rule(handler.command, handler.path, index)
        if self.max_body is not None and length > self.max_body:
            fault = Fault.TOO_LARGE
        if fault is not Fault.NONE:
            with self.log.lock:
                self.log.faults.append((handler.command, handler.path, fault))
        headers = {k: v for k, v in handler.headers.items() if k.lower() not in ("host", "connection")}
        if fault in (Fault.DROP, Fault.RESET):
            self._cut(handler, reset=fault is Fault.RESET)
            return
        if fault is Fault.ERROR_503:
            self._answer(handler, 503, [("Content-Type", "text/plain")], b"proxy says the store is down")
            return
        if fault is Fault.TOO_LARGE:
            page = b"<html><head><title>413 Request Entity Too Large</title></head><body></body></html>"
            self._answer(handler, 413, [("Content-Type", "text/html")], page)
            return
        if fault is Fault.DELAY:
            time.sleep(self.delay_s)
        if fault is Fault.REORDER:
            self._hold(handler.command, handler.path, index)
        try:
            if fault is Fault.KILL_STORE:
                self._forward_and_crash(handler.command, handler.path, headers, body)
                self._cut(handler, reset=False)
                return
            status, answer_headers, data = self._forward(handler.command, handler.path, headers, body, index)
            if fault is Fault.DUPLICATE:
                status, answer_headers, data = self._forward(handler.command, handler.path, headers, body)
        except OSError:
            self._answer(handler, 502, [("Content-Type", "text/plain")], b"upstream unavailable")
            return
        if fault is Fault.LATE_DUPLICATE:
            stale = (handler.command, handler.path, headers, body)
            self._enter()  # left when the stale copy was delivered
            threading.Timer(self.delay_s, self._replay, stale).start()
        if fault is Fault.LOST_ANSWER:
            self._cut(handler, reset=False)
            return
        self._answer(handler, status, answer_headers, data)

    @staticmethod
    def _answer(
        handler: BaseHTTPRequestHandler, status: int, headers: list[tuple[str, str]], data: bytes
    ) -> None:
        handler.send_response(status)
        for name, value in headers:
            if name.lower() not in ("content-length", "transfer-encoding", "connection", "date", "server"):
                handler.send_header(name, value)
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)

    @staticmethod
    def _cut(handler: BaseHTTPRequestHandler, *, reset: bool) -> None:
        handler.close_connection = True
        sock = handler.connection
        if reset:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
        sock.close()
