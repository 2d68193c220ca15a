"""Follow-up work pulled from the central store, placed at its clause; effectiveness results recorded."""

from __future__ import annotations

from typing import Any

import pytest

from auditapp.domain.errors import ValidationError
from auditapp.domain.events import EventKind
from auditapp.services.field_audits import FieldAudits
from auditapp.services.navigation import ItemFilter
from auditapp.services.plan_form import PlanForm
from auditapp.store.memory import MemoryEventStore
from tests.unit.services.field_fakes import PLAN_VALUES, field_audits, pulled


def _task(task_id: str, site: str = "Plant 1", clause: str = "7.5.6", **extra: Any) -> dict[str, Any]:
    return {
        "kind": "effectiveness_task",
        "task_id": task_id,
        "capa_id": "capa-1",
        "check_id": "check-1",
        "capa_title": "Sealer revalidation",
        "site": site,
        "criterion": "Every sealer change has a revalidation record",
        "window_start": "2026-03-01",
        "window_end": "2026-04-01",
        "finding": {
            "id": "f-old",
            "audit_id": "audit-2025",
            "item_id": "P-02",
            "clause": clause,
            "grade": "major_nc",
            "statement": "Sealer not revalidated after jaw change",
        },
        "photos": [{"sha256": "a" * 64, "blob_id": "b1", "caption": "New jaw, no label"}],
        "evidence": [{"kind": "note", "text": "Run log shows jaw change on 3 Feb"}],
        **extra,
    }


@pytest.fixture
def site_audit() -> tuple[FieldAudits, MemoryEventStore, str]:
    audits, store = field_audits()
    return audits, store, audits.create_audit(PlanForm(**PLAN_VALUES))


@pytest.mark.req("FLD-108")
def test_a_task_for_the_site_appears_at_the_items_of_its_clause_with_the_original_evidence(
    site_audit: tuple[FieldAudits, MemoryEventStore, str],
) -> None:
    audits, store, audit_id = site_audit
    pulled(store, "effectiveness_task", _task("t1", site=" plant 1 "), _task("t2", site="Plant 2"))

    work = audits.follow_up(audit_id)
    assert [t.task_id for t in work.tasks] == ["t1"]
    model = audits.walkthrough(audit_id)
    assert [r.item_id for r in model.select(show=ItemFilter.FOLLOW_UP)] == ["P-02"]

    detail = audits.item(audit_id, "P-02")
    [task] = detail.follow_up.tasks
    assert task.finding.statement == "Sealer not revalidated after jaw change"
    assert task.photos == (("a" * 64, "New jaw, no label"),)
    assert task.evidence == (("note", "Run log shows jaw change on 3 Feb"),)
    assert audits.item(audit_id, "P-01").follow_up.tasks == ()


@pytest.mark.req("FLD-108")
def test_prior_findings_and_open_capas_of_the_site_appear_at_their_clauses(
    site_audit: tuple[FieldAudits, MemoryEventStore, str],
) -> None:
    audits, store, audit_id = site_audit
    pulled(
        store,
        "prior_findings",
        {
            "kind": "prior_findings",
            "audit_id": audit_id,
            "site": "Plant 1",
            "findings": [
                {
                    "id": "f9",
                    "audit_id": "audit-2025",
                    "clause": "8.5.2",
                    "grade": "minor_nc",
                    "statement": "CAPA effectiveness not checked",
                    "status": "capa_open",
                    "capa_id": "capa-9",
                    "capa_status": "actions",
                },
            ],
            "capas": [
                {
                    "id": "capa-9",
                    "title": "Effectiveness checks",
                    "stage": "actions",
                    "clauses": ["8.5.2"],
                    "due": "2026-05-01",
                }
            ],
        },
        {
            "kind": "prior_findings",
            "audit_id": "other",
            "site": "Plant 7",
            "findings": [
                {
                    "id": "f10",
                    "audit_id": "a7",
                    "clause": "8.5.2",
                    "grade": "major_nc",
                    "statement": "x",
                    "status": "new",
                }
            ],
            "capas": [],
        },
    )

    detail = audits.item(audit_id, "C-01")

    assert [f.finding_id for f in detail.follow_up.prior_findings] == ["f9"]
    assert [(c.capa_id, c.due) for c in detail.follow_up.capas] == [("capa-9", "2026-05-01")]
    assert audits.item(audit_id, "P-01").follow_up.count == 0


@pytest.mark.req("CAP-016")
def test_history_sent_for_this_audits_former_site_is_left_out_once_the_site_changed(
    site_audit: tuple[FieldAudits, MemoryEventStore, str],
) -> None:
    audits, store, audit_id = site_audit
    finding = {"audit_id": "a7", "clause": "8.5.2", "grade": "major_nc", "statement": "x", "status": "new"}
    pulled(
        store,
        "prior_findings",
        {
            "kind": "prior_findings",
            "audit_id": audit_id,
            "site": "Plant 7",
            "findings": [{"id": "f-former-site", **finding}],
            "capas": [],
        },
        {
            "kind": "prior_findings",
            "audit_id": audit_id,
            "site": "Plant 1",
            "findings": [{"id": "f-this-site", **finding}],
            "capas": [],
        },
    )

    assert [f.finding_id for f in audits.follow_up(audit_id).prior_findings] == ["f-this-site"]


@pytest.mark.req("FLD-108")
def test_an_effectiveness_result_is_recorded_as_an_event_on_this_audit_with_its_evidence(
    site_audit: tuple[FieldAudits, MemoryEventStore, str],
) -> None:
    audits, store, audit_id = site_audit
    pulled(store, "effectiveness_task", _task("t1"))
    detail = audits.add_photo(audit_id, "P-02", b"\xff\xd8jpeg", "jaw.jpg", "Revalidation label on the jaw")
    photo_id = detail.photos[0].evidence_id

    with pytest.raises(ValidationError, match="comment"):
        audits.record_effectiveness(audit_id, "t1", "not_effective")
    work = audits.record_effectiveness(
        audit_id, "t1", "effective", "Label and report VAL-3 rev B", [photo_id]
    )

    assert work.tasks[0].result == "effective"
    assert work.open_tasks == 0
    [event] = [e for e in store.events(audit_id) if e.kind is EventKind.EFFECTIVENESS_RECORDED]
    assert dict(event.payload) == {
        "task_id": "t1",
        "capa_id": "capa-1",
        "check_id": "check-1",
        "finding_id": "f-old",
        "result": "effective",
        "comment": "Label and report VAL-3 rev B",
        "evidence_ids": [photo_id],
    }
    assert event in store.pending()  # queued for sync with the rest of the audit


@pytest.mark.req("FLD-108")
def test_closed_tasks_unknown_tasks_and_malformed_records_are_left_out(
    site_audit: tuple[FieldAudits, MemoryEventStore, str],
) -> None:
    audits, store, audit_id = site_audit
    pulled(
        store, "effectiveness_task", _task("t1"), _task("t2"), {"kind": "effectiveness_task", "task_id": "t3"}
    )
    pulled(store, "task_closed", {"kind": "task_closed", "task_id": "t2"})
    store.put("sync.pulled.prior_findings", "not json")

    work = audits.follow_up(audit_id)

    assert [t.task_id for t in work.tasks] == ["t1"]
    assert work.prior_findings == ()
    assert work.capas == ()
    with pytest.raises(ValidationError, match="no open re-verification task 't2'"):
        audits.record_effectiveness(audit_id, "t2", "effective")


@pytest.mark.req("REP-020")
def test_another_clients_tasks_and_history_at_a_site_of_the_same_name_are_left_out(
    site_audit: tuple[FieldAudits, MemoryEventStore, str],
) -> None:
    """A consultant's tablet holds audits of two clients, each with a "Plant 1"."""
    audits, store, audit_id = site_audit
    pulled(
        store,
        "effectiveness_task",
        _task("mine", organisation="acme medical"),  # compared like sites: case and spaces aside
        _task("theirs", organisation="Beta Devices"),
        _task("older-store"),  # a store that did not name the organisation: matched by site
    )
    history = {"kind": "prior_findings", "site": "Plant 1", "capas": []}
    finding = {"audit_id": "a-old", "clause": "7.5.6", "grade": "minor_nc", "statement": "x", "status": "new"}
    pulled(
        store,
        "prior_findings",
        {
            **history,
            "audit_id": audit_id,
            "organisation": "Acme Medical",
            "findings": [{**finding, "id": "f-acme"}],
        },
        {
            **history,
            "audit_id": "b-1",
            "organisation": "Beta Devices",
            "findings": [{**finding, "id": "f-beta"}],
        },
    )

    work = audits.follow_up(audit_id)

    assert sorted(t.task_id for t in work.tasks) == ["mine", "older-store"]
    assert [f.finding_id for f in work.prior_findings] == ["f-acme"]
