"""An emulated device as the lab builds it: its `device.json` from the topology node.

The dialect comes from the inventory's model: Huawei CloudEngine (CE), NetEngine (NE), ATN and CX run VRP8, the
rest (S and AR series) VRP5; H3C models of the Comware 5 generation (S5120, S7500E, MSR 20/30/50, S3600) run
Comware 5, the rest Comware 7.
"""

from __future__ import annotations

import json
from dataclasses import asdict

from ezgov_infra.automation.hostvars import LAB_TIMERS
from ezgov_infra.lab.emulator.device import DeviceSpec, PortSpec
from ezgov_infra.lab.topology import Node

VRP8_FAMILIES = ("CE", "NE", "ATN", "CX")
COMWARE5_FAMILIES = ("S5120", "S7500E", "S7510E", "MSR20", "MSR30", "MSR50", "S3600", "S5500")


def dialect(platform: str, model: str) -> str:
    family = model.upper().replace(" ", "")
    if platform == "huawei_vrp":
        return "vrp8" if family.startswith(VRP8_FAMILIES) else "vrp5"
    return "comware5" if family.startswith(COMWARE5_FAMILIES) else "comware7"


def spec_of(node: Node) -> DeviceSpec:
    ports = [PortSpec(p.name, p.dev, p.kind, [str(a) for a in p.ipv4], [str(a) for a in p.ipv6] if node.ipv6 else [],
                      p.ospf6 and node.ipv6) for p in node.ports]
    hello, dead = LAB_TIMERS
    default_model = "S5735-L24T4S-A1" if node.platform == "huawei_vrp" else "S6520X-30QC-EI"
    return DeviceSpec(node.id, dialect(node.platform, node.model), node.model or default_model, node.router_id,
                      node.ipv6, ports, hello, dead)


def device_spec(node: Node) -> str:
    """The text of the node's `device.json`."""
    return json.dumps(asdict(spec_of(node)), indent=1, sort_keys=True) + "\n"
