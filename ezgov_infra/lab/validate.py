"""`ezgov lab validate`: the checks declared in `checks.yaml`, each split into *show* (run something in the lab)
and *judge* (a pure function of what came back), so the judging is tested on recorded output.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from ezgov_infra.errors import InputError, LabError
from ezgov_infra.lab import probe
from ezgov_infra.lab.lab import Lab
from ezgov_infra.lab.network import if_indexes
from ezgov_infra.lab.render import IF_HIGH_SPEED_OID
from ezgov_infra.lab.topology import Node, Topology
from ezgov_infra.store.yamlfiles import YamlError, load_yaml

KINDS = ("adjacency", "ping", "no-ipv6", "ssh", "snmp", "speed")


@dataclass(frozen=True, slots=True)
class Check:
    id: str
    kind: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Outcome:
    check: str
    target: str
    ok: bool
    detail: str = ""


@dataclass(slots=True)
class Validation:
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return bool(self.outcomes) and all(o.ok for o in self.outcomes)

    @property
    def failed(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.ok]


def load_checks(path: Path | None = None) -> list[Check]:
    """Checks from a YAML list; bad entries are reported with their position."""
    label = str(path) if path else "ezgov_infra/lab/checks.yaml"
    try:
        text = path.read_text() if path else (resources.files("ezgov_infra") / "lab" / "checks.yaml").read_text()
        raw = load_yaml(text)
    except FileNotFoundError:
        raise InputError(f"{label}: no such checks file") from None
    except YamlError as exc:
        raise InputError(f"{label}: not valid YAML ({exc})") from exc
    if not isinstance(raw, list):
        raise InputError(f"{label}: expected a list of checks")
    checks = []
    for index, item in enumerate(raw):
        if not isinstance(item, dict) or "id" not in item or item.get("kind") not in KINDS:
            raise InputError(f"{label}: [{index}]: each check needs an id and a kind ({', '.join(KINDS)})")
        params = {k: v for k, v in item.items() if k not in ("id", "kind")}
        checks.append(Check(str(item["id"]), str(item["kind"]), params))
    return checks


# -- judges: pure ------------------------------------------------------------------------------------------------
def judge_ospf(neighbors_json: str, expected: dict[str, str]) -> list[str]:
    """Interfaces (of `expected`: interface -> neighbour router id) without a Full OSPFv2 neighbour."""
    full = set()
    for router_id, entries in (json.loads(neighbors_json or "{}").get("neighbors") or {}).items():
        for entry in entries:
            if str(entry.get("nbrState", "")).startswith("Full"):
                full.add((str(entry.get("ifaceName", "")).split(":")[0], router_id))
    return sorted(f"{port} ({rid})" for port, rid in expected.items() if (port, rid) not in full)


def judge_ospf6(neighbors_json: str, expected: dict[str, str]) -> list[str]:
    full = {(e.get("interfaceName"), e.get("neighborId")) for e in json.loads(neighbors_json or "{}").get(
        "neighbors", []) if e.get("state") == "Full"}
    return sorted(f"{port} ({rid})" for port, rid in expected.items() if (port, rid) not in full)


def judge_prompt(output: str, node_id: str) -> bool:
    """vtysh's `NODE#`, or an emulated VRP or Comware device's `<NODE>`."""
    return any(line.strip().startswith((f"{node_id}#", f"<{node_id}>")) for line in output.splitlines())


def judge_no_ipv6(ip_json: str) -> list[str]:
    """Global IPv6 addresses present (of `ip -j addr` output); link-local and loopback come with the kernel."""
    return [f"{item['ifname']}: {a['local']}" for item in json.loads(ip_json or "[]")
            for a in item.get("addr_info", []) if a.get("family") == "inet6" and a.get("scope") == "global"]


# -- show + judge ------------------------------------------------------------------------------------------------
def _expected(topology: Topology, node: Node, protocol: str) -> dict[str, str]:
    wanted = {}
    for link in topology.links:
        if protocol == "ospf6" and not link.ipv6:
            continue
        for mine, my_port, other in ((link.a_node, link.a_port, link.z_node), (link.z_node, link.z_port, link.a_node)):
            if mine == node.id:
                wanted[node.port(my_port).dev] = topology.node(other).router_id
    return wanted


def _adjacency(lab: Lab, check: Check) -> list[Outcome]:
    protocol = str(check.params.get("protocol", "ospf"))
    outcomes = []
    for node in lab.topology.nodes.values():
        expected = _expected(lab.topology, node, protocol)
        if not expected:
            continue
        command = "show ip ospf neighbor json" if protocol == "ospf" else "show ipv6 ospf6 neighbor json"
        judge = judge_ospf if protocol == "ospf" else judge_ospf6
        missing = judge(lab.vtysh(node.id, command), expected)
        outcomes.append(Outcome(check.id, node.id, not missing,
                                f"not Full: {', '.join(missing)}" if missing else f"{len(expected)} Full"))
    return outcomes


def _ping(lab: Lab, check: Check) -> list[Outcome]:
    source = str(check.params.get("from", ""))
    family = int(check.params.get("family", 4))
    if source not in lab.topology.nodes:
        return [Outcome(check.id, source, False, "no such lab node")]
    outcomes = []
    for node in lab.topology.nodes.values():
        loopback = node.port("lo")
        addresses = loopback.ipv4 if family == 4 else (loopback.ipv6 if node.ipv6 else ())
        for address in addresses:
            done = lab.exec(source, ["ping", f"-{family}", "-c", "1", "-w", "3", str(address.ip)], timeout=10)
            outcomes.append(Outcome(check.id, f"{source} -> {node.id} {address.ip}", done.returncode == 0,
                                    "" if done.returncode == 0 else "no reply"))
    return outcomes


def _no_ipv6(lab: Lab, check: Check) -> list[Outcome]:
    outcomes = []
    for node in lab.topology.nodes.values():
        if node.ipv6:
            continue
        present = judge_no_ipv6(lab.exec(node.id, ["ip", "-j", "addr", "show"]).stdout)
        outcomes.append(Outcome(check.id, node.id, not present, ", ".join(present) or "no global IPv6 address"))
    return outcomes


def _ssh(lab: Lab, check: Check) -> list[Outcome]:
    outcomes = []
    for node in lab.topology.nodes.values():
        for address in node.addresses:
            try:
                ok = judge_prompt(probe.ssh_prompt(lab.lab_dir, address), node.id)
                detail = "" if ok else "no router prompt"
            except LabError as exc:
                ok, detail = False, str(exc)
            outcomes.append(Outcome(check.id, f"{node.id} {address}", ok, detail))
    return outcomes


def _snmp(lab: Lab, check: Check) -> list[Outcome]:
    version = str(check.params.get("version", "3"))
    outcomes = []
    for node in lab.topology.nodes.values():
        for address in node.addresses:
            value = probe.snmp_get(lab.lab_dir, address, version)
            outcomes.append(Outcome(check.id, f"{node.id} {address}", value.strip('"') == node.id,
                                    f"sysName {value or 'no answer'}"))
    return outcomes


def _speed(lab: Lab, check: Check) -> list[Outcome]:

    outcomes = []
    for node in lab.topology.nodes.values():
        rows = probe.snmp_walk(lab.lab_dir, node.addresses[0], "3", IF_HIGH_SPEED_OID)
        indexes = if_indexes(node.namespace)
        for port in node.ports:
            if port.mbps is None:
                continue
            seen = rows.get(f"{IF_HIGH_SPEED_OID}.{indexes.get(port.dev)}")
            outcomes.append(Outcome(check.id, f"{node.id}:{port.name}", seen == str(port.mbps),
                                    f"ifHighSpeed {seen}, contracted {port.mbps}"))
    return outcomes


RUNNERS: dict[str, Callable[[Lab, Check], list[Outcome]]] = {
    "adjacency": _adjacency, "ping": _ping, "no-ipv6": _no_ipv6, "ssh": _ssh, "snmp": _snmp, "speed": _speed,
}


def validate(lab: Lab, checks: list[Check]) -> Validation:
    result = Validation()
    for check in checks:
        try:
            result.outcomes += RUNNERS[check.kind](lab, check)
        except LabError as exc:
            result.outcomes.append(Outcome(check.id, "-", False, str(exc)))
    return result


def expected_routes(topology: Topology, node_id: str) -> set[str]:
    """Loopback prefixes `node_id` must have a route to: every IPv4 loopback, and the IPv6 loopbacks of routers
    reachable over IPv6-carrying circuits."""
    node = topology.node(node_id)
    wanted = {a.with_prefixlen for n in topology.nodes.values() if n.id != node_id for a in n.port("lo").ipv4}
    if node.ipv6:
        seen, frontier = {node_id}, [node_id]
        while frontier:
            here = frontier.pop()
            for link in topology.links:
                if link.ipv6 and here in (link.a_node, link.z_node):
                    other = link.z_node if here == link.a_node else link.a_node
                    if other not in seen:
                        seen.add(other)
                        frontier.append(other)
        wanted |= {a.with_prefixlen for n in seen - {node_id} for a in topology.node(n).port("lo").ipv6}
    return wanted


def judge_routes(route_json: list[str], wanted: set[str]) -> set[str]:
    """Prefixes of `wanted` missing from `ip -j route` outputs (host routes print without /32 or /128)."""
    have = set()
    for text in route_json:
        for route in json.loads(text or "[]"):
            dst = str(route.get("dst", ""))
            have.add(dst if "/" in dst else f"{dst}/{128 if ':' in dst else 32}")
    return wanted - have


def _missing_routes(lab: Lab) -> dict[str, set[str]]:
    missing = {}
    for node in lab.topology.nodes.values():
        outputs = [lab.exec(node.id, ["ip", "-4", "-j", "route", "show"]).stdout]
        if node.ipv6:
            outputs.append(lab.exec(node.id, ["ip", "-6", "-j", "route", "show"]).stdout)
        gap = judge_routes(outputs, expected_routes(lab.topology, node.id))
        if gap:
            missing[node.id] = gap
    return missing


def wait_converged(lab: Lab, timeout: float = 30.0) -> float:
    """Seconds until every adjacency the topology implies is Full and every router has its loopback routes."""

    started = time.monotonic()
    checks = [Check("ospf", "adjacency", {"protocol": "ospf"}), Check("ospf6", "adjacency", {"protocol": "ospf6"})]
    while True:
        outcomes = [o for c in checks for o in _adjacency(lab, c)]
        missing = _missing_routes(lab) if all(o.ok for o in outcomes) else {}
        outcomes += [Outcome("routes", n, False, "missing " + ", ".join(sorted(p))) for n, p in missing.items()]
        if all(o.ok for o in outcomes):
            return time.monotonic() - started
        if time.monotonic() - started > timeout:
            raise LabError("not converged after {:.0f} s: {}".format(
                timeout, "; ".join(f"{o.target} {o.detail}" for o in outcomes if not o.ok)))
        time.sleep(0.1)
