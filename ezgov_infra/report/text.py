"""The report's words in Chinese and English (`report/i18n/{zh,en}.yaml`), and names in the chosen language.

Every label, heading and sentence a manager reads comes from these files; both hold the same keys (a test checks).
Sentences take named fields (`{done} of {total}`); a missing key or field is a programming error and raises.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from functools import cache
from importlib import resources
from typing import Any, Protocol

from ezgov_infra.report.catalogue import Catalogue
from ezgov_infra.store.yamlfiles import load_yaml

LANGUAGES = ("zh", "en")


class Named(Protocol):
    name: str
    name_en: str


def _flatten(tree: Mapping[str, Any], prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in tree.items():
        path = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat.update(_flatten(value, path + "."))
        else:
            flat[path] = str(value)
    return flat


@cache
def strings(lang: str) -> dict[str, str]:
    """All strings of one language as `dotted.key -> text`."""
    if lang not in LANGUAGES:
        raise ValueError(f"unknown report language {lang!r} (one of {', '.join(LANGUAGES)})")
    source = resources.files("ezgov_infra") / "report" / "i18n" / f"{lang}.yaml"
    tree = load_yaml(source.read_text(encoding="utf-8")) or {}
    return _flatten(tree)


def zone(offset: timedelta | None) -> str:
    """`UTC`, `UTC+8`, `UTC+5:30`, `UTC-3`: a zone by its offset, which no reader mistakes (CST is three zones)."""
    minutes = round((offset or timedelta()).total_seconds() / 60)
    if minutes == 0:
        return "UTC"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{'+' if minutes > 0 else '-'}{hours}" + (f":{rest:02d}" if rest else "")


class Text:
    """`text("kpi.coverage.title")`, `text("trend.up", delta=2.5)`; `text.name(site)` picks name or name_en."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self.table = strings(lang)
        self.catalogue = Catalogue(lang)

    def __call__(self, key: str, **fields: Any) -> str:
        return self.table[key].format(**fields) if fields else self.table[key]

    def has(self, key: str) -> bool:
        return key in self.table

    def name(self, record: Named | None, fallback: str = "") -> str:
        if record is None:
            return fallback
        return record.name if self.lang == "zh" else (record.name_en or record.name)

    def pick(self, zh: str, en: str) -> str:
        return zh if self.lang == "zh" else (en or zh)

    def date(self, day: date) -> str:
        """A calendar day as each language writes it: 2019年11月1日, 2019-11-01."""
        return f"{day.year}年{day.month}月{day.day}日" if self.lang == "zh" else day.isoformat()

    def moment(self, when: datetime) -> str:
        """A date and time with its zone as each language writes it: 2026年11月29日 18:30（UTC+8）,
        29 Nov 2026 18:30 UTC+8. A time without a zone is taken as the machine's local time."""
        when = when.astimezone() if when.tzinfo is None else when
        return self("ui.moment", year=when.year, month=self("ui.months").split()[when.month - 1], day=when.day,
                    time=when.strftime("%H:%M"), zone=zone(when.utcoffset()))

    def day(self, stamp: str) -> str:
        """The day of an ISO timestamp (`2019-11-01T09:00:00`) as `date` writes it."""
        return self.date(date.fromisoformat(stamp[:10]))

    def pct(self, value: float | None) -> str:
        if value is None:
            return self("status.unknown")
        return f"{value:.1f}%".replace(".0%", "%")

    def mapping(self) -> dict[str, str]:
        return dict(self.table)
