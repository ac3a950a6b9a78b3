"""The report's words: both languages say everything, with the same fields."""

from __future__ import annotations

import re
import string
from datetime import datetime, timedelta, timezone

import pytest

from ezgov_infra.report.text import LANGUAGES, Text, strings, zone
from tests.conftest import REPO

PACKAGE = REPO / "ezgov_infra" / "report"
# Keys written literally in the code and the templates: text("a.b"), t("a.b"), text(f"kpi.{...}") prefixes.
LITERAL = re.compile(r"""\b(?:text|t)\(\s*"([a-z_][\w.-]*)"\s*[,)]""")


def fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


class TestCatalogues:
    def test_both_languages_have_the_same_keys(self) -> None:
        zh, en = strings("zh"), strings("en")
        assert sorted(set(zh) ^ set(en)) == []

    @pytest.mark.parametrize("key", sorted(strings("en")))
    def test_each_sentence_takes_the_same_fields_in_both_languages(self, key: str) -> None:
        assert fields(strings("zh")[key]) == fields(strings("en")[key]), key

    def test_every_key_the_code_names_exists(self) -> None:
        sources = [*PACKAGE.glob("*.py"), *PACKAGE.glob("templates/*.j2")]
        named = {key for path in sources for key in LITERAL.findall(path.read_text(encoding="utf-8"))}
        assert named, "no literal keys found: the pattern no longer matches the code"
        for lang in LANGUAGES:
            missing = sorted(k for k in named if k not in strings(lang))
            assert missing == [], f"{lang}: {missing}"

    def test_chinese_strings_are_chinese(self) -> None:
        assert re.search(r"[\u4e00-\u9fff]", strings("zh")["title"])
        assert not re.search(r"[\u4e00-\u9fff]", strings("en")["title"])

    def test_an_unknown_language_is_refused(self) -> None:
        with pytest.raises(ValueError, match="unknown report language"):
            strings("fr")


class TestText:
    def test_fills_fields(self) -> None:
        assert Text("en")("figure.ratio", done=3, total=4, pct="75%") == "3 of 4 (75%)"

    def test_names_follow_the_language(self) -> None:
        class Site:
            name = "华容区人民政府网"
            name_en = "Huarong District Government"

        assert Text("zh").name(Site()) == "华容区人民政府网"
        assert Text("en").name(Site()) == "Huarong District Government"

    def test_percent_drops_a_trailing_zero(self) -> None:
        assert Text("en").pct(100.0) == "100%"
        assert Text("en").pct(94.1) == "94.1%"
        assert Text("en").pct(None) == "Not yet measured"


class TestMoment:
    BEIJING = timezone(timedelta(hours=8))

    def test_a_time_reads_as_each_language_writes_it_with_its_zone(self) -> None:
        when = datetime(2026, 11, 29, 18, 30, 45, tzinfo=self.BEIJING)
        assert Text("zh").moment(when) == "2026年11月29日 18:30（UTC+8）"
        assert Text("en").moment(when) == "29 Nov 2026 18:30 UTC+8"

    def test_a_zone_is_named_by_its_offset(self) -> None:
        assert zone(timedelta(0)) == "UTC"
        assert zone(timedelta(hours=5, minutes=30)) == "UTC+5:30"
        assert zone(timedelta(hours=-3)) == "UTC-3"

    def test_a_time_without_a_zone_is_the_machines_local_time(self) -> None:
        naive = datetime(2026, 1, 5, 7, 5)
        local = naive.astimezone()
        assert Text("en").moment(naive) == f"5 Jan 2026 07:05 {zone(local.utcoffset())}"
