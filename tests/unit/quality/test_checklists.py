"""Publishing a checklist file from the quality app: what is refused before anything is sent."""

from __future__ import annotations

import pytest

from auditapp.services.quality import checklists
from auditapp.services.quality.session import Done, Failed, QualitySession
from tests.unit.quality.fakes import FakeStore


@pytest.mark.req("QAP-070")
@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("minutes.docx", b"PK", "Checklist file: minutes.docx is not a checklist file: choose a .yaml"),
        ("C:\\Users\\q\\empty.yaml", b"", "Checklist file: empty.yaml is empty"),
        (
            "huge.xlsx",
            b"x" * (checklists.MAX_FILE_BYTES + 1),
            "Checklist file: huge.xlsx is 8 MiB; the store",
        ),
    ],
)
def test_a_file_the_store_cannot_read_is_refused_by_name_and_nothing_is_sent(
    session: QualitySession, store: FakeStore, name: str, data: bytes, message: str
) -> None:
    outcome = session.attempt(lambda api: checklists.publish(api, name, data))
    assert isinstance(outcome, Failed)
    assert outcome.message.startswith(message), outcome.message
    assert store.calls == []


@pytest.mark.req("QAP-070")
def test_only_the_file_name_is_sent_and_the_outcome_says_what_happened(
    session: QualitySession, store: FakeStore
) -> None:
    outcome = session.attempt(lambda api: checklists.publish(api, "/home/quinn/walk.YAML", b"id: x"))
    assert isinstance(outcome, Done)
    assert store.calls == [("publish_checklist", ("walk.YAML", 5))]
    assert outcome.value.outcome == (
        "Supplier and production walk version 2.1 is published: every field device receives it with its "
        "next sync."
    )
    assert outcome.value.short_hash == "a" * 12
