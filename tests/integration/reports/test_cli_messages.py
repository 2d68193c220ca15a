"""What `auditapp report` and `auditapp readiness` say about a mistake in their options or input files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from auditapp.cli import main
from auditapp.store import FieldStore
from tests.fixtures.reports.readiness_sites import ready_site
from tests.fixtures.reports.specimen import Specimen, generate

PASSPHRASE = "cli passphrase 1"


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Specimen]:
    """A real encrypted workspace with the specimen audit (with a photo) and the audits of a ready site."""
    spec = generate(responses=10, findings=1, photos=1)
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


def _error(capsys: pytest.CaptureFixture[str]) -> str:
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    return lines[0]


@pytest.mark.req("REP-015")
def test_readiness_for_an_unknown_site_lists_the_sites_there_are(
    workspace: tuple[Path, Specimen], capsys: pytest.CaptureFixture[str]
) -> None:
    folder, spec = workspace
    assert main(["readiness", "--site", "Atlantis", "--workspace", str(folder)]) == 2
    sites = ", ".join(repr(s) for s in sorted({spec.site, ready_site().name}))
    assert _error(capsys) == (
        "auditapp readiness: error: --site: no audit of the site 'Atlantis' in this workspace; the sites "
        f"audited here are {sites}"
    )


@pytest.mark.req("REP-015")
def test_readiness_takes_a_site_typed_with_spaces_around_it(
    workspace: tuple[Path, Specimen], capsys: pytest.CaptureFixture[str]
) -> None:
    folder, _ = workspace
    site = ready_site()
    args = ["--as-of", site.as_of.isoformat(), "--workspace", str(folder)]
    assert main(["readiness", "--site", f"  {site.name} ", *args]) == 0
    assert capsys.readouterr().out.startswith(f"{site.name}: Ready for Stage 1")


@pytest.mark.req("REP-015")
@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--site", "", "argument --site: give the site's name as written in its audit plans"),
        ("--site", "   ", "argument --site: give the site's name as written in its audit plans"),
        (
            "--as-of",
            "2026-02-30",
            "argument --as-of: 2026-02-30 is not a day in the calendar: check the month and the day",
        ),
        ("--as-of", "30.02.2026", "argument --as-of: '30.02.2026' is not a date: give it as YYYY-MM-DD"),
    ],
)
def test_a_bad_site_or_day_is_refused_naming_the_option(
    option: str, value: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    args = {"--site": "Plant 1", "--as-of": "2026-03-02", option: value}
    # Refused before anything is read or asked: no workspace, no server, no passphrase needed.
    with pytest.raises(SystemExit) as refused:
        main(
            ["readiness", *(part for pair in args.items() for part in pair), "--server", "http://127.0.0.1:9"]
        )
    assert refused.value.code == 2
    err = capsys.readouterr().err
    assert message in err
    assert "query.site" not in err
    assert "fromisoformat" not in err


@pytest.mark.req("FND-007")
@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--table", "capas"], "--table: does nothing with --format pdf (it chooses the table of a CSV)"),
        (
            ["--format", "xlsx", "--table", "capas"],
            "--table: does nothing with --format xlsx (the workbook holds both tables)",
        ),
        (
            ["--format", "csv", "--photos"],
            "--photos: does nothing with --format csv (it embeds photos in a JSON export)",
        ),
        (
            ["--format", "json", "--distribute", "Ada Lovelace, QA"],
            "--distribute: does nothing with --format json (the distribution list is part of the PDF report)",
        ),
        (["--distribute", ""], "--distribute: a name on the distribution list must not be empty"),
        (
            ["--distribute", "x" * 201],
            "--distribute: 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx'... is 201 characters long: a name on the "
            "distribution list takes at most 200",
        ),
        (
            ["--distribute", "Ada\nBob"],
            "--distribute: 'Ada\\nBob' contains U+000A (a line break or tab) at position 4",
        ),
    ],
)
def test_report_refuses_options_the_chosen_output_would_ignore(
    workspace: tuple[Path, Specimen],
    tmp_path: Path,
    options: list[str],
    message: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    folder, spec = workspace
    out = tmp_path / "report.out"
    assert main(["report", spec.audit_id, "--out", str(out), *options, "--workspace", str(folder)]) == 2
    assert _error(capsys).startswith(f"auditapp report: error: {message}")
    assert not out.exists()


@pytest.mark.req("FND-007")
def test_report_from_the_central_store_refuses_a_distribution_list_it_cannot_send(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["report", "a-1", "--out", str(tmp_path / "r.pdf"), "--distribute", "Ada"]
    assert main([*args, "--server", "http://127.0.0.1:9", "--user", "quality"]) == 2
    assert _error(capsys).startswith(
        "auditapp report: error: --distribute: does nothing with --server (the central store's report "
        "takes no distribution list)"
    )


@pytest.mark.req("FND-007")
def test_import_refuses_the_options_of_writing_a_report(
    workspace: tuple[Path, Specimen], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder, _ = workspace
    export = tmp_path / "a.json"
    export.write_text("{}")
    assert main(["report", "--import", str(export), "--format", "csv", "--workspace", str(folder)]) == 2
    assert _error(capsys) == (
        "auditapp report: error: --format: does nothing with --import (it reads a JSON export into the "
        "workspace): leave it out"
    )


@pytest.mark.req("REP-007")
@pytest.mark.parametrize(
    ("photos", "message"),
    [
        (
            [{"sha256": "zz", "data": "!!!"}],
            "photos must be an object of SHA-256 -> base64 photo, not a list",
        ),
        ("photo", "photos must be an object of SHA-256 -> base64 photo, not text"),
        ({"ab": 5}, "photos[ab] must be base64 text, not a number"),
    ],
)
def test_import_of_an_export_whose_photos_are_not_an_object_is_refused_and_imports_nothing(
    workspace: tuple[Path, Specimen],
    tmp_path: Path,
    photos: object,
    message: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    folder, spec = workspace
    export = tmp_path / "a.json"
    assert (
        main(["report", spec.audit_id, "--format", "json", "--out", str(export), "--workspace", str(folder)])
        == 0
    )
    capsys.readouterr()
    document = json.loads(export.read_text())
    document["photos"] = photos
    export.write_text(json.dumps(document))
    other = tmp_path / "other"
    FieldStore.create(other, PASSPHRASE).close()
    assert main(["report", "--import", str(export), "--workspace", str(other)]) == 2
    assert _error(capsys) == f"auditapp report: error: {export}: {message}"
    store = FieldStore.open(other, PASSPHRASE)
    try:
        assert list(store.audit_ids()) == []
    finally:
        store.close()
