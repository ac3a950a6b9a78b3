"""The `ipv6 web` use case: check government websites' IPv6 readiness and store the run (kind `web-check`).

Sites are checked in parallel up to `workers` by the batch runner collection uses; each site's requests run one
after another, each with its own timeout, so a slow or broken site costs at most its own time. One result per site
lands in the history database (facts without page bodies) with one finding per failed check.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from ipaddress import ip_address
from pathlib import Path
from typing import Any

from ezgov_infra.audit.web import FAIL, RULES, SiteVerdict, WebPolicy, judge_site
from ezgov_infra.collect.runner import run_batch
from ezgov_infra.collect.web import Dns, Http, gather_site
from ezgov_infra.config import history_path
from ezgov_infra.errors import InputError
from ezgov_infra.lab import websites as web_lab
from ezgov_infra.models.kinds import Readiness
from ezgov_infra.models.runs import Progress
from ezgov_infra.store.history import open_history
from ezgov_infra.store.inventory import kind_files, load_inventory

RUN_KIND = "web-check"
_HOSTNAME = re.compile(r"^(?=.{1,253}\.?$)(?!-)[A-Za-z0-9-]{1,63}(?<!-)(\.(?!-)[A-Za-z0-9-]{1,63}(?<!-))*\.?$")


@dataclass(slots=True)
class SiteResult:
    host: str
    name: str
    verdict: SiteVerdict
    elapsed: float
    facts: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        v = self.verdict
        return {"host": self.host, "name": self.name, "status": v.status, "category": v.category,
                "message": v.message, "score": v.score, "readiness": v.readiness.value, "elapsed": self.elapsed,
                "failed": [c.id for c in v.checks if c.status == FAIL],
                "checks": {c.id: {"title": c.title, "status": c.status, "reason": c.reason, "evidence": c.evidence}
                           for c in v.checks}}

    def row(self) -> dict[str, Any]:
        v = self.verdict
        failed = [c for c in v.checks if c.status == FAIL]
        readiness = f"error: {v.category}" if v.status == "failed" else v.readiness.value
        return {"site": self.host, "name": self.name, "score": v.score, "readiness": readiness,
                "failed": [c.id for c in failed], "why": " | ".join(c.reason for c in failed)}


@dataclass(slots=True)
class WebCheckResult:
    run_id: int | None
    started: str
    elapsed: float
    resolver: str
    ca_file: str | None
    sites: list[SiteResult]

    def rows(self) -> list[dict[str, Any]]:
        return [s.row() for s in self.sites]

    def summary(self) -> dict[str, Any]:
        scores = [s.verdict.score for s in self.sites]
        return {"sites": len(self.sites),
                "ready": sum(1 for s in self.sites if s.verdict.readiness is Readiness.ready),
                "partial": sum(1 for s in self.sites if s.verdict.readiness is Readiness.partial),
                "not_ready": sum(1 for s in self.sites if s.verdict.readiness is Readiness.not_ready),
                "failed": sum(1 for s in self.sites if s.verdict.status == "failed"),
                "mean_score": round(sum(scores) / len(scores), 1) if scores else None}

    def as_dict(self) -> dict[str, Any]:
        return {"run_id": self.run_id, "started": self.started, "elapsed": self.elapsed, "resolver": self.resolver,
                "ca_file": self.ca_file, "summary": self.summary(), "sites": [s.as_dict() for s in self.sites]}


def check_websites(
    *,
    folder: Path,
    state_dir: Path,
    hosts: list[str] | None = None,
    resolver: str | None = None,
    ca_file: Path | None = None,
    lab: bool = False,
    depth: int = 3,
    max_links: int = 20,
    probes: int = 5,
    timeout: float = 10.0,
    dns_timeout: float = 5.0,
    workers: int = 8,
    max_page_kib: int = 5120,
    store: bool = True,
    progress: Progress | None = None,
) -> WebCheckResult:
    """Check `hosts` (default: the inventory's websites) and store the run in `<state_dir>/history.sqlite`."""
    if lab:

        running = web_lab.state(state_dir)
        if running is None:
            raise InputError(f"--lab: the website lab is not up under {state_dir} (start it with "
                             "ezgov_infra.lab.websites.up, or `ezgov lab up`)")
        resolver = resolver or running.resolver
        ca_file = ca_file or Path(running.ca_file)
    _validate(resolver=resolver, ca_file=ca_file, depth=depth, max_links=max_links, probes=probes,
              timeout=timeout, workers=workers)
    names, policy = _inventory(folder, need_sites=not hosts)
    targets = list(dict.fromkeys(h.strip().lower().rstrip(".") for h in hosts)) if hosts else sorted(names)

    started, clock = datetime.now(UTC).isoformat(timespec="seconds"), time.monotonic()
    dns = Dns(resolver, timeout=dns_timeout)
    http = Http(dns, ca_file=ca_file, timeout=timeout, max_bytes=max_page_kib * 1024)

    def check(host: str) -> SiteResult:
        return _one_site(host, names.get(host, ""), dns, http, policy, depth=depth, max_links=max_links,
                         probes=probes)

    try:
        # each site bounds itself (every request has its timeout), so the batch sets no deadline of its own
        batch = run_batch(targets, check, workers=workers, timeout=None, progress=progress, title="website checks")
    finally:
        http.close()
    results = [r.value for r in batch if r.value is not None]  # _one_site turns every error into a verdict
    result = WebCheckResult(None, started, round(time.monotonic() - clock, 2), dns.resolver,
                            str(ca_file) if ca_file else None, results)
    if store:
        result.run_id = _store(result, state_dir)
    return result


def _one_site(host: str, name: str, dns: Any, http: Any, policy: WebPolicy, **options: int) -> SiteResult:

    clock = time.monotonic()
    if not _HOSTNAME.match(host):
        facts = _failed_facts(host, dns.resolver, "bad-hostname", f"{host!r} is not a valid host name")
    else:
        try:
            facts = gather_site(host, dns, http, **options)
        except Exception as exc:  # a collector bug on one site must not end the run; say what it was
            facts = _failed_facts(host, dns.resolver, "internal", f"{type(exc).__name__}: {exc}")
    verdict = judge_site(facts, policy)
    return SiteResult(host, name, verdict, round(time.monotonic() - clock, 3), _storable(facts))


def _failed_facts(host: str, resolver: str, category: str, message: str) -> dict[str, Any]:
    error = {"category": category, "message": message}
    return {"host": host, "resolver": resolver, "zone": None, "ports": [], "homepage": {}, "probes": [],
            "crawl": None, "dns": {"a": [], "aaaa": [], "aaaa_unusable": {}, "a_error": error, "aaaa_error": error}}


def _storable(facts: dict[str, Any]) -> dict[str, Any]:
    """Facts without page bodies (sizes stay): the history keeps evidence, not copies of websites."""
    homepage = {family: {k: v for k, v in fetch.items() if k != "body"} for family, fetch in facts["homepage"].items()}
    return {**facts, "homepage": homepage}


def _validate(*, resolver: str | None, ca_file: Path | None, depth: int, max_links: int, probes: int,
              timeout: float, workers: int) -> None:
    if resolver is not None:
        try:
            ip_address(resolver)
        except ValueError:
            raise InputError(f"--resolver: {resolver!r} is not an IP address (give the resolver's address, "
                             "e.g. 2001:db8:ffff::2)") from None
    if ca_file is not None and not ca_file.is_file():
        raise InputError(f"--ca-file: {ca_file}: no such file")
    for option, value, low in (("--depth", depth, 1), ("--max-links", max_links, 1), ("--probes", probes, 0),
                               ("--workers", workers, 1)):
        if value < low:
            raise InputError(f"{option}: {value} is below the minimum {low}")
    if timeout <= 0:
        raise InputError(f"--timeout: {timeout} must be positive")


def _inventory(folder: Path, *, need_sites: bool) -> tuple[dict[str, str], WebPolicy]:
    """Website names (host -> name) and the web policy; without `need_sites` a missing inventory is fine."""

    if not need_sites and not kind_files(folder, "websites"):
        return {}, WebPolicy()
    inventory = load_inventory(folder)
    try:
        policy = WebPolicy.from_mapping(inventory.policy.audit.get("web"))
    except (TypeError, ValueError) as exc:
        raise InputError(f"{folder / 'policy.yaml'}: audit.web: {exc}") from exc
    return {w.id: w.name_en for w in inventory.websites.values()}, policy


def _store(result: WebCheckResult, state_dir: Path) -> int:

    findings = [f.model_dump(mode="json") for s in result.sites for f in s.verdict.findings]
    rows = [{"subject": s.host, "status": s.verdict.status, "category": s.verdict.category,
             "message": s.verdict.message, "elapsed": s.elapsed,
             "facts": {**s.facts, "score": s.verdict.score, "readiness": s.verdict.readiness.value,
                       "checks": {c.id: c.status for c in s.verdict.checks}}} for s in result.sites]
    status = "ok" if not any(s.verdict.status == "failed" for s in result.sites) else "partial"
    with open_history(history_path(state_dir)) as history:
        return history.record_run(RUN_KIND, scope=",".join(s.host for s in result.sites)[:500], status=status,
                                  summary={**result.summary(), "resolver": result.resolver,
                                           "checks": list(RULES)},
                                  results=rows, findings=findings, started=result.started)
