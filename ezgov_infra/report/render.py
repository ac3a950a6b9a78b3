"""Lay a `Report` out as HTML or Markdown. Everything printed is escaped: names, hostnames, descriptions and
finding texts come from devices and files and are data, never markup.

HTML: Jinja2 with autoescape on; the only unescaped inserts are the stylesheet and the SVG charts, which
`report.charts` builds and escapes itself. Markdown: every `{{ ... }}` passes through `markdown_escape` (the
environment's `finalize`), so a wiki that renders HTML inside Markdown still shows `<script>` as text.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined

from ezgov_infra.report.build import Report
from ezgov_infra.report.charts import FONTS, gantt, kpi_bars
from ezgov_infra.report.text import Text

_MD_SPECIAL = re.compile(r"([\\`*_\[\]|#~])")


def markdown_escape(value: Any) -> str:
    """Text safe inside a Markdown table cell or line: HTML entities for `& < >`, backslashes for the rest."""
    if value is None:
        return ""
    text = str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _MD_SPECIAL.sub(r"\\\1", text)
    return " ".join(text.splitlines())


@cache
def _html_env() -> Environment:
    return Environment(loader=PackageLoader("ezgov_infra.report", "templates"), autoescape=True,
                       undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)


@cache
def _md_env() -> Environment:
    return Environment(loader=PackageLoader("ezgov_infra.report", "templates"), autoescape=False,
                       undefined=StrictUndefined, finalize=markdown_escape, trim_blocks=True, lstrip_blocks=True)


def stylesheet() -> str:
    return (resources.files("ezgov_infra") / "report" / "templates" / "report.css").read_text(encoding="utf-8")


def charts(report: Report, text: Text) -> dict[str, str]:
    return {
        "kpi_chart": kpi_bars(report.kpis, title=text("ui.chart_kpis"), target_label=text("ui.chart_target"),
                              font=FONTS[report.lang]),
        "gantt": gantt(report.schedule, title=text("ui.schedule"), deadline_label=text("ui.chart_deadline"),
                       today_label=text("ui.chart_today"), font=FONTS[report.lang]),
    }


def render_html(report: Report, *, brief: bool = False) -> str:
    """The whole report, or with `brief` the executive page alone (the one-page brief)."""
    text = Text(report.lang)
    template = _html_env().get_template("report.html.j2")
    return template.render(r=report, t=text, css=stylesheet(), brief=brief, **charts(report, text))


def render_markdown(report: Report, *, brief: bool = False) -> str:
    text = Text(report.lang)
    template = _md_env().get_template("report.md.j2")
    body = template.render(r=report, t=text, brief=brief)
    # CommonMark continues a table into the next line unless a blank line ends it
    body = re.sub(r"^(\|.*)\n(?=[^|\n])", "\\1\n\n", body, flags=re.MULTILINE)
    return re.sub(r"\n{3,}", "\n\n", body).strip() + "\n"


def workbook_sheets(report: Report) -> list[tuple[str, list[list[str | int | None]]]]:
    """The open items (one row per owner and problem) and the wave schedule, as sheets with a header row."""
    text = Text(report.lang)
    items: list[list[str | int | None]] = [[text("ui.owner"), text("ui.severity"), text("ui.problem"),
                                            text("ui.where"), text("ui.count"), text("ui.remedy"),
                                            text("ui.source")]]
    for owner in report.owners:
        for b in owner.blockers:
            items.append([owner.name, b.severity_text, b.problem, ", ".join(b.subjects), len(b.subjects),
                          "\n".join([b.remedy, *b.remedy_lines]), b.source])
    waves: list[list[str | int | None]] = [[text("ui.wave"), text("ui.window_start"), text("ui.window_end"),
                                            text("ui.status"), text("ui.count"), text("ui.systems")]]
    for w in report.schedule.waves:
        waves.append([w.id, w.start.strftime("%Y-%m-%d %H:%M"), w.end.strftime("%Y-%m-%d %H:%M"), w.status_text,
                      len(w.systems), ", ".join(w.systems)])
    return [(text("ui.blockers"), items), (text("ui.schedule"), waves)]
