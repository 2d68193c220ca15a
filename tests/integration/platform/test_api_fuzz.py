"""A fuzz test over the OpenAPI schema: no input makes the central store answer 5xx or a non-JSON error."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.integration.platform.conftest import ROLES
from tests.integration.platform.schema_fuzz import FuzzRequest, requests_for


@pytest.mark.req("PLT-010")
def test_no_input_makes_the_store_fail(client: TestClient, headers: dict[str, dict[str, str]]) -> None:
    spec = client.get("/openapi.json").json()
    callers = st.sampled_from([None, *ROLES])

    @settings(
        max_examples=400,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(request=requests_for(spec), caller=callers)
    def check(request: FuzzRequest, caller: str | None) -> None:
        sent = dict(headers[caller]) if caller else {}
        if request.content_type:
            sent["Content-Type"] = request.content_type
        reply = client.request(
            request.method, request.path, params=request.params, content=request.body, headers=sent
        )
        assert reply.status_code < 500, f"{request}: {reply.status_code} {reply.text[:300]}"
        if reply.status_code >= 400:
            error = reply.json()["error"]
            assert error["code"], f"{request}: no error code"
            assert error["message"], f"{request}: no error message"

    check()


@pytest.mark.req("PLT-010")
@pytest.mark.parametrize(
    ("method", "path", "status", "code"),
    [
        ("GET", "/api/no-such-thing", 404, "not_found"),
        ("DELETE", "/api/health", 405, "method_not_allowed"),
        ("POST", "/api/auth/login", 422, "invalid_request"),
    ],
)
def test_framework_errors_are_json_with_a_stable_code(
    client: TestClient, method: str, path: str, status: int, code: str
) -> None:
    reply = client.request(method, path, content=b"{not json", headers={"Content-Type": "application/json"})
    assert reply.status_code == status
    assert reply.json()["error"]["code"] == code
    assert reply.json()["error"]["message"]
