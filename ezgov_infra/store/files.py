"""Saving files safely: one advisory folder lock and one atomic write serve every writer in the package.

The lock is re-entrant within a process (a job that holds a folder's lock may call code that takes it again), and
readers take it shared, so a reader never sees a multi-file change half made (see `store/journal.py`).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import tempfile
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

LOCK_NAME = ".ezgov.lock"

class _Held(threading.local):
    """Locks this thread holds, and how: a flock belongs to an open file, not to a process, so a holder that
    opened and locked the same file again would wait for itself."""

    def __init__(self) -> None:
        self.locks: dict[Path, str] = {}


_held_by_thread = _Held()


@contextlib.contextmanager
def _holding(key: Path, handle: BinaryIO, how: str) -> Iterator[None]:
    """Hold `handle`'s flock (`exclusive` or `shared`) while the caller's block runs, noted as held by this thread."""
    fcntl.flock(handle.fileno(), fcntl.LOCK_EX if how == "exclusive" else fcntl.LOCK_SH)
    _held_by_thread.locks[key] = how
    try:
        yield
    finally:
        del _held_by_thread.locks[key]
        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


@contextlib.contextmanager
def file_lock(directory: Path, name: str = LOCK_NAME) -> Iterator[None]:
    """An exclusive advisory lock on a folder, so two ezgov processes never interleave their writes."""
    directory.mkdir(parents=True, exist_ok=True)
    key = (directory / name).resolve()
    held = _held_by_thread.locks.get(key)
    if held == "exclusive":
        yield
        return
    if held is not None:
        raise RuntimeError(f"{key}: a shared lock cannot be raised to an exclusive one")
    with open(key, "a+b") as handle, _holding(key, handle, "exclusive"):
        yield


@contextlib.contextmanager
def shared_lock(directory: Path, name: str = LOCK_NAME) -> Iterator[None]:
    """A shared lock for readers; a folder no writer ever locked (or a read-only one) is read without it."""
    key = (directory / name).resolve()
    if key in _held_by_thread.locks:
        yield
        return
    try:
        handle = open(key, "rb")  # noqa: SIM115 - closed below; never created by a reader
    except OSError:
        yield
        return
    with handle, _holding(key, handle, "shared"):
        yield


def write_temporary(path: Path, data: bytes | Iterable[bytes], *, mode: int | None = None, tag: str = "") -> Path:
    """Write `data` (bytes, or chunks of bytes written in turn) to a new temporary file beside `path`, synced to
    disk, with its final mode; returns it.

    The file is created 0600 (mkstemp), so a secret is never readable by others, not even for a moment.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.{tag}", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            if isinstance(data, bytes):
                handle.write(data)
            else:
                handle.writelines(data)
            handle.flush()
            if mode is not None:
                os.fchmod(handle.fileno(), mode)
            elif path.exists():
                os.fchmod(handle.fileno(), path.stat().st_mode & 0o777)
            else:
                os.fchmod(handle.fileno(), 0o644)
            os.fsync(handle.fileno())
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return Path(tmp)


def sync_folder(folder: Path) -> None:
    dir_fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def atomic_write(path: Path, text: str | bytes | Iterable[bytes], *, mode: int | None = None) -> None:
    """Write a temp file beside `path` (text, bytes, or chunks of bytes), fsync it, rename it over `path`, fsync
    the folder.

    A writer killed at any moment leaves either the old file or the new one, never a mix. The temporary file is
    created 0600 and given its final mode before the rename: `mode`, else the existing file's, else 0644. A
    secret is written with `mode=0o600` and is never readable by others, not even for a moment.
    """
    data = text.encode("utf-8") if isinstance(text, str) else text
    tmp = write_temporary(path, data, mode=mode)
    try:
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    sync_folder(path.parent)


def private_folder(folder: Path) -> Path:
    """Create `folder` (and its parents) with the new leaf 0700, and make it 0700 if it exists: secrets live here."""
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(folder, 0o700)
    return folder
