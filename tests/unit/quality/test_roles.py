"""The quality app shows edit controls exactly where the central store's policy allows the change."""

from __future__ import annotations

import pytest

from auditapp.central.deps import POLICY, Action
from auditapp.services.quality.roles import ROLES, abilities

ABILITY_OF_ACTION = {
    Action.AUDIT_IN_FIELD: "audits_in_field",
    Action.TRIAGE: "triage",
    Action.CAPA_MANAGE: "manage_capas",
    Action.CAPA_WORK: "work_capas",
    Action.CAPA_SIGN: "sign",
    Action.ISSUE_ENROLLMENT: "issue_codes",
    Action.MANAGE_DEVICES: "manage_devices",
    Action.MANAGE_USERS: "manage_users",
    Action.PUBLISH_CHECKLISTS: "publish_checklists",
}


@pytest.mark.req("QAP-002")
@pytest.mark.req("PLT-024")
@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_the_edit_controls_the_store_allows(role: str) -> None:
    can = abilities(role)
    for action, name in ABILITY_OF_ACTION.items():
        assert getattr(can, name) == (role in {r.value for r in POLICY[action]}), (role, action)


@pytest.mark.req("QAP-002")
def test_viewer_and_unknown_roles_are_read_only() -> None:
    assert abilities("viewer").read_only
    assert abilities("auditor").read_only
    assert abilities("something-new").read_only
    assert not abilities("capa_owner").read_only
