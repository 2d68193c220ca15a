"""Closing a CAPA with an electronic signature (21 CFR 11.50, 11.70; ADR 0061).

The signer re-enters their password; a wrong one is refused (401 `bad_signature_password`) and changes
nothing. The closure gates must all be met (409 `closure_gates` lists what is missing). The signature
keeps the printed name, the UTC time, the signer's stated local time and zone, the meaning, and the
SHA-256 of the canonical JSON of the CAPA content it signs, together with that content, so every read can
show whether the record still matches what was signed.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta, tzinfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from auditapp.central import auth, pull_feed, trail
from auditapp.central.capa_checks import withdraw_tasks
from auditapp.central.capa_records import CapaBundle, refresh
from auditapp.central.capa_service import ensure_open
from auditapp.central.capa_tables import CapaRow, CapaSignatureRow
from auditapp.central.errors import ApiError
from auditapp.central.tables import User
from auditapp.domain.capa_gates import Gap
from auditapp.domain.capa_signature import (
    MEANING_APPROVED_CLOSURE,
    ClosureSignature,
    local_time,
    parse_timezone,
    signed_content,
    stated_local_time,
)
from auditapp.domain.errors import ValidationError
from auditapp.domain.events import canonical_json


class ClosureRefused(ApiError):
    """409 `closure_gates`: the body's error also carries `missing`, the gaps as {code, ref, message}."""

    def __init__(self, capa_id: str, gaps: list[Gap]):
        names = ", ".join(dict.fromkeys(g.code for g in gaps))
        super().__init__(409, "closure_gates", f"CAPA {capa_id} cannot close yet; missing: {names}")
        self.missing = [g.to_dict() for g in gaps]

    def as_json(self) -> dict[str, dict[str, object]]:  # type: ignore[override]
        """The error body with the list of what is missing."""
        return {"error": {"code": self.code, "message": self.message, "missing": self.missing}}


LOCAL_TIME_TOLERANCE = timedelta(minutes=2)
"""How far a stated local time may be from the signing instant (CAP-021). It covers the seconds between
the signer's screen reading its clock and the store stamping the signature, and the drift of a computer
clock kept by network time, with room to spare; it stays far below the smallest step between time zones
(15 minutes), so a wrong zone or a backdated time is refused."""


def _span(delta: timedelta) -> str:
    seconds = abs(delta.total_seconds())
    if seconds < 2 * 3600:
        return f"{round(seconds / 60)} minutes"
    if seconds < 2 * 86400:
        return f"{round(seconds / 3600)} hours"
    return f"{round(seconds / 86400)} days"


def _offset(value: timedelta | None) -> str:
    minutes = round((value or timedelta(0)).total_seconds() / 60)
    hours, rest = divmod(abs(minutes), 60)
    return f"{'-' if minutes < 0 else '+'}{hours:02d}:{rest:02d}"


def check_local_time(stated: str, timezone: str, at: datetime) -> None:
    """Refuse (422 naming `signer_local_time`) a stated local time that is not the signing instant `at` in
    the signer's zone: more than LOCAL_TIME_TOLERANCE away, or with an offset the zone does not have then.
    A time without an offset is read in the signer's zone."""
    zone: tzinfo = parse_timezone(timezone)
    moment = datetime.fromisoformat(stated)
    shown = at.astimezone(zone).isoformat(timespec="seconds")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    else:
        offset = moment.utcoffset()
        try:
            zone_offset = moment.astimezone(zone).utcoffset()
        except OverflowError:
            # At the ends of the calendar (years 1 and 9999) there is no zone time to compare with; such
            # a time is centuries from the signing instant, so the gap check below refuses it instead.
            zone_offset = offset
        if offset != zone_offset:
            raise ApiError(
                422,
                "invalid_field",
                f"signer_local_time: {stated!r} has the offset {_offset(offset)}, but "
                f"{timezone.strip()} is at {_offset(zone_offset)} then: state the "
                f"time in your time zone (now {shown}), or leave it out to have it computed",
            )
    gap = moment - at
    if abs(gap) > LOCAL_TIME_TOLERANCE:
        side = "after" if gap > timedelta(0) else "before"
        raise ApiError(
            422,
            "invalid_field",
            f"signer_local_time: {stated!r} is {_span(gap)} {side} the signing time {shown} "
            f"({timezone.strip()}); a signature's local time must be the moment of signing (within "
            f"{int(LOCAL_TIME_TOLERANCE.total_seconds() // 60)} minutes): correct your computer's clock "
            "or time zone, or leave it out to have it computed",
        )


def close_capa(
    session: Session,
    signer: User,
    row: CapaRow,
    *,
    password: str,
    signer_timezone: str,
    signer_local_time: str | None = None,
    expected_sha256: str | None = None,
) -> CapaBundle:
    """Sign and close the CAPA, or refuse and change nothing."""
    at = auth.now()
    ensure_open(row)
    if not auth.check_password(signer, password):
        raise ApiError(401, "bad_signature_password", "password: not your password; the CAPA was not closed")
    try:
        parse_timezone(signer_timezone)
        if signer_local_time is not None:
            signer_local_time = stated_local_time(signer_local_time)
            check_local_time(signer_local_time, signer_timezone, at)
    except ValidationError as exc:
        raise ApiError(422, "invalid_field", str(exc)) from exc
    bundle = refresh(session, row, touched=False)
    gaps = bundle.gaps
    if gaps:
        raise ClosureRefused(row.id, gaps)
    content = signed_content(bundle.capa)
    digest = bundle.digest
    if expected_sha256 is not None and expected_sha256 != digest:
        raise ApiError(
            409,
            "content_changed",
            "expected_sha256: the CAPA changed since you reviewed it; read it again before signing",
        )
    stage_before = row.stage
    signature = CapaSignatureRow(
        id=str(uuid.uuid4()),
        capa_id=row.id,
        user_id=signer.id,
        username=signer.username,
        printed_name=signer.display_name or signer.username,
        meaning=MEANING_APPROVED_CLOSURE,
        signed_at=at,
        signer_local_time=(signer_local_time or local_time(at, signer_timezone))[:40],
        signer_timezone=signer_timezone.strip(),
        content_sha256=digest,
        content=canonical_json(content).decode("utf-8"),
    )
    session.add(signature)
    row.closed_at = at
    for check in bundle.checks:
        withdraw_tasks(session, check, keep_device=None)
    for source in bundle.sources:
        if source.status == "capa":
            source.status = "closed"
            trail.record(
                session, signer.username, "finding", source.id, "capa closed", {"status": ("capa", "closed")}
            )
            pull_feed.finding_status_changed(session, source)
    closed = refresh(session, row)
    trail.record(
        session,
        signer.username,
        "capa",
        row.id,
        "closed",
        {
            "stage": (stage_before, closed.row.stage),
            "signature": (
                None,
                {
                    "id": signature.id,
                    "printed_name": signature.printed_name,
                    "meaning": signature.meaning,
                    "signed_at": at.isoformat(),
                    "signer_local_time": signature.signer_local_time,
                    "signer_timezone": signature.signer_timezone,
                    "content_sha256": digest,
                },
            ),
        },
    )
    return closed


def signatures_of(session: Session, capa_id: str) -> list[ClosureSignature]:
    """Every closure signature of a CAPA, oldest first."""
    rows = session.scalars(
        select(CapaSignatureRow)
        .where(CapaSignatureRow.capa_id == capa_id)
        .order_by(CapaSignatureRow.signed_at)
    )
    return [
        ClosureSignature(
            r.printed_name,
            r.username,
            r.meaning,
            r.signed_at if r.signed_at.tzinfo else r.signed_at.replace(tzinfo=UTC),
            r.signer_local_time,
            r.signer_timezone,
            r.content_sha256,
        )
        for r in rows
    ]


def signed_json(session: Session, capa_id: str) -> list[dict[str, object]]:
    """The content each signature bound, as signed (for showing what changed since)."""
    rows = session.scalars(
        select(CapaSignatureRow)
        .where(CapaSignatureRow.capa_id == capa_id)
        .order_by(CapaSignatureRow.signed_at)
    )
    return [json.loads(r.content) for r in rows]
