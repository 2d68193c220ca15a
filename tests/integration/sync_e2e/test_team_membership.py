"""Team membership follows the current plan: a teammate taken off the plan stops receiving the audit."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from auditapp.bootstrap import LibraryChecklists
from auditapp.domain.state import AuditState
from auditapp.services.context import capture_context
from auditapp.services.planning import edit_plan
from auditapp.services.queries import audit_state
from tests.integration.sync_e2e.test_field_agent import Field
from tests.integration.sync_e2e.test_team_audits import (  # noqa: F401 - the fixture is used by name
    _plan_team_audit,
    _sync_in_order,
    team,
)
from tests.support.processes import Running


def _set_team(field: Field, audit_id: str, names: Sequence[str]) -> None:
    store = field.ws.store()
    ctx = capture_context(store, store, LibraryChecklists(), store.photos)  # type: ignore[attr-defined]
    edit_plan(ctx, audit_id, team=list(names))


def _state(field: Field, audit_id: str) -> AuditState:
    return audit_state(field.ws.store(), audit_id)


@pytest.mark.req("SYN-215")
@pytest.mark.req("SYN-206")
def test_a_teammate_removed_from_the_plan_stops_receiving_unless_it_worked_on_the_audit(
    central: Running,
    team: list[Field],  # noqa: F811 - the fixture imported above
) -> None:
    ana, ben, cyd = team
    audit_id = _plan_team_audit(ana)  # lead Ana, team "Ben Builder" and "cyd"
    _sync_in_order(team, [0, 1, 2])
    items = [item.item_id for item in ana.ws.walkthrough(audit_id).items[:4]]
    ben.ws.record_answer(audit_id, items[0], "conforming")  # Ben works on the audit; Cyd only reads it
    _sync_in_order(team, [1, 0])

    _set_team(ana, audit_id, [])  # Ben and Cyd are taken off the plan
    _sync_in_order(team, [0])
    ana.ws.record_answer(audit_id, items[1], "nonconforming")  # after the removal
    _sync_in_order(team, [0, 1, 2])

    assert _state(ana, audit_id).plan.team == ()  # type: ignore[union-attr]
    # Cyd received the edit that removed her, and nothing after it.
    assert _state(cyd, audit_id).plan.team == ()  # type: ignore[union-attr]
    assert items[1] not in _state(cyd, audit_id).responses
    assert items[0] in _state(cyd, audit_id).responses
    # Ben sent events for the audit: his copy keeps converging with Ana's.
    assert _state(ben, audit_id) == _state(ana, audit_id)

    _set_team(ana, audit_id, ["Cyd Checker"])  # named again (by display name)
    _sync_in_order(team, [0, 2])
    assert _state(cyd, audit_id) == _state(ana, audit_id)
    assert cyd.ws.store().pending_count() == 0
