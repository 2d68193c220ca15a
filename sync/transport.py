"""HTTP transport to the central store: the only module that imports requests.

Every answer is classified as success, retryable (connection errors, timeouts, 408/425/429/5xx) or refused
(any other 4xx, with the store's stable error code). Retryable failures are retried with exponential backoff
and full jitter for as long as the stop flag is not set; refusals are raised at once as `Refused`.
"""

from __future__ import annotations

import json
import logging
import os
import random
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import requests
from requests.adapters import HTTPAdapter

from sync.errors import PLAIN_WORDS, Refused, Stopped, TransportError
from sync.keys import KeyPair
from sync.request_auth import sign_request

log = logging.getLogger(__name__)

RETRYABLE_STATUSES = frozenset({408, 425, 429})
USER_AGENT = "auditapp-sync/1"


@dataclass(frozen=True)
class Backoff:
    """Exponential backoff with full jitter: attempt n waits uniform(0, min(cap, base * 2**n)) seconds."""

    base: float = 0.5
    cap: float = 60.0

    def delay(self, attempt: int, rand: Callable[[], float] = random.random) -> float:
        """Seconds to wait before retry number `attempt` (0 for the first retry)."""
        ceiling = min(self.cap, self.base * (2.0 ** min(attempt, 62)))
        return rand() * ceiling


class Outcome(StrEnum):
    """How an HTTP answer is handled."""

    SUCCESS = "success"
    RETRYABLE = "retryable"
    REFUSED = "refused"


@dataclass(frozen=True)
class Response:
    """An HTTP answer, detached from requests."""

    status: int
    body: bytes
    headers: Mapping[str, str] = field(default_factory=dict)

    def json(self) -> Any:
        """The body parsed as JSON; TransportError when the store sent something else."""
        try:
            return json.loads(self.body)
        except ValueError as exc:
            raise TransportError(f"the central store sent a non-JSON answer (HTTP {self.status})") from exc


def error_of(response: Response) -> tuple[str, str, dict[str, Any]]:
    """(code, message, details) from the store's JSON error body, or generic ones derived from the status."""
    try:
        error = json.loads(response.body)["error"]
        return str(error["code"]), str(error.get("message", "")), dict(error.get("details") or {})
    except (ValueError, KeyError, TypeError):
        return f"http_{response.status}", f"the central store answered HTTP {response.status}", {}


def classify(response: Response) -> Outcome:
    """Success for 2xx; retryable for 408, 425, 429 and 5xx; refused for every other status."""
    if 200 <= response.status < 300:
        return Outcome.SUCCESS
    if response.status in RETRYABLE_STATUSES or response.status >= 500:
        return Outcome.RETRYABLE
    return Outcome.REFUSED


def _retry_after(response: Response) -> float | None:
    value = {k.lower(): v for k, v in response.headers.items()}.get("retry-after", "")
    return float(value) if value.replace(".", "", 1).isdigit() else None


RetryListener = Callable[[int, str, float], None]
"""Called before each wait with (attempt, reason in plain words, delay seconds)."""


class HttpTransport:
    """Sends requests to the central store, retrying what can succeed later and surfacing refusals."""

    def __init__(
        self,
        base_url: str,
        *,
        session: requests.Session | None = None,
        timeout: tuple[float, float] = (5.0, 60.0),
        token: str | None = None,
        device_id: str | None = None,
        signer: KeyPair | None = None,
        backoff: Backoff | None = None,
        stop: threading.Event | None = None,
        sleep: Callable[[float], None] | None = None,
        rand: Callable[[], float] = random.random,
        max_attempts: int | None = None,
        on_retry: RetryListener | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        if session is None:
            session = requests.Session()
            # The environment's proxy and CA bundle settings are read once here, not on every request
            # (requests would otherwise scan the whole environment per call, a cost per photo chunk).
            session.proxies.update(requests.utils.get_environ_proxies(self.base_url))
            bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
            if bundle:
                session.verify = bundle
            session.trust_env = False
        self.session = session
        # Retries are ours (with jitter and a stop flag), never urllib3's hidden ones.
        self.session.mount("http://", HTTPAdapter(max_retries=0))
        self.session.mount("https://", HTTPAdapter(max_retries=0))
        self.timeout = timeout
        self.token = token
        self.device_id = device_id
        self.signer = signer
        self.backoff = backoff or Backoff()
        self.stop = stop or threading.Event()
        self._sleep = sleep
        self._rand = rand
        self.max_attempts = max_attempts
        self.on_retry = on_retry
        self.attempts = 0
        self.retries = 0

    def _headers(
        self,
        method: str,
        path: str,
        body: bytes,
        extra: Mapping[str, str] | None,
        body_sha256: str | None = None,
    ) -> dict[str, str]:
        headers = {"User-Agent": USER_AGENT}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        if self.signer is not None and self.device_id is not None:
            headers.update(
                sign_request(
                    self.signer,
                    device_id=self.device_id,
                    method=method,
                    path=path,
                    body=body,
                    body_sha256=body_sha256,
                )
            )
        elif self.device_id is not None:
            headers["X-Device-Id"] = self.device_id
        headers.update(extra or {})
        return headers

    def send_once(
        self,
        method: str,
        path: str,
        *,
        body: bytes = b"",
        headers: Mapping[str, str] | None = None,
        body_sha256: str | None = None,
    ) -> Response:
        """One attempt; connection errors and timeouts become TransportError (retryable)."""
        self.attempts += 1
        try:
            answer = self.session.request(
                method,
                self.base_url + path,
                data=body or None,
                headers=self._headers(method, path, body, headers, body_sha256),
                timeout=self.timeout,
                allow_redirects=False,
            )
            content = answer.content
        except (
            requests.ConnectionError,
            requests.Timeout,
            requests.exceptions.ChunkedEncodingError,
            requests.exceptions.ContentDecodingError,
        ) as exc:
            raise TransportError(f"the central store cannot be reached ({type(exc).__name__})") from exc
        except requests.RequestException as exc:
            raise TransportError(f"the request to the central store is invalid: {exc}") from exc
        return Response(status=answer.status_code, body=content, headers=dict(answer.headers))

    def request(
        self,
        method: str,
        path: str,
        *,
        body: bytes = b"",
        headers: Mapping[str, str] | None = None,
        body_sha256: str | None = None,
    ) -> Response:
        """Send until success (returned) or refusal (Refused raised); Stopped once the stop flag is set.

        `body_sha256`, when the caller knows it, spares hashing a large body again to sign it.
        """
        attempt = 0
        while True:
            if self.stop.is_set():
                raise Stopped("sync was stopped")
            retry_after: float | None = None
            answer_code: str | None = None
            try:
                response = self.send_once(method, path, body=body, headers=headers, body_sha256=body_sha256)
            except TransportError as exc:
                reason = exc.message
            else:
                outcome = classify(response)
                if outcome is Outcome.SUCCESS:
                    return response
                code, message, details = error_of(response)
                if outcome is Outcome.REFUSED:
                    raise Refused(code, message or code, status=response.status, details=details)
                reason = f"the central store is busy or failing (HTTP {response.status})"
                answer_code = code if code in PLAIN_WORDS else None
                retry_after = _retry_after(response)
            if self.max_attempts is not None and attempt + 1 >= self.max_attempts:
                raise TransportError(reason, answer_code=answer_code)
            delay = self.backoff.delay(attempt, self._rand)
            if retry_after is not None:
                delay = min(self.backoff.cap, max(delay, retry_after))
            log.info("sync %s %s: %s; retry %d in %.1fs", method, path, reason, attempt + 1, delay)
            if self.on_retry is not None:
                self.on_retry(attempt, reason, delay)
            self.retries += 1
            self._wait(delay)
            attempt += 1

    def _wait(self, seconds: float) -> None:
        if self._sleep is not None:
            self._sleep(seconds)
        elif self.stop.wait(seconds):
            raise Stopped("sync was stopped")

    def close(self) -> None:
        """Release pooled connections."""
        self.session.close()
