"""The central store as the quality app sees it: one method per endpoint, JSON objects in and out."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

Json = dict[str, Any]
"""A JSON object as the store sends or receives it."""


@dataclass(frozen=True)
class SignedIn:
    """Who is signed in, with the token for later calls (kept in memory only)."""

    token: str
    username: str
    display_name: str
    role: str
    expires_at: str = ""


@dataclass(frozen=True)
class Page:
    """One page of a cursor-paged list: its items and the cursor of the next page (None at the end)."""

    items: list[Json] = field(default_factory=list)
    next_cursor: str | None = None


class QualityApi(Protocol):
    """Calls to one central store; refusals raise CentralApiError (SessionExpired when a sign-in is due)."""

    base_url: str

    def login(self, username: str, password: str) -> SignedIn:
        """Sign in; later calls carry the token."""

    def logout(self) -> None:
        """Forget the token (and tell the store when it can be told)."""

    def findings(self, query: Mapping[str, str], cursor: str | None = None, limit: int = 50) -> Page:
        """One page of findings matching the filters."""

    def finding(self, finding_id: str) -> Json:
        """One finding with all its evidence."""

    def finding_photos(self, finding_ids: Sequence[str]) -> dict[str, list[Json]]:
        """The own photos of several findings (each a photo evidence object), by finding id."""

    def triage(self, finding_id: str, body: Json) -> Json:
        """Record a triage decision on a finding."""

    def bulk_triage(self, body: Json) -> Json:
        """Record one triage decision on several findings (body carries finding_ids)."""

    def capas(self, query: Mapping[str, str], cursor: str | None = None, limit: int = 50) -> Page:
        """One page of CAPAs matching the filters."""

    def open_capa(self, body: Json) -> Json:
        """Open a CAPA (title, problem statement, optional owner and source findings)."""

    def capa(self, capa_id: str) -> Json:
        """One CAPA with every section of its lifecycle."""

    def update_capa(self, capa_id: str, section: str, body: Json) -> Json:
        """Record one section of a CAPA (problem, containment, root cause, verification, ...)."""

    def add_action(self, capa_id: str, body: Json) -> Json:
        """Add an action (correction, corrective or preventive) to a CAPA."""

    def update_action(self, capa_id: str, action_id: str, body: Json) -> Json:
        """Record progress or evidence of implementation on an action."""

    def record_effectiveness(self, capa_id: str, check_id: str, body: Json) -> Json:
        """Record the result of an effectiveness check done from the desk (record review, metric)."""

    def closure(self, capa_id: str) -> Json:
        """The closure gates of a CAPA: what is recorded and what is still missing."""

    def sign_closure(
        self,
        capa_id: str,
        password: str,
        meaning: str,
        timezone: str,
        local_time: str,
        expected_sha256: str = "",
    ) -> Json:
        """Close a CAPA with an electronic signature (the password is re-entered)."""

    def assign(self, capa_id: str, owner: str) -> Json:
        """Give a CAPA an owner."""

    def plan_check(self, capa_id: str, body: Json) -> Json:
        """Plan an effectiveness check (criterion, method, window)."""

    def reopen(self, capa_id: str, reason: str) -> Json:
        """Reopen a CAPA by hand."""

    def trail(self, entity: str, entity_id: str) -> list[Json]:
        """The audit trail of one record, oldest first."""

    def effectiveness(self, query: Mapping[str, str], cursor: str | None = None, limit: int = 50) -> Page:
        """One page of effectiveness checks."""

    def metrics(self) -> Json:
        """The dashboard figures."""

    def me(self) -> Json:
        """The signed-in user."""

    def users(self) -> list[Json]:
        """Every user of the store."""

    def people(self) -> list[Json]:
        """Every user's username and printed name (display_name), active or not; any signed-in user."""

    def create_user(self, body: Json) -> Json:
        """Create a user with a role and an initial password."""

    def set_role(self, user_id: str, role: str) -> Json:
        """Give a user another role."""

    def deactivate_user(self, user_id: str) -> Json:
        """Switch a user off."""

    def reactivate_user(self, user_id: str) -> Json:
        """Switch a deactivated user on again."""

    def devices(self) -> list[Json]:
        """Every enrolled device."""

    def revoke_device(self, device_id: str) -> Json:
        """Revoke a device: it can no longer push or pull."""

    def issue_code(self, username: str) -> Json:
        """A one-time enrollment code for a user's device."""

    def published_checklists(self) -> list[Json]:
        """Every checklist version published to the field devices, the newest first."""

    def publish_checklist(self, file_name: str, data: bytes) -> Json:
        """Publish a checklist file (YAML, XLSX, CSV or CISO) to every field device."""

    def photo(self, sha256: str, thumbnail: bool = False) -> bytes:
        """A photo (or its thumbnail) as image bytes."""

    def close(self) -> None:
        """Release connections."""
