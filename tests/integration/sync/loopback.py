"""A real HTTP store on loopback built from the standard library and sync's server-side functions.

It is what the central store's endpoints do, minus the database: push, pull and blob upload, with faults
that can be injected per request (503, connection dropped mid-request, acknowledgement lost, delay).
"""

from __future__ import annotations

import json
import re
import socket
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from sync.batch import Record, record_digest
from sync.blob_receiver import BlobReceiver
from sync.envelope import DeviceRecord, seal_pull_response
from sync.errors import Malformed, SyncError, TooLarge
from sync.ingest import IngestGuard, verify_push
from sync.keys import DeviceKeys, StoreKeys
from sync.request_auth import parse_pull_request, verify_request

MAX_BODY = 4 * 1024 * 1024
_CHUNK = re.compile(r"^/sync/v1/blobs/([0-9a-f]{64})/chunks/(\d+)$")
_BLOB = re.compile(r"^/sync/v1/blobs/([0-9a-f]{64})(/complete)?$")


@dataclass
class Fault:
    """Apply `action` to the next `times` requests whose "METHOD path" starts with `prefix`."""

    prefix: str
    action: str  # "503" | "drop_mid_request" | "lose_ack" | "delay"
    times: int = 1
    seconds: float = 0.0
    every: int = 1  # only every n-th matching request
    seen: int = 0


@dataclass
class StoreState:
    """Everything the loopback store holds."""

    folder: Path
    keys: StoreKeys = field(default_factory=StoreKeys.generate)
    devices: dict[str, tuple[DeviceRecord, bytes]] = field(default_factory=dict)
    events: dict[str, tuple[str, int, str]] = field(default_factory=dict)
    applied: Counter[str] = field(default_factory=Counter)
    envelopes: dict[tuple[str, str], str] = field(default_factory=dict)
    outgoing: dict[str, list[Record]] = field(default_factory=dict)
    requests: Counter[str] = field(default_factory=Counter)
    faults: list[Fault] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.blobs = BlobReceiver(self.folder)

    def enroll(self, device_id: str, keys: DeviceKeys, status: str = "active") -> None:
        self.devices[device_id] = (DeviceRecord(status, keys.public.signing), keys.public.receiving)  # type: ignore[arg-type]

    def lookup(self, device_id: str) -> DeviceRecord | None:
        entry = self.devices.get(device_id)
        return entry[0] if entry else None

    def guard(self) -> IngestGuard:
        return IngestGuard(
            known_digest=lambda eid: self.events[eid][2] if eid in self.events else None,
            envelope_seen=lambda device, env: self.envelopes.get((device, env)),
        )

    def fault_for(self, key: str) -> Fault | None:
        for fault in self.faults:
            if fault.times > 0 and key.startswith(fault.prefix):
                fault.seen += 1
                if fault.seen % fault.every == 0:
                    fault.times -= 1
                    return fault
        return None


class Handler(BaseHTTPRequestHandler):
    """Routes the sync endpoints to sync's server-side functions."""

    protocol_version = "HTTP/1.1"
    state: StoreState

    def log_message(self, format: str, *args: object) -> None:  # quiet test output
        pass

    def _send(self, status: int, body: bytes, content_type: str = "application/json") -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client timed out and left; it will retry

    def _json(self, status: int, value: object) -> None:
        self._send(status, json.dumps(value).encode())

    def _drop(self) -> None:
        self.close_connection = True
        self.connection.shutdown(socket.SHUT_RDWR)

    def _handle(self) -> None:
        path = self.path.split("?", 1)[0]
        key = f"{self.command} {path}"
        length = int(self.headers.get("Content-Length") or 0)
        fault = self.state.fault_for(key)
        with self.state.lock:
            self.state.requests[key] += 1
        if fault is not None and fault.action == "drop_mid_request":
            self.rfile.read(length // 2)
            return self._drop()
        if length > MAX_BODY:
            error = TooLarge(f"request body is {length} bytes, over the limit of {MAX_BODY}")
            # Read and discard the body first: answering while the client still sends resets the connection.
            remaining = length
            while remaining > 0:
                block = self.rfile.read(min(remaining, 1 << 20))
                if not block:
                    break
                remaining -= len(block)
            return self._json(error.http_status, error.to_wire())
        body = self.rfile.read(length)
        if fault is not None and fault.action == "503":
            return self._json(503, {"error": {"code": "unavailable", "message": "try later"}})
        if fault is not None and fault.action == "delay":
            time.sleep(fault.seconds)
        try:
            status, payload, content_type = self._route(path, body)
        except SyncError as exc:
            return self._json(exc.http_status, exc.to_wire())
        if fault is not None and fault.action == "lose_ack":
            return self._drop()
        self._send(status, payload, content_type)

    do_GET = do_POST = do_PUT = _handle

    def _device(self, path: str, body: bytes) -> str:
        return verify_request(
            dict(self.headers.items()),
            method=self.command,
            path=path,
            body=body,
            device_lookup=self.state.lookup,
        )

    def _route(self, path: str, body: bytes) -> tuple[int, bytes, str]:
        state = self.state
        if self.command == "POST" and path == "/sync/v1/push":
            with state.lock:
                plan = verify_push(
                    body, recipient=state.keys, device_lookup=state.lookup, guard=state.guard()
                )
                if plan.must_write:
                    for record in plan.new:
                        state.events[record.event_id] = (
                            plan.device_id,
                            record.seq,
                            record_digest(record.body),
                        )
                        state.applied[record.event_id] += 1
                    state.envelopes[(plan.device_id, plan.envelope.header.envelope_id)] = plan.envelope.digest
            return 200, json.dumps(plan.acknowledgement()).encode(), "application/json"
        if self.command == "POST" and path == "/sync/v1/pull":
            device_id = self._device(path, body)
            request = parse_pull_request(body, authenticated_device=device_id)
            items = state.outgoing.get(device_id, [])
            start = int(request.cursor or 0)
            page = items[start : start + request.limit]
            sealed = seal_pull_response(
                page,
                store=state.keys,
                device_id=device_id,
                device_x25519_public=state.devices[device_id][1],
                cursor=str(start + len(page)),
                more=start + len(page) < len(items),
                envelope_id=str(uuid.uuid4()),
                created_at="2026-11-25T08:00:00Z",
            )
            return 200, sealed, "application/vnd.auditapp.envelope"
        chunk = _CHUNK.match(path)
        if self.command == "PUT" and chunk:
            self._device(path, body)
            try:
                total, chunk_size = int(self.headers["X-Blob-Size"]), int(self.headers["X-Chunk-Size"])
            except (KeyError, ValueError) as exc:
                raise Malformed("X-Blob-Size and X-Chunk-Size headers are required") from exc
            status = state.blobs.write_chunk(
                chunk.group(1),
                int(chunk.group(2)),
                body,
                total_size=total,
                chunk_size=chunk_size,
                complete=self.headers.get("X-Blob-Complete") == "1",
            )
            return 200, json.dumps(status.to_wire()).encode(), "application/json"
        blob = _BLOB.match(path)
        if blob and self.command == "GET" and not blob.group(2):
            self._device(path, body)
            return 200, json.dumps(state.blobs.status(blob.group(1)).to_wire()).encode(), "application/json"
        if blob and self.command == "POST" and blob.group(2):
            self._device(path, body)
            return 200, json.dumps(state.blobs.complete(blob.group(1)).to_wire()).encode(), "application/json"
        return 404, json.dumps({"error": {"code": "not_found", "message": path}}).encode(), "application/json"


@contextmanager
def running_store(folder: Path) -> Iterator[tuple[str, StoreState]]:
    """Start the loopback store on a free port; yields (base URL, state)."""
    state = StoreState(folder=folder)
    handler = type("BoundHandler", (Handler,), {"state": state})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
