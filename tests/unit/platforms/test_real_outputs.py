"""Every real captured output in `tests/data/real/<platform>/<case>/` parses to the facts written by hand in its
`expected.yaml`, through the offline collector exactly as an audit reads a snapshot folder.

`expected.yaml`: `ipv6_forwarding` and `protocols` (`unknown` when the outputs cannot tell), `interfaces` (each
interface running IPv6 with its addresses: `ADDRESS/LEN`, `ADDRESS/unknown` from brief tables, `EUI-64 in
PREFIX/LEN`, `autoconfig`, `unnumbered IF`; `unknown` when no output says which interfaces run IPv6),
`evidence: none` for a device whose outputs say nothing about IPv6, and `unreadable` (the line numbers the parser
must report as unreadable while it still reads the rest; none when absent) and, where given, `neighbours`
(`ADDRESS STATE INTERFACE` of each OSPFv3 neighbour).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from ezgov_infra.collect.snapshot import collect
from ezgov_infra.models.facts import DeviceFacts
from ezgov_infra.models.inventory import Device
from tests.conftest import DATA

REAL = DATA / "real"
PLATFORMS = ("cisco_ios", "huawei_vrp", "hp_comware")
CASES = sorted(p for platform in PLATFORMS for p in (REAL / platform).glob("*/") if (p / "expected.yaml").exists())


def device_for(case: Path) -> Device:
    return Device.model_validate({"id": case.name, "site": "real", "role": "access", "platform": case.parent.name,
                                  "credential_profile": "real"})


def observed(facts: DeviceFacts) -> dict[str, Any]:
    routing = facts.routing
    interfaces = {i.name: i.ipv6_shown() for i in facts.interfaces if i.ipv6_enabled}
    told = any(i.ipv6_enabled is not None for i in facts.interfaces)
    return {"evidence": "none" if not facts.ipv6_evidence else "some",
            "ipv6_forwarding": "unknown" if routing.ipv6_forwarding is None else routing.ipv6_forwarding,
            "protocols": "unknown" if routing.protocols is None else sorted(routing.protocols),
            "interfaces": interfaces if told else "unknown"}


def wanted(case: Path) -> dict[str, Any]:
    expected = yaml.safe_load((case / "expected.yaml").read_text(encoding="utf-8"))
    interfaces = expected["interfaces"]
    if isinstance(interfaces, dict):
        interfaces = {str(k): [str(a) for a in v] for k, v in interfaces.items()}
    protocols = expected["protocols"]
    return {"evidence": expected.get("evidence", "some"), "ipv6_forwarding": expected["ipv6_forwarding"],
            "protocols": sorted(protocols) if isinstance(protocols, list) else protocols,
            "interfaces": interfaces}


class TestRealOutputs:
    @pytest.mark.parametrize("case", CASES, ids=lambda p: f"{p.parent.name}/{p.name}")
    def test_facts_equal_the_hand_checked_expectation(self, case: Path) -> None:
        facts = collect(device_for(case), inventory=case.parent, root=case.parent)
        assert observed(facts) == wanted(case)
        expected = yaml.safe_load((case / "expected.yaml").read_text(encoding="utf-8"))
        assert [u.line for u in facts.unreadable] == expected.get("unreadable", []), \
            [str(u) for u in facts.unreadable]
        if "neighbours" in expected:
            assert [f"{n.address} {n.state} {n.interface}" for n in facts.routing.neighbours or []] \
                == expected["neighbours"]

    @pytest.mark.parametrize("case", CASES, ids=lambda p: f"{p.parent.name}/{p.name}")
    def test_every_case_names_its_source_and_licence(self, case: Path) -> None:
        source = (case / "SOURCE").read_text(encoding="utf-8")
        assert "@" in source and "icen" in source

    def test_the_corpus_covers_every_platform(self) -> None:
        counts = {platform: sum(1 for c in CASES if c.parent.name == platform) for platform in PLATFORMS}
        assert all(count >= 20 for count in counts.values()), counts
