"""Security rules: the management plane filtered for IPv6 as it is for IPv4, SNMPv3 rather than v2c, no telnet."""

from __future__ import annotations

from collections.abc import Iterator

from ezgov_infra.audit.rules import Context, Rule, rule
from ezgov_infra.models.findings import Finding
from ezgov_infra.models.kinds import Category, Severity


@rule("V6-SEC-001", "An IPv6 ACL protects the management plane", Severity.high, Category.security,
      "RIPE-772 / RFC 8504: filter IPv6 to the control and management plane as strictly as IPv4; an unfiltered "
      "IPv6 path bypasses the IPv4 policy.")
def mgmt_acl(r: Rule, ctx: Context) -> Iterator[Finding]:
    management = ctx.facts.management
    if management.ipv6_acl is not False or not ctx.facts.has_ipv6:
        return
    severity = Severity.high if management.ipv4_acl else Severity.medium
    message = ("management is filtered for IPv4 but open over IPv6" if management.ipv4_acl
               else "no ACL protects the management plane over IPv6")
    yield r.finding(ctx, message, {"ipv4_acl": management.ipv4_acl, "ipv6_acl": False},
                    ctx.remedy("mgmt_acl", "Allow management only from the NOC block:"), severity=severity)


@rule("V6-SEC-002", "SNMP management uses v3 (authPriv), not v2c only", Severity.medium, Category.security,
      "The plan's security clause 3.(4): community strings travel in clear text; SNMPv3 authPriv does not.")
def snmp_version(r: Rule, ctx: Context) -> Iterator[Finding]:
    versions = ctx.facts.management.snmp_versions
    if not versions:
        return
    if "3" not in versions:
        yield r.finding(ctx, f"SNMP {'/'.join('v' + v for v in versions)} only, no SNMPv3",
                        {"snmp_versions": versions}, ctx.remedy("snmp_v3", "Move monitoring to SNMPv3 authPriv:"))
    elif "2c" in versions or "1" in versions:
        yield r.finding(ctx, "SNMPv2c still enabled next to SNMPv3", {"snmp_versions": versions},
                        "Remove the community once every poller uses v3.", severity=Severity.low)


@rule("V6-SEC-003", "Telnet is disabled", Severity.medium, Category.security,
      "RIPE-772: clear-text management protocols must be off on both address families.")
def telnet(r: Rule, ctx: Context) -> Iterator[Finding]:
    if ctx.facts.management.telnet_enabled:
        yield r.finding(ctx, "telnet is enabled", {"telnet_enabled": True},
                        "Disable the telnet server and allow only SSH on the vty lines.")
