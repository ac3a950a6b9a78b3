"""Message catalogues (gettext `.po` files read through Babel): the only module that imports Babel.

Audits, the migration planner and the assessment rules store what they found as English sentences built from a
template and named fields (`no core router has a route to loopback {loopback}`). Each template is a `msgid` in
`report/locale/<lang>/LC_MESSAGES/report.po` with its translation as `msgstr`; a stored sentence is matched
against the templates (most specific first), its fields are taken back out, field values that are words of the
catalogue (context `term`: `uplink`, `rural`, `planned`...) are translated too, and the `msgstr` is filled in.
Everything else in a field (device ids, addresses, interface names) is data and stays verbatim.

Contexts: no context for sentences, `term` for single words used as field values, `rule` for a rule's problem in
a sentence (used when a finding's own sentence is not in the catalogue), `remedy` for a rule's remedy, and
`evidence` for the labels of evidence fields. English is the source language: its catalogue holds only the
sentences that must read differently from the code's (one would otherwise print a `<placeholder>`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

LANGUAGES = ("zh", "en")
_FIELD = re.compile(r"\{(\w+)\}")
# A `<word ...>` placeholder a rule put where it knew no value (`<address>`, `<server IPv6>`).
PLACEHOLDER = re.compile(r"<[A-Za-z][^<>]*>")


@dataclass(slots=True)
class Remedy:
    """A remedy as printed: the sentence in the report's language, then the platform's config lines verbatim."""

    sentence: str
    lines: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return "\n".join([self.sentence, *self.lines])


@dataclass(frozen=True, slots=True)
class _Template:
    msgid: str
    msgstr: str
    pattern: re.Pattern[str]
    literal: int


# Fields that hold one id, address, number or date: they never contain a space, so a phrase before them
# ("community centre {site}") is not split inside.
_ONE_WORD = frozenset({"site", "interface", "address", "loopback", "device", "system", "network", "peer", "counted",
                       "circuit", "uplink", "file", "line", "wave", "day", "deadline", "group", "website", "into",
                       "block", "length", "speed", "mbps", "contracted", "target", "short", "measured", "p95",
                       "capacity", "ratio", "threshold", "delivery", "classified", "os", "version", "eol"})


def _compile(msgid: str) -> re.Pattern[str]:
    parts: list[str] = []
    last = 0
    for match in _FIELD.finditer(msgid):
        parts.append(re.escape(msgid[last:match.start()]))
        name = match.group(1)
        parts.append(f"(?P<{name}>\\S+?)" if name in _ONE_WORD else f"(?P<{name}>.+?)")
        last = match.end()
    parts.append(re.escape(msgid[last:]))
    return re.compile("".join(parts), re.DOTALL)


@cache
def _catalog(lang: str) -> Catalog:
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r} (one of {', '.join(LANGUAGES)})")
    path = resources.files("ezgov_infra") / "report" / "locale" / lang / "LC_MESSAGES" / "report.po"
    with path.open("rb") as handle:
        return read_po(handle, locale="zh_Hans_CN" if lang == "zh" else "en")


class Catalogue:
    """`Catalogue("zh").sentence("IPv6 forwarding is off")` gives `未开启 IPv6 转发`."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        catalog = _catalog(lang)
        self._exact: dict[tuple[str | None, str], str] = {}
        templates: list[_Template] = []
        for message in catalog:
            if not message.id or not isinstance(message.id, str) or not isinstance(message.string, str):
                continue
            self._exact[(message.context, message.id)] = message.string
            if message.context is None and _FIELD.search(message.id) and message.string:
                literal = len(_FIELD.sub("", message.id))
                templates.append(_Template(message.id, message.string, _compile(message.id), literal))
        self._templates = sorted(templates, key=lambda t: (-t.literal, t.msgid))

    def _get(self, context: str | None, key: str) -> str | None:
        found = self._exact.get((context, key))
        return found or None

    def term(self, word: str) -> str:
        """A single word or phrase used as a value (`uplink`, `rural`); unknown words are data, kept verbatim."""
        return self._get("term", word) or word

    def label(self, key: str) -> str:
        """The label of an evidence field."""
        return self._get("evidence", key) or key

    def rule(self, rule_id: str) -> str | None:
        return self._get("rule", rule_id)

    def rule_remedy(self, rule_id: str) -> str | None:
        return self._get("remedy", rule_id)

    def lookup(self, text: str) -> str | None:
        """The translation of a whole sentence, or None when no catalogue entry matches it."""
        exact = self._get(None, text)
        if exact is not None:
            return exact
        for template in self._templates:
            match = template.pattern.fullmatch(text)
            if match is None:
                continue
            values = {name: self._value(value) for name, value in match.groupdict().items()}
            return template.msgstr.format(**values)
        if "; " in text:  # several reasons joined by the code: each is a sentence of its own
            parts = [self.lookup(part) for part in text.split("; ")]
            if all(p is not None for p in parts):
                return ("；" if self.lang == "zh" else "; ").join(p for p in parts if p is not None)
        return None

    def _value(self, value: str) -> str:
        term = self._get("term", value)
        if term is not None:
            return term
        if " " in value:  # prose inside a sentence (a reason quoted in a reason); ids and addresses have no spaces
            return self.lookup(value) or value
        return value

    def sentence(self, text: str) -> str:
        """The translation, or the text as written when the catalogue has no entry for it."""
        return self.lookup(text) or text

    def finding(self, rule_id: str, message: str) -> str:
        """A finding's message; a sentence the catalogue lacks falls back to what the rule checks, never English
        prose in a Chinese report."""
        found = self.lookup(message)
        if found is not None:
            return found
        if self.lang != "en":
            fallback = self.rule(rule_id)
            if fallback is not None:
                return fallback
        return message

    def remedy(self, rule_id: str, remedy: str) -> Remedy:
        """A rule's remedy whole: its sentence translated, its config lines verbatim; a config line that still
        holds a `<placeholder>` is dropped (the sentence says what to find out first)."""
        lines = [line for line in remedy.strip().splitlines() if line.strip()]
        if not lines:
            return Remedy("")
        first, rest = lines[0], lines[1:]
        sentence = self.lookup(first)
        if sentence is None:
            sentence = (self.rule_remedy(rule_id) if self.lang != "en" else None) or first
        config = [line for line in rest if not PLACEHOLDER.search(line)]
        if not config and sentence.endswith((":", "：")):
            sentence = sentence[:-1] + ("。" if self.lang == "zh" else ".")
        return Remedy(PLACEHOLDER.sub(self._unknown(), sentence), config)

    def _unknown(self) -> str:
        return "（待定）" if self.lang == "zh" else "(to be decided)"
