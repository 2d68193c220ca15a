"""AUDITAPP_* numbers, --port, --chunk-size and output files: bad input is refused naming where it is."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditapp.cli import build_parser, check_output, main, write_output
from auditapp.cli.field import config_from
from auditapp.config import ConfigError, FieldConfig, ServerConfig, SmtpConfig
from auditapp.domain.errors import ValidationError
from sync.blobs import DEFAULT_CHUNK_SIZE, MAX_CHUNK_SIZE, MIN_CHUNK_SIZE


@pytest.mark.req("PLT-013")
@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("SMTP_PORT", "abc", "'abc' is not a whole number"),
        ("SMTP_PORT", "99999", "99999 is not a port number (1 to 65535)"),
        ("SMTP_TIMEOUT_SECONDS", "half a minute", "'half a minute' is not a number"),
        ("SMTP_TIMEOUT_SECONDS", "0", "0 is not more than 0"),
        ("SMTP_RETRY_SECONDS", "inf", "'inf' is not a finite number"),
        ("SMTP_MAX_ATTEMPTS", "2.5", "'2.5' is not a whole number"),
        ("SMTP_MAX_ATTEMPTS", "0", "0 is less than 1"),
        ("REMINDER_INTERVAL_MINUTES", "hourly", "'hourly' is not a number"),
        ("REMINDER_DAYS", "-1", "-1 is less than 0"),
        ("SMTP_TLS", "maybe", "'maybe' is not starttls, ssl or none"),
    ],
)
def test_smtp_settings_name_the_variable_that_is_wrong(
    name: str, value: str, message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(f"AUDITAPP_{name}", value)
    with pytest.raises(ConfigError) as refused:
        SmtpConfig.from_env()
    assert str(refused.value) == f"AUDITAPP_{name}: {message}"


@pytest.mark.req("PLT-013")
def test_good_numbers_still_configure(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {
        "SMTP_PORT": " 2525 ",
        "SMTP_RETRY_SECONDS": "0.2",
        "SMTP_MAX_ATTEMPTS": "2",
        "REMINDER_INTERVAL_MINUTES": "0.5",
        "SERVER_PORT": "9000",
        "TOKEN_MINUTES": "1",
        "SYNC_INTERVAL": "0.25",
        "SYNC_CHUNK_SIZE": "65536",
    }.items():
        monkeypatch.setenv(f"AUDITAPP_{name}", value)
    smtp = SmtpConfig.from_env()
    assert (smtp.port, smtp.retry_s, smtp.max_attempts, smtp.reminder_interval_s) == (2525, 0.2, 2, 30.0)
    assert (ServerConfig.from_env().port, ServerConfig.from_env().token_minutes) == (9000, 1)
    field = FieldConfig.from_env()
    assert (field.sync_interval_s, field.sync_chunk_size) == (0.25, 65536)


@pytest.mark.req("PLT-018")
def test_main_reports_a_bad_variable_in_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("AUDITAPP_SERVER_PORT", "abc")
    assert main(["--help"]) == 2
    assert main(["server", "--help"]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err == [
        "auditapp: error: AUDITAPP_SERVER_PORT: 'abc' is not a whole number",
        "auditapp server: error: AUDITAPP_SERVER_PORT: 'abc' is not a whole number",
    ]


@pytest.mark.req("SYN-106")
def test_the_chunk_size_comes_from_the_variable_or_the_option(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("AUDITAPP_HOME", str(tmp_path))
    assert config_from(build_parser("field").parse_args(["field"])).sync_chunk_size is None  # sync's default
    monkeypatch.setenv("AUDITAPP_SYNC_CHUNK_SIZE", "131072")
    parse = build_parser("field").parse_args  # option defaults are read from the variables here
    assert config_from(parse(["field"])).sync_chunk_size == 131072
    assert config_from(parse(["field", "--chunk-size", "65536"])).sync_chunk_size == 65536
    assert (
        config_from(parse(["field", "--chunk-size", str(MAX_CHUNK_SIZE)])).sync_chunk_size == MAX_CHUNK_SIZE
    )


@pytest.mark.req("SYN-106")
@pytest.mark.parametrize("value", [str(MIN_CHUNK_SIZE - 1), str(MAX_CHUNK_SIZE + 1), "64k"])
def test_a_chunk_size_sync_does_not_allow_is_refused_naming_the_option(
    value: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as done:
        build_parser("field").parse_args(["field", "--chunk-size", value])
    assert done.value.code == 2
    err = capsys.readouterr().err
    shown = repr(value) if value == "64k" else value
    assert f"argument --chunk-size: {shown} is not " in err


@pytest.mark.req("PLT-018")
def test_the_help_states_syncs_chunk_sizes(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["field", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert f"1 to {MAX_CHUNK_SIZE}" in out
    assert f"default {DEFAULT_CHUNK_SIZE}" in out
    assert "AUDITAPP_SYNC_CHUNK_SIZE" in out


@pytest.mark.req("REP-011")
def test_a_failed_write_names_the_option_and_keeps_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "report.pdf"
    target.mkdir()  # os.replace onto a folder fails after the data was written to a temporary file
    (target / "inside").write_text("kept")
    with pytest.raises(ValidationError) as refused:
        write_output(target, b"%PDF-1.7 report", "--out")
    assert str(refused.value).startswith(f"--out: cannot write {target}: ")
    assert (target / "inside").read_text() == "kept"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.pdf"]  # no temporary file left


@pytest.mark.req("REP-011")
def test_check_output_refuses_before_the_work(tmp_path: Path) -> None:
    existing = tmp_path / "old.pdf"
    existing.write_bytes(b"old")
    with pytest.raises(
        ValidationError, match=r"--out: .*old\.pdf exists: choose another file or add --force"
    ):
        check_output(existing, "--out", force=False)
    check_output(existing, "--out", force=True)
    with pytest.raises(ValidationError, match=r"-o: the folder .*missing does not exist"):
        check_output(tmp_path / "missing" / "x.yaml", "-o", force=True)
    with pytest.raises(ValidationError, match=r"-o: .*old\.pdf is not a folder"):
        check_output(existing / "x.yaml", "-o", force=False)  # a file where a folder should be
    write_output(existing, b"new", "--out")
    assert existing.read_bytes() == b"new"
