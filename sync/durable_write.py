"""Writing a new file's bytes durably at the lowest CPU cost the filesystem allows (ADR 0064).

A photo written through the page cache and then `fdatasync`'d costs its bytes twice: once copied into the
cache, then written back page by page when the sync asks for it; on the virtual disks the store runs on, that
writeback is most of the CPU a photo upload costs. Written with O_DIRECT, the bytes go from one aligned buffer
straight to the disk, and the `fdatasync` that follows only writes the unaligned tail and flushes the disk's
cache. The file is as durable either way; where the filesystem refuses O_DIRECT (tmpfs, some network file
systems), the bytes are written through the page cache as before.
"""

from __future__ import annotations

import errno
import fcntl
import mmap
import os
import threading
from collections.abc import Sequence

ALIGNMENT = 4096
"""O_DIRECT buffers, offsets and lengths are multiples of this (the largest logical block size in use)."""
MAX_BUFFER = 4 * 1024 * 1024
"""A thread keeps an aligned buffer up to this size (a default 2 MiB chunk fits) for its next write;
larger writes map their own and unmap it afterwards."""
_IOV_MAX = 1024
_O_DIRECT = getattr(os, "O_DIRECT", 0)
_buffers = threading.local()


def write_all(fd: int, parts: Sequence[bytes | memoryview]) -> None:
    """Write the parts in order at the file's position with as few system calls as the kernel allows."""
    views = [memoryview(part) for part in parts if part]
    while views:
        written = os.writev(fd, views[:_IOV_MAX])
        while written and written >= len(views[0]):
            written -= len(views.pop(0))
        if written:
            views[0] = views[0][written:]


def write_new_file_durably(fd: int, parts: Sequence[bytes]) -> None:
    """Write the parts from offset 0 of an empty file opened for writing, then `fdatasync` it."""
    size = sum(len(part) for part in parts)
    head = size // ALIGNMENT * ALIGNMENT
    if head and _O_DIRECT and _write_direct(fd, parts, head):
        os.lseek(fd, head, os.SEEK_SET)
        write_all(fd, _tail(parts, head))
    else:
        write_all(fd, parts)
    os.fdatasync(fd)


def _write_direct(fd: int, parts: Sequence[bytes], head: int) -> bool:
    """Write the first `head` bytes (a multiple of ALIGNMENT) with O_DIRECT; False if the filesystem
    refuses it before anything was written (the caller then writes through the page cache)."""
    buffer = _aligned_buffer(head)
    try:
        with memoryview(buffer) as view:
            _gather(view, parts, head)
            flags = fcntl.fcntl(fd, fcntl.F_GETFL)
            try:
                fcntl.fcntl(fd, fcntl.F_SETFL, flags | _O_DIRECT)
            except OSError as exc:
                if exc.errno in (errno.EINVAL, errno.EOPNOTSUPP):
                    return False
                raise
            try:
                written = 0
                while written < head:
                    try:
                        written += os.pwrite(fd, view[written:head], written)
                    except OSError as exc:
                        if written == 0 and exc.errno in (errno.EINVAL, errno.EOPNOTSUPP):
                            return False
                        raise
            finally:
                fcntl.fcntl(fd, fcntl.F_SETFL, flags)
        return True
    finally:
        if buffer is not getattr(_buffers, "buffer", None):
            buffer.close()


def _gather(view: memoryview, parts: Sequence[bytes], head: int) -> None:
    """Copy the parts' first `head` bytes into the aligned buffer."""
    position = 0
    for part in parts:
        if position == head:
            return
        take = min(len(part), head - position)
        view[position : position + take] = memoryview(part)[:take]
        position += take


def _aligned_buffer(size: int) -> mmap.mmap:
    """A page-aligned buffer of at least `size` bytes: this thread's own when it is small enough."""
    if size > MAX_BUFFER:
        return mmap.mmap(-1, size)
    buffer: mmap.mmap | None = getattr(_buffers, "buffer", None)
    if buffer is None or len(buffer) < size:
        if buffer is not None:
            buffer.close()
        buffer = mmap.mmap(-1, max(size, 2 * 1024 * 1024))
        _buffers.buffer = buffer
    return buffer


def _tail(parts: Sequence[bytes], head: int) -> list[bytes | memoryview]:
    """The parts' bytes after the first `head` bytes, as views (no copy)."""
    tail: list[bytes | memoryview] = []
    position = 0
    for part in parts:
        end = position + len(part)
        if end > head:
            tail.append(memoryview(part)[max(0, head - position) :])
        position = end
    return tail
