"""A report a manager can hand over: one language throughout, figures that cannot mislead, a readable schedule."""

from __future__ import annotations

import itertools
import re
import shutil
import xml.etree.ElementTree as ET
from datetime import date, timedelta
from pathlib import Path

import pytest

from ezgov_infra.jobs import report
from ezgov_infra.report.build import Report
from ezgov_infra.report.catalogue import PLACEHOLDER, Catalogue
from ezgov_infra.report.charts import gantt, month_step
from ezgov_infra.report.render import render_html, render_markdown
from ezgov_infra.store.inventory import load_inventory
from ezgov_infra.store.systems import load_catalogue
from tests.report.latin import cjk_lines, english_words, visible_text
from tests.report.sample import AS_OF, GENERATED, SampleState, make_sample_state


def build(state: SampleState, lang: str, as_of: date = AS_OF) -> Report:
    return report.build(folder=state.inventory, history_db=state.state_dir / "history.sqlite", lang=lang,
                        plans_dir=state.plans_dir, plan=state.plan, as_of=as_of, generated=GENERATED)


@pytest.fixture(scope="module")
def renderings(sample_state: SampleState) -> dict[str, str]:
    return {f"{lang}.{fmt}": render(build(sample_state, lang)) for lang in ("zh", "en")
            for fmt, render in (("html", render_html), ("md", render_markdown))}


@pytest.fixture(scope="module")
def user_words(sample_state: SampleState) -> set[str]:
    """Ids and names the user wrote: data, shown verbatim in either language."""
    inv = load_inventory(sample_state.inventory)
    systems = load_catalogue(sample_state.inventory, inv)
    words = set(inv.sites) | set(inv.devices) | set(inv.regions) | set(inv.websites) | set(systems)
    words |= {w.department for w in inv.websites.values()} | {s.department for s in systems.values()}
    words |= {s.name for s in inv.sites.values()} | {r.name for r in inv.regions.values()}
    words |= {s.name for s in systems.values()} | {sample_state.plan}
    return words


class TestOneLanguage:
    def test_the_chinese_report_has_no_english_prose(self, renderings: dict[str, str],
                                                     user_words: set[str]) -> None:
        found = english_words(visible_text(renderings["zh.html"]), user_words)
        assert found == {}, f"English words in the zh report: {found}"

    def test_the_english_report_has_no_chinese_outside_names(self, renderings: dict[str, str],
                                                             user_words: set[str]) -> None:
        assert cjk_lines(visible_text(renderings["en.html"]), user_words) == []

    def test_the_check_catches_an_english_sentence(self) -> None:
        assert "forwarding" in english_words(["未开启 IPv6 转发", "IPv6 forwarding is off"])
        assert english_words(["ez-core-1 在 2001:db8::3a 上 GigabitEthernet0/0/1 (EZ-EXT-0033) 100 Mbps"]) == {}

    def test_a_finding_is_translated_with_its_fields(self) -> None:
        zh = Catalogue("zh")
        assert zh.finding("V6-ADDR-001", "uplink GigabitEthernet0/0 has no global IPv6 address") == (
            "上联口 GigabitEthernet0/0 没有全局 IPv6 地址")
        assert zh.finding("bw.not-connected", "community centre x-pcsc must be on the extranet and has no active "
                          "circuit") == "党员群众服务中心 x-pcsc 必须接入外网，但没有已开通的线路"
        assert zh.sentence("held: hc-ehr is on private network health-net, whose cutover has no date") == (
            "hc-ehr 运行在专网 health-net 上，该专网尚未确定并网日期")

    def test_an_unknown_sentence_falls_back_to_the_rules_words_not_english(self) -> None:
        fallback = Catalogue("zh").finding("web.aaaa", "x.test: some new wording")
        assert fallback == "网站没有可用的 IPv6 地址（AAAA 记录）"
        assert Catalogue("en").finding("web.aaaa", "x.test: some new wording") == "x.test: some new wording"


class TestWholeRemedies:
    def test_a_remedy_keeps_its_config_lines(self) -> None:
        remedy = Catalogue("zh").remedy("V6-FWD-001", "Enable IPv6 forwarding:\nipv6 unicast-routing")
        assert (remedy.sentence, remedy.lines) == ("开启 IPv6 转发：", ["ipv6 unicast-routing"])

    def test_a_placeholder_never_reaches_any_rendering(self, renderings: dict[str, str]) -> None:
        for name, text in renderings.items():
            shown = " ".join(visible_text(text)) if name.endswith("html") else text.replace("&lt;", "<").replace(
                "&gt;", ">")
            assert not PLACEHOLDER.search(shown), f"{name}: {PLACEHOLDER.search(shown)}"

    def test_a_line_with_a_placeholder_is_dropped_and_the_sentence_says_what_to_do(self) -> None:
        for lang in ("zh", "en"):
            remedy = Catalogue(lang).remedy("V6-ADDR-001", "Configure <address>/127 on Gi0/0:\n"
                                            "interface Gi0/0\n ipv6 address <address>/127")
            assert remedy.lines == ["interface Gi0/0"] and "<" not in remedy.sentence and "Gi0/0" in remedy.sentence


class TestCountedOnce:
    def test_a_held_system_is_one_open_item(self, sample_state: SampleState) -> None:
        built = build(sample_state, "en")
        subjects = [s for o in built.owners if o.kind == "department" for b in o.blockers for s in b.subjects
                    if b.source == "Migration plan"]
        assert subjects and len(subjects) == len(set(subjects))
        deadline = next(m for m in built.schedule.milestones if m.misses and any("held" in x for x in m.misses))
        systems = [re.search(r"\(([\w-]+)\)", line) for line in deadline.misses]
        named = [m.group(1) for m in systems if m is not None]
        assert named and len(named) == len(set(named))

    def test_a_grouped_row_only_groups_identical_words(self, sample_state: SampleState) -> None:
        built = build(sample_state, "en")
        for owner in built.owners:
            rows = [(b.problem, b.remedy, tuple(b.remedy_lines)) for b in owner.blockers]
            assert len(rows) == len(set(rows))  # a second row only when the words differ
        # an address, an interface or a target belongs to one subject: a row of several names none of them
        for owner in built.owners:
            for b in owner.blockers:
                if len(b.subjects) > 1:
                    words = " ".join([b.problem, b.remedy, *b.remedy_lines])
                    assert not re.search(r"2001:db8|GigabitEthernet|Loopback|\d+ Mbps", words), (words, b.subjects)


class TestScope:
    def test_a_narrower_newer_audit_does_not_make_the_headline(self, tmp_path: Path, sample_inventory: Path) -> None:
        from ezgov_infra.jobs import ipv6_audit
        from ezgov_infra.models.selector import parse_limit

        state = make_sample_state(tmp_path, web=False, carriers=False)
        full = build(state, "en").kpi("ipv6_devices")
        ipv6_audit.audit(inventory=sample_inventory, state_dir=state.state_dir,
                         options=ipv6_audit.AuditOptions(limit=parse_limit(["device:ez-core-2"])))
        after = build(state, "en").kpi("ipv6_devices")
        assert (after.done, after.total) == (full.done, full.total) and after.total is not None and after.total > 1
        assert "device:ez-core-2" in after.note


class TestTrend:
    def test_the_trend_is_the_same_for_every_rendering(self, tmp_path: Path, sample_state: SampleState) -> None:
        state_dir = tmp_path / "state"
        shutil.copytree(sample_state.state_dir, state_dir)
        trends = []
        for fmt in ("html", "md", "html"):
            done = report.readiness(folder=sample_state.inventory, state_dir=state_dir, lang="en", fmt=fmt,
                                    plans_dir=sample_state.plans_dir, plan=sample_state.plan, as_of=AS_OF,
                                    generated=GENERATED, out=tmp_path / f"r.{fmt}")
            trends.append([(f["figure"], f["trend"]) for f in done.figures])
        assert trends[0] == trends[1] == trends[2]


class TestCloudMilestone:
    def test_a_circuit_alone_does_not_make_the_cloud_platform_done(self, tmp_path: Path,
                                                                   sample_inventory: Path) -> None:
        state = make_sample_state(tmp_path, web=False, carriers=False)
        from ezgov_infra.store.systems import load_plan, save_plan

        plan = load_plan(state.plans_dir, state.plan)
        for wave in plan.waves:
            wave.status = type(wave.status)("planned")
        save_plan(state.plans_dir, plan)
        inv = load_inventory(sample_inventory)
        cloud = next(m for m in inv.policy.milestones if m.id == "cloud-platform")
        built = build(state, "en", as_of=cloud.due + timedelta(days=1))
        row = next(m for m in built.schedule.milestones if m.id == "cloud-platform")
        assert row.status != "done" and any("no system runs on the cloud" in m for m in row.misses)


class TestSchedule:
    def test_the_chart_spans_the_plans_window_with_labels_apart(self, sample_state: SampleState) -> None:
        for as_of in (AS_OF, date(2026, 11, 29)):  # inside the plan, and years after it
            built = build(sample_state, "en", as_of=as_of)
            root = ET.fromstring(gantt(built.schedule, title="g", deadline_label="D", today_label="T"))
            labels = [t for t in root.iter() if t.tag.endswith("text") and re.fullmatch(r"\d{4}-\d{2}", t.text or "")]
            years = {int((t.text or "0")[:4]) for t in labels}
            assert years <= {2019, 2020}, years
            xs = sorted(float(t.get("x", 0)) for t in labels)
            assert all(b - a >= 45 for a, b in itertools.pairwise(xs))
            assert ("T" in [t.text for t in root.iter()]) == (as_of == AS_OF)

    def test_label_spacing_follows_the_width(self) -> None:
        assert month_step(100.0) == 1 and month_step(20.0) == 3 and month_step(1.0) == 12

    def test_a_wave_past_its_window_without_execution_is_not_planned(self, sample_state: SampleState) -> None:
        built = build(sample_state, "en", as_of=date(2020, 6, 1))
        assert built.schedule.waves[0].status == "executed"
        assert {w.status for w in built.schedule.waves[1:]} == {"overdue"}


class TestMarkdown:
    def test_every_table_ends_before_the_next_paragraph(self, renderings: dict[str, str]) -> None:
        for name in ("zh.md", "en.md"):
            lines = renderings[name].splitlines()
            for before, after in itertools.pairwise(lines):
                if before.startswith("|"):
                    assert after.startswith("|") or not after.strip(), (name, before, after)

    def test_a_commonmark_parser_finds_each_table_and_the_legend_outside_it(self, renderings: dict[str, str],
                                                                          sample_state: SampleState) -> None:
        from markdown_it import MarkdownIt

        built = build(sample_state, "en")
        tokens = MarkdownIt("commonmark").enable("table").parse(renderings["en.md"])
        tables = sum(t.type == "table_open" for t in tokens)
        assert tables == sum(line.startswith("|---") for line in renderings["en.md"].splitlines())
        inside, cells = 0, []
        for token in tokens:
            inside += {"table_open": 1, "table_close": -1}.get(token.type, 0)
            if inside and token.type == "inline":
                cells.append(token.content)
        assert not any(built.words["ui.legend"][:40] in cell for cell in cells)


class TestBriefAndWorkbook:
    def test_the_brief_is_the_executive_page_alone(self, sample_state: SampleState) -> None:
        html = render_html(build(sample_state, "zh"), brief=True)
        assert 'id="executive"' in html and 'id="districts"' not in html and 'id="evidence"' not in html

    def test_the_workbook_holds_the_open_items_and_the_waves(self, tmp_path: Path, sample_state: SampleState) -> None:
        from openpyxl import load_workbook

        state_dir = tmp_path / "state"
        shutil.copytree(sample_state.state_dir, state_dir)
        done = report.readiness(folder=sample_state.inventory, state_dir=state_dir, lang="zh", fmt="xlsx",
                                plans_dir=sample_state.plans_dir, plan=sample_state.plan, as_of=AS_OF,
                                generated=GENERATED)
        built = build(sample_state, "zh")
        book = load_workbook(done.path, read_only=True)
        items, waves = (list(book[name].iter_rows(values_only=True)) for name in book.sheetnames)
        assert len(items) - 1 == sum(len(o.blockers) for o in built.owners)
        assert sum(int(row[4]) for row in items[1:]) == sum(len(b.subjects) for o in built.owners for b in o.blockers)
        assert [row[0] for row in waves[1:]] == [w.id for w in built.schedule.waves]


class TestDoneNamesItsEvidence:
    def test_every_done_milestone_says_what_it_rests_on(self, sample_state: SampleState) -> None:
        built = build(sample_state, "zh", as_of=date(2020, 1, 15))
        done = [m for m in built.schedule.milestones if m.status == "done"]
        assert done and all(m.evidence for m in done)
        assert all(e in render_html(built) for m in done for e in m.evidence)


class TestMissingCentreOnce:
    def test_a_centre_off_the_extranet_is_one_item(self, sample_state: SampleState) -> None:
        built = build(sample_state, "en")
        gaps = {s for s in load_inventory(sample_state.inventory).sites
                if any(f"({s})" in subject for o in built.owners for b in o.blockers
                       if "not on the extranet" in b.problem.lower() or "required centre" in b.problem.lower()
                       for subject in b.subjects)}
        assert gaps
        for site in gaps:
            rows = [b for o in built.owners for b in o.blockers if any(f"({site})" in x for x in b.subjects)]
            assert len(rows) == 1, (site, [b.problem for b in rows])
            worst = [p for d in built.districts for w in d.worst if w.site == site for p in w.problems]
            assert sum("extranet" in p for p in worst) == 1 and not any("Mbps" in p for p in worst), worst


class TestChartEdges:
    def test_no_calendar_label_runs_past_the_chart(self, sample_state: SampleState) -> None:
        built = build(sample_state, "zh", as_of=date(2026, 11, 29))
        root = ET.fromstring(gantt(built.schedule, title="g", deadline_label="D", today_label="T"))
        width = float(root.get("width", 0))
        labels = [t for t in root.iter() if t.tag.endswith("text") and re.fullmatch(r"\d{4}-\d{2}", t.text or "")]
        assert labels and all(float(t.get("x", 0)) + 7 * 6.2 <= width for t in labels)
