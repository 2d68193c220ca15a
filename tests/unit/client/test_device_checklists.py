"""Which checklist version a device offers and uses: shipped, received, pinned (settings in a dictionary)."""

from __future__ import annotations

from typing import Any

import pytest

import checklists
from auditapp.central.checklist_publishing import MAX_RECORD_BYTES
from auditapp.central.sync_routes import PULL_PAGE_BYTES
from auditapp.client import checklist_updates
from auditapp.client.device_checklists import DeviceChecklists
from auditapp.domain.errors import AuditAppError, NotFoundError

SHIPPED = checklists.get_library_checklist("fda-qmsr")


class Settings:
    """The Settings port over a dictionary."""

    def __init__(self) -> None:
        self.values: dict[str, str] = {}

    def get(self, key: str, default: str | None = None) -> str | None:
        return self.values.get(key, default)

    def put(self, key: str, value: str) -> None:
        self.values[key] = value


def _revision(version: str, question: str) -> checklists.Checklist:
    """The shipped fda-qmsr checklist as an organisation revised it: another version, one question changed."""
    text = checklists.to_yaml(SHIPPED).replace("version: 1.0.0", f"version: '{version}'", 1)
    first = SHIPPED.items[0].text
    return checklists.load_text(text.replace(first.split()[0] + " " + first.split()[1], question, 1))


def _record(checklist: checklists.Checklist, publication: int) -> dict[str, Any]:
    return {
        "publication": publication,
        "checklist_id": checklist.id,
        "version": checklist.version,
        "title": checklist.title,
        "content_hash": checklist.content_hash,
        "published_at": "2026-11-25T10:00:00+00:00",
        "format": "yaml",
        "document": checklists.to_yaml(checklist),
    }


@pytest.mark.req("SYN-212")
def test_the_latest_publication_is_offered_and_pinned_versions_stay_found() -> None:
    settings = Settings()
    catalog = DeviceChecklists(lambda: settings)
    assert catalog.get("fda-qmsr").content_hash == SHIPPED.content_hash
    second, first = _revision("2026.2", "Do the two"), _revision("2026.1", "Does the one")
    # Arrival order is not publication order (a teammate's pinned version comes after the current one).
    assert checklist_updates.receive(settings, _record(second, 7), "t1") is not None
    assert checklist_updates.receive(settings, _record(first, 3), "t2") is not None
    assert checklist_updates.receive(settings, _record(first, 3), "t3") is None  # held already

    offered = [c for c in catalog.available() if c.checklist_id == "fda-qmsr"]
    assert [c.version for c in offered] == ["2026.2"]
    assert catalog.get("fda-qmsr").content_hash == second.content_hash
    assert catalog.get("fda-qmsr", first.content_hash).content_hash == first.content_hash
    assert catalog.items("fda-qmsr", first.content_hash)[0].text.startswith("Does the one")
    assert catalog.get("fda-qmsr", SHIPPED.content_hash).content_hash == SHIPPED.content_hash
    # A version the device does not hold: the current one, as before publishing existed.
    assert catalog.outline("fda-qmsr", "0" * 64).version == "2026.2"


@pytest.mark.req("SYN-212")
def test_a_locked_workspace_or_none_is_the_shipped_library_alone() -> None:
    def locked() -> Settings:
        raise AuditAppError("the workspace is locked")

    for catalog in (DeviceChecklists(locked), DeviceChecklists()):
        assert {c.checklist_id for c in catalog.available()} == {c.id for c in checklists.load_library()}
        with pytest.raises(NotFoundError):
            catalog.get("supplier-walk")


@pytest.mark.req("SYN-214")
def test_a_refused_update_changes_nothing_and_is_listed() -> None:
    settings = Settings()
    tampered = {**_record(_revision("9", "Is it"), 1), "content_hash": SHIPPED.content_hash}
    with pytest.raises(checklist_updates.ChecklistUpdateRefused, match="content hash"):
        checklist_updates.receive(settings, tampered, "t")
    assert checklist_updates.received(settings) == []
    checklist_updates.refuse(settings, tampered, "the document does not match its content hash", "t")
    assert [r.content_hash for r in checklist_updates.refusals(settings)] == [SHIPPED.content_hash]


@pytest.mark.req("SYN-216")
def test_a_refusal_waits_for_attention_until_a_good_version_of_that_checklist_is_kept() -> None:
    settings = Settings()
    good, other = _revision("2026.3", "Are the"), _revision("2026.4", "Is the")
    tampered = {**_record(good, 1), "content_hash": SHIPPED.content_hash}
    checklist_updates.refuse(settings, tampered, "the document does not match its content hash", "t1")
    checklist_updates.refuse(settings, {"checklist_id": "supplier-walk"}, "the document does not load", "t2")
    assert [r.checklist_id for r in checklist_updates.outstanding_refusals(settings)] == [
        "fda-qmsr",
        "supplier-walk",
    ]
    assert checklist_updates.receive(settings, _record(good, 2), "t3") is not None
    assert [r.checklist_id for r in checklist_updates.outstanding_refusals(settings)] == ["supplier-walk"]
    # The log keeps both refusals; a version held already settles nothing.
    assert [r.settled for r in checklist_updates.refusals(settings)] == [True, False]
    checklist_updates.refuse(settings, tampered, "the document does not match its content hash", "t4")
    assert checklist_updates.receive(settings, _record(good, 2), "t5") is None
    assert len(checklist_updates.outstanding_refusals(settings)) == 2
    assert checklist_updates.receive(settings, _record(other, 3), "t6") is not None
    assert [r.checklist_id for r in checklist_updates.outstanding_refusals(settings)] == ["supplier-walk"]


@pytest.mark.req("SYN-213")
def test_a_checklist_record_always_fits_one_pull_page() -> None:
    assert MAX_RECORD_BYTES <= PULL_PAGE_BYTES // 2
