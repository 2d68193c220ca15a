"""A real SMTP server on loopback (aiosmtpd) that keeps what it receives, can refuse the first messages, and
can check a login; plus a TCP listener that accepts and never answers (a hung mail server)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from tests.support.processes import free_port


@dataclass
class SinkHandler:
    """Keeps received messages; refuses the first `refuse` of them with a temporary error."""

    refuse: int = 0
    received: list[EmailMessage] = field(default_factory=list)
    refused: int = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        """Accept or refuse one message."""
        if self.refused < self.refuse:
            self.refused += 1
            return "451 4.3.0 mailbox busy, try again later"
        parsed = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        self.received.append(parsed)
        return "250 OK"


def authenticator(user: str, password: str) -> Callable[..., AuthResult]:
    """Accept only this user and password."""

    def check(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
        ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
            user.encode(),
            password.encode(),
        )
        return AuthResult(success=ok, handled=False)

    return check


class SmtpSink:
    """An SMTP server on 127.0.0.1 for the test's lifetime."""

    def __init__(self, handler: SinkHandler, user: str, password: str):
        self.handler = handler
        self.port = free_port()
        self._controller = Controller(
            handler,
            hostname="127.0.0.1",
            port=self.port,
            authenticator=authenticator(user, password),
            auth_require_tls=False,
        )

    def __enter__(self) -> SmtpSink:
        self._controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._controller.stop()

    def wait_for(self, count: int, timeout: float = 30.0) -> list[EmailMessage]:
        """The received messages once there are `count` (fails after `timeout` seconds)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(self.handler.received) >= count:
                return list(self.handler.received)
            time.sleep(0.05)
        raise AssertionError(f"{len(self.handler.received)} of {count} mails arrived")


class SilentServer:
    """Accepts TCP connections and never says a word, like a mail server that hangs."""

    def __init__(self) -> None:
        self.port = free_port()
        self.connected = threading.Event()
        self._sock = socket.create_server(("127.0.0.1", self.port))
        self._conns: list[socket.socket] = []
        self._thread = threading.Thread(target=self._accept, daemon=True)

    def _accept(self) -> None:
        try:
            while True:
                conn, _ = self._sock.accept()
                self._conns.append(conn)
                self.connected.set()
        except OSError:
            return

    def __enter__(self) -> SilentServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._sock.close()
        for conn in self._conns:
            conn.close()
