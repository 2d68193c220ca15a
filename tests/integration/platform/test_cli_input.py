"""Mistakes a user can make on the `auditapp` command line, through the real command.

Each is one line that names what is wrong and where (the option or the AUDITAPP_* variable), exit status 2,
never a traceback, and nothing is written or lost.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from auditapp.store import FieldStore
from tests.fixtures.reports.specimen import Specimen, generate
from tests.support.processes import auditapp_env, free_port, run_cli

PASSPHRASE = "cli input passphrase"
CHECKLIST_CSV = Path(__file__).parents[2] / "fixtures" / "checklists" / "ugly.csv"


def _one_line_error(done: subprocess.CompletedProcess[str], *words: str) -> str:
    """The single error line of a refused command, after checking it names every word."""
    returncode, stdout, stderr = done.returncode, done.stdout, done.stderr
    assert returncode == 2, (stdout, stderr)
    assert "Traceback" not in stderr, stderr
    lines = [line for line in stderr.splitlines() if "error:" in line]
    assert len(lines) == 1, stderr
    for word in words:
        assert word in lines[0], lines[0]
    return lines[0]


# ----------------------------------------------------------------------------- AUDITAPP_* numbers


@pytest.mark.req("PLT-018")
@pytest.mark.parametrize(
    ("variable", "value", "args", "words"),
    [
        ("AUDITAPP_SERVER_PORT", "abc", ["--help"], ["'abc' is not a whole number"]),
        ("AUDITAPP_SERVER_PORT", "99999", ["server", "--help"], ["99999", "1 to 65535"]),
        ("AUDITAPP_FIELD_PORT", "abc", ["field", "--help"], ["'abc' is not a whole number"]),
        ("AUDITAPP_FIELD_PORT", "0", ["--help"], ["0", "1 to 65535"]),
        ("AUDITAPP_SYNC_INTERVAL", "soon", ["field", "--help"], ["'soon' is not a number"]),
        ("AUDITAPP_SYNC_INTERVAL", "-1", ["field", "--help"], ["-1"]),
        ("AUDITAPP_SYNC_CHUNK_SIZE", "2MB", ["field", "--help"], ["'2MB' is not a whole number"]),
        ("AUDITAPP_SYNC_CHUNK_SIZE", "0", ["field", "--help"], ["16777216"]),
        ("AUDITAPP_TOKEN_MINUTES", "half an hour", ["server", "--help"], ["'half an hour'"]),
        ("AUDITAPP_TOKEN_MINUTES", "abc", ["admin", "--help"], ["'abc' is not a whole number"]),
        ("AUDITAPP_QUALITY_PORT", "abc", ["quality", "--help"], ["'abc' is not a whole number"]),
        ("AUDITAPP_QUALITY_PORT", "70000", ["--help"], ["70000", "1 to 65535"]),
    ],
)
def test_a_bad_number_in_a_variable_is_one_line_naming_the_variable(
    variable: str, value: str, args: list[str], words: list[str], tmp_path: Path
) -> None:
    done = run_cli(args, auditapp_env(tmp_path / "home", **{variable: value}))
    line = _one_line_error(done, f"{variable}: ", *words)
    assert line.startswith("auditapp")


@pytest.mark.req("PLT-018")
@pytest.mark.parametrize("command", ["server", "field", "quality"])
def test_an_empty_variable_means_its_default(command: str, tmp_path: Path) -> None:
    env = auditapp_env(
        tmp_path / "home", AUDITAPP_SERVER_PORT="", AUDITAPP_FIELD_PORT=" ", AUDITAPP_QUALITY_PORT=""
    )
    done = run_cli([command, "--help"], env)
    assert done.returncode == 0, done.stderr


@pytest.mark.req("PLT-013")
def test_a_bad_smtp_number_stops_the_server_with_one_line_naming_it(tmp_path: Path) -> None:
    env = auditapp_env(tmp_path / "home", AUDITAPP_SMTP_HOST="mail.example.org", AUDITAPP_SMTP_PORT="smtp")
    done = run_cli(["server", "--port", str(free_port())], env)
    _one_line_error(done, "AUDITAPP_SMTP_PORT: 'smtp' is not a whole number")


# ----------------------------------------------------------------------------- ports


@pytest.mark.req("PLT-018")
@pytest.mark.parametrize("command", ["server", "field", "quality"])
@pytest.mark.parametrize("port", ["99999", "-5", "0"])
def test_a_port_out_of_range_is_refused_before_anything_starts(
    command: str, port: str, tmp_path: Path
) -> None:
    done = run_cli([command, "--port", port], auditapp_env(tmp_path / "home"))
    _one_line_error(
        done, f"auditapp {command}: error: argument --port: {port} is not a port number (1 to 65535)"
    )
    assert "listening" not in done.stdout


# ----------------------------------------------------------------------------- output files


@pytest.fixture
def workspace(tmp_path: Path) -> tuple[Path, Specimen]:
    """An encrypted field workspace holding one audit."""
    spec = generate(responses=6, findings=2, photos=0)
    folder = tmp_path / "ws"
    store = FieldStore.create(folder, PASSPHRASE)
    try:
        store.append(spec.events)
    finally:
        store.close()
    return folder, spec


def _report(tmp_path: Path, workspace: tuple[Path, Specimen], *args: str) -> subprocess.CompletedProcess[str]:
    folder, spec = workspace
    env = auditapp_env(tmp_path / "home", AUDITAPP_PASSPHRASE=PASSPHRASE)
    return run_cli(["report", spec.audit_id, "--workspace", str(folder), *args], env)


@pytest.mark.req("REP-011")
def test_report_into_a_missing_folder_is_refused_naming_out(
    tmp_path: Path, workspace: tuple[Path, Specimen]
) -> None:
    out = tmp_path / "no-such-folder" / "r.pdf"
    done = _report(tmp_path, workspace, "--out", str(out))
    _one_line_error(done, "--out: ", str(out.parent), "does not exist")
    assert not out.parent.exists()


@pytest.mark.req("REP-011")
@pytest.mark.parametrize("force", [[], ["--force"]])
def test_report_onto_a_folder_is_refused_naming_out(
    tmp_path: Path, workspace: tuple[Path, Specimen], force: list[str]
) -> None:
    folder = tmp_path / "reports"
    folder.mkdir()
    (folder / "kept.txt").write_text("kept")
    done = _report(tmp_path, workspace, "--out", str(folder), *force)
    _one_line_error(done, "--out: ", str(folder), "is a folder")
    assert [p.name for p in folder.iterdir()] == ["kept.txt"]


@pytest.mark.req("REP-011")
def test_report_with_force_replaces_the_file_whole(tmp_path: Path, workspace: tuple[Path, Specimen]) -> None:
    out = tmp_path / "r.csv"
    out.write_text("old")
    out.chmod(0o600)  # a private report stays private when it is replaced
    done = _report(tmp_path, workspace, "--format", "csv", "--out", str(out), "--force")
    assert done.returncode == 0, done.stderr
    assert out.stat().st_mode & 0o777 == 0o600
    assert len(out.read_text(encoding="utf-8-sig").strip().splitlines()) == 3  # a header and two findings
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".r.csv")] == []  # no temporary left


@pytest.mark.req("CHK-013")
def test_checklist_import_into_a_missing_folder_is_refused_naming_o(tmp_path: Path) -> None:
    out = tmp_path / "no-such-folder" / "dir" / "out.yaml"
    done = run_cli(
        ["checklist", "import", str(CHECKLIST_CSV), "-o", str(out)], auditapp_env(tmp_path / "home")
    )
    _one_line_error(done, "-o: ", str(out.parent), "does not exist")
    assert not out.parent.exists()


@pytest.mark.req("CHK-013")
@pytest.mark.parametrize("force", [[], ["--force"]])
def test_checklist_import_onto_a_folder_is_refused_naming_o(tmp_path: Path, force: list[str]) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    done = run_cli(
        ["checklist", "import", str(CHECKLIST_CSV), "-o", str(folder), *force],
        auditapp_env(tmp_path / "home"),
    )
    _one_line_error(done, "-o: ", str(folder), "is a folder")
    assert list(folder.iterdir()) == []
