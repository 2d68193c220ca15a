"""What can go wrong when the quality app talks to the central store, in words a user can act on."""

from __future__ import annotations

from auditapp.domain.errors import AuditAppError


class CentralApiError(AuditAppError):
    """The central store refused a request or could not be reached; the message says what to do."""

    def __init__(self, message: str, code: str = "unreachable", status: int = 0):
        super().__init__(message)
        self.message = message
        self.code = code
        self.status = status


class SessionExpired(CentralApiError):
    """The sign-in token is no longer accepted: sign in again, then the request can be repeated."""


class Forbidden(CentralApiError):
    """The signed-in user's role may not do this."""


SESSION_CODES = frozenset({"token_expired", "invalid_token", "not_authenticated"})
"""Stable error codes of the store that mean "sign in again"."""


class ClosureRefused(CentralApiError):
    """The store refused to close a CAPA; `missing` lists the gaps as {code, ref, message}."""

    def __init__(self, missing: list[dict[str, object]], status: int = 409):
        reasons = "; ".join(str(g.get("message") or g.get("code")) for g in missing)
        super().__init__(f"Closing is refused. Still missing: {reasons}", "closure_gates", status)
        self.missing = missing
