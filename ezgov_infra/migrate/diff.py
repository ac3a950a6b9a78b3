"""What changed between two migration plans: systems that moved wave, waves that moved date, what joined or left.

Pure; the result is plain data, sorted, so it renders the same as a table or as JSON.
"""

from __future__ import annotations

from typing import Any

from ezgov_infra.models.plan import MigrationPlan


def _wave_dates(plan: MigrationPlan) -> dict[str, str]:
    return {w.id: w.window_start.isoformat(sep=" ", timespec="minutes") for w in plan.waves}


def _unplanned(plan: MigrationPlan) -> dict[str, str]:
    out: dict[str, str] = {}
    for kind in ("retire", "retain", "held"):
        for item in getattr(plan, kind):
            out[item.system] = kind
    return out


def diff_plans(a: MigrationPlan, b: MigrationPlan) -> dict[str, Any]:
    """Changes from plan `a` to plan `b`; `changes` lists one row per system or wave that differs."""
    wave_a, wave_b = a.wave_of(), b.wave_of()
    dates_a, dates_b = _wave_dates(a), _wave_dates(b)
    out_a, out_b = _unplanned(a), _unplanned(b)
    changes: list[dict[str, str]] = []
    for system in sorted(set(wave_a) | set(wave_b) | set(out_a) | set(out_b)):
        before = wave_a.get(system) or out_a.get(system) or "-"
        after = wave_b.get(system) or out_b.get(system) or "-"
        if before == after:
            continue
        when_a = dates_a.get(before, "")
        when_b = dates_b.get(after, "")
        changes.append({"kind": "system", "id": system, "before": f"{before} {when_a}".strip(),
                        "after": f"{after} {when_b}".strip()})
    for wave_id in sorted(set(dates_a) | set(dates_b)):
        before, after = dates_a.get(wave_id, "-"), dates_b.get(wave_id, "-")
        if before != after:
            changes.append({"kind": "wave", "id": wave_id, "before": before, "after": after})
    misses_a = {m.system for m in a.misses}
    misses_b = {m.system for m in b.misses}
    summary = {key: {"before": a.summary.get(key, 0), "after": b.summary.get(key, 0)}
               for key in sorted(set(a.summary) | set(b.summary))
               if a.summary.get(key, 0) != b.summary.get(key, 0)}
    return {
        "a": a.name, "b": b.name,
        "same_input": a.catalogue_digest == b.catalogue_digest,
        "deadline": {"before": a.deadline.isoformat(), "after": b.deadline.isoformat()},
        "summary": summary,
        "changes": changes,
        "new_misses": sorted(misses_b - misses_a),
        "resolved_misses": sorted(misses_a - misses_b),
    }
