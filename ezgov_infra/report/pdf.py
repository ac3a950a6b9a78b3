"""HTML to PDF through WeasyPrint: the only module that imports it.

The PDF is the same HTML the browser shows, laid out by the print stylesheet (A4, page numbers, one page for the
executive summary). Chinese needs a CJK font installed on the machine (Debian: fonts-noto-cjk); without one the
text still converts but shows as empty boxes, so the absence is reported instead of a silent bad PDF.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from ezgov_infra import process
from ezgov_infra.errors import ReportError

CJK_FAMILIES = ("Noto Sans CJK SC", "Noto Serif CJK SC", "Source Han Sans SC", "WenQuanYi")


def cjk_font_installed() -> bool:
    """True when fontconfig knows a font that covers Simplified Chinese."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return False
    listing = process.capture([fc_list, ":lang=zh-cn", "family"], timeout=30).stdout
    return bool(listing.strip())


def html_to_pdf(html: str, *, base: Path, lang: str) -> bytes:
    """The PDF of `html`; relative URLs resolve against `base` (none are used by the report itself)."""
    if lang == "zh" and not cjk_font_installed():
        raise ReportError("no Chinese font installed: install Debian's fonts-noto-cjk (make system-deps) "
                          "or use --lang en")
    try:
        import weasyprint
    except ImportError as exc:  # pragma: no cover - a declared dependency
        raise ReportError(f"WeasyPrint is not installed: {exc}") from exc
    try:
        document = weasyprint.HTML(string=html, base_url=str(base))
        pdf = document.write_pdf()
    except Exception as exc:  # WeasyPrint raises plain exceptions from its font and layout layers
        raise ReportError(f"PDF rendering failed: {exc}") from exc
    if pdf is None:
        raise ReportError("PDF rendering produced nothing")
    return bytes(pdf)
