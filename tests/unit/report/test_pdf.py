"""The PDF adapter around WeasyPrint: progress from its layout, the collector and ctypes left as they were found."""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest

from ezgov_infra.report import pdf

# Two A4 pages: the second starts with its own heading.
TWO_PAGES = ("<!DOCTYPE html><html lang='en'><body><h1>One</h1><p>first page</p>"
             "<h1 style='page-break-before: always'>Two</h1><p>second page</p></body></html>")


class Heard:
    """A `Progress` that keeps what it hears."""

    def __init__(self) -> None:
        self.events: list[tuple[str, Any]] = []

    def started(self, title: str, total: int | None) -> None:
        self.events.append(("started", (title, total)))

    def advance(self, result: Any) -> None:
        self.events.append(("advance", result))

    def note(self, message: str) -> None:
        self.events.append(("note", message))

    def finished(self) -> None:
        self.events.append(("finished", None))


class TestConversion:
    def test_progress_hears_each_page_then_the_writing(self, tmp_path: Path) -> None:
        heard = Heard()
        document = pdf.html_to_pdf(TWO_PAGES, base=tmp_path, lang="en", progress=heard)
        assert document.startswith(b"%PDF-")
        notes = [value for kind, value in heard.events if kind == "note"]
        assert heard.events[0] == ("started", ("PDF (en)", None))
        assert heard.events[-1] == ("finished", None)
        assert [n for n in notes if n.startswith("laying out")] == ["laying out page 1", "laying out page 2"]
        assert notes[-1] == "writing 2 pages"

    def test_the_collector_is_running_again_after_with_nothing_left_frozen(self, tmp_path: Path) -> None:
        gc.unfreeze()  # an earlier bulk read in this session may have frozen what it read
        pdf.html_to_pdf(TWO_PAGES, base=tmp_path, lang="en")
        assert gc.isenabled()
        assert gc.get_freeze_count() == 0

    def test_a_collector_paused_by_the_caller_stays_paused(self, tmp_path: Path) -> None:
        gc.disable()
        try:
            pdf.html_to_pdf(TWO_PAGES, base=tmp_path, lang="en")
            assert not gc.isenabled()
        finally:
            gc.enable()

    def test_a_failed_conversion_is_a_report_error_and_leaves_things_as_they_were(
            self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        class Broken:
            def HTML(self, **_: Any) -> Any:
                raise ValueError("no font for U+4E00")

        heard = Heard()
        gc.unfreeze()
        monkeypatch.setattr(pdf, "_import_weasyprint", Broken)
        with pytest.raises(pdf.ReportError, match="PDF rendering failed: no font for U\\+4E00"):
            pdf.html_to_pdf(TWO_PAGES, base=tmp_path, lang="en", progress=heard)
        assert heard.events[-1] == ("finished", None)
        assert gc.isenabled() and gc.get_freeze_count() == 0


@pytest.mark.skipif(sys.platform != "linux" or shutil.which("ldconfig") is None, reason="the loader's cache is Linux's")
class TestLibraryLookup:
    def test_names_the_loader_knows_are_answered_from_its_cache(self) -> None:
        with pdf._libraries_from_loader_cache():
            found = ctypes.util.find_library("pango-1.0")
            missing = ctypes.util.find_library("no-such-library-ezgov")
        assert found is not None and found.startswith("libpango-1.0.so")
        ctypes.CDLL(found)  # the loader opens what the cache named
        assert missing is None

    def test_ctypes_is_left_as_it_was(self) -> None:
        before = ctypes.util.find_library
        with pdf._libraries_from_loader_cache():
            assert ctypes.util.find_library is not before
        assert ctypes.util.find_library is before

    def test_not_used_when_ld_library_path_adds_folders(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("LD_LIBRARY_PATH", "/opt/pango/lib")
        before = ctypes.util.find_library
        with pdf._libraries_from_loader_cache():
            assert ctypes.util.find_library is before


class TestFrozenBefore:
    def test_what_a_bulk_read_froze_stays_frozen(self, tmp_path: Path) -> None:
        gc.freeze()
        try:
            frozen = gc.get_freeze_count()
            pdf.html_to_pdf(TWO_PAGES, base=tmp_path, lang="en")
            assert gc.get_freeze_count() >= frozen and gc.isenabled()
        finally:
            gc.unfreeze()
