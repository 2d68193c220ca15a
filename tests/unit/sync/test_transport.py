"""The transport retries what can succeed later, forever with jittered backoff; refusals surface at once."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from typing import Any, cast

import pytest
import requests

from sync.envelope import DeviceRecord
from sync.errors import Refused, Stopped, TransportError
from sync.keys import DeviceKeys
from sync.request_auth import verify_request
from sync.transport import Backoff, HttpTransport, Outcome, Response, classify


@dataclass
class FakeAnswer:
    status_code: int
    content: bytes = b"{}"
    headers: dict[str, str] = field(default_factory=dict)


class FakeSession:
    """Plays a script of answers (or exceptions) and records what was sent."""

    def __init__(self, script: list[FakeAnswer | Exception]) -> None:
        self.script = script
        self.sent: list[dict[str, Any]] = []

    def mount(self, prefix: str, adapter: object) -> None:
        pass

    def request(self, method: str, url: str, **kwargs: Any) -> FakeAnswer:
        self.sent.append({"method": method, "url": url, **kwargs})
        step = self.script.pop(0) if len(self.script) > 1 else self.script[0]
        if isinstance(step, Exception):
            raise step
        return step

    def close(self) -> None:
        pass


def transport(script: list[FakeAnswer | Exception], **kwargs: Any) -> tuple[HttpTransport, list[float]]:
    waits: list[float] = []
    made = HttpTransport(
        "http://store.invalid/",
        session=cast(requests.Session, FakeSession(script)),
        backoff=Backoff(base=1.0, cap=8.0),
        sleep=waits.append,
        rand=lambda: 1.0,
        **kwargs,
    )
    return made, waits


def refusal(status: int, code: str) -> FakeAnswer:
    return FakeAnswer(status, json.dumps({"error": {"code": code, "message": f"{code} happened"}}).encode())


@pytest.mark.req("SYN-037")
def test_connection_errors_timeouts_and_5xx_are_retried_with_growing_capped_waits() -> None:
    script: list[FakeAnswer | Exception] = [
        requests.ConnectionError("refused"),
        requests.Timeout("slow"),
        FakeAnswer(503),
        FakeAnswer(500),
        FakeAnswer(429),
        FakeAnswer(502),
        FakeAnswer(200, b'{"ok":true}'),
    ]
    sender, waits = transport(script)
    assert sender.request("POST", "/sync/v1/push", body=b"x").json() == {"ok": True}
    assert waits == [1.0, 2.0, 4.0, 8.0, 8.0, 8.0]


@pytest.mark.req("SYN-037")
def test_jitter_spreads_waits_below_the_exponential_ceiling() -> None:
    backoff = Backoff(base=0.5, cap=60.0)
    assert backoff.delay(3, lambda: 0.25) == pytest.approx(1.0)
    assert backoff.delay(100, lambda: 0.5) == pytest.approx(30.0)


@pytest.mark.req("SYN-037")
def test_retrying_never_gives_up_until_the_stop_flag_is_set() -> None:
    stop = threading.Event()
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        if len(waits) == 500:
            stop.set()

    sender = HttpTransport(
        "http://store.invalid",
        session=cast(requests.Session, FakeSession([requests.ConnectionError("down")])),
        sleep=sleep,
        stop=stop,
    )
    with pytest.raises(Stopped):
        sender.request("GET", "/sync/v1/blobs/x")
    assert sender.attempts == 500


def test_retry_after_from_the_store_is_honoured_up_to_the_cap() -> None:
    sender, waits = transport([FakeAnswer(503, headers={"Retry-After": "5"}), FakeAnswer(200)])
    sender.request("GET", "/x")
    assert waits == [5.0]


@pytest.mark.req("SYN-038")
@pytest.mark.parametrize(
    ("status", "code"), [(403, "revoked_device"), (409, "conflicting_event"), (413, "too_large")]
)
def test_refusals_are_raised_at_once_with_the_stores_code(status: int, code: str) -> None:
    sender, waits = transport([refusal(status, code)])
    with pytest.raises(Refused, match=f"{code}: {code} happened") as caught:
        sender.request("POST", "/sync/v1/push", body=b"x")
    assert caught.value.refusal_code == code
    assert caught.value.status == status
    assert waits == []
    assert sender.attempts == 1


def test_a_4xx_without_an_error_body_is_still_a_plain_refusal() -> None:
    sender, _ = transport([FakeAnswer(404, b"<html>not here</html>")])
    with pytest.raises(Refused, match="http_404"):
        sender.request("GET", "/nowhere")


def test_limited_attempts_raise_a_transport_error_with_the_reason() -> None:
    sender, _ = transport([requests.ConnectionError("down")], max_attempts=3)
    with pytest.raises(TransportError, match="cannot be reached"):
        sender.request("GET", "/x")
    assert sender.attempts == 3


def test_classification_of_statuses() -> None:
    assert classify(Response(204, b"")) is Outcome.SUCCESS
    assert classify(Response(408, b"")) is Outcome.RETRYABLE
    assert classify(Response(504, b"")) is Outcome.RETRYABLE
    assert classify(Response(401, b"")) is Outcome.REFUSED


def test_requests_carry_a_device_signature_the_store_can_verify() -> None:
    keys = DeviceKeys.generate()
    session = FakeSession([FakeAnswer(200)])
    sender = HttpTransport(
        "http://store.invalid/api",
        session=cast(requests.Session, session),
        token="secret-token",
        device_id="tablet-1",
        signer=keys,
    )
    sender.request("PUT", "/sync/v1/blobs/abc/chunks/0", body=b"chunk")
    sent = session.sent[0]
    assert sent["url"] == "http://store.invalid/api/sync/v1/blobs/abc/chunks/0"
    assert sent["headers"]["Authorization"] == "Bearer secret-token"
    device = verify_request(
        sent["headers"],
        method="PUT",
        path="/sync/v1/blobs/abc/chunks/0",
        body=b"chunk",
        device_lookup=lambda _: DeviceRecord("active", keys.public.signing),
    )
    assert device == "tablet-1"


def test_proxy_settings_of_the_environment_are_read_once_and_still_honoured(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("http_proxy", "all_proxy", "ALL_PROXY", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", "http://proxy.example:3128")
    monkeypatch.delenv("no_proxy", raising=False)
    through_proxy = HttpTransport("http://store.example")
    assert through_proxy.session.proxies.get("http") == "http://proxy.example:3128"
    assert through_proxy.session.trust_env is False  # not scanned again on every request
    monkeypatch.setenv("NO_PROXY", "store.example")
    assert "http" not in HttpTransport("http://store.example").session.proxies
