"""Every route of the real app, and the role policy each one declares through its caller dependency."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts

from auditapp.central.deps import Action

PUBLIC = {
    ("GET", "/api/health"),
    ("POST", "/api/auth/login"),
    ("POST", "/api/auth/logout"),
    ("POST", "/api/enroll"),
}
"""Routes anyone may call: liveness, sign-in, sign-out (it ends the session of the token it is sent and
refuses any other token with 401), and enrollment (which is guarded by its one-time code)."""
DEVICE_SIGNED_PREFIX = "/sync/v1/"
"""Routes a device calls with a request signature (no bearer token)."""
CUSTOM_POLICY = {("POST", "/api/enrollment-codes"): Action.ISSUE_ENROLLMENT}
"""Routes that check the caller by hand instead of through `deps.require`; the policy they must match."""


@dataclass(frozen=True)
class Endpoint:
    """One method on one path, and how its caller is checked."""

    method: str
    path: str
    path_params: tuple[str, ...]
    action: Action | None
    kind: str  # "policy", "public", "device" or "unchecked"

    @property
    def id(self) -> str:
        """A readable test id."""
        return f"{self.method} {self.path}"


def _actions(dependant: Dependant) -> set[Action]:
    found: set[Action] = set()
    for sub in dependant.dependencies:
        name = getattr(sub.call, "__name__", "")
        if name.startswith("require_") and name[len("require_") :].upper() in Action.__members__:
            found.add(Action[name[len("require_") :].upper()])
        found |= _actions(sub)
    return found


def endpoints(app: FastAPI) -> Iterator[Endpoint]:
    """Every API route of the app with the action its caller dependency requires."""
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if not isinstance(route, APIRoute):
            continue
        path = context.path or route.path
        params = tuple(p.name for p in route.dependant.path_params)
        actions = _actions(route.dependant)
        for method in sorted(route.methods):
            key = (method, path)
            if len(actions) == 1:
                yield Endpoint(method, path, params, next(iter(actions)), "policy")
            elif key in CUSTOM_POLICY:
                yield Endpoint(method, path, params, CUSTOM_POLICY[key], "policy")
            elif key in PUBLIC:
                yield Endpoint(method, path, params, None, "public")
            elif path.startswith(DEVICE_SIGNED_PREFIX):
                yield Endpoint(method, path, params, None, "device")
            else:
                yield Endpoint(method, path, params, None, "unchecked")
