"""HTML to PDF through WeasyPrint: the only module that imports it.

The PDF is the same HTML the browser shows, laid out by the print stylesheet (A4, page numbers, one page for the
executive summary). Chinese needs a CJK font installed on the machine (Debian: fonts-noto-cjk); without one the
text still converts but shows as empty boxes, so the absence is reported instead of a silent bad PDF.

Speed (bench/report_render.py): WeasyPrint builds hundreds of thousands of small Python objects for a report of
forty pages and keeps them all until the PDF is written, so Python's cyclic collector would only rescan live
objects while it runs; it is paused for the conversion (about a sixth of the time) and the conversion's garbage
collected once after. Its import looks its C libraries up in the loader's cache instead of through compilers.
WeasyPrint reports its steps and each page it lays out through its progress logger; `progress` hears them as
notes.
"""

from __future__ import annotations

import ctypes.util
import gc
import logging
import os
import re
import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ezgov_infra import process
from ezgov_infra.errors import ReportError
from ezgov_infra.models.runs import NoProgress, Progress

CJK_FAMILIES = ("Noto Sans CJK SC", "Noto Serif CJK SC", "Source Han Sans SC", "WenQuanYi")
PROGRESS_LOGGER = "weasyprint.progress"
_PAGE = re.compile(r"Creating layout - Page (\d+)")


def cjk_font_installed() -> bool:
    """True when fontconfig knows a font that covers Simplified Chinese."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return False
    listing = process.capture([fc_list, ":lang=zh-cn", "family"], timeout=30).stdout
    return bool(listing.strip())


class _Steps(logging.Handler):
    """WeasyPrint's progress messages ("Step 5 - Creating layout - Page 3") as short notes."""

    def __init__(self, progress: Progress) -> None:
        super().__init__(logging.INFO)
        self.progress = progress
        self.pages = 0

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        page = _PAGE.search(message)
        if page is not None:
            self.pages = int(page.group(1))
            self.progress.note(f"laying out page {self.pages}")
        elif "Applying CSS" in message:
            self.progress.note("applying the stylesheet")
        elif "Creating PDF" in message:
            self.progress.note(f"writing {self.pages} pages")


@contextmanager
def _watched(progress: Progress) -> Iterator[None]:
    logger = logging.getLogger(PROGRESS_LOGGER)
    handler, level = _Steps(progress), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


@contextmanager
def _libraries_from_loader_cache() -> Iterator[None]:
    """WeasyPrint names each C library it loads (Pango, HarfBuzz, fontconfig ...) in several spellings and cffi asks
    `ctypes.util.find_library` about each; on Linux that runs ldconfig, then gcc and ld for every spelling it does
    not find: some fifty processes, a fifth of a second of each PDF. While WeasyPrint is imported the question is
    answered from the loader's cache (`ldconfig -p`, read once) the way ctypes answers it first; should a library
    be missing from the cache, `_import_weasyprint` imports again with the full search. Not on other systems, nor
    with LD_LIBRARY_PATH set (the cache does not see those folders)."""
    ldconfig = shutil.which("ldconfig") or next((p for p in ("/sbin/ldconfig", "/usr/sbin/ldconfig")
                                                 if os.path.exists(p)), None)
    if sys.platform != "linux" or ldconfig is None or os.environ.get("LD_LIBRARY_PATH"):
        yield
        return
    listing = process.capture([ldconfig, "-p"], timeout=30).stdout
    sonames = [line.split()[0] for line in listing.splitlines()[1:] if " => " in line]
    original = ctypes.util.find_library

    def from_cache(name: str) -> str | None:
        prefix = f"lib{name}."
        return next((soname for soname in sonames if soname.startswith(prefix)), None)

    ctypes.util.find_library = from_cache
    try:
        yield
    finally:
        ctypes.util.find_library = original


@contextmanager
def _collector_paused() -> Iterator[None]:
    """No cyclic garbage collection inside: the conversion's objects live until its end anyway. The objects alive
    before (modules, the report's data) are set aside meanwhile (frozen), so the one collection after scans only
    what the conversion made. Unlike `store.reading.bulk`, whose records hold no cycle, WeasyPrint's boxes do: its
    garbage is collected here, not left to the next command's allocations. What was already frozen before (a
    province's inventory read in bulk) stays frozen."""
    was_enabled = gc.isenabled()
    thaw = gc.get_freeze_count() == 0
    gc.freeze()
    gc.disable()
    try:
        yield
    finally:
        gc.collect()
        if thaw:
            gc.unfreeze()
        if was_enabled:
            gc.enable()


def _import_weasyprint() -> Any:
    if "weasyprint" in sys.modules:  # a second PDF in this process: the libraries are loaded
        return sys.modules["weasyprint"]
    try:
        try:
            with _libraries_from_loader_cache():
                import weasyprint
        except OSError:  # a C library outside the loader's cache: ctypes' full search finds it
            import weasyprint
    except ImportError as exc:  # pragma: no cover - a declared dependency
        raise ReportError(f"WeasyPrint is not installed: {exc}") from exc
    except OSError as exc:
        raise ReportError(f"WeasyPrint cannot load its C libraries (Pango, HarfBuzz, fontconfig): {exc}") from exc
    return weasyprint


def html_to_pdf(html: str, *, base: Path, lang: str, progress: Progress | None = None) -> bytes:
    """The PDF of `html`; relative URLs resolve against `base` (none are used by the report itself).

    `progress` hears `started` (no total: pages are known only once laid out), a note per step and per page, and
    `finished`."""
    if lang == "zh" and not cjk_font_installed():
        raise ReportError("no Chinese font installed: install Debian's fonts-noto-cjk (make system-deps) "
                          "or use --lang en")
    watcher = progress or NoProgress()
    watcher.started(f"PDF ({lang})", None)
    try:
        with _collector_paused():
            weasyprint = _import_weasyprint()
            try:
                with _watched(watcher):
                    pdf = weasyprint.HTML(string=html, base_url=str(base)).write_pdf()
            except Exception as exc:  # WeasyPrint raises plain exceptions from its font and layout layers
                raise ReportError(f"PDF rendering failed: {exc}") from exc
    finally:
        watcher.finished()
    if pdf is None:
        raise ReportError("PDF rendering produced nothing")
    return bytes(pdf)
