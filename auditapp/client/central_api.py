"""Client of the central store's HTTP API for the quality app, built on sync's transport."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from auditapp.domain.errors import AuditAppError
from sync import HttpTransport, Refused, TransportError


class CentralApiError(AuditAppError):
    """The central store refused a request or could not be reached; the message says what to do."""

    def __init__(self, message: str, code: str = "unreachable"):
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class SignedIn:
    """Who is signed in, with the token for later calls."""

    token: str
    username: str
    display_name: str
    role: str


class CentralApi:
    """Calls one central store; interactive calls try once and report failures plainly."""

    def __init__(self, base_url: str, token: str | None = None):
        self.base_url = base_url.rstrip("/")
        self._transport = HttpTransport(self.base_url, token=token, max_attempts=1, timeout=(5.0, 30.0))

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        data = json.dumps(body).encode() if body is not None else b""
        headers = {"Content-Type": "application/json"} if body is not None else None
        try:
            return self._transport.request(method, path, body=data, headers=headers).json()
        except Refused as exc:
            raise CentralApiError(exc.message, exc.refusal_code) from exc
        except TransportError as exc:
            raise CentralApiError(
                f"{exc.message}: check the server URL {self.base_url} and the network"
            ) from exc

    def login(self, username: str, password: str) -> SignedIn:
        """Sign in; later calls carry the token."""
        reply = self._call("POST", "/api/auth/login", {"username": username, "password": password})
        self._transport.token = reply["token"]
        return SignedIn(reply["token"], reply["username"], reply["display_name"], reply["role"])

    def findings(self, status: str | None = None) -> list[dict[str, Any]]:
        """Findings synced from the field, newest first."""
        query = f"?status={status}" if status else ""
        return list(self._call("GET", f"/api/findings{query}"))

    def audits(self) -> list[dict[str, Any]]:
        """Audits known to the store."""
        return list(self._call("GET", "/api/audits"))

    def close(self) -> None:
        """Release connections."""
        self._transport.close()
