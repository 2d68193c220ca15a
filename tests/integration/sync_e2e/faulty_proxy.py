"""A loopback HTTP proxy that misbehaves on purpose: drops, resets, delays, duplicates, answers 5xx.

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


Rule = Callable[[str, str, int], Fault]
"""(method, path, how many requests came before this one) -> the fault to apply."""


@dataclass
class Delivered:
    """A request that reached the server and its answer status."""

    method: str
    path: str
    status: int


@dataclass
class ProxyLog:
    """What went through the proxy."""

    delivered: list[Delivered] = field(default_factory=list)
    faults: list[tuple[str, str, Fault]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


class FaultyProxy:
    """A proxy on 127.0.0.1 in front of `upstream`, applying `rule` to each request."""

    def __init__(self, upstream: str, rule: Rule | None = None, delay_s: float = 0.3) -> None:
        self.upstream = urlsplit(upstream)
        self.rule: Rule = rule or (lambda _m, _p, _n: Fault.NONE)
        self.delay_s = delay_s
        self.log = ProxyLog()
        self._count = 0
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

    def _forward(
        self, method: str, path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        conn = http.client.HTTPConnection(
            self.upstream.hostname or "127.0.0.1", self.upstream.port, timeout=60
        )
        try:
            conn.request(method, path, body=body, headers=headers)
            answer = conn.getresponse()
            data = answer.read()
            result = (answer.status, answer.getheaders(), data)
        finally:
            conn.close()
        with self.log.lock:
            self.log.delivered.append(Delivered(method, path, result[0]))
        return result

    def _replay(self, method: str, path: str, headers: dict[str, str], body: bytes) -> None:
        with contextlib.suppress(OSError):
            self._forward(method, path, headers, body)

    def _serve(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        with self.log.lock:
            index = self._count
            self._count += 1
        fault = self.rule(handler.command, handler.path, index)
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
        if fault is Fault.DELAY:
            time.sleep(self.delay_s)
        try:
            status, answer_headers, data = self._forward(handler.command, handler.path, headers, body)
            if fault is Fault.DUPLICATE:
                status, answer_headers, data = self._forward(handler.command, handler.path, headers, body)
        except OSError:
            self._answer(handler, 502, [("Content-Type", "text/plain")], b"upstream unavailable")
            return
        if fault is Fault.LATE_DUPLICATE:
            stale = (handler.command, handler.path, headers, body)
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
