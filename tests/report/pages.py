"""What `pdftotext -bbox-layout` (poppler) says about a PDF's pages: each word's box, for layout checks."""

from __future__ import annotations

import html
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

_PAGE = re.compile(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', re.S)
_WORD = re.compile(r'<word xMin="([\d.-]+)" yMin="([\d.-]+)" xMax="([\d.-]+)" yMax="([\d.-]+)">(.*?)</word>')
MM = 72 / 25.4


@dataclass(frozen=True, slots=True)
class Word:
    x0: float
    y0: float
    x1: float
    y1: float
    text: str

    def overlaps(self, other: Word, share: float = 0.25) -> bool:
        """Printed over each other: the boxes share more than `share` of the smaller one (glyph boxes of
        adjacent lines touch a little; words printed on top of each other share most of their box)."""
        dx = min(self.x1, other.x1) - max(self.x0, other.x0)
        dy = min(self.y1, other.y1) - max(self.y0, other.y0)
        if dx <= 0 or dy <= 0:
            return False
        smaller = min((self.x1 - self.x0) * (self.y1 - self.y0), (other.x1 - other.x0) * (other.y1 - other.y0))
        return smaller > 0 and dx * dy > share * smaller


@dataclass(slots=True)
class Page:
    number: int
    width: float
    height: float
    words: list[Word] = field(default_factory=list)

    def body(self, top_mm: float = 16, bottom_mm: float = 18) -> list[Word]:
        """Words inside the page's margins (not the running header and footer)."""
        return [w for w in self.words if w.y0 >= top_mm * MM - 2 and w.y1 <= self.height - bottom_mm * MM + 2]

    def fill(self, top_mm: float = 16, bottom_mm: float = 18) -> float:
        """How far down the body area the page's text reaches, 0..1."""
        body = self.body(top_mm, bottom_mm)
        if not body:
            return 0.0
        area = self.height - (top_mm + bottom_mm) * MM
        return (max(w.y1 for w in body) - top_mm * MM) / area

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)


def pages(tool: str, pdf: Path) -> list[Page]:
    out = subprocess.run([tool, "-bbox-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    found = []
    for number, match in enumerate(_PAGE.finditer(out), start=1):
        page = Page(number, float(match.group(1)), float(match.group(2)))
        page.words = [Word(float(a), float(b), float(c), float(d), html.unescape(t))
                      for a, b, c, d, t in _WORD.findall(match.group(3))]
        found.append(page)
    return found


def overlapping(page: Page) -> list[tuple[Word, Word]]:
    """Pairs of words whose boxes overlap (two labels printed over each other)."""
    words = sorted(page.words, key=lambda w: w.x0)
    pairs = []
    for i, word in enumerate(words):
        for other in words[i + 1:]:
            if other.x0 >= word.x1:
                break
            if word.overlaps(other):
                pairs.append((word, other))
    return pairs
