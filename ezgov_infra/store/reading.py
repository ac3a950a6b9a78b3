"""Why an input file could not be read, as a located problem rather than an exception."""

from __future__ import annotations

from ezgov_infra.errors import Problem


def unreadable(file: str, exc: OSError | UnicodeDecodeError) -> Problem:
    """Why a file could not be read, in words, on the line of the first byte that is not UTF-8."""
    if isinstance(exc, UnicodeDecodeError):
        line = bytes(exc.object[:exc.start]).count(b"\n") + 1
        return Problem(file, line, "", f"not UTF-8 text (byte 0x{exc.object[exc.start]:02x})", "save it as UTF-8")
    if isinstance(exc, IsADirectoryError):
        return Problem(file, None, "", "cannot read: a folder, not a file")
    return Problem(file, None, "", f"cannot read: {exc.strerror or exc}")
