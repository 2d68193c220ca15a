"""`auditapp report` and `auditapp readiness` on a real encrypted workspace and a real central store."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from pypdf import PdfReader

from auditapp.cli import main
from auditapp.store import FieldStore
from tests.fixtures.reports.readiness_sites import ready_site
from tests.fixtures.reports.specimen import Specimen, generate
from tests.integration.central.conftest import ADMIN_PASSWORD
from tests.integration.sync_e2e.devices import enroll
from tests.support.processes import Running

PASSPHRASE = "cli passphrase 1"


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Specimen]:
    spec = generate(responses=40, findings=6, photos=6)
    folder = tmp_path / "ws"
    store = FieldStore.create(folder, PASSPHRASE)
    try:
        store.append(spec.events)
        for data in spec.photos.values():
            store.photos.put(data)
        for events in ready_site().events.values():
            store.append(events)
    finally:
        store.close()
    monkeypatch.setenv("AUDITAPP_PASSPHRASE", PASSPHRASE)
    return folder, spec


@pytest.mark.req("REP-011")
@pytest.mark.parametrize(
    ("command", "words"),
    [
        (
            "report",
            [
                "--format {pdf,csv,xlsx,json}",
                "--out FILE",
                "--import FILE",
                "--server URL",
                "AUDITAPP_PASSPHRASE",
            ],
        ),
        ("readiness", ["--site SITE", "--json", "--pdf FILE", "Stage 1", "--server URL"]),
    ],
)
def test_help_documents_every_option(
    command: str, words: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as done:
        main([command, "--help"])
    assert done.value.code == 0
    out = " ".join(capsys.readouterr().out.split())
    for word in words:
        assert word in out


@pytest.mark.req("REP-011")
def test_report_writes_each_format_from_the_workspace_and_imports_json(
    workspace, tmp_path: Path, capsys
) -> None:  # type: ignore[no-untyped-def]
    folder, spec = workspace
    base = ["--workspace", str(folder)]
    pdf = tmp_path / "r.pdf"
    assert main(["report", spec.audit_id, "--out", str(pdf), *base]) == 0
    assert "Audit report" in PdfReader(io.BytesIO(pdf.read_bytes())).pages[0].extract_text()
    csv_file = tmp_path / "f.csv"
    assert main(["report", spec.audit_id, "--format", "csv", "--out", str(csv_file), *base]) == 0
    assert len(csv_file.read_text(encoding="utf-8-sig").strip().splitlines()) == 7
    assert main(["report", spec.audit_id, "--format", "xlsx", "--out", str(tmp_path / "f.xlsx"), *base]) == 0
    exported = tmp_path / "a.json"
    assert main(["report", spec.audit_id, "--format", "json", "--photos", "--out", str(exported), *base]) == 0
    assert json.loads(exported.read_text())["audit_id"] == spec.audit_id
    FieldStore.create(tmp_path / "other", PASSPHRASE).close()
    assert main(["report", "--import", str(exported), "--workspace", str(tmp_path / "other")]) == 0
    assert (
        f"imported audit {spec.audit_id}: {len(spec.events)} new events, 6 photos" in capsys.readouterr().out
    )
    assert (
        main(
            [
                "report",
                spec.audit_id,
                "--out",
                str(tmp_path / "again.pdf"),
                "--workspace",
                str(tmp_path / "other"),
            ]
        )
        == 0
    )


@pytest.mark.req("REP-011")
def test_mistakes_are_one_clear_line_and_change_nothing(
    workspace, tmp_path: Path, monkeypatch, capsys
) -> None:  # type: ignore[no-untyped-def]
    folder, spec = workspace
    out = tmp_path / "r.pdf"
    assert main(["report", "no-such-audit", "--out", str(out), "--workspace", str(folder)]) == 2
    assert "no audit with id no-such-audit" in capsys.readouterr().err
    assert not out.exists()
    out.write_bytes(b"keep me")
    assert main(["report", spec.audit_id, "--out", str(out), "--workspace", str(folder)]) == 2
    assert "exists" in capsys.readouterr().err
    assert out.read_bytes() == b"keep me"
    monkeypatch.setenv("AUDITAPP_PASSPHRASE", "wrong passphrase")
    assert main(["report", spec.audit_id, "--out", str(tmp_path / "x.pdf"), "--workspace", str(folder)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert "passphrase" in err[0]
    bad = tmp_path / "bad.json"
    bad.write_text(
        '{"format": "auditapp-audit", "version": 1, "audit_id": "x", "events": [{"kind": "Nope"}]}'
    )
    monkeypatch.setenv("AUDITAPP_PASSPHRASE", PASSPHRASE)
    assert main(["report", "--import", str(bad), "--workspace", str(folder)]) == 2
    assert "bad.json: events[0]: malformed event" in capsys.readouterr().err


@pytest.mark.req("REP-011")
def test_readiness_prints_the_verdict_and_reasons_as_text_json_and_pdf(
    workspace, tmp_path: Path, capsys
) -> None:  # type: ignore[no-untyped-def]
    folder, _ = workspace
    site = ready_site()
    args = ["readiness", "--site", site.name, "--as-of", site.as_of.isoformat(), "--workspace", str(folder)]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert out.startswith("Ready Medical: Ready for Stage 1")  # the CAPA is not pulled to this workspace
    assert (
        'blocks Stage 2: minor nonconformity at 7.4.1, "No re-evaluation of supplier S-12" '
        '(internal audit "Quarter 1 walkthrough", 2025-12-08) has no CAPA'
    ) in out
    pdf = tmp_path / "readiness.pdf"
    assert main([*args, "--json", "--pdf", str(pdf)]) == 0
    assert json.loads(capsys.readouterr().out)["verdict"] == "ready_for_stage_1"
    assert pdf.read_bytes().startswith(b"%PDF")
    assert main(["readiness", "--site", "Atlantis", "--workspace", str(folder)]) == 2
    assert "no audit of the site 'Atlantis'" in capsys.readouterr().err


@pytest.mark.req("REP-011")
def test_report_and_readiness_from_the_central_store(
    central: Running, tmp_path: Path, monkeypatch, capsys
) -> None:  # type: ignore[no-untyped-def]
    device = enroll(central)
    spec = generate(responses=30, findings=4, photos=4, device_id=device.device_id)
    assert device.push(spec.events).status_code == 200
    monkeypatch.setenv("AUDITAPP_PASSWORD", ADMIN_PASSWORD)
    server = ["--server", central.url, "--user", "admin"]
    out = tmp_path / "central.pdf"
    assert main(["report", spec.audit_id, "--out", str(out), *server]) == 0
    reader = PdfReader(io.BytesIO(out.read_bytes()))
    text = " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)
    for statement in spec.statements:
        assert statement in text
    assert main(["readiness", "--site", spec.site, "--json", *server]) == 0
    assert json.loads(capsys.readouterr().out.split("\n", 1)[1])["site"] == spec.site
