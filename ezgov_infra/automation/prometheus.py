"""The inventory as configuration for Prometheus' SNMP engine: snmp_exporter modules and Prometheus scrape jobs.

Network teams that poll continuously run snmp_exporter and Prometheus already; ezgov generates their configuration
from the inventory instead of polling itself, and reads utilisation back (`collect.prometheus`).

- `snmp_exporter_config`: one module per SNMP profile in use, in the format of Debian's prometheus-snmp-exporter
  (0.21: version and auth inside each module). It walks exactly what the bandwidth audit needs: ifName (as the
  `ifName` label), the 64- and 32-bit octet counters, ifHighSpeed and ifSpeed, and gets sysUpTime. The module's
  auth holds the profile's community or USM keys: that file is the engine's credential store, so it is written
  0600 and never printed (`redacted` gives the same document with every secret replaced).
- `prometheus_config`: one scrape job, one target per device with a live SNMP agent, labelled with district,
  site, device and site category; the module is a `__param_module` target label, and the usual relabelling sends
  the scrape to the exporter with the device as `target`. Metric relabelling adds the `circuit` label to the
  interface that ends each active circuit. The interval is `policy.bandwidth.scrape_interval_s`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ezgov_infra.models.credentials import SnmpCredentials
from ezgov_infra.models.inventory import CircuitStatus, Collection, Device, Inventory, SnmpProfile

JOB = "ezgov-snmp"
SECRET_FIELDS = ("community", "password", "priv_password")

# (metric name, numeric column, Prometheus type); ifName comes as a label through a lookup.
IF_NAME = "1.3.6.1.2.1.31.1.1.1.1"
COLUMNS = (
    ("ifHCInOctets", "1.3.6.1.2.1.31.1.1.1.6", "counter"),
    ("ifHCOutOctets", "1.3.6.1.2.1.31.1.1.1.10", "counter"),
    ("ifInOctets", "1.3.6.1.2.1.2.2.1.10", "counter"),
    ("ifOutOctets", "1.3.6.1.2.1.2.2.1.16", "counter"),
    ("ifHighSpeed", "1.3.6.1.2.1.31.1.1.1.15", "gauge"),
    ("ifSpeed", "1.3.6.1.2.1.2.2.1.5", "gauge"),
)
SYS_UPTIME = ("sysUpTime", "1.3.6.1.2.1.1.3", "gauge")
_AUTH = {"SHA": "SHA", "SHA256": "SHA256", "SHA512": "SHA512", "MD5": "MD5"}
_PRIV = {"AES": "AES", "AES256": "AES256", "DES": "DES"}


@dataclass(slots=True)
class Target:
    """One device the engine scrapes: its agent address, module and labels."""

    device: str
    address: str
    module: str
    labels: dict[str, str]
    circuits: dict[str, str] = field(default_factory=dict)  # interface name -> circuit id


@dataclass(slots=True)
class EngineTargets:
    targets: list[Target]
    skipped: dict[str, str]


def module_name(profile: str) -> str:
    return "ezgov_" + re.sub(r"[^A-Za-z0-9_]", "_", profile)


def engine_targets(inventory: Inventory) -> EngineTargets:
    """Every device with a live SNMP agent and an active uplink circuit; the others with the reason."""
    circuits_of: dict[str, dict[str, str]] = {}
    for circuit in sorted(inventory.circuits.values(), key=lambda c: c.id):
        if circuit.status is not CircuitStatus.active:
            continue
        for end in (circuit.a_end, circuit.z_end):
            owner, _, interface = end.partition(":")
            if owner in inventory.devices and interface:
                circuits_of.setdefault(owner, {}).setdefault(interface, circuit.id)
    targets: list[Target] = []
    skipped: dict[str, str] = {}
    for device_id in sorted(circuits_of):
        device = inventory.devices[device_id]
        why = _unscrapable(inventory, device)
        if why:
            skipped[device_id] = why
            continue
        site = inventory.sites.get(device.site)
        address = device.mgmt_ipv6 or device.mgmt_ipv4
        assert address is not None and device.snmp_profile is not None
        host = f"[{address.ip}]" if address.version == 6 else str(address.ip)
        port = inventory.snmp[device.snmp_profile].port_for(device)
        targets.append(Target(
            device=device_id, address=f"{host}:{port}", module=module_name(device.snmp_profile),
            labels={"device": device_id, "site": device.site, "district": inventory.site_district(device.site) or "",
                    "site_category": site.category.value if site else ""},
            circuits=circuits_of[device_id]))
    return EngineTargets(targets, skipped)


def _unscrapable(inventory: Inventory, device: Device) -> str | None:
    if device.collection is Collection.offline:
        return "offline (collected from snapshots): no live agent"
    if device.snmp_profile is None or device.snmp_profile not in inventory.snmp:
        return "no SNMP profile"
    if device.mgmt_ipv6 is None and device.mgmt_ipv4 is None:
        return "no management address"
    return None


def _auth(profile: SnmpProfile, credentials: SnmpCredentials) -> tuple[int, dict[str, str]]:
    if credentials.version == "2c":
        return 2, {"community": credentials.community or ""}
    level = "authPriv" if credentials.priv_key else "authNoPriv" if credentials.auth_key else "noAuthNoPriv"
    auth: dict[str, str] = {"username": credentials.user or "", "security_level": level}
    if credentials.auth_key:
        auth |= {"password": credentials.auth_key, "auth_protocol": _AUTH[credentials.auth_protocol or "SHA"]}
    if credentials.priv_key:
        auth |= {"priv_password": credentials.priv_key, "priv_protocol": _PRIV[credentials.priv_protocol or "AES"]}
    return 3, auth


def snmp_exporter_config(inventory: Inventory, targets: list[Target],
                         credentials: Callable[[SnmpProfile], SnmpCredentials]) -> dict[str, Any]:
    """The exporter's `snmp.yml` document: one module per SNMP profile the targets use."""
    index = [{"labelname": "ifIndex", "type": "gauge"}]
    lookup = [{"labels": ["ifIndex"], "labelname": "ifName", "oid": IF_NAME, "type": "DisplayString"}]
    metrics: list[dict[str, Any]] = [
        {"name": SYS_UPTIME[0], "oid": SYS_UPTIME[1], "type": SYS_UPTIME[2],
         "help": "Time since the agent's network management was last re-initialised (hundredths of a second)"}]
    for name, oid, kind in COLUMNS:
        metrics.append({"name": name, "oid": oid, "type": kind, "help": f"IF-MIB {name} ({oid})",
                        "indexes": index, "lookups": lookup})
    modules: dict[str, Any] = {}
    used = sorted({_profile_of(inventory, t.module) for t in targets})
    for profile_id in used:
        profile = inventory.snmp[profile_id]
        version, auth = _auth(profile, credentials(profile))
        modules[module_name(profile_id)] = {
            "version": version, "auth": auth, "timeout": "5s", "retries": 1, "max_repetitions": 25,
            "get": [SYS_UPTIME[1] + ".0"],
            "walk": [IF_NAME, *(oid for _, oid, _ in COLUMNS)],
            "metrics": metrics,
        }
    return modules


def _profile_of(inventory: Inventory, module: str) -> str:
    return next(p for p in inventory.snmp if module_name(p) == module)


def redacted(config: dict[str, Any]) -> dict[str, Any]:
    """The same exporter document with every secret replaced by `<secret>`, for printing."""
    out: dict[str, Any] = {}
    for name, module in config.items():
        auth = {k: ("<secret>" if k in SECRET_FIELDS else v) for k, v in module.get("auth", {}).items()}
        out[name] = {**module, "auth": auth}
    return out


def prometheus_config(inventory: Inventory, targets: list[Target], *, exporter: str,
                      rule_files: list[str] | None = None) -> dict[str, Any]:
    """A `prometheus.yml` document scraping every target through the exporter at `exporter` (host:port)."""
    interval = f"{inventory.policy.bandwidth.scrape_interval_s}s"
    static = [{"targets": [t.address], "labels": {**t.labels, "__param_module": t.module}} for t in targets]
    circuit_rules = [
        {"source_labels": ["device", "ifName"], "regex": re.escape(f"{t.device};{interface}"),
         "target_label": "circuit", "replacement": circuit}
        for t in targets for interface, circuit in sorted(t.circuits.items())]
    job: dict[str, Any] = {
        "job_name": JOB,
        "scrape_interval": interval,
        "scrape_timeout": f"{min(10, inventory.policy.bandwidth.scrape_interval_s)}s",
        "metrics_path": "/snmp",
        "static_configs": static,
        "relabel_configs": [
            {"source_labels": ["__address__"], "target_label": "__param_target"},
            {"source_labels": ["__param_target"], "target_label": "instance"},
            {"target_label": "__address__", "replacement": exporter},
        ],
    }
    if circuit_rules:
        job["metric_relabel_configs"] = circuit_rules
    document: dict[str, Any] = {"global": {"scrape_interval": interval, "evaluation_interval": interval},
                                "scrape_configs": [job]}
    if rule_files:
        document["rule_files"] = rule_files
    return document
