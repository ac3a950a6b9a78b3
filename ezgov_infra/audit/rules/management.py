"""Management-plane rules: an IPv6 management address, and SSH and SNMP answering over IPv6."""

from __future__ import annotations

from collections.abc import Iterator

from ezgov_infra.audit.rules import Context, Rule, rule
from ezgov_infra.models.findings import Finding
from ezgov_infra.models.kinds import Category, Severity


@rule("V6-MGMT-001", "The device has an IPv6 management address", Severity.medium, Category.management_plane,
      "RIPE-554: every management function must work over IPv6 so IPv4 can one day be switched off.")
def address(r: Rule, ctx: Context) -> Iterator[Finding]:
    if ctx.device.mgmt_ipv6 is None:
        block = ctx.plan.management_block if ctx.plan else "the management block"
        yield r.finding(ctx, "no IPv6 management address", {"mgmt_ipv4": str(ctx.device.mgmt_ipv4 or "")},
                        f"Assign an address from {block} and record it as mgmt_ipv6 in devices.yaml.")


@rule("V6-MGMT-002", "SSH answers over IPv6", Severity.medium, Category.management_plane,
      "RIPE-554: SSH over IPv6 is a required management feature.")
def ssh(r: Rule, ctx: Context) -> Iterator[Finding]:
    if ctx.device.mgmt_ipv6 is None:
        return
    probed, configured = ctx.facts.reachability.ssh_ipv6, ctx.facts.management.ssh_ipv6
    if probed is False or (probed is None and configured is False):
        evidence = {"probe": probed, "configured": configured, "address": str(ctx.device.mgmt_ipv6.ip)}
        yield r.finding(ctx, f"SSH does not answer on {ctx.device.mgmt_ipv6.ip}", evidence,
                        ctx.remedy("ssh_ipv6", "Enable the SSH server for IPv6:"))


@rule("V6-MGMT-003", "SNMP answers over IPv6", Severity.low, Category.management_plane,
      "RIPE-554: SNMP over IPv6 transport; monitoring must not depend on IPv4.")
def snmp(r: Rule, ctx: Context) -> Iterator[Finding]:
    if ctx.device.mgmt_ipv6 is None or ctx.device.snmp_profile is None:
        return
    probed, configured = ctx.facts.reachability.snmp_ipv6, ctx.facts.management.snmp_ipv6
    if probed is False or (probed is None and configured is False):
        yield r.finding(ctx, f"SNMP does not answer on {ctx.device.mgmt_ipv6.ip}",
                        {"probe": probed, "configured": configured},
                        "Enable the SNMP agent on IPv6 (VRP: snmp-agent protocol source-status ipv6 all-interface).")
