"""`make demo`: the carriers' reports of the sample are imported before the report, so its task 1 section shows
the measured figures (zh and en), and the misspelt carrier file is shown refused."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from ezgov_infra import demo
from ezgov_infra.config import INVENTORY_ENV
from tests.conftest import CliResult


def section(markdown: str, heading: str) -> str:
    start = markdown.index(f"## {heading}")
    return markdown[start:markdown.index("\n## ", start + 3)]


class TestDemo:
    def test_every_carrier_file_of_the_sample_is_imported_or_shown_refused(self) -> None:
        shipped = sorted(p.name for p in (demo.SAMPLE / "broadband").iterdir() if p.suffix in (".csv", ".xlsx"))
        assert sorted([*demo.CARRIER_FILES, demo.MISSPELT_FILE]) == shipped

    def test_the_report_after_the_demos_imports_shows_task_1_measured(
            self, cli: Callable[..., CliResult], inventory_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv(INVENTORY_ENV, str(inventory_copy))
        titles = [step.title for step in demo.STEPS]
        imports = [step for step in demo.STEPS if step.args[:2] == ("broadband", "import")]
        first_report = next(i for i, step in enumerate(demo.STEPS) if step.args[:1] == ("report",))
        assert imports and all(titles.index(step.title) < first_report for step in imports)
        for step in [*imports, *(s for s in demo.STEPS if s.args[:2] == ("broadband", "audit"))]:
            result = cli(*step.args)
            assert result.code in step.ok_codes, result.err
            if step.ok_codes == (2,):
                assert "红新村" in result.err and "close: 红星村" in result.err
        texts = {}
        for lang in ("zh", "en"):
            result = cli("report", "readiness", "--lang", lang, "--format", "md", "--as-of", demo.REPORT_DAY)
            assert result.code == 0, result.err
            path = Path(result.out.split()[1])
            texts[lang] = path.read_text(encoding="utf-8")
        zh, en = section(texts["zh"], "任务 1"), section(texts["en"], "Task 1")
        assert "尚无运营商报表" not in zh and "No carrier's report has been imported yet" not in en
        assert "| 具备千兆接入能力的城镇家庭 | 基本达到：不低于 90%（任务 1） | 24185/27506（87.9%） |" in zh
        assert ("所用运营商报表：中国广电（2019-06-30）、中国移动（2019-06-30）、中国电信（2019-06-30）、"
                "中国联通（2019-03-31）") in zh
        assert "| 2019-06-30 | 87.9% | 93.1% | 92.9% |" in en
        assert "- **Putuan Township** (Huarong District): 790 households short of the target speed" in en
