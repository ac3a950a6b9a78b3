"""Saving files safely: one advisory folder lock and one atomic write serve every writer in the package."""

from __future__ import annotations

import contextlib
import fcntl
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def file_lock(directory: Path, name: str = ".ezgov.lock") -> Iterator[None]:
    """An exclusive advisory lock on a folder, so two ezgov processes never interleave their writes."""
    directory.mkdir(parents=True, exist_ok=True)
    with open(directory / name, "a+b") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def atomic_write(path: Path, text: str | bytes, *, mode: int | None = None) -> None:
    """Write a temp file beside `path`, fsync it, rename it over `path`, fsync the folder.

    A writer killed at any moment leaves either the old file or the new one, never a mix. The temporary file is
    created 0600, so a secret is never readable by others, not even for a moment; `mode` sets the final mode
    (default: the existing file's, else 0644).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    data = text.encode("utf-8") if isinstance(text, str) else text
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        elif path.exists():
            os.chmod(tmp, path.stat().st_mode & 0o777)
        else:
            os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
