"""The payload of every event kind: which fields it carries and the rule each must follow.

`validate_payload` is the single gate: the services call it before an event is stored, the store and
the central server call it on events that arrive from elsewhere. A payload that breaks a rule raises
ValidationError naming the field. Text captured from now on must also be clean (`captured=True`, FLD-113);
events that already exist are not held to that rule, so what was stored before stays readable.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import re
from collections.abc import Callable, Mapping
from typing import Any

from auditapp.domain.clock import Timestamp
from auditapp.domain.errors import ValidationError
from auditapp.domain.events import EventKind
from auditapp.domain.evidence import EvidenceTarget, SamplingMethod
from auditapp.domain.findings import FINDING_FIELDS, parse_grade
from auditapp.domain.plan import PLAN_FIELDS, AuditPlan, decode_plan_field
from auditapp.domain.responses import parse_answer
from auditapp.domain.sampling import (
    MAX_POPULATION_SIZE,
    draw_random,
    draw_random_positions,
    draw_systematic,
    draw_systematic_positions,
    select_judgmental,
)

MEETINGS = ("opening", "closing")
EFFECTIVENESS_RESULTS = ("effective", "not_effective")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
BLOB_KEY_BYTES = 32
Check = Callable[[Any, str], None]

# Characters captured text must not hold (FLD-113): control characters other than tab, newline and
# carriage return (they are invisible, and NUL or ESC can end or rewrite a line in a report, a log or a
# terminal), the controls that override or embed or isolate a text direction (they make a PDF show text in
# another order than it was typed), and half of a UTF-16 pair (no file format can hold it).
_CONTROL = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"
_BIDI = "\u202a-\u202e\u2066-\u2069"
_LONE_SURROGATE = "[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]"
UNSAFE_CHARACTER = re.compile(f"[{_CONTROL}{_BIDI}]|{_LONE_SURROGATE}")
"""What a report shows as U+FFFD: every character above."""
REFUSED_AT_CAPTURE = re.compile(f"[\x00-\x08\x0e-\x1f\x7f\x80-\x84\x86-\x9f\u202d\u202e]|{_LONE_SURROGATE}")
"""What typing may not bring in: the same, except what people paste every day without seeing it (a page
break or line break from an office program: form feed, vertical tab, U+0085; the direction embeddings and
isolates a phone wraps around copied numbers and names). Those are kept as typed and shown as U+FFFD in a
report; the overrides that make text show in another order than it was typed are refused."""
_BIDI_CONTROL = re.compile(f"[{_BIDI}]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def _required_text(value: Any, name: str) -> None:
    if not isinstance(value, str) or not value.strip():
        raise ValidationError("must not be empty", name)


def _text(value: Any, name: str) -> None:
    if value is not None and not isinstance(value, str):
        raise ValidationError("must be text", name)


def _base(value: Any, name: str) -> None:
    if value is None:
        return
    try:
        Timestamp.from_text(str(value))
    except ValueError:
        raise ValidationError(f"{value!r} is not a clock timestamp", name) from None


def _positive_int(value: Any, name: str) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValidationError(f"must be a whole number of at least 1, not {value!r}", name)


def _bool(value: Any, name: str) -> None:
    if not isinstance(value, bool):
        raise ValidationError("must be yes or no", name)


def _optional_bool(value: Any, name: str) -> None:
    if value is not None and not isinstance(value, bool):
        raise ValidationError("must be yes or no", name)


def _sha256(value: Any, name: str) -> None:
    if not isinstance(value, str) or not _SHA256.match(value):
        raise ValidationError("must be a SHA-256 hex digest", name)


def _optional_sha256(value: Any, name: str) -> None:
    if value is not None:
        _sha256(value, name)


def _blob_key(value: Any, name: str) -> None:
    """A blob key is base64 of 32 random bytes (AES-256); absent on photos kept only on the device."""
    if value is None:
        return
    raw = b""
    if isinstance(value, str):
        with contextlib.suppress(ValueError, UnicodeEncodeError):  # binascii.Error is a ValueError
            raw = base64.b64decode(value.encode("ascii"), validate=True)
    if len(raw) != BLOB_KEY_BYTES:
        raise ValidationError(f"must be base64 of a {BLOB_KEY_BYTES}-byte key", name)


def _id_list(value: Any, name: str) -> None:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ValidationError("must be a list of identifiers", name)


def _moment(value: Any, name: str) -> None:
    if value is None:
        return
    try:
        dt.datetime.fromisoformat(str(value))
    except ValueError:
        raise ValidationError(f"{value!r} is not a date and time (ISO 8601)", name) from None


def _gps(value: Any, name: str) -> None:
    if value is None:
        return
    if not isinstance(value, Mapping):
        raise ValidationError("must have lat and lon", name)
    lat, lon = value.get("lat"), value.get("lon")
    if not isinstance(lat, int | float) or not isinstance(lon, int | float):
        raise ValidationError("must have numeric lat and lon", name)
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise ValidationError(f"({lat}, {lon}) is not a position on Earth", name)


def _one_of(options: tuple[str, ...]) -> Check:
    def check(value: Any, name: str) -> None:
        if value not in options:
            raise ValidationError(f"{value!r} is not one of {', '.join(options)}", name)

    return check


def _answer(value: Any, name: str) -> None:
    parse_answer(value, name)


def _grade(value: Any, name: str) -> None:
    parse_grade(value, name)


def _n19(value: Any, name: str) -> None:
    if value is not None and (not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 5):
        raise ValidationError(f"an N19 grade is 1 to 5, not {value!r}", name)


_EVIDENCE: dict[str, Check] = {"evidence_id": _required_text}

_SPECS: dict[EventKind, dict[str, Check]] = {
    EventKind.AUDIT_PLANNED: {},
    EventKind.AUDIT_PLAN_EDITED: {"field": _one_of(PLAN_FIELDS), "base": _base},
    EventKind.MEETING_NOTE_RECORDED: {"meeting": _one_of(MEETINGS), "text": _text, "base": _base},
    EventKind.RESPONSE_RECORDED: {
        "item_id": _required_text,
        "clause": _required_text,
        "answer": _answer,
        "base": _base,
    },
    EventKind.NOTE_ADDED: {**_EVIDENCE, "text": _required_text},
    EventKind.INTERVIEW_RECORDED: {
        **_EVIDENCE,
        "person": _required_text,
        "role": _text,
        "question": _required_text,
        "answer": _required_text,
    },
    EventKind.PHOTO_ATTACHED: {
        **_EVIDENCE,
        "sha256": _sha256,
        "thumbnail_sha256": _sha256,
        "width": _positive_int,
        "height": _positive_int,
        "captured_at": _moment,
        "gps": _gps,
        "caption": _text,
        "blob_id": _optional_sha256,
        "blob_key": _blob_key,
        "thumbnail_blob_id": _optional_sha256,
        "thumbnail_blob_key": _blob_key,
    },
    EventKind.DOCUMENT_REVIEWED: {
        **_EVIDENCE,
        "document_id": _required_text,
        "revision": _required_text,
        "title": _text,
    },
    EventKind.SAMPLE_DRAWN: {
        **_EVIDENCE,
        "population_description": _required_text,
        "population_size": _positive_int,
        "sample_size": _positive_int,
        "method": _one_of(tuple(m.value for m in SamplingMethod)),
        "selected_ids": _id_list,
    },
    EventKind.RECORD_SAMPLED: {
        **_EVIDENCE,
        "sample_id": _required_text,
        "record_type": _required_text,
        "identifier": _required_text,
        "record_date": _text,
        "conforms": _bool,
        "comment": _text,
        # A record made in a simulated dry run of a process (readiness counts it apart, ADR 0093).
        "simulated": _optional_bool,
    },
    EventKind.FINDING_RAISED: {
        "finding_id": _required_text,
        "item_id": _text,
        "clause": _required_text,
        "grade": _grade,
        "requirement": _text,
        "statement": _required_text,
        "evidence_ids": _id_list,
        "n19_grade": _n19,
    },
    EventKind.FINDING_EDITED: {"finding_id": _required_text, "field": _one_of(FINDING_FIELDS), "base": _base},
    EventKind.EVIDENCE_LINKED: {"finding_id": _required_text, "evidence_id": _required_text},
    EventKind.AUDIT_CLOSED: {"summary": _text},
    # The auditor's verdict on an effectiveness re-verification task pulled from the central store.
    EventKind.EFFECTIVENESS_RECORDED: {
        "task_id": _required_text,
        "capa_id": _required_text,
        "check_id": _required_text,
        "finding_id": _required_text,
        "result": _one_of(EFFECTIVENESS_RESULTS),
        "comment": _text,
        "evidence_ids": _id_list,
    },
}

# Kinds whose payload is a piece of evidence with an id and a target (item or finding).
EVIDENCE_KINDS = frozenset(
    {
        EventKind.NOTE_ADDED,
        EventKind.INTERVIEW_RECORDED,
        EventKind.PHOTO_ATTACHED,
        EventKind.DOCUMENT_REVIEWED,
        EventKind.SAMPLE_DRAWN,
        EventKind.RECORD_SAMPLED,
    }
)


PHOTO_VARIANTS = ("", "thumbnail_")  # a photo's image and its thumbnail: `{variant}blob_id` and so on


def photo_blob_ids(kind: EventKind, payload: Mapping[str, Any]) -> list[str]:
    """The blob ids a stored event refers to: a photo's image and thumbnail queued for upload (none for
    other events, or a photo kept before photos were uploaded)."""
    if kind is not EventKind.PHOTO_ATTACHED:
        return []
    return [str(payload[key]) for key in (f"{v}blob_id" for v in PHOTO_VARIANTS) if payload.get(key)]


def validate_payload(kind: EventKind, payload: Mapping[str, Any], *, captured: bool = False) -> None:
    """Raise ValidationError naming the first field of the payload that breaks its kind's rules.

    `captured` is for an event being made now: its text must also be clean (`check_captured_text`). Events
    that already exist (in a journal, from a sync or an import) are checked without it.
    """
    spec = _SPECS[kind]
    for name, check in spec.items():
        check(payload.get(name), name)
    if kind in EVIDENCE_KINDS:
        EvidenceTarget.from_payload(payload)
    if kind is EventKind.AUDIT_PLANNED:
        plan = payload.get("plan")
        if not isinstance(plan, Mapping):
            raise ValidationError("an audit plan is missing", "plan")
        AuditPlan.from_dict(plan)
    elif kind is EventKind.AUDIT_PLAN_EDITED:
        decode_plan_field(str(payload["field"]), payload.get("value"))
    elif kind is EventKind.FINDING_EDITED:
        _check_finding_field(str(payload["field"]), payload.get("value"))
    elif kind is EventKind.SAMPLE_DRAWN:
        _check_sample(payload, MAX_POPULATION_SIZE if captured else STORED_POPULATION_LIMIT)
    elif kind is EventKind.PHOTO_ATTACHED:
        for prefix in PHOTO_VARIANTS:
            if (payload.get(f"{prefix}blob_id") is None) != (payload.get(f"{prefix}blob_key") is None):
                raise ValidationError("a photo's blob id and blob key come together", f"{prefix}blob_key")
    if captured:
        check_captured_text(kind, payload)


def check_captured_text(kind: EventKind, payload: Mapping[str, Any]) -> None:
    """Refuse a payload whose text holds a character capture does not accept, naming the field it is in."""
    for name, value in payload.items():
        if kind is EventKind.AUDIT_PLANNED and name == "plan" and isinstance(value, Mapping):
            for field, part in value.items():
                _clean_text(part, str(field))
        elif kind in (EventKind.AUDIT_PLAN_EDITED, EventKind.FINDING_EDITED) and name == "value":
            _clean_text(value, str(payload.get("field")))  # the field edited, as its form names it
        else:
            _clean_text(value, name)


def _clean_text(value: Any, name: str) -> None:
    if isinstance(value, str):
        found = REFUSED_AT_CAPTURE.search(value)
        if found:
            char = found.group()
            raise ValidationError(
                f"contains U+{ord(char):04X} ({describe_character(char)}) at position {found.start() + 1}",
                name,
            )
    elif isinstance(value, Mapping):
        for part in value.values():
            _clean_text(part, name)
    elif isinstance(value, list | tuple):
        for part in value:
            _clean_text(part, name)


def describe_character(char: str) -> str:
    """What an unsafe character is, in words a user can act on."""
    if _SURROGATE.match(char):
        return "half of a character pair, the rest of it is missing"
    if char in "\u202d\u202e":
        return "an invisible control that overrides the direction of text"
    if _BIDI_CONTROL.match(char):
        return "an invisible control that changes the direction of text"
    return "a control character"


def well_formed(text: str) -> str:
    """`text` with each half of a character pair that lacks its other half replaced by U+FFFD, so it can be
    written as UTF-8 (pairs kept as two halves are joined into their character)."""
    if not _SURROGATE.search(text):
        return text
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


def _check_finding_field(name: str, value: Any) -> None:
    if name == "grade":
        _grade(value, name)
    elif name == "n19_grade":
        _n19(value, name)
    elif name == "item_id":
        _text(value, name)
    elif name in ("clause", "statement"):
        _required_text(value, name)
    else:
        _text(value, name)


STORED_POPULATION_LIMIT = 10_000_000
"""The largest population given by its size that a sample already recorded may have: earlier versions of the
app captured samples above today's capture limit (MAX_POPULATION_SIZE), and those must still sync and load;
none could draw from this many on a tablet, and redrawing more would hold up whoever reads the event."""


def _check_sample(payload: Mapping[str, Any], most: int = MAX_POPULATION_SIZE) -> None:
    """The recorded selection must be exactly what the method gives, so anyone can redraw it; a population
    given by its size may hold at most `most` records."""
    ids = payload.get("population_ids")
    size = int(payload["sample_size"])
    if ids is not None:
        _id_list(ids, "population_ids")
        if len(ids) != payload["population_size"]:
            raise ValidationError(
                f"the population lists {len(ids)} records but its size is {payload['population_size']}",
                "population_size",
            )
    population_size = int(payload["population_size"])
    if size > population_size:
        raise ValidationError("the sample is larger than the population", "sample_size")
    if ids is None and population_size > most:
        raise ValidationError(
            f"a population of {population_size:,} records is more than a sample is drawn from "
            f"(at most {most:,})",
            "population_size",
        )
    selected = list(payload["selected_ids"])
    method = SamplingMethod(payload["method"])
    if method is SamplingMethod.RANDOM:
        seed = payload.get("seed")
        if not isinstance(seed, str):
            raise ValidationError("a random sample needs its seed", "seed")
        expected = (
            draw_random(ids, size, seed)
            if ids is not None
            else draw_random_positions(population_size, size, seed)
        )
    elif method is SamplingMethod.SYSTEMATIC:
        start = payload.get("start")
        if not isinstance(start, int) or isinstance(start, bool):
            raise ValidationError("a systematic sample needs its start position", "start")
        expected = (
            draw_systematic(ids, size, start)
            if ids is not None
            else draw_systematic_positions(population_size, size, start)
        )
    else:
        expected = select_judgmental(ids, selected, str(payload.get("reason") or ""))
        if len(expected) != size:
            raise ValidationError(
                f"{len(expected)} records chosen but the sample size is {size}", "sample_size"
            )
    if expected != selected:
        raise ValidationError(
            "the selected records are not the ones the method and seed give", "selected_ids"
        )
