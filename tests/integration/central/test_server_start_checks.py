"""`auditapp server` refuses to start, in one line naming the file, option or variable, when its key
file is missing for a store in use, damaged or a folder, when its blob folder cannot be used, or when a
setting read later has a bad value (PLT-022)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from auditapp.central import enrollment
from auditapp.central.api import create_app
from auditapp.central.service import create_user, open_database
from auditapp.config import ServerConfig
from sync.keys import DeviceKeys
from tests.support.processes import ROOT, auditapp_env, free_port, run_cli

ADMIN_PASSWORD = "admin-password-1"


def _refused_start(env: dict[str, str], *args: str) -> str:
    """Start `auditapp server`; it must stop at once with one error line, never listen. Its stderr."""
    try:
        done = subprocess.run(
            [sys.executable, "-m", "auditapp", "server", "--port", str(free_port()), *args],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    except subprocess.TimeoutExpired:
        pytest.fail("the server started instead of refusing")
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert "listening" not in done.stdout
    assert "Traceback" not in done.stderr, done.stderr
    assert done.stderr.startswith("auditapp server: error: "), done.stderr
    assert done.stderr.count("\n") == 1, done.stderr
    return done.stderr


def _store_in_use(tmp_path: Path, database_url: str, **extra: str) -> dict[str, str]:
    """The environment of a store set up by `admin init` (its keys made and recorded)."""
    env = auditapp_env(
        tmp_path / "home", AUDITAPP_DATABASE_URL=database_url, AUDITAPP_PASSWORD=ADMIN_PASSWORD, **extra
    )
    made = run_cli(["admin", "init", "admin"], env)
    assert made.returncode == 0, made.stderr
    return env


@pytest.mark.req("PLT-022")
def test_a_missing_key_file_of_a_store_in_use_is_named_and_not_made_again(
    tmp_path: Path, database_url: str
) -> None:
    env = _store_in_use(tmp_path, database_url)
    key_file = tmp_path / "home" / "central" / "store-keys.bin"
    key_file.unlink()  # lost

    stderr = _refused_start(env)

    assert f"the store key file {key_file} is missing, but this database has store keys recorded" in stderr
    assert "--blob-dir / AUDITAPP_BLOB_DIR" in stderr  # the key file's place follows the blob folder
    assert "restore the backed-up key file" in stderr
    assert "AUDITAPP_STORE_KEY_FILE" in stderr
    assert "auditapp admin replace-store-keys --yes" in stderr
    assert not key_file.exists()
    assert list(key_file.parent.glob("store-keys*")) == []


@pytest.mark.req("PLT-022")
def test_a_mistyped_blob_folder_does_not_make_a_stray_key_file_beside_it(
    tmp_path: Path, database_url: str
) -> None:
    env = _store_in_use(tmp_path, database_url)
    stderr = _refused_start(env, "--blob-dir", str(tmp_path / "other" / "blobs"))
    assert f"the store key file {tmp_path / 'other' / 'store-keys.bin'} is missing" in stderr
    assert not (tmp_path / "other").exists()


@pytest.mark.req("PLT-022")
def test_a_missing_key_file_is_refused_when_the_database_has_enrolled_devices(
    tmp_path: Path, database_url: str
) -> None:
    database = open_database(database_url)
    try:
        create_user(database, "aude", "aude-password-1", "auditor")
        keys = DeviceKeys.generate()
        with database.transaction() as session:
            code = enrollment.issue_code(session, "aude").code
            request = enrollment.EnrollRequest(
                code,
                "5e3a1c2b-7d4f-4a8e-b1c2-d3e4f5a6b7c8",
                keys.signing_public_b64,
                keys.receiving_public_b64,
            )
            enrollment.enroll(session, request)
        config = ServerConfig(database_url=database_url, blob_dir=tmp_path / "central" / "blobs")
        with pytest.raises(enrollment.StoreKeyFileMissing, match="this database has 1 enrolled device;"):
            create_app(config, database)
    finally:
        database.dispose()
    assert not (tmp_path / "central").exists()


@pytest.mark.req("PLT-022")
def test_a_damaged_key_file_is_named_with_its_variable_and_left_as_it_is(tmp_path: Path) -> None:
    key_file = tmp_path / "badkey.bin"
    key_file.write_bytes(b"garbage\n")
    env = auditapp_env(tmp_path / "home", AUDITAPP_STORE_KEY_FILE=str(key_file))
    stderr = _refused_start(env)
    assert (
        f"AUDITAPP_STORE_KEY_FILE: {key_file} is not a store key file or is damaged: it holds 8 bytes"
        in stderr
    )
    assert key_file.read_bytes() == b"garbage\n"


@pytest.mark.req("PLT-022")
def test_a_key_file_setting_that_names_a_folder_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "keys"
    folder.mkdir()
    stderr = _refused_start(auditapp_env(tmp_path / "home", AUDITAPP_STORE_KEY_FILE=str(folder)))
    assert f"AUDITAPP_STORE_KEY_FILE: the store key file {folder} is a folder" in stderr
    assert list(folder.iterdir()) == []


@pytest.mark.req("PLT-022")
def test_a_blob_folder_that_is_a_file_is_refused_naming_the_option(tmp_path: Path) -> None:
    a_file = tmp_path / "f.csv"
    a_file.write_text("a,b\n")
    env = auditapp_env(tmp_path / "home", AUDITAPP_STORE_KEY_FILE=str(tmp_path / "keys.bin"))
    for blob_dir in (a_file, a_file / "blobs"):
        stderr = _refused_start(env, "--blob-dir", str(blob_dir))
        assert f"--blob-dir / AUDITAPP_BLOB_DIR: {a_file} is a file, not a folder" in stderr
    assert a_file.read_text() == "a,b\n"


@pytest.mark.req("PLT-022")
def test_a_blob_folder_that_cannot_be_made_is_refused_naming_the_option(tmp_path: Path) -> None:
    env = auditapp_env(tmp_path / "home", AUDITAPP_STORE_KEY_FILE=str(tmp_path / "keys.bin"))
    stderr = _refused_start(env, "--blob-dir", "/proc/auditapp-no-such/blobs")
    assert (
        "--blob-dir / AUDITAPP_BLOB_DIR: cannot create the blob folder /proc/auditapp-no-such/blobs: "
        in stderr
    )


@pytest.mark.req("PLT-022")
@pytest.mark.parametrize(
    ("value", "problem"),
    [("abc", "'abc' is not a number"), ("-1", "-1 is less than 0"), ("nan", "'nan' is not a finite number")],
)
def test_a_bad_metrics_cache_setting_stops_the_start(tmp_path: Path, value: str, problem: str) -> None:
    env = auditapp_env(tmp_path / "home", AUDITAPP_METRICS_CACHE_SECONDS=value)
    stderr = _refused_start(env)
    assert stderr == f"auditapp server: error: AUDITAPP_METRICS_CACHE_SECONDS: {problem}\n"


@pytest.mark.req("PLT-025")
def test_an_address_in_use_is_refused_in_one_line_naming_it(tmp_path: Path) -> None:
    with socket.socket() as busy:  # another program serving on the port
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        stderr = _refused_start(auditapp_env(tmp_path / "home"), "--host", "127.0.0.1", "--port", str(port))
    assert stderr == (
        f"auditapp server: error: cannot listen on http://127.0.0.1:{port}: the address is already in use "
        "(is another server running there?): choose another --port\n"
    )


@pytest.mark.req("PLT-025")
def test_an_address_that_is_not_this_machines_is_refused_in_one_line_naming_it(tmp_path: Path) -> None:
    port = free_port()
    stderr = _refused_start(auditapp_env(tmp_path / "home"), "--host", "192.0.2.1", "--port", str(port))
    assert stderr == (
        f"auditapp server: error: cannot listen on http://192.0.2.1:{port}: the address is not one of this "
        "machine's: check --host\n"
    )


@pytest.mark.req("PLT-025")
def test_the_server_says_listening_only_once_it_accepts_connections(tmp_path: Path) -> None:
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "auditapp", "server", "--port", str(port)],
        env=auditapp_env(tmp_path / "home"),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        assert server.stdout is not None
        said = server.stdout.readline()
        assert said == f"auditapp central store listening on http://127.0.0.1:{port}\n"
        # Said, so bound: a connection made right now is accepted, and the API answers on it.
        with socket.create_connection(("127.0.0.1", port), timeout=10):
            pass
        health = urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=30)
        assert json.loads(health.read()) == {"status": "ok"}
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
