"""An in-memory central store behind the quality app's API port, for view-model tests."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from auditapp.services.quality.errors import CentralApiError, ClosureRefused, SessionExpired
from auditapp.services.quality.port import Json, Page, SignedIn
from auditapp.services.quality.session import Prefs


@dataclass
class MemoryPrefs:
    """Preferences kept in memory."""

    saved: Prefs = field(default_factory=Prefs)
    writes: int = 0

    def load(self) -> Prefs:
        return self.saved

    def save(self, prefs: Prefs) -> None:
        self.saved = prefs
        self.writes += 1


@dataclass
class FakeStore:
    """What the fake store holds; shared by every FakeApi connected to it."""

    users: dict[str, tuple[str, str, str]] = field(default_factory=dict)  # username -> password, name, role
    findings: list[Json] = field(default_factory=list)
    capas: dict[str, Json] = field(default_factory=dict)
    checks: list[Json] = field(default_factory=list)
    metrics: Json = field(default_factory=dict)
    calls: list[tuple[str, Any]] = field(default_factory=list)
    expire_next: bool = False
    down: bool = False
    tokens: int = 0
    inactive: set[str] = field(
        default_factory=set
    )  # usernames shown as deactivated (none unless a test says)


class FakeApi:
    """The QualityApi port over a FakeStore; `store.expire_next` makes the next call fail with a 401."""

    def __init__(self, store: FakeStore, base_url: str = "http://store.test"):
        self.store = store
        self.base_url = base_url
        self.token: str | None = None
        self.closed = False

    def _gate(self, name: str, args: Any = None) -> None:
        if self.store.down:
            raise CentralApiError("the central store cannot be reached: check the URL and the network")
        if self.token is None:
            raise SessionExpired("sign in again: the session token is not known", "invalid_token", 401)
        if self.store.expire_next:
            self.store.expire_next = False
            self.token = None
            raise SessionExpired("sign in again: the session has expired", "token_expired", 401)
        self.store.calls.append((name, args))

    def login(self, username: str, password: str) -> SignedIn:
        if self.store.down:
            raise CentralApiError("the central store cannot be reached: check the URL and the network")
        known = self.store.users.get(username)
        if known is None or known[0] != password:
            raise CentralApiError("username or password is wrong", "bad_credentials", 401)
        self.store.tokens += 1
        self.token = f"token-{self.store.tokens}"
        return SignedIn(self.token, username, known[1], known[2])

    def logout(self) -> None:
        self.token = None

    def findings(self, query: Mapping[str, str], cursor: str | None = None, limit: int = 50) -> Page:
        self._gate("findings", (dict(query), cursor, limit))
        start = int(cursor or 0)
        wanted = {k: v for k, v in query.items() if v and k != "sort"}
        rows = [f for f in self.store.findings if all(str(f.get(k, "")) == v for k, v in wanted.items())]
        chunk = rows[start : start + limit]
        more = start + limit < len(rows)
        return Page(chunk, str(start + limit) if more else None)

    def finding(self, finding_id: str) -> Json:
        self._gate("finding", finding_id)
        return next(f for f in self.store.findings if f["id"] == finding_id)

    def finding_photos(self, finding_ids: Sequence[str]) -> dict[str, list[Json]]:
        self._gate("finding_photos", tuple(finding_ids))
        found = {f["id"]: f for f in self.store.findings if f["id"] in finding_ids}
        return {
            i: [e for e in found[i].get("evidence") or [] if e.get("kind") == "photo"]
            for i in finding_ids
            if i in found
        }

    def triage(self, finding_id: str, body: Json) -> Json:
        self._gate("triage", (finding_id, body))
        return {"id": finding_id, **body}

    def bulk_triage(self, body: Json) -> Json:
        self._gate("bulk_triage", body)
        return {"findings": [{"id": f, "status": "duplicate"} for f in body["finding_ids"]], "capa_id": None}

    def capas(self, query: Mapping[str, str], cursor: str | None = None, limit: int = 50) -> Page:
        self._gate("capas", dict(query))
        return Page(list(self.store.capas.values()), None)

    def open_capa(self, body: Json) -> Json:
        self._gate("open_capa", body)
        capa_id = f"c{len(self.store.capas) + 1}"
        self.store.capas[capa_id] = {"id": capa_id, "stage": "open", **body}
        return self.store.capas[capa_id]

    def capa(self, capa_id: str) -> Json:
        self._gate("capa", capa_id)
        return self.store.capas[capa_id]

    def update_capa(self, capa_id: str, section: str, body: Json) -> Json:
        self._gate("update_capa", (capa_id, section, body))
        self.store.capas[capa_id][section] = body
        return self.store.capas[capa_id]

    def add_action(self, capa_id: str, body: Json) -> Json:
        self._gate("add_action", (capa_id, body))
        actions = self.store.capas[capa_id].setdefault("actions", [])
        actions.append({"id": f"a{len(actions) + 1}", "status": "planned", **body})
        return self.store.capas[capa_id]

    def update_action(self, capa_id: str, action_id: str, body: Json) -> Json:
        self._gate("update_action", (capa_id, action_id, body))
        for action in self.store.capas[capa_id].get("actions", []):
            if action["id"] == action_id:
                action.update(body)
        return self.store.capas[capa_id]

    def record_effectiveness(self, capa_id: str, check_id: str, body: Json) -> Json:
        self._gate("record_effectiveness", (capa_id, check_id, body))
        return self.store.capas[capa_id]

    def closure(self, capa_id: str) -> Json:
        self._gate("closure", capa_id)
        return {"can_close": False, "missing": []}

    def sign_closure(
        self,
        capa_id: str,
        password: str,
        meaning: str,
        timezone: str,
        local_time: str,
        expected_sha256: str = "",
    ) -> Json:
        self._gate("sign_closure", (capa_id, meaning, timezone, local_time, expected_sha256))
        if self.store.capas[capa_id].get("missing"):
            raise ClosureRefused(list(self.store.capas[capa_id]["missing"]))
        self.store.capas[capa_id]["stage"] = "closed"
        return self.store.capas[capa_id]

    def assign(self, capa_id: str, owner: str) -> Json:
        self._gate("assign", (capa_id, owner))
        self.store.capas[capa_id]["owner"] = owner
        return self.store.capas[capa_id]

    def plan_check(self, capa_id: str, body: Json) -> Json:
        self._gate("plan_check", (capa_id, body))
        checks = self.store.capas[capa_id].setdefault("effectiveness_checks", [])
        checks.append({"id": f"k{len(checks) + 1}", "result": "pending", **body})
        return self.store.capas[capa_id]

    def reopen(self, capa_id: str, reason: str) -> Json:
        self._gate("reopen", (capa_id, reason))
        return self.store.capas[capa_id]

    def trail(self, entity: str, entity_id: str) -> list[Json]:
        self._gate("trail", (entity, entity_id))
        return []

    def effectiveness(self, query: Mapping[str, str], cursor: str | None = None, limit: int = 50) -> Page:
        self._gate("effectiveness", dict(query))
        return Page(list(self.store.checks), None)

    def metrics(self) -> Json:
        self._gate("metrics")
        return self.store.metrics

    def me(self) -> Json:
        self._gate("me")
        return {}

    def users(self) -> list[Json]:
        self._gate("users")
        return [
            {
                "id": name,
                "username": name,
                "display_name": n,
                "role": r,
                "active": name not in self.store.inactive,
            }
            for name, (_, n, r) in self.store.users.items()
        ]

    def people(self) -> list[Json]:
        self._gate("people")
        return [{"username": u, "display_name": n} for u, (_, n, _r) in self.store.users.items()]

    def create_user(self, body: Json) -> Json:
        self._gate("create_user", body)
        if body["username"] in self.store.users:
            raise CentralApiError(f"username: {body['username']!r} is taken", "user_exists", 409)
        self.store.users[body["username"]] = (body["password"], body["display_name"], body["role"])
        return {"id": body["username"], "active": True, **body}

    def set_role(self, user_id: str, role: str) -> Json:
        self._gate("set_role", (user_id, role))
        password, name, _ = self.store.users[user_id]
        self.store.users[user_id] = (password, name, role)
        return {"id": user_id, "username": user_id, "display_name": name, "role": role, "active": True}

    def deactivate_user(self, user_id: str) -> Json:
        self._gate("deactivate_user", user_id)
        _, name, role = self.store.users[user_id]
        return {"id": user_id, "username": user_id, "display_name": name, "role": role, "active": False}

    def reactivate_user(self, user_id: str) -> Json:
        self._gate("reactivate_user", user_id)
        _, name, role = self.store.users[user_id]
        if user_id not in self.store.inactive:
            message = f"user {user_id!r} is active: only a deactivated user can be reactivated"
            raise CentralApiError(message, "user_active", 409)
        self.store.inactive.discard(user_id)
        return {"id": user_id, "username": user_id, "display_name": name, "role": role, "active": True}

    def devices(self) -> list[Json]:
        self._gate("devices")
        return []

    def revoke_device(self, device_id: str) -> Json:
        self._gate("revoke_device", device_id)
        return {"id": device_id, "status": "revoked"}

    def issue_code(self, username: str) -> Json:
        self._gate("issue_code", username)
        return {"code": "ABCDE-FGHJK", "username": username, "expires_at": "2026-01-01T00:15:00+00:00"}

    def published_checklists(self) -> list[Json]:
        self._gate("published_checklists")
        return []

    def publish_checklist(self, file_name: str, data: bytes) -> Json:
        self._gate("publish_checklist", (file_name, len(data)))
        return {
            "number": 1,
            "checklist_id": "supplier-walk",
            "version": "2.1",
            "title": "Supplier and production walk",
            "content_hash": "a" * 64,
            "items": 4,
            "source_name": file_name,
            "published_at": "2026-11-25T09:00:00+00:00",
            "published_by": "quinn",
            "new": True,
        }

    def photo(self, sha256: str, thumbnail: bool = False) -> bytes:
        self._gate("photo", (sha256, thumbnail))
        return b"\x89PNG fake"

    def close(self) -> None:
        self.closed = True
