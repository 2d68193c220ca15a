"""The field app's readiness screen offers a site two clients share once per client, and assesses each."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

import flet as ft
import pytest

from auditapp.bootstrap import FieldStoreOpener
from auditapp.client.device_checklists import DeviceChecklists
from auditapp.demo import demo_plan
from auditapp.services.reporting import site_choices
from auditapp.services.workspace import FieldWorkspace
from auditapp.ui.field.app import _readiness
from tests.support.controls import texts, walk

PASSPHRASE = "a long passphrase"


@pytest.mark.req("REP-020")
def test_site_choices_name_the_organisation_only_where_a_site_name_is_shared() -> None:
    found = [("Acme Medical", "Main plant"), ("Acme Medical", "Plant 2"), ("Beta Devices", "Main plant")]
    assert site_choices(found) == {
        "Main plant (Acme Medical)": ("Acme Medical", "Main plant"),
        "Plant 2": ("Acme Medical", "Plant 2"),
        "Main plant (Beta Devices)": ("Beta Devices", "Main plant"),
    }


@pytest.mark.req("REP-020")
def test_the_field_readiness_screen_assesses_each_clients_site_of_the_same_name(tmp_path: Path) -> None:
    ws = FieldWorkspace(tmp_path / "ws", FieldStoreOpener(), DeviceChecklists(lambda: ws.store()))
    ws.set_up(PASSPHRASE, PASSPHRASE)
    try:
        plan = demo_plan(dt.date(2026, 11, 2))
        for organisation in ("Acme Medical", "Beta Devices"):
            ws.plan_audit(replace(plan, organisation=organisation, site="Main plant"))

        screen = _readiness(SimpleNamespace(workspace=ws), {})  # type: ignore[arg-type]

        [choice] = [c for c in walk(screen) if isinstance(c, ft.Dropdown)]
        assert [o.key or o.text for o in choice.options] == [
            "Main plant (Acme Medical)",
            "Main plant (Beta Devices)",
        ]
        for label in ("Main plant (Acme Medical)", "Main plant (Beta Devices)"):
            choice.value = label
            choice.on_select(None)  # type: ignore[misc]
            shown = texts(screen)
            assert not any("organisations have a site" in t for t in shown), shown
            assert any(t.startswith("Not ready") or t.startswith("Ready") for t in shown), shown
    finally:
        ws.close()
