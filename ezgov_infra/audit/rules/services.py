"""Service rules: NTP, syslog and AAA servers reachable over IPv6 (RIPE-554's management requirements)."""

from __future__ import annotations

from collections.abc import Iterator

from ezgov_infra.audit.rules import Context, Rule, rule
from ezgov_infra.models.facts import is_ipv6
from ezgov_infra.models.findings import Finding
from ezgov_infra.models.kinds import Category, Severity

RATIONALE = "RIPE-554: NTP, syslog and AAA must work over IPv6 transport for an IPv6-only management plane."


def _check(r: Rule, ctx: Context, servers: list[str] | None, what: str, key: str) -> Iterator[Finding]:
    if servers is None or not ctx.facts.has_ipv6:
        return
    if not servers:
        yield r.finding(ctx, f"no {what} server configured", {"servers": []},
                        ctx.remedy(key, f"Configure the city's {what} server over IPv6:", server="<server>"),
                        severity=Severity.info)
    elif not any(is_ipv6(s) for s in servers):
        yield r.finding(ctx, f"{what} servers only over IPv4", {"servers": servers},
                        ctx.remedy(key, f"Add the {what} server's IPv6 address:", server="<server IPv6>"))


@rule("V6-SVC-001", "An NTP server is used over IPv6", Severity.low, Category.services, RATIONALE)
def ntp(r: Rule, ctx: Context) -> Iterator[Finding]:
    yield from _check(r, ctx, ctx.facts.services.ntp, "NTP", "ntp")


@rule("V6-SVC-002", "A syslog server is used over IPv6", Severity.low, Category.services, RATIONALE)
def syslog(r: Rule, ctx: Context) -> Iterator[Finding]:
    yield from _check(r, ctx, ctx.facts.services.syslog, "syslog", "syslog")


@rule("V6-SVC-003", "An AAA (TACACS+/RADIUS) server is used over IPv6", Severity.low, Category.services, RATIONALE)
def aaa(r: Rule, ctx: Context) -> Iterator[Finding]:
    yield from _check(r, ctx, ctx.facts.services.aaa, "AAA", "aaa")
