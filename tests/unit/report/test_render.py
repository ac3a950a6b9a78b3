"""HTML, Markdown and SVG renderings: complete, well-formed, and every device or file string escaped."""

from __future__ import annotations

import re
import shutil
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pytest

from ezgov_infra.jobs import report
from ezgov_infra.report.build import Report
from ezgov_infra.report.charts import gantt, kpi_bars, window
from ezgov_infra.report.render import markdown_escape, render_html, render_markdown
from ezgov_infra.store.history import open_history
from ezgov_infra.store.inventory import load_inventory
from ezgov_infra.store.yamlfiles import edit_records
from tests.report.sample import AS_OF, GENERATED, SampleState

SCRIPT = "<script>alert('x')</script>"
TAG = "<b onclick=\"steal()\">loud</b>"


def build(state: SampleState, lang: str) -> Report:
    return report.build(folder=state.inventory, history_db=state.state_dir / "history.sqlite", lang=lang,
                        plans_dir=state.plans_dir, plan=state.plan, as_of=AS_OF, generated=GENERATED)


def hostile_state(tmp_path: Path, sample_inventory: Path) -> SampleState:
    """A copy of the sample whose interface description and collected host name carry markup."""
    inventory = tmp_path / "inv"
    shutil.copytree(sample_inventory, inventory, ignore=shutil.ignore_patterns("snapshots"))
    uplink = load_inventory(sample_inventory).interfaces["tujianao-ar-1:eth1"]
    body = uplink.model_dump(mode="json", exclude={"id"}, exclude_none=True)
    edit_records(inventory / "interfaces.yaml", upsert={uplink.id: {**body, "description": f"uplink {SCRIPT}"}})
    state_dir = tmp_path / "state"
    with open_history(state_dir / "history.sqlite") as history:
        history.record_run("ipv6-audit", status="ok", results=[
            {"subject": "tujianao-ar-1", "status": "ok", "facts": {"hostname": f"tujianao{TAG}{SCRIPT}"}}],
            findings=[{"subject": "tujianao-ar-1", "rule": "V6-ADDR-001", "severity": "critical",
                       "category": "data plane", "message": f"eth1 has no global IPv6 address {TAG}",
                       "evidence": {"interface": "eth1"}, "remedy": "ipv6 address ..."}])
    return SampleState(inventory, state_dir, tmp_path / "plans", "none")


class Texts(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


class TestHtml:
    @pytest.mark.parametrize("lang", ["zh", "en"])
    def test_has_every_section_and_no_script(self, sample_state: SampleState, lang: str) -> None:
        html = render_html(build(sample_state, lang))
        parser = Texts()
        parser.feed(html)
        for section in ("executive", "districts", "blockers", "schedule", "evidence"):
            assert f'id="{section}"' in html
        assert "script" not in parser.tags
        assert parser.tags.count("svg") == 2

    def test_chinese_report_uses_chinese_names(self, sample_state: SampleState) -> None:
        html = render_html(build(sample_state, "zh"))
        assert "电子政务网络和政务云推进情况报告" in html and "鄂城区" in html and "Echeng District" not in html

    def test_chinese_headings_use_full_width_parentheses(self, sample_state: SampleState) -> None:
        html = render_html(build(sample_state, "zh"))
        headings = [re.sub(r"<[^>]+>", "", h) for h in re.findall(r"<h[1-4][^>]*>(.*?)</h[1-4]>", html, re.S)]
        asides = [h for h in headings if "（" in h]
        assert len(asides) >= 3, headings  # owners, milestones, evidence sections
        assert [h for h in headings if re.search(r"[()]", h)] == []
        assert "生成于 2019年11月1日 09:00（UTC+8）" in html
        # the worst sites and townships: name（id）：problem；problem
        assert "</strong> (" not in html and re.search(r"</strong>（[^（）<]+）：[^<]+；", html)

    def test_english_headings_keep_their_parentheses(self, sample_state: SampleState) -> None:
        html = render_html(build(sample_state, "en"))
        assert re.search(r"<h4>[^<]+ \(\d{4}-\d{2}-\d{2}\): [^<]+</h4>", html)
        assert "generated 1 Nov 2019 09:00 UTC+8" in html

    def test_device_strings_show_as_text(self, tmp_path: Path, sample_inventory: Path) -> None:
        state = hostile_state(tmp_path, sample_inventory)
        html = render_html(report.build(folder=state.inventory, history_db=state.state_dir / "history.sqlite",
                                        lang="en", plans_dir=state.plans_dir, as_of=AS_OF))
        parser = Texts()
        parser.feed(html)
        assert "script" not in parser.tags and "b" not in parser.tags
        text = "".join(parser.text)
        assert f"tujianao{TAG}{SCRIPT}" in text  # the host name, shown as written
        assert f"eth1: uplink {SCRIPT}" in text  # the interface description the finding names
        assert "&lt;script&gt;" in html


class TestMarkdown:
    def test_escapes_markup_and_table_separators(self) -> None:
        assert markdown_escape(f"a|b {SCRIPT} *x* [l](u)") == (
            "a\\|b &lt;script&gt;alert('x')&lt;/script&gt; \\*x\\* \\[l\\](u)")
        assert markdown_escape("two\nlines") == "two lines"

    def test_device_strings_never_reach_markdown_raw(self, tmp_path: Path, sample_inventory: Path) -> None:
        state = hostile_state(tmp_path, sample_inventory)
        text = render_markdown(report.build(folder=state.inventory, history_db=state.state_dir / "history.sqlite",
                                            lang="en", plans_dir=state.plans_dir, as_of=AS_OF))
        assert "<script>" not in text and "<b " not in text
        assert "&lt;script&gt;" in text

    @pytest.mark.parametrize("lang", ["zh", "en"])
    def test_says_what_the_html_says(self, sample_state: SampleState, lang: str) -> None:
        built = build(sample_state, lang)
        text = render_markdown(built)
        assert text.startswith(f"# {markdown_escape(built.title)}\n")
        for kpi in built.kpis:
            assert markdown_escape(kpi.value_text) in text
        for owner in built.owners:
            assert markdown_escape(owner.name) in text


class TestCharts:
    def test_kpi_chart_is_valid_svg_with_escaped_labels(self, sample_state: SampleState) -> None:
        built = build(sample_state, "en")
        built.kpis[0].title = SCRIPT
        svg = kpi_bars(built.kpis, title="t & <x>", target_label="100%")
        root = ET.fromstring(svg)
        assert root.tag.endswith("svg")
        assert SCRIPT in "".join(root.itertext())
        assert not [e for e in root.iter() if e.tag.endswith("script")]

    def test_status_is_readable_without_colour(self, sample_state: SampleState) -> None:
        built = build(sample_state, "en")
        svg = kpi_bars(built.kpis, title="t", target_label="100%")
        assert "url(#cross-off)" in svg  # off target: cross-hatched
        for kpi in built.kpis:
            assert kpi.status_text in svg

    def test_gantt_draws_each_wave_and_milestone(self, sample_state: SampleState) -> None:
        built = build(sample_state, "en")
        root = ET.fromstring(gantt(built.schedule, title="g", deadline_label="Deadline", today_label="Today"))
        texts = "".join(root.itertext())
        for wave in built.schedule.waves:
            assert f"{wave.id} ({len(wave.systems)})" in texts
        first, last = window(built.schedule)
        for milestone in built.schedule.milestones:  # those inside the plan's window; the table lists them all
            assert (milestone.name in texts) == (first <= milestone.due <= last)
