"""Static SVG charts for the report: the executive figures against their targets, and the migration Gantt chart.

No JavaScript, no fonts of their own: the SVG sits inline in the HTML and prints as it shows. Every chart reads in
black and white too: status is carried by a fill pattern (solid, hatched, cross-hatched, empty) and by the words
next to each bar, never by colour alone. Every string placed in a chart is XML-escaped here.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from html import escape

from ezgov_infra.report.figures import Kpi
from ezgov_infra.report.timeline import Schedule

COLOURS = {"met": "#2e7d32", "close": "#b26a00", "off": "#c62828", "unknown": "#757575",
           "done": "#2e7d32", "on_track": "#2e7d32", "at_risk": "#b26a00", "missed": "#c62828",
           "untracked": "#757575", "executed": "#2e7d32", "planned": "#1565c0", "failed": "#c62828",
           "rolled_back": "#b26a00", "overdue": "#c62828"}
FILLS = {"met": "solid", "close": "hatch", "off": "cross", "unknown": "none", "executed": "solid",
         "planned": "hatch", "failed": "cross", "rolled_back": "cross", "overdue": "none"}


# The report's own faces (report.css), so a chart's words print in the font the text around it uses: an SVG left
# to fontconfig's "sans-serif" pulls in a Latin face and a Japanese CJK face besides, each embedded in the PDF.
FONTS = {"zh": "Noto Sans CJK SC, sans-serif", "en": "DejaVu Sans, Noto Sans CJK SC, sans-serif"}


def _defs(statuses: Sequence[str]) -> str:
    """Hatch patterns for the statuses the chart draws: status stays readable in black and white. Only the
    patterns used are written, so the chart stays light to lay out."""
    used = {s for s in statuses if FILLS.get(s) in ("hatch", "cross")}
    out = ["<defs>"]
    for name, colour in COLOURS.items():
        if name not in used:
            continue
        out.append(f'<pattern id="hatch-{name}" width="6" height="6" patternUnits="userSpaceOnUse" '
                   f'patternTransform="rotate(45)"><rect width="6" height="6" fill="#fff"/>'
                   f'<line x1="0" y1="0" x2="0" y2="6" stroke="{colour}" stroke-width="3"/></pattern>')
        out.append(f'<pattern id="cross-{name}" width="6" height="6" patternUnits="userSpaceOnUse">'
                   f'<rect width="6" height="6" fill="#fff"/>'
                   f'<path d="M0 0L6 6M6 0L0 6" stroke="{colour}" stroke-width="1.4"/></pattern>')
    out.append("</defs>")
    return "".join(out)


def fill(status: str) -> str:
    colour = COLOURS.get(status, "#757575")
    kind = FILLS.get(status, "solid")
    if kind == "hatch":
        return f"url(#hatch-{status})"
    if kind == "cross":
        return f"url(#cross-{status})"
    return "#fff" if kind == "none" else colour


def text_width(text: str, size: float) -> float:
    """A generous estimate of a label's printed width: CJK glyphs are one em, Latin ones about 0.62 em."""
    return sum(size if ord(ch) >= 0x2E80 else 0.62 * size for ch in text)


def kpi_bars(kpis: Sequence[Kpi], *, title: str, target_label: str, font: str = "sans-serif") -> str:
    """One horizontal bar per figure, 0-100%, with the target marked and the value written beside it; the label
    and value columns are as wide as their longest text, so nothing is cut at the chart's edges."""
    bar_w, row_h, top = 300, 30, 28
    label_w = int(max([text_width(k.title, 12) for k in kpis] + [60.0]) + 14)
    value_w = int(max([text_width(f"{k.value_text} · {k.status_text}", 12) for k in kpis] + [60.0]) + 16)
    width, height = label_w + bar_w + value_w, top + row_h * len(kpis) + 24
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 {width} {height}" '
           f'width="{width}" height="{height}" font-family="{escape(font)}" font-size="12">',
           f"<title>{escape(title)}</title>", _defs([k.status for k in kpis if k.pct is not None])]
    target_x = label_w + bar_w
    for index, kpi in enumerate(kpis):
        y = top + index * row_h
        out.append(f'<text x="{label_w - 8}" y="{y + 15}" text-anchor="end">{escape(kpi.title)}</text>')
        out.append(f'<rect x="{label_w}" y="{y + 3}" width="{bar_w}" height="16" fill="#fff" stroke="#9e9e9e"/>')
        if kpi.pct is not None:
            length = max(1.0, bar_w * min(kpi.pct, 100.0) / 100.0)
            out.append(f'<rect x="{label_w}" y="{y + 3}" width="{length:.1f}" height="16" '
                       f'fill="{fill(kpi.status)}" stroke="{COLOURS[kpi.status]}"/>')
        if kpi.target_pct < 100.0:  # a figure met below 100% (基本达到) shows its own target
            tick = label_w + bar_w * kpi.target_pct / 100.0
            out.append(f'<line x1="{tick:.1f}" y1="{y}" x2="{tick:.1f}" y2="{y + 22}" stroke="#000" '
                       f'stroke-width="2"/>')
        out.append(f'<text x="{target_x + 10}" y="{y + 15}">{escape(kpi.value_text)} · '
                   f'{escape(kpi.status_text)}</text>')
    out.append(f'<line x1="{target_x}" y1="{top - 6}" x2="{target_x}" y2="{height - 14}" stroke="#000" '
               f'stroke-dasharray="4 3"/>')
    out.append(f'<text x="{target_x}" y="{top - 10}" text-anchor="middle">{escape(target_label)}</text>')
    out.append(f'<text x="{label_w}" y="{height - 2}" fill="#424242">0%</text>')
    out.append("</svg>")
    return "".join(out)


def _day(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value


def month_step(px_per_month: float, label_px: float = 48.0) -> int:
    """How many months apart the calendar labels stand so that no two collide (1, 2, 3, 6 or 12)."""
    for step in (1, 2, 3, 6, 12):
        if px_per_month * step >= label_px:
            return step
    return 12


def window(schedule: Schedule) -> tuple[date, date]:
    """The span the chart draws: the plan's own window (its start to its deadline, stretched to any wave outside
    it), not the history of the city. Without a plan, the milestones' span."""
    days = [_day(w.start) for w in schedule.waves] + [_day(w.end) for w in schedule.waves]
    days += [d for d in (schedule.start, schedule.deadline) if d is not None]
    if not days:
        days = [m.due for m in schedule.milestones] or [schedule.as_of]
    first, last = min(days), max(days)
    return first - timedelta(days=3), last + timedelta(days=3)


def gantt(schedule: Schedule, *, title: str, deadline_label: str, today_label: str,
          font: str = "sans-serif") -> str:
    """Waves as bars on the plan's calendar, the deadline, today (when inside the window) and the milestones that
    fall inside it as vertical lines."""
    waves = schedule.waves
    first, last = window(schedule)
    span = max(1, (last - first).days)
    milestones = [m for m in schedule.milestones if first <= m.due <= last]
    label_w, chart_w, row_h, top = 110, 470, 18, 46
    rows = max(1, len(waves))
    height = top + rows * row_h + 28 + 16 * len(milestones)
    width = label_w + chart_w + 20

    def x(day: date | datetime) -> float:
        return label_w + chart_w * (_day(day) - first).days / span

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 {width} {height}" '
           f'width="{width}" height="{height}" font-family="{escape(font)}" font-size="11">',
           f"<title>{escape(title)}</title>",
           _defs([w.status if w.status in FILLS else "planned" for w in waves] + [m.status for m in milestones])]
    step = month_step(chart_w * 30.4 / span)
    month = date(first.year, first.month, 1)
    index = 0
    while month <= last:
        if month >= first:
            out.append(f'<line x1="{x(month):.1f}" y1="{top - 14}" x2="{x(month):.1f}" y2="{top + rows * row_h}" '
                       f'stroke="#e0e0e0"/>')
            if index % step == 0 and x(month) + 50 <= width:  # a label cut at the edge is not drawn
                out.append(f'<text x="{x(month) + 2:.1f}" y="{top - 18}" fill="#424242">'
                           f"{month.strftime('%Y-%m')}</text>")
            index += 1
        month = date(month.year + (month.month == 12), month.month % 12 + 1, 1)
    for index, wave in enumerate(waves):
        y = top + index * row_h
        start, end = x(wave.start), x(wave.end)
        status = wave.status if wave.status in FILLS else "planned"
        out.append(f'<text x="{label_w - 6}" y="{y + 12}" text-anchor="end">{escape(wave.id)} '
                   f"({len(wave.systems)})</text>")
        late = ' stroke-width="2.5" stroke-dasharray="3 2"' if wave.late else ""
        bar = max(5.0, end - start)
        out.append(f'<rect x="{start:.1f}" y="{y + 3}" width="{bar:.1f}" height="11" '
                   f'fill="{fill(status)}" stroke="{COLOURS[status]}"{late}/>')
        words = f"{wave.start.strftime('%m-%d')} {wave.status_text}"
        if start + bar > label_w + chart_w * 0.6:  # near the right edge: the words go left of the bar
            out.append(f'<text x="{start - 4:.1f}" y="{y + 12}" text-anchor="end" fill="#424242">'
                       f"{escape(words)}</text>")
        else:
            out.append(f'<text x="{start + bar + 4:.1f}" y="{y + 12}" fill="#424242">{escape(words)}</text>')
    base = top + rows * row_h
    if schedule.deadline is not None:
        out.append(f'<line x1="{x(schedule.deadline):.1f}" y1="{top - 14}" x2="{x(schedule.deadline):.1f}" '
                   f'y2="{base}" stroke="#000" stroke-width="2"/>')
    today = schedule.as_of
    if first <= today <= last:
        out.append(f'<line x1="{x(today):.1f}" y1="{top - 14}" x2="{x(today):.1f}" y2="{base}" stroke="#000" '
                   f'stroke-dasharray="2 2"/><text x="{x(today) + 2:.1f}" y="{top - 4}">{escape(today_label)}'
                   "</text>")
    for index, milestone in enumerate(milestones):
        mx, my = x(milestone.due), base + 22 + 16 * index
        out.append(f'<line x1="{mx:.1f}" y1="{top - 14}" x2="{mx:.1f}" y2="{my - 8}" stroke="#616161" '
                   f'stroke-dasharray="1 3"/>')
        out.append(f'<path d="M{mx:.1f} {my - 9}l5 5l-5 5l-5-5z" fill="{fill(milestone.status)}" '
                   f'stroke="{COLOURS.get(milestone.status, "#757575")}"/>')
        anchor = "end" if mx > label_w + chart_w * 0.5 else "start"
        dx = -8 if anchor == "end" else 8
        label = f"{milestone.due.isoformat()} {milestone.name} · {milestone.status_text}"
        out.append(f'<text x="{mx + dx:.1f}" y="{my}" text-anchor="{anchor}">{escape(label)}</text>')
    if schedule.deadline is not None:
        deadline_x = x(schedule.deadline)
        anchor = ' text-anchor="end"' if deadline_x > label_w + chart_w * 0.8 else ""
        out.append(f'<text x="{deadline_x + (-3 if anchor else 3):.1f}" y="{top - 4}"{anchor}>'
                   f"{escape(deadline_label)}</text>")
    out.append("</svg>")
    return "".join(out)
