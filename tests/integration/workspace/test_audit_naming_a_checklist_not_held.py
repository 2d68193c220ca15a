"""An audit planned with a checklist this tablet has not received is captured on for the ones it holds."""

from __future__ import annotations

import pytest

from auditapp.domain.events import EventKind
from tests.integration.workspace.test_review_fixes_capture import STERILE, Opened, opened

__all__ = ["opened"]


@pytest.mark.req("FLD-123")
def test_an_audit_naming_a_checklist_not_on_this_tablet_is_captured_on_as_usual(opened: Opened) -> None:
    audit_id = opened.plan(STERILE)

    rows = opened.audits.walkthrough(audit_id).rows
    assert rows
    assert all(row.item_id.startswith("iso13485") for row in rows)
    listed = opened.ws.walkthrough(audit_id).items
    assert [i.item_id for i in listed] == [row.item_id for row in rows]

    item_id = rows[0].item_id
    assert opened.audits.answer(audit_id, item_id, "nonconforming").answer == "nonconforming"
    detail = opened.audits.add_note(audit_id, item_id, "Gowning log unsigned on 3 of 10 days")
    [note] = [e for e in detail.evidence if "Gowning" in getattr(e, "text", "")]
    opened.audits.raise_finding(
        audit_id,
        item_id,
        grade="minor_nc",
        statement="Gowning log unsigned",
        requirement="Records are signed",
        evidence_ids=[note.evidence_id],
    )

    kinds = [e.kind for e in opened.ws.events(audit_id)]
    assert kinds.count(EventKind.RESPONSE_RECORDED) == 1
    assert kinds.count(EventKind.FINDING_RAISED) == 1
