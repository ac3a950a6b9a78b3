"""The report's task 1 section and its three executive figures, in Chinese and English, on the sample; the extranet
site bandwidth figure labelled as the city's policy for task 3."""

from __future__ import annotations

import re

import pytest

from ezgov_infra.jobs import report
from ezgov_infra.report.build import Report
from ezgov_infra.report.render import render_html, render_markdown
from tests.report.sample import AS_OF, GENERATED, SampleState


def build(state: SampleState, lang: str) -> Report:
    return report.build(folder=state.inventory, history_db=state.state_dir / "history.sqlite", lang=lang,
                        plans_dir=state.plans_dir, plan=state.plan if state.plans_dir.exists() else None,
                        as_of=AS_OF, generated=GENERATED)


def section(markdown: str, heading: str) -> str:
    start = markdown.index(f"## {heading}")
    return markdown[start:markdown.index("\n## ", start + 3)]


class TestExecutivePage:
    def test_gains_the_three_household_figures(self, sample_state: SampleState) -> None:
        built = build(sample_state, "en")
        urban, rural, lte = (built.kpi(k) for k in ("urban_gigabit", "rural_100m", "village_4g"))
        assert (urban.done, urban.total, urban.target_pct, urban.status) == (24185, 27506, 90.0, "close")
        assert (rural.pct, rural.status) == (93.1, "met")
        assert (lte.done, lte.total, lte.target_pct, lte.status) == (39, 42, 100.0, "close")
        assert lte.trend_text == "Up 19.1 points since 2019-03-31"
        assert lte.target == "Every village: 100% (task 1)"

    @pytest.mark.parametrize("lang", ["zh", "en"])
    def test_site_bandwidth_is_the_city_policy_for_task_3_never_task_1(self, sample_state: SampleState,
                                                                        lang: str) -> None:
        built = build(sample_state, lang)
        target = built.kpi("bandwidth").target
        assert ("任务 3" if lang == "zh" else "task 3") in target
        assert not re.search(r"任务 ?1\b|task 1\b", target, re.IGNORECASE)
        for line in render_markdown(built).splitlines():
            if re.search(r"任务 ?1(?!\d)|task 1(?!\d)", line, re.IGNORECASE):
                assert "Mbps，农村" not in line and "Mbps, rural" not in line, line

    def test_without_carrier_reports_the_figures_are_not_yet_measured(self, empty_state: SampleState) -> None:
        built = build(empty_state, "en")
        assert [built.kpi(k).value_text for k in ("urban_gigabit", "rural_100m", "village_4g")] == [
            "Not yet measured"] * 3
        assert built.task1 is not None and not built.task1.measured
        assert "No carrier's report has been imported yet" in render_markdown(built)


class TestSection:
    def test_chinese(self, sample_state: SampleState) -> None:
        text = section(render_markdown(build(sample_state, "zh")), "任务 1")
        assert "城镇家庭宽带基本达到千兆接入能力" in text
        assert "| 具备千兆接入能力的城镇家庭 | 基本达到：不低于 90%（任务 1） | 24185/27506（87.9%） |" in text
        assert ("所用运营商报表：中国广电（2019-06-30）、中国移动（2019-06-30）、中国电信（2019-06-30）、"
                "中国联通（2019-03-31）") in text
        worst = [line for line in text.splitlines() if line.startswith("- **")]
        assert worst[0] == "- **西山街道**（鄂城区）：1798 户未达目标速率"
        assert "- **梁子镇**（梁子湖区）：1 个行政村 4G 未全覆盖" in worst
        assert "| 2019-03-31 | 75.9% | 81.1% | 73.8% |" in text
        assert "凤凰街道滨湖社区：具备千兆接入能力，但实测下载中位数 67.9 Mbps（p10 38.7 Mbps，7 次测速）" in text

    def test_english(self, sample_state: SampleState) -> None:
        text = section(render_markdown(build(sample_state, "en")), "Task 1")
        assert "| Liangzihu District | None here | 8484 of 9021 (94%) | 7 of 10 (70%) | 3 villages without full 4G |" \
            in text
        assert "- **Putuan Township** (Huarong District): 790 households short of the target speed" in text
        assert "| 2019-06-30 | 87.9% | 93.1% | 92.9% |" in text

    def test_html_has_the_section_and_the_figures(self, sample_state: SampleState) -> None:
        html = render_html(build(sample_state, "zh"))
        assert 'id="task1"' in html and 'id="kpi-village_4g"' in html
        assert html.index('id="districts"') < html.index('id="task1"') < html.index('id="blockers"')
