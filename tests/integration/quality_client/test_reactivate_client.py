"""The quality app's client reactivates a user on a real central store; the user signs in again with
their password, and signing out of an ended session is quiet (PLT-024, PLT-026)."""

from __future__ import annotations

import pytest

from auditapp.client.central_api import CentralApi
from auditapp.services.quality import admin
from auditapp.services.quality.errors import CentralApiError
from tests.integration.central.conftest import ADMIN_PASSWORD
from tests.support.processes import Running

PASSWORD = "quality-pass-1"


@pytest.mark.req("PLT-024")
@pytest.mark.req("PLT-026")
def test_a_user_reactivated_from_the_quality_app_signs_in_again(central: Running) -> None:
    api = CentralApi(central.url)
    api.login("admin", ADMIN_PASSWORD)
    made = admin.create_user(api, "rory", "Rory Reviewer", "viewer", PASSWORD)
    rory = CentralApi(central.url)
    rory.login("rory", PASSWORD)
    try:
        assert admin.deactivate(api, made.user_id).active is False
        rory.logout()  # the deactivation ended this session: the store answers 401, the app stays quiet

        back = admin.reactivate(api, made.user_id)
        assert (back.username, back.active) == ("rory", True)
        assert [r.active for r in admin.load_users(api) if r.username == "rory"] == [True]
        with pytest.raises(CentralApiError) as refused:
            admin.reactivate(api, made.user_id)
        assert (refused.value.code, refused.value.status) == ("user_active", 409)
        assert rory.login("rory", PASSWORD).username == "rory"
        assert rory.me()["username"] == "rory"
    finally:
        rory.close()
        api.close()
