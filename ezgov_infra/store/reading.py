"""Reading input: why a file could not be read, as a located problem; bulk reads without the cycle collector."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

from ezgov_infra.errors import Problem


@contextmanager
def bulk(*, freeze: bool = False) -> Iterator[None]:
    """A province's inventory or carriers' reports are some hundred thousand small objects and no reference cycle:
    the cyclic garbage collector would only walk them over and over while they are made (half the load's time).

    When that was a province's worth (more than `FREEZE_ABOVE` new objects), what was made is then frozen (moved
    out of the collector's sight): records are freed by reference counting as usual, and the command does not pay
    a full collection of everything it just read on its next allocation. A small read is left to the collector, so
    a long-lived process (a test session, `metrics serve`) keeps collecting what it made before. `freeze`: what
    was made lives as long as the process (a library's modules), so it is frozen whatever its size."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            if freeze or gc.get_count()[0] > FREEZE_ABOVE:
                gc.freeze()
            gc.enable()


FREEZE_ABOVE = 200_000


def unreadable(file: str, exc: OSError | UnicodeDecodeError) -> Problem:
    """Why a file could not be read, in words, on the line of the first byte that is not UTF-8."""
    if isinstance(exc, UnicodeDecodeError):
        line = bytes(exc.object[:exc.start]).count(b"\n") + 1
        return Problem(file, line, "", f"not UTF-8 text (byte 0x{exc.object[exc.start]:02x})", "save it as UTF-8")
    if isinstance(exc, IsADirectoryError):
        return Problem(file, None, "", "cannot read: a folder, not a file")
    return Problem(file, None, "", f"cannot read: {exc.strerror or exc}")
