"""Every route x every role: allowed, or refused with 401/403 exactly as deps.POLICY says.

Routes are read from the running app, so routes added later are covered without touching this file; a
route with no caller check fails here.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from auditapp.central.deps import POLICY
from tests.integration.platform.conftest import ROLES
from tests.integration.platform.routes import Endpoint, endpoints

DUMMY_ID = "00000000-0000-4000-8000-000000000000"


def _call(client: TestClient, endpoint: Endpoint, headers: dict[str, str]) -> tuple[int, dict[str, object]]:
    path = endpoint.path
    for name in endpoint.path_params:
        path = path.replace("{" + name + "}", DUMMY_ID)
    body = {} if endpoint.method in ("POST", "PUT", "PATCH") else None
    reply = client.request(endpoint.method, path, headers=headers, json=body)
    try:
        return reply.status_code, reply.json()
    except ValueError:
        return reply.status_code, {}


def _code(body: dict[str, object]) -> object:
    error = body.get("error")
    return error.get("code") if isinstance(error, dict) else None


@pytest.mark.req("PLT-009")
def test_every_route_checks_its_caller_as_the_policy_says(
    client: TestClient, headers: dict[str, dict[str, str]]
) -> None:
    found = list(endpoints(client.app))  # type: ignore[arg-type]
    unchecked = [e.id for e in found if e.kind == "unchecked"]
    assert unchecked == [], "routes without a caller dependency from deps.py"
    schema = client.get("/openapi.json").json()
    listed = {(m.upper(), p) for p, ops in schema["paths"].items() for m in ops}
    assert listed <= {(e.method, e.path) for e in found}, "every route in the OpenAPI schema was enumerated"
    checked = 0
    failures: list[str] = []
    for endpoint in found:
        if endpoint.kind != "policy":
            continue
        assert endpoint.action is not None
        status, body = _call(client, endpoint, {})
        if status != 401 or _code(body) != "not_authenticated":
            failures.append(f"{endpoint.id} without a token: {status} {body}")
        for role in ROLES:
            status, body = _call(client, endpoint, headers[role])
            allowed = role in {r.value for r in POLICY[endpoint.action]}
            if allowed and (status in (401, 403) or status >= 500):
                failures.append(f"{endpoint.id} as {role} (allowed): {status} {body}")
            if not allowed and (status != 403 or _code(body) != "forbidden"):
                failures.append(f"{endpoint.id} as {role} (not allowed): {status} {body}")
            checked += 1
    assert failures == []
    assert checked >= 5 * 8  # the admin routes of this module alone are eight


@pytest.mark.req("PLT-009")
def test_device_routes_refuse_a_bearer_token_without_a_device_signature(
    client: TestClient, headers: dict[str, dict[str, str]]
) -> None:
    devices = [e for e in endpoints(client.app) if e.kind == "device"]  # type: ignore[arg-type]
    assert {e.path for e in devices} >= {"/sync/v1/push", "/sync/v1/pull"}
    for endpoint in devices:
        for role in ROLES:
            status, body = _call(client, endpoint, headers[role])
            assert 400 <= status < 500, f"{endpoint.id} as {role}: {status}"
            assert _code(body), f"{endpoint.id} as {role}: no error code in {body}"
