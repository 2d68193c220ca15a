"""`auditapp server` listens on every address family the machine has and skips one it has switched off."""

from __future__ import annotations

import errno
import os
import socket
from typing import Any

import pytest

from auditapp.cli.server import listen
from auditapp.domain.errors import AuditAppError

REAL_SOCKET = socket.socket


def both_loopbacks(port: int) -> list[tuple[Any, ...]]:
    """What `localhost` resolves to where /etc/hosts names both loopbacks."""
    stream = socket.SOCK_STREAM
    return [
        (socket.AF_INET6, stream, 6, "", ("::1", port, 0, 0)),
        (socket.AF_INET, stream, 6, "", ("127.0.0.1", port)),
    ]


def without(family: socket.AddressFamily, monkeypatch: pytest.MonkeyPatch) -> None:
    """A kernel with one address family switched off (fault injection: this machine has both)."""

    def make(fam: int = socket.AF_INET, kind: int = socket.SOCK_STREAM, proto: int = 0) -> socket.socket:
        if fam == family:
            raise OSError(errno.EAFNOSUPPORT, os.strerror(errno.EAFNOSUPPORT))
        return REAL_SOCKET(fam, kind, proto)

    monkeypatch.setattr(socket, "socket", make)


@pytest.fixture
def free_port() -> int:
    probe = REAL_SOCKET(socket.AF_INET, socket.SOCK_STREAM)
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    return port


@pytest.mark.req("PLT-025")
def test_a_switched_off_address_family_is_skipped_and_the_other_serves(
    monkeypatch: pytest.MonkeyPatch, free_port: int
) -> None:
    monkeypatch.setattr(socket, "getaddrinfo", lambda *_a, **_k: both_loopbacks(free_port))
    without(socket.AF_INET6, monkeypatch)

    sockets = listen("localhost", free_port)
    try:
        assert [s.family for s in sockets] == [socket.AF_INET]
        assert sockets[0].getsockname() == ("127.0.0.1", free_port)
        client = REAL_SOCKET(socket.AF_INET, socket.SOCK_STREAM)
        client.connect(("127.0.0.1", free_port))  # listening, not only bound
        client.close()
    finally:
        for sock in sockets:
            sock.close()


@pytest.mark.req("PLT-025")
def test_no_usable_address_family_is_one_line_naming_the_address(
    monkeypatch: pytest.MonkeyPatch, free_port: int
) -> None:
    monkeypatch.setattr(socket, "getaddrinfo", lambda *_a, **_k: both_loopbacks(free_port)[:1])
    without(socket.AF_INET6, monkeypatch)

    with pytest.raises(AuditAppError) as refused:
        listen("::1", free_port)

    message = str(refused.value)
    assert message.startswith(f"cannot listen on http://[::1]:{free_port}: ")
    assert "\n" not in message


@pytest.mark.req("PLT-025")
def test_another_socket_error_is_not_taken_for_a_missing_family(
    monkeypatch: pytest.MonkeyPatch, free_port: int
) -> None:
    monkeypatch.setattr(socket, "getaddrinfo", lambda *_a, **_k: both_loopbacks(free_port))

    def out_of_files(*_a: object) -> socket.socket:
        raise OSError(errno.EMFILE, os.strerror(errno.EMFILE))

    monkeypatch.setattr(socket, "socket", out_of_files)
    with pytest.raises(AuditAppError, match="Too many open files"):
        listen("localhost", free_port)
