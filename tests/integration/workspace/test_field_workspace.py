"""The field workspace over a real encrypted store and the real checklist library."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from auditapp.bootstrap import FieldStoreOpener, LibraryChecklists
from auditapp.demo import demo_plan
from auditapp.domain.errors import AuditAppError, ValidationError
from auditapp.services.workspace import FieldWorkspace

PASSPHRASE = "a long passphrase"


def workspace(folder: Path) -> FieldWorkspace:
    return FieldWorkspace(folder, FieldStoreOpener(), LibraryChecklists())


@pytest.mark.req("FLD-002")
def test_first_run_refuses_short_or_mismatched_passphrases_and_creates_nothing(tmp_path: Path) -> None:
    ws = workspace(tmp_path / "ws")
    with pytest.raises(ValidationError, match=r"^passphrase: use at least 8 characters"):
        ws.set_up("short", "short")
    with pytest.raises(ValidationError, match=r"^passphrase: the two passphrases differ"):
        ws.set_up(PASSPHRASE, PASSPHRASE + "x")
    assert ws.needs_setup()
    assert not ws.unlocked
    assert list(tmp_path.iterdir()) == []  # no folder, key or store was left behind


@pytest.mark.req("FND-005")
def test_wrong_passphrase_is_refused_and_the_answers_stay_readable(tmp_path: Path) -> None:
    ws = workspace(tmp_path / "ws")
    ws.set_up(PASSPHRASE, PASSPHRASE)
    audit_id = ws.plan_audit(demo_plan(dt.date(2026, 11, 2)))
    first = ws.walkthrough(audit_id).items[0]
    ws.record_answer(audit_id, first.item_id, "nonconforming")
    ws.close()

    again = workspace(tmp_path / "ws")
    with pytest.raises(AuditAppError, match="wrong passphrase"):
        again.unlock("not the passphrase")
    again.unlock(PASSPHRASE)
    [summary] = again.audits()
    assert (summary.title, summary.answered) == ("Internal audit: production and CAPA", 1)
    assert summary.total == len(again.walkthrough(audit_id).items) > 100
    assert again.walkthrough(audit_id).items[0].answer == "nonconforming"
    assert again.store().pending_count() == 2  # the plan and the answer wait for sync
    again.close()


@pytest.mark.req("DOM-002")
@pytest.mark.req("SVC-002")
@pytest.mark.req("SVC-003")
def test_an_answer_outside_the_checklist_is_refused_and_nothing_is_stored(tmp_path: Path) -> None:
    ws = workspace(tmp_path / "ws")
    ws.set_up(PASSPHRASE, PASSPHRASE)
    audit_id = ws.plan_audit(demo_plan(dt.date(2026, 11, 2)))
    item = ws.walkthrough(audit_id).items[0]
    with pytest.raises(ValidationError, match=r"^item_id: item 'no-such-item' is not in the checklists"):
        ws.record_answer(audit_id, "no-such-item", "conforming")
    allowed = "conforming, nonconforming, observation, not_applicable, not_audited"
    with pytest.raises(ValidationError, match=rf"^answer: 'maybe' is not an answer \(one of {allowed}\)"):
        ws.record_answer(audit_id, item.item_id, "maybe")
    assert ws.store().pending_count() == 1  # only the plan: neither refused answer was stored
    assert ws.walkthrough(audit_id).items[0].answer is None
    ws.close()
