"""The audit's JSON document: exported from one encrypted workspace, imported into another, same audit."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from auditapp.domain.errors import ValidationError
from auditapp.domain.state import project
from auditapp.reports.audit_json import read_document, to_json
from auditapp.services.reporting import field_dossier, import_audit
from auditapp.store import FieldStore
from tests.fixtures.reports.specimen import generate


@pytest.fixture
def exported(tmp_path: Path) -> tuple[bytes, object]:
    spec = generate(responses=50, findings=6, photos=8)
    store = FieldStore.create(tmp_path / "origin", "origin passphrase")
    try:
        store.append(spec.events)
        for data in spec.photos.values():
            store.photos.put(data)
        dossier = field_dossier(store, spec.checklists, spec.audit_id, photos=store.photos)
        return to_json(dossier, with_photos=True), spec
    finally:
        store.close()


@pytest.mark.req("REP-007")
def test_an_exported_audit_imports_into_a_fresh_workspace_with_the_same_state(
    exported, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    data, spec = exported
    document = read_document(data, "audit.json")
    assert document.audit_id == spec.audit_id
    target = FieldStore.create(tmp_path / "target", "target passphrase")
    try:
        assert import_audit(target, target.photos, document.events, document.photos.values()) == len(
            spec.events
        )
        assert project(target.events(spec.audit_id), spec.audit_id) == project(spec.events, spec.audit_id)
        for digest, photo in spec.photos.items():
            assert target.photos.get(digest) == photo
        assert target.pending_count() == 0  # imported, not queued to be sent again
        again = read_document(data, "audit.json")
        assert import_audit(target, target.photos, again.events) == 0  # a second import changes nothing
    finally:
        target.close()
    summary = json.loads(data)["summary"]
    assert summary["plan"]["site"] == "Plant Łódź"
    assert len(summary["findings"]) == 6


@pytest.mark.req("REP-007")
@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (
            lambda d: d["events"][3]["payload"].update(answer="maybe"),
            "audit.json: events[3]: answer: 'maybe'",
        ),
        (lambda d: d["events"][5].update(audit_id="other"), "audit.json: events[5] belongs to audit other"),
        (lambda d: d.update(format="something"), "audit.json is not an auditapp audit export"),
        (lambda d: d["photos"].update({next(iter(d["photos"])): "aGVsbG8="}), "does not match its SHA-256"),
    ],
)
def test_a_damaged_document_is_refused_saying_where_and_nothing_is_imported(  # type: ignore[no-untyped-def]
    exported, tmp_path: Path, damage, message: str
) -> None:
    data, _ = exported
    value = json.loads(data)
    damage(value)
    with pytest.raises(ValidationError) as refused:
        read_document(json.dumps(value).encode(), "audit.json")
    assert message in str(refused.value)


@pytest.mark.req("REP-007")
def test_a_file_that_is_not_json_is_refused_with_line_and_column() -> None:
    with pytest.raises(ValidationError, match=r"notes\.txt line 1 column 1: not valid JSON"):
        read_document(b"hello auditor", "notes.txt")
