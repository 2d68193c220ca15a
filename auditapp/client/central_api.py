"""Client of the central store's HTTP API for the quality app, built on sync's transport.

Interactive calls try once and report failures plainly: a refusal carries the store's stable code and
message, a 401 on anything but the sign-in itself is `SessionExpired`, a 403 is `Forbidden`.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote, urlencode

from auditapp.services.quality.errors import (
    SESSION_CODES,
    CentralApiError,
    ClosureRefused,
    Forbidden,
    SessionExpired,
)
from auditapp.services.quality.port import Json, Page, SignedIn
from sync import HttpTransport, TransportError
from sync.transport import Response, error_of

LOGIN = "/api/auth/login"
__all__ = ["CentralApi", "CentralApiError", "Forbidden", "SessionExpired", "SignedIn"]


def _q(value: str) -> str:
    return quote(value, safe="")


def _missing(response: Response) -> list[dict[str, object]]:
    """The closure gaps a refusal carries (409 closure_gates), or []."""
    try:
        missing = json.loads(response.body)["error"].get("missing") or []
    except (ValueError, KeyError, TypeError, AttributeError):
        return []
    return [dict(g) for g in missing if isinstance(g, dict)]


class CentralApi:
    """Calls one central store with the signed-in user's bearer token."""

    def __init__(self, base_url: str, token: str | None = None):
        self.base_url = base_url.rstrip("/")
        self._transport = HttpTransport(self.base_url, token=token, max_attempts=1, timeout=(5.0, 30.0))

    # ------------------------------------------------------------------ plumbing
    def _send(self, method: str, path: str, body: Json | None = None) -> Response:
        data = json.dumps(body).encode() if body is not None else b""
        headers = {"Content-Type": "application/json"} if body is not None else None
        try:
            response = self._transport.send_once(method, path, body=data, headers=headers)
        except TransportError as exc:
            raise CentralApiError(
                f"{exc.message}: check the central store URL {self.base_url} and the network, then retry"
            ) from exc
        if 200 <= response.status < 300:
            return response
        raise self._refusal(path, response)

    def _refusal(self, path: str, response: Response) -> CentralApiError:
        code, message, _ = error_of(response)
        status = response.status
        missing = _missing(response)
        if missing:
            return ClosureRefused(missing, status)
        if status == 401 and (code in SESSION_CODES or (code.startswith("http_") and path != LOGIN)):
            return SessionExpired(message or "sign in again", code, status)
        if status == 403:
            return Forbidden(message, code, status)
        if status == 404 and code.startswith("http_"):
            where = path.split("?")[0]
            return CentralApiError(
                f"the central store at {self.base_url} does not offer {where}", code, status
            )
        if status == 429:
            wait = response.headers.get("retry-after") or response.headers.get("Retry-After")
            later = f" (wait {wait} s)" if wait else ""
            return CentralApiError(f"{message or 'too many attempts'}{later}", code, status)
        if (
            status >= 500 and code == "report_failed"
        ):  # a report the store cannot draw: trying again won't help
            return CentralApiError(message, code, status)
        if status >= 500:
            return CentralApiError(
                f"the central store failed (HTTP {status}): nothing was changed by this request; try again, "
                "and tell the administrator if it keeps failing",
                code,
                status,
            )
        return CentralApiError(
            message or f"the central store refused the request (HTTP {status})", code, status
        )

    def _call(self, method: str, path: str, body: Json | None = None) -> Any:
        response = self._send(method, path, body)
        if not response.body:
            return {}
        try:
            return response.json()
        except TransportError as exc:
            raise CentralApiError(f"{exc.message}: is {self.base_url} an auditapp central store?") from exc

    def _page(self, path: str, query: Mapping[str, str], cursor: str | None, limit: int) -> Page:
        params = {k: v for k, v in query.items() if v}
        params["limit"] = str(limit)
        if cursor:
            params["cursor"] = cursor
        reply = self._call("GET", f"{path}?{urlencode(params)}")
        if isinstance(reply, list):  # a store from before cursor paging answers with a bare list
            return Page(list(reply), None)
        return Page(list(reply.get("items") or []), reply.get("next_cursor"))

    # ------------------------------------------------------------------ sign-in
    def login(self, username: str, password: str) -> SignedIn:
        """Sign in; later calls carry the token."""
        reply = self._call("POST", LOGIN, {"username": username, "password": password})
        self._transport.token = reply["token"]
        return SignedIn(
            reply["token"],
            reply["username"],
            reply.get("display_name") or reply["username"],
            reply["role"],
            str(reply.get("expires_at") or ""),
        )

    def logout(self) -> None:
        """Tell the store to forget the token when it offers that, and forget it here in any case."""
        try:
            if self._transport.token:
                self._send("POST", "/api/auth/logout")
        except CentralApiError:
            pass  # a session already ended (401), or an older store without logout: nothing left to end
        finally:
            self._transport.token = None

    # ------------------------------------------------------------------ findings and triage
    def findings(self, query: Mapping[str, str], cursor: str | None = None, limit: int = 50) -> Page:
        """One page of findings matching the filters."""
        return self._page("/api/findings", query, cursor, limit)

    def finding(self, finding_id: str) -> Json:
        """One finding with its evidence."""
        return dict(self._call("GET", f"/api/findings/{_q(finding_id)}"))

    def finding_photos(self, finding_ids: Sequence[str]) -> dict[str, list[Json]]:
        """The own photos of several findings, by finding id, in one call."""
        query = urlencode([("finding_id", finding_id) for finding_id in finding_ids])
        reply = self._call("GET", f"/api/findings/photos?{query}")
        return {str(k): list(v) for k, v in (reply.get("photos") or {}).items()}

    def triage(self, finding_id: str, body: Json) -> Json:
        """Record a triage decision on a finding."""
        return dict(self._call("POST", f"/api/findings/{_q(finding_id)}/triage", body))

    def bulk_triage(self, body: Json) -> Json:
        """Record one triage decision on several findings."""
        return dict(self._call("POST", "/api/findings/triage", body))

    # ------------------------------------------------------------------ CAPAs
    def capas(self, query: Mapping[str, str], cursor: str | None = None, limit: int = 50) -> Page:
        """One page of CAPAs matching the filters."""
        return self._page("/api/capas", query, cursor, limit)

    def open_capa(self, body: Json) -> Json:
        """Open a CAPA (title, problem statement, optional owner and source findings)."""
        return dict(self._call("POST", "/api/capas", body))

    def capa(self, capa_id: str) -> Json:
        """One CAPA with every section."""
        return dict(self._call("GET", f"/api/capas/{_q(capa_id)}"))

    def update_capa(self, capa_id: str, section: str, body: Json) -> Json:
        """Record one section of a CAPA."""
        return dict(self._call("PUT", f"/api/capas/{_q(capa_id)}/{_q(section)}", body))

    def add_action(self, capa_id: str, body: Json) -> Json:
        """Add an action to a CAPA."""
        return dict(self._call("POST", f"/api/capas/{_q(capa_id)}/actions", body))

    def update_action(self, capa_id: str, action_id: str, body: Json) -> Json:
        """Record progress or evidence on an action."""
        return dict(self._call("PATCH", f"/api/capas/{_q(capa_id)}/actions/{_q(action_id)}", body))

    def record_effectiveness(self, capa_id: str, check_id: str, body: Json) -> Json:
        """Record a desk result of an effectiveness check."""
        path = f"/api/capas/{_q(capa_id)}/effectiveness/{_q(check_id)}/result"
        return dict(self._call("POST", path, body))

    def closure(self, capa_id: str) -> Json:
        """The closure gates of a CAPA."""
        return dict(self._call("GET", f"/api/capas/{_q(capa_id)}/closure"))

    def sign_closure(
        self,
        capa_id: str,
        password: str,
        meaning: str,
        timezone: str,
        local_time: str,
        expected_sha256: str = "",
    ) -> Json:
        """Close a CAPA with an electronic signature bound to the content the signer reviewed
        (`expected_sha256`: the store refuses with `content_changed` when the CAPA changed since).

        The signer's local time is stated by the store, from its own clock in the signer's time zone: a
        desktop whose clock drifts can then neither block the signature nor show another time in it
        (`local_time` is what this computer reads, kept for a store that needs it stated)."""
        body: Json = {"password": password, "meaning": meaning, "signer_timezone": timezone}
        if expected_sha256:
            body["expected_sha256"] = expected_sha256
        return dict(self._call("POST", f"/api/capas/{_q(capa_id)}/close", body))

    def assign(self, capa_id: str, owner: str) -> Json:
        """Give a CAPA an owner."""
        return dict(self._call("POST", f"/api/capas/{_q(capa_id)}/assign", {"owner": owner}))

    def plan_check(self, capa_id: str, body: Json) -> Json:
        """Plan an effectiveness check."""
        return dict(self._call("POST", f"/api/capas/{_q(capa_id)}/effectiveness", body))

    def reopen(self, capa_id: str, reason: str) -> Json:
        """Reopen a CAPA by hand."""
        return dict(self._call("POST", f"/api/capas/{_q(capa_id)}/reopen", {"reason": reason}))

    def trail(self, entity: str, entity_id: str) -> list[Json]:
        """The audit trail of one record."""
        return self._all(f"/api/trail/{_q(entity)}/{_q(entity_id)}")

    def effectiveness(self, query: Mapping[str, str], cursor: str | None = None, limit: int = 50) -> Page:
        """One page of effectiveness checks."""
        return self._page("/api/effectiveness-checks", query, cursor, limit)

    def metrics(self) -> Json:
        """The dashboard figures."""
        return dict(self._call("GET", "/api/metrics"))

    # ------------------------------------------------------------------ users and devices
    def _all(self, path: str) -> list[Json]:
        items: list[Json] = []
        cursor: str | None = None
        while True:
            page = self._page(path, {}, cursor, 200)
            items.extend(page.items)
            if not page.next_cursor:
                return items
            cursor = page.next_cursor

    def me(self) -> Json:
        """The signed-in user."""
        return dict(self._call("GET", "/api/me"))

    def users(self) -> list[Json]:
        """Every user, by username."""
        return self._all("/api/users")

    def people(self) -> list[Json]:
        """Every user's username and printed name, active or not (readable by any signed-in user)."""
        return self._all("/api/people")

    def create_user(self, body: Json) -> Json:
        """Create a user with a role and an initial password."""
        return dict(self._call("POST", "/api/users", body))

    def set_role(self, user_id: str, role: str) -> Json:
        """Give a user another role."""
        return dict(self._call("PUT", f"/api/users/{_q(user_id)}/role", {"role": role}))

    def deactivate_user(self, user_id: str) -> Json:
        """Switch a user off; their sessions end at once."""
        return dict(self._call("POST", f"/api/users/{_q(user_id)}/deactivate", {}))

    def reactivate_user(self, user_id: str) -> Json:
        """Switch a deactivated user on again: they sign in with their password, devices stay revoked."""
        return dict(self._call("POST", f"/api/users/{_q(user_id)}/reactivate", {}))

    def devices(self) -> list[Json]:
        """Every enrolled device, oldest first."""
        return self._all("/api/devices")

    def revoke_device(self, device_id: str) -> Json:
        """Revoke a device."""
        return dict(self._call("POST", f"/api/devices/{_q(device_id)}/revoke", {}))

    def issue_code(self, username: str) -> Json:
        """A one-time enrollment code for a user's device."""
        return dict(self._call("POST", "/api/enrollment-codes", {"username": username}))

    # ------------------------------------------------------------------ checklists
    def published_checklists(self) -> list[Json]:
        """Every checklist version published to the field devices, the newest first."""
        return [dict(item) for item in self._call("GET", "/api/checklists/published")]

    def publish_checklist(self, file_name: str, data: bytes) -> Json:
        """Publish a checklist file to every field device (`new` is false when it was published before)."""
        body = {"file_name": file_name, "content_base64": base64.b64encode(data).decode("ascii")}
        return dict(self._call("POST", "/api/checklists/published", body))

    # ------------------------------------------------------------------ photos
    def photo(self, sha256: str, thumbnail: bool = False) -> bytes:
        """A photo or its thumbnail as image bytes."""
        suffix = "/thumbnail" if thumbnail else ""
        return self._send("GET", f"/api/photos/{_q(sha256)}{suffix}").body

    def close(self) -> None:
        """Release connections."""
        self._transport.close()
