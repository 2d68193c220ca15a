"""The triage inbox, a finding's evidence and the triage decisions as the screens get them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pytest

from auditapp.domain.errors import ValidationError
from auditapp.services.quality import finding_view, inbox, triage
from auditapp.services.quality.errors import CentralApiError
from auditapp.services.quality.inbox import InboxFilters
from auditapp.services.quality.port import Json
from auditapp.services.quality.session import Done, Failed, QualitySession
from tests.unit.quality.fakes import FakeApi, FakeStore

NOW = dt.datetime(2026, 11, 20, 12, 0, tzinfo=dt.UTC)


def _finding(n: int, **extra: object) -> dict[str, object]:
    return {
        "id": f"f{n}",
        "audit_id": "a1",
        "audit_title": "Cleanroom walk",
        "site": "Plant 2",
        "clause": "6.4.1",
        "process": "Production",
        "grade": "minor_nc",
        "statement": f"Finding number {n}",
        "status": "new",
        "repeat": False,
        "conflicts": [],
        "raised_at": "2026-11-02T09:14:03+00:00",
        "received_at": "2026-11-02T17:40:11+00:00",
        **extra,
    }


@pytest.mark.req("QAP-020")
def test_filters_become_the_stores_query_and_bad_ones_are_named() -> None:
    assert InboxFilters().query() == {"status": "new", "sort": "newest"}
    chosen = InboxFilters(
        status="",
        grade="major_nc",
        clause=" 7.5 ",
        site="Plant 2",
        older_than_days="14",
        repeat_only=True,
        sort="grade",
    )
    assert chosen.query() == {
        "grade": "major_nc",
        "clause": "7.5",
        "site": "Plant 2",
        "older_than_days": "14",
        "repeat": "true",
        "sort": "grade",
    }
    with pytest.raises(ValidationError, match=r"^Older than \(days\): enter a whole number"):
        InboxFilters(older_than_days="two weeks").query()
    with pytest.raises(ValidationError, match=r"^Sort:"):
        InboxFilters(sort="colour").query()


@pytest.mark.req("QAP-020")
def test_rows_show_grade_clause_process_site_audit_and_age_a_page_at_a_time(
    session: QualitySession, store: FakeStore
) -> None:
    store.findings = [_finding(n) for n in range(30)] + [_finding(99, status="capa")]
    first = session.attempt(lambda api: inbox.load_page(api, InboxFilters(), None, NOW))
    assert isinstance(first, Done)
    assert len(first.value.rows) == inbox.PAGE_SIZE
    row = first.value.rows[0]
    assert (row.grade_label, row.age) == ("Minor nonconformity", "18 days")
    assert row.where == "Clause 6.4.1 · Production · Plant 2 · Cleanroom walk · raised 18 days ago"
    second = session.attempt(lambda api: inbox.load_page(api, InboxFilters(), first.value.next_cursor, NOW))
    assert isinstance(second, Done)
    assert [r.finding_id for r in second.value.rows] == [f"f{n}" for n in range(25, 30)]
    assert second.value.next_cursor is None


@pytest.mark.req("QAP-020")
def test_thumbnails_come_from_the_findings_photos(session: QualitySession, store: FakeStore) -> None:
    store.findings = [
        _finding(1, evidence=[{"id": "e1", "kind": "photo", "sha256": "aa"}, {"id": "e2", "kind": "note"}]),
        _finding(2),
    ]
    rows = [inbox.row_from(f, NOW) for f in store.findings]
    images = session.attempt(lambda api: inbox.thumbnails(api, rows))
    assert isinstance(images, Done)
    assert list(images.value) == ["f1"]
    assert ("photo", ("aa", True)) in store.calls


@pytest.mark.req("QAP-020")
def test_a_pages_photos_are_asked_for_in_one_call_not_one_per_finding(
    session: QualitySession, store: FakeStore
) -> None:
    photo = {"kind": "photo", "sha256": "aa"}
    store.findings = [_finding(n, evidence=[photo] if n % 2 else []) for n in range(25)]
    rows = [inbox.row_from({k: v for k, v in f.items() if k != "evidence"}, NOW) for f in store.findings]
    images = session.attempt(lambda api: inbox.thumbnails(api, rows))
    assert isinstance(images, Done)
    assert sorted(images.value) == sorted(f"f{n}" for n in range(25) if n % 2)
    asked = [name for name, _ in store.calls if name != "photo"]
    assert asked == ["finding_photos"]


class OlderStore(FakeApi):
    """A store from before the call for a page's photos: it reads "photos" as a finding id."""

    def finding_photos(self, finding_ids: Sequence[str]) -> dict[str, list[Json]]:
        raise CentralApiError("finding_id: there is no finding 'photos'", "unknown_finding", 404)


@pytest.mark.req("QAP-020")
def test_an_older_store_still_gets_thumbnails_one_finding_at_a_time(store: FakeStore) -> None:
    store.findings = [_finding(1, evidence=[{"kind": "photo", "sha256": "aa"}]), _finding(2)]
    api = OlderStore(store)
    api.token = "t"
    rows = [inbox.row_from({k: v for k, v in f.items() if k != "evidence"}, NOW) for f in store.findings]
    assert list(inbox.thumbnails(api, rows)) == ["f1"]
    assert [name for name, _ in store.calls] == ["finding", "finding", "photo"]


DETAIL = _finding(
    1,
    requirement="Records shall be signed",
    decision=None,
    evidence=[
        {"id": "p", "kind": "photo", "sha256": "aa", "caption": "Log", "width": 1600, "height": 1200},
        {
            "id": "i",
            "kind": "interview",
            "person": "Pat",
            "role": "Lead",
            "question": "Who signs?",
            "answer": "I do",
        },
        {"id": "d", "kind": "document", "document_id": "SOP-007", "revision": "D", "title": "Gowning"},
        {
            "id": "s",
            "kind": "sample",
            "population_description": "Log pages",
            "population_size": 20,
            "sample_size": 2,
            "method": "random",
            "seed": "4471",
            "selected_ids": ["GL-07", "GL-11"],
        },
    ],
    item_evidence=[
        {"id": "p", "kind": "photo", "sha256": "aa"},
        {
            "id": "r1",
            "kind": "sampled_record",
            "sample_id": "s",
            "identifier": "GL-07",
            "conforms": False,
            "comment": "unsigned",
        },
        {"id": "n", "kind": "note", "text": "Seen on the night shift"},
    ],
)


@pytest.mark.req("QAP-021")
def test_a_findings_evidence_is_grouped_with_sample_method_seed_and_records() -> None:
    view = finding_view.finding_view(DETAIL, NOW)
    assert [p.sha256 for p in view.photos] == ["aa"]
    assert view.photos[0].size == "1600 × 1200 px"
    assert [(i.person, i.answer) for i in view.interviews] == [("Pat", "I do")]
    assert [(d.document_id, d.revision) for d in view.documents] == [("SOP-007", "D")]
    assert view.notes == ("Seen on the night shift",)
    [sample] = view.samples
    assert sample.how_drawn == "Random (seed 4471)"
    assert [(r.identifier, r.conforms, r.comment) for r in sample.records] == [("GL-07", False, "unsigned")]
    assert view.awaiting_triage
    assert view.evidence_count == 5


@pytest.mark.req("QAP-022")
@pytest.mark.parametrize(
    ("decision", "values", "says"),
    [
        ("open_capa", {"title": "Gowning"}, "Problem statement: this decision needs it"),
        ("no_action", {"justification": "fine"}, "Justification: give at least 10 characters"),
        ("rejected", {}, "Justification: this decision needs it"),
        ("correction_only", {"correction": "  "}, "What was corrected: this decision needs it"),
        ("duplicate", {}, "Original finding: this decision needs it"),
        ("escalate", {}, "Decision: choose one of"),
    ],
)
def test_each_decision_asks_for_its_fields_before_anything_is_sent(
    session: QualitySession, store: FakeStore, decision: str, values: dict[str, str], says: str
) -> None:
    outcome = session.attempt(lambda api: triage.decide(api, "f1", decision, values))
    assert isinstance(outcome, Failed)
    assert outcome.message.startswith(says)
    assert store.calls == []


@pytest.mark.req("QAP-022")
def test_decisions_send_what_the_store_expects(session: QualitySession, store: FakeStore) -> None:
    values = {"title": " Gowning ", "problem_statement": "Unsigned pages", "owner": ""}
    assert isinstance(session.attempt(lambda api: triage.decide(api, "f1", "open_capa", values)), Done)
    reason = {"justification": "Withdrawn the same day, no product affected"}
    assert isinstance(session.attempt(lambda api: triage.decide(api, "f2", "no_action", reason)), Done)
    assert [args for name, args in store.calls] == [
        (
            "f1",
            {"decision": "open_capa", "capa": {"title": "Gowning", "problem_statement": "Unsigned pages"}},
        ),
        ("f2", {"decision": "no_action", "justification": reason["justification"]}),
    ]


@pytest.mark.req("QAP-022")
def test_several_findings_become_duplicates_of_the_chosen_original_in_one_request(
    session: QualitySession, store: FakeStore
) -> None:
    done = session.attempt(lambda api: triage.mark_duplicates(api, "f1", ["f1", "f2", "f3"]))
    assert isinstance(done, Done)
    assert done.value.statuses == {"f2": "duplicate", "f3": "duplicate"}
    assert store.calls == [
        ("bulk_triage", {"decision": "duplicate", "duplicate_of": "f1", "finding_ids": ["f2", "f3"]})
    ]
    alone = session.attempt(lambda api: triage.mark_duplicates(api, "f1", ["f1"]))
    assert isinstance(alone, Failed)
    assert alone.message.startswith("Selection:")


def test_duplicate_candidates_leave_out_the_finding_itself_and_other_duplicates(
    session: QualitySession, store: FakeStore
) -> None:
    store.findings = [_finding(1), _finding(2), _finding(3, status="duplicate")]
    found = session.attempt(lambda api: triage.duplicate_candidates(api, "f1", "6.4.1"))
    assert isinstance(found, Done)
    assert [c.key for c in found.value] == ["f2"]
