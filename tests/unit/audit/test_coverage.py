"""Extranet coverage with circuits that end at a site, and with no extranet root set."""

from __future__ import annotations

from pathlib import Path

import pytest

from ezgov_infra.audit.bandwidth import audit_sites
from ezgov_infra.audit.coverage import NO_ROOT, compute_stats, connected_sites
from ezgov_infra.migrate.schedule import site_uplinks
from ezgov_infra.models.checks import check_inventory
from ezgov_infra.models.inventory import Circuit, Inventory
from ezgov_infra.models.policy import Policy
from ezgov_infra.store.inventory import load_inventory


@pytest.fixture(scope="module")
def sample(sample_inventory: Path) -> Inventory:
    return load_inventory(sample_inventory)


def _deviceless_site(inv: Inventory) -> str:
    """A required centre of the sample with no device: coverage calls it 'no device at the site'."""
    gaps = {g.site: g.reason for g in compute_stats(inv).missing}
    return next(site for site, reason in sorted(gaps.items()) if reason == "no device at the site")


def _with_circuit(inv: Inventory, circuit: Circuit) -> Inventory:
    return inv.model_copy(update={"circuits": {**inv.circuits, circuit.id: circuit}})


class TestSiteEndedCircuits:
    def test_an_active_circuit_to_the_core_connects_a_site_with_no_device(self, sample: Inventory) -> None:
        site = _deviceless_site(sample)
        before = compute_stats(sample)
        inv = _with_circuit(sample, Circuit(id="NB-1", provider="p", a_end=site, z_end="ez-dc", access_type="pon",
                                            contracted_mbps=20))
        after = compute_stats(inv)
        assert site in connected_sites(inv) and site not in connected_sites(sample)
        assert after.connected == before.connected + 1
        assert [g.site for g in after.no_device] == [site]
        assert after.no_device[0].reason == "no device recorded at the site"
        assert not [i for i in check_inventory(inv) if i.id == "NB-1"]

    def test_the_other_judges_see_the_circuit_at_the_site_too(self, sample: Inventory) -> None:
        site = _deviceless_site(sample)
        inv = _with_circuit(sample, Circuit(id="NB-5", provider="p", a_end=site, z_end="ez-dc", access_type="pon",
                                            contracted_mbps=20))
        assert inv.end_site("NB-5") is None and inv.end_site(site) == site
        before = {v.site: v for v in audit_sites(sample, {}, {})}
        after = {v.site: v for v in audit_sites(inv, {}, {})}
        assert "bw.not-connected" in {f.rule for f in before[site].findings}
        assert after[site].circuits == ["NB-5"]
        assert "bw.not-connected" not in {f.rule for f in after[site].findings}
        uplinks = site_uplinks(inv, inv.policy.migration, {}, None)
        assert uplinks[site].mbps == 20.0 and "NB-5" in uplinks[site].source

    def test_a_planned_circuit_is_named_as_the_gap(self, sample: Inventory) -> None:
        site = _deviceless_site(sample)
        inv = _with_circuit(sample, Circuit(id="NB-2", provider="p", a_end=site, z_end="ez-dc", access_type="pon",
                                            contracted_mbps=20, status="planned"))
        gaps = {g.site: g.reason for g in compute_stats(inv).missing}
        assert gaps[site] == "no active circuit (NB-2 planned)"

    def test_an_end_that_is_neither_interface_nor_site_is_refused(self, sample: Inventory) -> None:
        inv = _with_circuit(sample, Circuit(id="NB-3", provider="p", a_end="nowhere", z_end="ez-dc",
                                            access_type="pon", contracted_mbps=20))
        assert [(i.path, i.message) for i in check_inventory(inv) if i.id == "NB-3"] == [
            (("a_end",), "unknown interface or site 'nowhere'")]


class TestCircuitTypes:
    def test_the_type_list_is_the_policy(self, sample: Inventory) -> None:
        circuit = Circuit(id="NB-4", provider="p", a_end="ez-cloud", z_end="ez-dc", access_type="mpls",
                          contracted_mbps=20)
        refused = [i for i in check_inventory(_with_circuit(sample, circuit)) if i.id == "NB-4"]
        assert [(i.message, i.hint) for i in refused] == [
            ("unknown circuit type 'mpls'", "policy.yaml circuit_types allows: fibre, mstp, pon, dsl, lte, microwave")]
        opened = _with_circuit(sample, circuit).model_copy(
            update={"policy": Policy(extranet_roots=["ez-dc"], circuit_types=["fibre", "mpls"])})
        assert [i for i in check_inventory(opened) if i.id == "NB-4"] == []


class TestNoRoot:
    def test_with_no_root_a_gap_says_so_instead_of_no_active_path(self, sample: Inventory) -> None:
        inv = sample.model_copy(update={"policy": Policy()})
        stats = compute_stats(inv)
        assert stats.roots == [] and stats.connected == 0
        reasons = {g.reason for g in stats.missing}
        assert NO_ROOT in reasons and "no active path to the extranet core" not in reasons
