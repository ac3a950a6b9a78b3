"""Which Latin words a Chinese report shows outside its data: the check behind 'no English left in zh'.

A word counts as English prose when it is letters only (no digit, no `-_./:` inside: those are ids, addresses,
interface and file names), is not in the allowlist of technical terms a Chinese engineer writes in Latin letters,
and is not an id the user gave (inventory, catalogue, plan). Verbatim data (`<code>`, `<pre>`: device config lines,
a collector's own message) is not prose and is skipped.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from html.parser import HTMLParser
from typing import ClassVar

ALLOWLIST = frozenset({
    "IPv4", "IPv6", "OSPF", "OSPFv3", "BGP", "IS", "SNMP", "SNMPv3", "SNMPv2c", "SSH", "Telnet", "Mbps", "Gbps",
    "A", "AAAA", "NTP", "AAA", "DNS", "MTU", "USB", "ACL", "VRP", "CPE", "syslog", "PDF", "HTML", "p10", "p95", "UTC",
})
WORD = re.compile(r"(?<![A-Za-z0-9_./:@-])[A-Za-z][A-Za-z0-9]*(?:[-_./:@][A-Za-z0-9]+)*")
CJK = re.compile(r"[\u3400-\u9fff]")


class _Visible(HTMLParser):
    SKIP: ClassVar[frozenset[str]] = frozenset({"style", "script", "code", "pre"})

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0
        self.chunks: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.SKIP:
            self.depth += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP:
            self.depth -= 1

    def handle_data(self, data: str) -> None:
        if not self.depth and data.strip():
            self.chunks.append(data.strip())


def visible_text(html: str) -> list[str]:
    parser = _Visible()
    parser.feed(html)
    return parser.chunks


def english_words(chunks: Iterable[str], user_words: Iterable[str] = ()) -> dict[str, str]:
    """`word -> the line it was found in` for every Latin prose word outside the allowlist and the user's ids."""
    allowed = ALLOWLIST | set(user_words)
    found: dict[str, str] = {}
    for chunk in chunks:
        for word in WORD.findall(chunk):
            if any(ch.isdigit() for ch in word) or re.search(r"[-_./:@]", word) or word in allowed:
                continue
            found.setdefault(word, chunk)
    return found


def cjk_lines(chunks: Iterable[str], user_words: Iterable[str] = ()) -> list[str]:
    """Lines of an English report holding Chinese outside the user's own names."""
    names = sorted(set(user_words), key=len, reverse=True)
    out = []
    for chunk in chunks:
        rest = chunk
        for name in names:
            rest = rest.replace(name, "")
        if CJK.search(rest):
            out.append(chunk)
    return out
