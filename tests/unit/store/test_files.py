"""Atomic writes of chunks: the file holds their concatenation, and a writer that fails midway leaves the old file."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ezgov_infra.store.files import atomic_write


class TestAtomicWriteOfChunks:
    def test_the_file_holds_the_chunks_in_turn(self, tmp_path: Path) -> None:
        target = tmp_path / "ezgov.prom"
        atomic_write(target, iter([b"# HELP a x\n", b"a 1.0\n", "站点 2.0\n".encode()]))
        assert target.read_bytes() == "# HELP a x\na 1.0\n站点 2.0\n".encode()
        assert oct(target.stat().st_mode & 0o777) == oct(0o644)

    def test_a_writer_failing_midway_leaves_the_old_file_and_no_temporary_one(self, tmp_path: Path) -> None:
        target = tmp_path / "ezgov.prom"
        target.write_bytes(b"old 1.0\n")

        def chunks() -> Iterator[bytes]:
            yield b"new 1.0\n"
            raise RuntimeError("rendering failed")

        with pytest.raises(RuntimeError):
            atomic_write(target, chunks())
        assert target.read_bytes() == b"old 1.0\n"
        assert [p.name for p in tmp_path.iterdir()] == ["ezgov.prom"]
