"""Recording one section of a CAPA never erases what was not sent, and a misspelt field changes nothing."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from auditapp.central.database import Database
from tests.integration.capa.conftest import Tablet, error_of, open_capa, trail_of


def _put(client: TestClient, capa_id: str, section: str, body: dict[str, Any], who: dict[str, str]) -> Any:
    return client.put(f"/api/capas/{capa_id}/{section}", json=body, headers=who)


def _capa(client: TestClient, capa_id: str, who: dict[str, str]) -> dict[str, Any]:
    reply = client.get(f"/api/capas/{capa_id}", headers=who)
    assert reply.status_code == 200, reply.text
    return dict(reply.json())


@pytest.mark.req("CAP-019")
def test_a_section_update_keeps_every_field_it_does_not_send(
    client: TestClient, as_user: dict[str, dict[str, str]], tablets: list[Tablet]
) -> None:
    owner = as_user["owen"]
    capa_id = open_capa(client, as_user["quinn"], tablets[0]).capa_id
    both = {"containment": "Quarantine batch", "correction": "Signed retroactively"}
    assert _put(client, capa_id, "containment", both, owner).status_code == 200
    assert (
        _put(
            client, capa_id, "root-cause", {"method": "fishbone", "result": "No SOP step"}, owner
        ).status_code
        == 200
    )

    reply = _put(client, capa_id, "containment", {"containment": "Quarantine batch 2"}, owner)
    assert reply.status_code == 200, reply.text
    assert _put(client, capa_id, "problem", {"title": "Gowning log gaps, line 2"}, owner).status_code == 200
    assert (
        _put(client, capa_id, "root-cause", {"result": "No signature step in SOP-12"}, owner).status_code
        == 200
    )

    capa = _capa(client, capa_id, as_user["vic"])
    assert (capa["containment"], capa["correction"]) == ("Quarantine batch 2", "Signed retroactively")
    assert (capa["title"], capa["problem_statement"]) == ("Gowning log gaps, line 2", "3 of 10 days unsigned")
    assert capa["root_cause"] == {"method": "fishbone", "result": "No signature step in SOP-12"}


@pytest.mark.req("CAP-019")
def test_an_empty_text_clears_only_the_field_it_is_sent_for(
    client: TestClient, as_user: dict[str, dict[str, str]], tablets: list[Tablet]
) -> None:
    owner = as_user["owen"]
    capa_id = open_capa(client, as_user["quinn"], tablets[0]).capa_id
    both = {"containment": "Quarantine batch", "correction": "Signed retroactively"}
    assert _put(client, capa_id, "containment", both, owner).status_code == 200

    assert _put(client, capa_id, "containment", {"correction": ""}, owner).status_code == 200

    capa = _capa(client, capa_id, owner)
    assert (capa["containment"], capa["correction"]) == ("Quarantine batch", "")


@pytest.mark.req("CAP-019")
@pytest.mark.parametrize(
    ("section", "good", "typo"),
    [
        ("containment", {"containment": "Quarantine batch", "correction": "Signed"}, {"containmnet": "typo"}),
        (
            "document-update",
            {"justification": "No procedure is affected"},
            {"justfication": "typo typo typo"},
        ),
        (
            "communication",
            {"justification": "Told at shift handover"},
            {"justification": "x" * 12, "note": 1},
        ),
        ("problem", {"title": "Gowning", "problem_statement": "Unsigned"}, {"titel": "Typo"}),
        (
            "root-cause",
            {"method": "five_whys", "result": "No SOP step"},
            {"method": "other", "reslt": "typo"},
        ),
        (
            "verification",
            {"compliance_unaffected": True, "safety_performance_unaffected": True, "comment": "Checked"},
            {"compliance_unaffected": True, "safety_performance_unaffected": True, "coment": "typo"},
        ),
    ],
)
def test_a_misspelt_field_is_refused_by_name_and_nothing_changes(
    client: TestClient,
    database: Database,
    as_user: dict[str, dict[str, str]],
    tablets: list[Tablet],
    section: str,
    good: dict[str, Any],
    typo: dict[str, Any],
) -> None:
    owner = as_user["owen"]
    capa_id = open_capa(client, as_user["quinn"], tablets[0]).capa_id
    assert _put(client, capa_id, section, good, owner).status_code == 200
    before, trail_before = _capa(client, capa_id, owner), trail_of(database, "capa", capa_id)

    status, code, message = error_of(_put(client, capa_id, section, typo, owner))

    unknown = next(name for name in typo if name not in good)
    assert (status, code) == (422, "invalid_request")
    assert f"body.{unknown}:" in message
    after = _capa(client, capa_id, owner)
    assert {k: v for k, v in after.items() if k != "updated_at"} == {
        k: v for k, v in before.items() if k != "updated_at"
    }
    assert trail_of(database, "capa", capa_id) == trail_before


@pytest.mark.req("CAP-019")
def test_an_update_that_sends_no_field_is_refused_naming_the_fields_it_takes(
    client: TestClient, as_user: dict[str, dict[str, str]], tablets: list[Tablet]
) -> None:
    owner = as_user["owen"]
    capa_id = open_capa(client, as_user["quinn"], tablets[0]).capa_id
    both = {"containment": "Quarantine batch", "correction": "Signed retroactively"}
    assert _put(client, capa_id, "containment", both, owner).status_code == 200

    status, code, message = error_of(_put(client, capa_id, "containment", {}, owner))
    missing = error_of(_put(client, capa_id, "document-update", {}, owner))

    assert (status, code) == (422, "invalid_request")
    assert "containment, correction" in message
    assert missing[:2] == (422, "invalid_request")
    assert "body.justification:" in missing[2]
    capa = _capa(client, capa_id, owner)
    assert (capa["containment"], capa["correction"]) == ("Quarantine batch", "Signed retroactively")
