"""The store process's allocator settings: applied on glibc, left alone when the operator set their own."""

from __future__ import annotations

import platform
import subprocess
import sys

import pytest

from auditapp.central.allocator import keep_freed_memory

GLIBC = sys.platform.startswith("linux") and platform.libc_ver()[0] == "glibc"


@pytest.mark.skipif(not GLIBC, reason="the settings are glibc's")
def test_the_settings_are_accepted_by_glibc() -> None:
    # In a child process, so this test run's own allocator is not changed.
    code = "from auditapp.central.allocator import keep_freed_memory as k; print(k({}))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "True"


@pytest.mark.parametrize(
    "name", ["MALLOC_TRIM_THRESHOLD_", "MALLOC_TOP_PAD_", "MALLOC_MMAP_THRESHOLD_", "GLIBC_TUNABLES"]
)
def test_an_operator_setting_in_the_environment_is_left_as_it_is(name: str) -> None:
    assert keep_freed_memory({name: "1048576"}) is False
