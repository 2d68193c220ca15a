"""The quality app's client reads the people directory of a real central store as any signed-in user, with
deactivated users still named (QAP-038)."""

from __future__ import annotations

import pytest

from auditapp.client.central_api import CentralApi
from auditapp.services.quality import people
from tests.integration.central.conftest import ADMIN_PASSWORD
from tests.support.processes import Running

PASSWORD = "quality-pass-1"


@pytest.mark.req("QAP-038")
def test_a_viewer_names_everyone_by_printed_name(central: Running) -> None:
    admin = CentralApi(central.url)
    admin.login("admin", ADMIN_PASSWORD)
    for number in range(3):
        admin.create_user(
            {
                "username": f"user{number:03d}",
                "display_name": f"User Number {number}",
                "role": "viewer" if number else "auditor",
                "password": PASSWORD,
            }
        )
    admin.deactivate_user(str(admin.users()[1]["id"]))  # user000: deactivated, still named
    admin.close()

    viewer = CentralApi(central.url)
    viewer.login("user001", PASSWORD)
    try:
        directory = people.load_people(viewer)
    finally:
        viewer.close()
    assert directory.name("admin") == "Ada Admin (admin)"
    assert directory.name("user000") == "User Number 0 (user000)"
    assert directory.name("user002") == "User Number 2 (user002)"
    assert directory.name("nobody") == "nobody"
    assert len(directory.printed) == 4
