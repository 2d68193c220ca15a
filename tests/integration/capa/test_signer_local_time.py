"""A closure signature's stated local time must be the moment of signing in the signer's zone."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from tests.integration.capa.conftest import (
    Tablet,
    close_body,
    error_of,
    open_capa,
    pass_desk_check,
    work_through,
)

BERLIN = ZoneInfo("Europe/Berlin")


def _ready_capa(client: TestClient, as_user: dict[str, dict[str, str]], tablet: Tablet) -> str:
    capa_id = open_capa(client, as_user["quinn"], tablet).capa_id
    work_through(client, capa_id, as_user["owen"])
    pass_desk_check(client, capa_id, as_user["quinn"])
    return capa_id


def _close(client: TestClient, capa_id: str, who: dict[str, str], **body: Any) -> Any:
    return client.post(f"/api/capas/{capa_id}/close", json=close_body(**body), headers=who)


def _now_in(zone: str) -> str:
    """The signing moment as the signer states it: with Berlin's offset, or as the quality app does,
    the plain wall clock of a fixed offset."""
    if zone == "Europe/Berlin":
        return dt.datetime.now(BERLIN).isoformat(timespec="seconds")
    return (dt.datetime.now(dt.UTC) + dt.timedelta(hours=5, minutes=30)).strftime("%Y-%m-%d %H:%M:%S")


@pytest.mark.req("CAP-021")
@pytest.mark.parametrize(
    ("zone", "stating"),
    [
        ("Europe/Berlin", lambda: "2020-01-01T00:00:00+01:00"),  # backdated by years
        ("Europe/Berlin", lambda: (dt.datetime.now(BERLIN) + dt.timedelta(minutes=5)).isoformat()),
        ("Europe/Berlin", lambda: dt.datetime.now(dt.UTC).isoformat(timespec="seconds")),
        ("+05:30", lambda: (dt.datetime.now(dt.UTC) + dt.timedelta(hours=5)).strftime("%Y-%m-%d %H:%M:%S")),
    ],
    ids=["backdated", "five-minutes-ahead", "utc-offset-for-berlin", "wrong-wall-clock"],
)
def test_a_local_time_that_is_not_the_signing_moment_is_refused_naming_the_field(
    client: TestClient,
    as_user: dict[str, dict[str, str]],
    tablets: list[Tablet],
    zone: str,
    stating: Callable[[], str],
) -> None:
    qm = as_user["quinn"]
    capa_id = _ready_capa(client, as_user, tablets[0])

    stated = stating()
    refused = _close(client, capa_id, qm, signer_timezone=zone, signer_local_time=stated)
    unsigned = client.get(f"/api/capas/{capa_id}", headers=qm).json()
    now = _now_in(zone)
    signed = _close(client, capa_id, qm, signer_timezone=zone, signer_local_time=now)

    status, code, message = error_of(refused)
    assert (status, code) == (422, "invalid_field")
    assert message.startswith(f"signer_local_time: {stated!r}")
    assert (unsigned["stage"], unsigned["signatures"]) == ("effectiveness", [])
    assert signed.status_code == 200, signed.text
    assert signed.json()["signatures"][0]["manifestation"].endswith(f"/ {now} {zone}: approved closure")
