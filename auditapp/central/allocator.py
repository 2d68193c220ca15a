"""Memory allocator settings of the central store's process (ADR 0064).

The store receives photos of a few megabytes in pieces of up to 256 KB: each piece is a bytes object the
HTTP parser allocates, copies and frees. glibc's malloc gives freed memory at the top of its heap back to the
system as soon as more than 128 KB is free, and serves requests over its adaptive threshold with fresh
mappings; either way the next piece lands on pages the kernel must map again, one fault per 4 KB. On the
virtual machines the store runs on, those faults were three quarters of the CPU a photo upload cost.
Keeping up to `TRIM_THRESHOLD` of freed heap, and serving pieces up to `MMAP_THRESHOLD` from the heap,
reuses pages that are already mapped.

Operators keep the last word: a `MALLOC_*_` variable in the environment (glibc's own tunables) leaves the
allocator as glibc configured it from that. Anywhere but glibc, nothing changes.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys
from collections.abc import Mapping

TRIM_THRESHOLD = 128 * 1024 * 1024
"""Free heap kept for reuse before any is given back to the system."""
MMAP_THRESHOLD = 32 * 1024 * 1024
"""Allocations below this come from the heap (glibc's largest allowed value on 64-bit systems)."""
TOP_PAD = 16 * 1024 * 1024
"""Extra heap asked for each time the heap grows, so growing happens rarely."""
_M_TRIM_THRESHOLD, _M_TOP_PAD, _M_MMAP_THRESHOLD = -1, -2, -3
_OPERATOR_SETTINGS = ("MALLOC_TRIM_THRESHOLD_", "MALLOC_TOP_PAD_", "MALLOC_MMAP_THRESHOLD_", "GLIBC_TUNABLES")


def keep_freed_memory(environ: Mapping[str, str] = os.environ) -> bool:
    """Apply the store's allocator settings; True if they were applied (glibc, no operator settings)."""
    if not sys.platform.startswith("linux") or any(name in environ for name in _OPERATOR_SETTINGS):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # not glibc (musl has no mallopt)
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    settings = (
        (_M_TRIM_THRESHOLD, TRIM_THRESHOLD),
        (_M_TOP_PAD, TOP_PAD),
        (_M_MMAP_THRESHOLD, MMAP_THRESHOLD),
    )
    return all(mallopt(option, value) == 1 for option, value in settings)
