"""Capture refuses characters that hide or reorder what was typed; stored events still load as they are."""

from __future__ import annotations

from typing import Any

import pytest

from auditapp.domain import drafts
from auditapp.domain.errors import ValidationError
from auditapp.domain.events import EventKind
from auditapp.domain.evidence import EvidenceTarget
from auditapp.domain.findings import Finding, FindingGrade
from auditapp.domain.payloads import validate_payload
from tests.unit.domain.simulation import sample_plan

ITEM = EvidenceTarget.item("I-1", "7.5.1")
SHA = "ab" * 32
CONTROL = "a control character"
OVERRIDE = "an invisible control that overrides the direction of text"
HALF = "half of a character pair, the rest of it is missing"


def _with(draft: drafts.Draft, **changes: Any) -> tuple[EventKind, dict[str, Any]]:
    """A clean draft's payload with some text replaced, as an older or a foreign event may hold it."""
    return draft.kind, {**draft.payload, **changes}


def _planned_with(**changes: Any) -> tuple[EventKind, dict[str, Any]]:
    draft = drafts.audit_planned(sample_plan())
    return draft.kind, {**draft.payload, "plan": {**draft.payload["plan"], **changes}}


def _photo() -> drafts.Draft:
    return drafts.photo_attached(
        "e3",
        ITEM,
        sha256=SHA,
        thumbnail_sha256=SHA,
        width=4,
        height=3,
        captured_at=None,
        gps=None,
        caption="",
    )


def _finding() -> drafts.Draft:
    return drafts.finding_raised(Finding("F-1", "I-1", "7.5.1", FindingGrade.MINOR_NC, "7.5.1 a", "Missing"))


REFUSED = [
    pytest.param(
        *_with(drafts.note_added("e1", ITEM, "x"), text="Seal broken\x00 on lot 7"),
        "text: contains U+0000 (a control character) at position 12",
        id="NUL in a note",
    ),
    pytest.param(
        *_with(drafts.interview_recorded("e2", ITEM, "Pat", "", "How?", "x"), answer="We ring\x07 the bell"),
        f"answer: contains U+0007 ({CONTROL}) at position 8",
        id="BEL in an interview answer",
    ),
    pytest.param(
        *_with(_finding(), statement="\x1b[31mNo record\x1b[0m"),
        f"statement: contains U+001B ({CONTROL}) at position 1",
        id="ANSI escape in a finding statement",
    ),
    pytest.param(
        *_with(drafts.document_reviewed("e4", ITEM, "SOP-1", "C", ""), title="Line\x7fclearance"),
        f"title: contains U+007F ({CONTROL}) at position 5",
        id="DEL in a document title",
    ),
    pytest.param(
        *_with(drafts.meeting_note_recorded("opening", "x", None), text="Agreed\x84next"),
        f"text: contains U+0084 ({CONTROL}) at position 7",
        id="C1 control in meeting notes",
    ),
    pytest.param(
        *_planned_with(title="Audit \u202eevil.exe"),
        f"title: contains U+202E ({OVERRIDE}) at position 7",
        id="right-to-left override in a plan title",
    ),
    pytest.param(
        *_planned_with(team=["Tomasz", "Ana\u202d"]),
        f"team: contains U+202D ({OVERRIDE}) at position 4",
        id="left-to-right override in a team member",
    ),
    pytest.param(
        *_with(drafts.finding_edited("F-1", "statement", "x", None), value="cut \ud83e"),
        f"statement: contains U+D83E ({HALF}) at position 5",
        id="lone high surrogate in an edited statement",
    ),
    pytest.param(
        *_with(_photo(), caption="\udc00 gauge"),
        f"caption: contains U+DC00 ({HALF}) at position 1",
        id="lone low surrogate in a photo caption",
    ),
]


@pytest.mark.req("FLD-113")
@pytest.mark.parametrize(("kind", "payload", "message"), REFUSED)
def test_capture_refuses_hidden_characters_naming_field_code_point_and_position_but_stored_events_load(
    kind: EventKind, payload: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        validate_payload(kind, payload, captured=True)
    assert str(refused.value) == message
    assert refused.value.field == message.split(":")[0]
    # The same event already in a journal, synced from a teammate or imported is not refused.
    validate_payload(kind, payload)


@pytest.mark.req("FLD-113")
@pytest.mark.parametrize(
    "text",
    [
        "Line 1\nLine 2\r\nTabbed\tcolumn",
        "Zürich, Łódź, Ελένη, Иванова, 東京, مرحبا, שלום",
        "Emoji 🦷 and a pair typed in halves \ud83e\uddb7",
        "Right-to-left mark\u200f and zero-width joiner \u200d are ordinary text",
        # Pasted every day without being seen: a page break (form feed) and a line break (vertical tab) from
        # an office program, U+0085 from text decoded as Latin-1, and the embedding and isolates a phone
        # wraps around a copied number or name.
        "Page one\x0cpage two\x0bnext line\x85end",
        "Call \u202a+44 20 7946 0000\u202c or ask \u2068Ana\u2069",
    ],
)
def test_capture_accepts_line_breaks_tabs_every_script_and_emoji(text: str) -> None:
    kind, payload = _with(drafts.note_added("e1", ITEM, "x"), text=text)
    validate_payload(kind, payload, captured=True)
    kind, payload = _planned_with(title=text, organisation=text)
    validate_payload(kind, payload, captured=True)
