"""Device configs made fit to version: volatile lines dropped, secrets hidden, per platform profile. Pure.

A line matching a profile's `volatile` pattern changes without a configuration change (a timestamp, a byte
count, NTP's clock-period) and would make every backup a change; it is dropped. In a line matching a `secrets`
pattern each captured group (the password, key or community) becomes `<secret hidden>`, as Oxidized does, so
the diff still shows that a secret line changed without showing the secret.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from ezgov_infra.errors import InputError

HIDDEN = "<secret hidden>"


@dataclass(frozen=True, slots=True)
class ConfigFilter:
    volatile: tuple[re.Pattern[str], ...]
    secrets: tuple[re.Pattern[str], ...]

    @classmethod
    def of(cls, platform: str, volatile: Sequence[str], secrets: Sequence[str]) -> ConfigFilter:
        def compiled(kind: str, patterns: Sequence[str]) -> tuple[re.Pattern[str], ...]:
            out = []
            for pattern in patterns:
                try:
                    out.append(re.compile(pattern))
                except re.error as exc:
                    raise InputError(f"platform {platform}: {kind}: {pattern!r}: {exc}") from exc
            return tuple(out)

        return cls(compiled("volatile", volatile), compiled("secrets", secrets))

    def hide(self, line: str) -> str:
        for pattern in self.secrets:
            match = pattern.search(line)
            if match is None:
                continue
            spans = [match.span(g) for g in range(1, (pattern.groups or 0) + 1) if match.span(g)[0] >= 0]
            if not spans:
                return HIDDEN  # a pattern without a group hides the whole line
            for start, end in sorted(spans, reverse=True):
                line = line[:start] + HIDDEN + line[end:]
        return line

    def clean(self, text: str) -> str:
        """The config without volatile lines and with secrets hidden; line endings made `\\n`, one final newline."""
        kept = [self.hide(line) for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
                if not any(p.search(line) for p in self.volatile)]
        while kept and not kept[-1].strip():
            kept.pop()
        return "\n".join(kept) + "\n"
