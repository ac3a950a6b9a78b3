"""The Ansible inventory export names, for every platform, a network OS whose plugins Ansible can load."""

from __future__ import annotations

from pathlib import Path

from ezgov_infra.automation.export import ansible_inventory
from ezgov_infra.platforms import known_profiles, load_profile
from ezgov_infra.store.inventory import load_inventory
from tests.conftest import REPO

INSTALLED = {"cisco.ios.ios"}  # shipped with the ansible package this project installs


def hosts(group: dict) -> dict:
    found = {name: v for name, v in (group.get("hosts") or {}).items() if v}  # other groups list hosts bare
    for child in (group.get("children") or {}).values():
        found.update(hosts(child))
    return found


def every_host(document: dict) -> dict:
    found: dict = {}
    for group in document["all"]["children"].values():
        found.update(hosts(group))
    return found


class TestNetworkOs:
    def test_every_platform_names_an_installed_or_bundled_plugin(self) -> None:
        for name in known_profiles():
            network_os = load_profile(name).ansible_network_os
            bundled = all((REPO / "playbooks" / f"{kind}_plugins" / f"{network_os}.py").is_file()
                          for kind in ("cliconf", "terminal"))
            assert network_os in INSTALLED or bundled, f"{name}: {network_os}"

    def test_h3c_is_exported_as_comware_not_huawei_cloudengine(self, sample_inventory: Path) -> None:
        described = list(every_host(ansible_inventory(load_inventory(sample_inventory))).values())
        comware = [h for h in described if h.get("ezgov_platform") == "hp_comware"]
        vrp = [h for h in described if h.get("ezgov_platform") == "huawei_vrp"]
        assert comware and {h["ansible_network_os"] for h in comware} == {"ezgov_comware"}
        assert vrp and {h["ansible_network_os"] for h in vrp} == {"ezgov_vrp"}
