"""`auditapp report` from a field workspace words each item as the walkthrough did: with the checklist version
the audit was planned with, published to the device by the central store or shipped with the app."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from pathlib import Path

import pytest

import checklists
from auditapp.bootstrap import FieldStoreOpener
from auditapp.client import checklist_updates
from auditapp.client.device_checklists import DeviceChecklists
from auditapp.services.field_audits import FieldAudits
from auditapp.services.plan_form import PlanForm
from auditapp.services.workspace import FieldWorkspace
from tests.support.processes import ROOT, auditapp_env

PASSPHRASE = "report passphrase 1"
OWN = Path(__file__).resolve().parents[2] / "fixtures" / "checklists" / "small.yaml"  # supplier-walk 2.1


def _received(checklist: checklists.Checklist) -> dict[str, object]:
    """The record the central store sends a device when it publishes a checklist."""
    return {
        "publication": 1,
        "checklist_id": checklist.id,
        "version": checklist.version,
        "title": checklist.title,
        "content_hash": checklist.content_hash,
        "published_at": "2026-11-25T10:00:00+00:00",
        "format": "yaml",
        "document": checklists.to_yaml(checklist),
    }


def _audit_on_own_checklist(folder: Path) -> tuple[str, str, str]:
    """A workspace holding the organisation's own checklist, an audit planned on it and a finding on its
    first item: (audit id, the item's question, its clause title) as the walkthrough shows them."""
    own = checklists.load_file(OWN)
    ws = FieldWorkspace(folder, FieldStoreOpener(), DeviceChecklists(lambda: ws.store()))
    ws.set_up(PASSPHRASE, PASSPHRASE)
    try:
        assert checklist_updates.receive(ws.store(), _received(own), "2026-11-25T10:00:00+00:00")
        audits = FieldAudits(ws.store, DeviceChecklists(ws.store), lambda *a: None)  # type: ignore[arg-type]
        audit_id = audits.create_audit(
            PlanForm(
                title="Supplier walk",
                organisation="Acme Medical",
                site="Line 2",
                audit_type="supplier",
                objectives="Check production controls at the supplier",
                scope="Moulding line 2",
                criteria="supplier-walk",
                start_date="2026-12-01",
                end_date="2026-12-01",
                lead_auditor="Ada Admin",
            )
        )
        first = audits.walkthrough(audit_id).rows[0]
        audits.raise_finding(
            audit_id,
            first.item_id,
            grade="observation",
            statement="The setter works from a printed copy",
            requirement="",
            evidence_ids=[],
        )
    finally:
        ws.close()
    item = next(i for i in own.items if i.id == first.item_id)
    title = next(s.title for s in own.sections if s.clause == item.clause)
    return audit_id, first.text, title


@pytest.mark.req("REP-014")
def test_a_report_names_the_items_of_a_checklist_published_to_the_device(tmp_path: Path) -> None:
    folder = tmp_path / "ws"
    audit_id, question, clause_title = _audit_on_own_checklist(folder)
    out = tmp_path / "findings.csv"
    done = subprocess.run(
        [sys.executable, "-m", "auditapp", "report", audit_id, "--format", "csv", "--out", str(out)],
        env=auditapp_env(tmp_path / "home", AUDITAPP_WORKSPACE=str(folder), AUDITAPP_PASSPHRASE=PASSPHRASE),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    [row] = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert row["statement"] == "The setter works from a printed copy"
    assert (row["item_text"], row["clause_title"]) == (question, clause_title)
    assert question
    assert clause_title


@pytest.mark.req("REP-014")
@pytest.mark.parametrize(
    ("args", "variable"),
    [
        (["report", "A-1", "--format", "csv", "--out", "x.csv"], "AUDITAPP_PASSPHRASE"),
        (["readiness", "--site", "Plant 1"], "AUDITAPP_PASSPHRASE"),
        (
            ["report", "A-1", "--out", "x.pdf", "--server", "http://127.0.0.1:9", "--user", "q"],
            "AUDITAPP_PASSWORD",
        ),
    ],
)
def test_with_no_terminal_to_type_a_secret_in_the_command_says_which_variable_gives_it(
    tmp_path: Path, args: list[str], variable: str
) -> None:
    folder = tmp_path / "ws"
    folder.mkdir()
    done = subprocess.run(
        [sys.executable, "-m", "auditapp", *args],
        env=auditapp_env(tmp_path / "home", AUDITAPP_WORKSPACE=str(folder)),
        cwd=tmp_path,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    assert f"none given: set {variable} or run the command in a terminal" in done.stderr
