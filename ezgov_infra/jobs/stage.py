"""Stage one wave of a migration plan in the virtual lab, so `ezgov migrate execute` can cut it over for real.

Per system of the wave: the lab router that stands for its hosting site (the site's own lab router, else its
district's, else the city core) runs a stand-in legacy service on service addresses of its own; the cloud
gateway (the lab router at a `cloud` site) is the target; the city core is the client that verifies. The runbook
`<plans-dir>/<plan>.cutover.yaml` is written for exactly those hosts. Nothing here prints.
"""

from __future__ import annotations

import hashlib
import html
import json
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ezgov_infra.automation.cutover import Runbook, runbook_path
from ezgov_infra.errors import InputError, LabError
from ezgov_infra.jobs.cutover import find_wave
from ezgov_infra.lab import standins
from ezgov_infra.lab.ns import alive, run_in
from ezgov_infra.lab.state import load_state
from ezgov_infra.lab.topology import from_inventory
from ezgov_infra.migrate.guard import refuse
from ezgov_infra.models.inventory import Inventory
from ezgov_infra.models.runs import NoProgress, Progress
from ezgov_infra.models.systems import LegacySystem
from ezgov_infra.store.files import atomic_write
from ezgov_infra.store.inventory import load_inventory
from ezgov_infra.store.systems import load_catalogue, load_plan
from ezgov_infra.store.yamlfiles import dump_plain

RUNBOOK_MARK = "# Staged in the virtual lab by `ezgov migrate stage`"
ROLE_RANK = {"core": 0, "aggregation": 1, "access": 2, "firewall": 3}


@dataclass(slots=True)
class StagedRow:
    system: str
    site: str
    source: str
    addresses: list[str]
    urls: list[str]
    answers: dict[str, bool]


@dataclass(slots=True)
class StageResult:
    plan: str
    wave: str
    runbook: str
    target: str
    client: str
    systems: list[StagedRow] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(all(row.answers.values()) for row in self.systems)

    def rows(self) -> list[dict[str, Any]]:
        return [{"system": r.system, "site": r.site, "source": r.source, "addresses": ", ".join(r.addresses),
                 "answers": ", ".join(f"{'ok' if ok else 'NO'} {url}" for url, ok in r.answers.items())}
                for r in self.systems]


# -- which router stands for which site -------------------------------------------------------------------------
def _lab_devices(inv: Inventory, where: Callable[[str], bool]) -> list[str]:
    found = [d for d in inv.devices.values() if d.lab and where(d.site)]
    return [d.id for d in sorted(found, key=lambda d: (ROLE_RANK.get(d.role.value, 9), d.id))]


def _district(inv: Inventory, region: str | None) -> str | None:
    while region is not None and region in inv.regions:
        if inv.regions[region].level.value == "district":
            return region
        region = inv.regions[region].parent
    return None


def cloud_router(inv: Inventory) -> str:
    found = _lab_devices(inv, lambda s: inv.sites[s].category.value == "cloud")
    if not found:
        raise InputError("no lab router at a site of category cloud: the wave has no target to move to")
    return found[0]


def core_router(inv: Inventory) -> str:
    found = [d for d in _lab_devices(inv, lambda s: inv.sites[s].category.value != "cloud")
             if inv.devices[d].role.value == "core"]
    if not found:
        raise InputError("no lab router with role core outside the cloud: nothing stands for the city core")
    return found[0]


def stand_in_candidates(inv: Inventory, site_id: str) -> list[str]:
    """Lab routers that may stand for a site, best first: its own, its district's aggregation, the city core."""
    cloud = cloud_router(inv)
    own = _lab_devices(inv, lambda s: s == site_id)
    district = _district(inv, inv.sites[site_id].region) if site_id in inv.sites else None
    of_district = [d for d in _lab_devices(inv, lambda s: _district(inv, inv.sites[s].region) == district)
                   if inv.devices[d].role.value == "aggregation"] if district else []
    ordered = [*own, *of_district, core_router(inv)]
    return [d for i, d in enumerate(ordered) if d != cloud and d not in ordered[:i]]


# -- the data a stand-in serves ----------------------------------------------------------------------------------
def write_data_folder(folder: Path, system: LegacySystem, router: str) -> None:
    """An index page naming the system, two record files and an export archive of random bytes."""
    token = os.urandom(8).hex()
    (folder / "records").mkdir(parents=True, exist_ok=True)
    (folder / "archive").mkdir(exist_ok=True)
    name = html.escape(system.name)
    name_en = html.escape(system.name_en or system.id)
    (folder / "index.html").write_text(
        f'<!doctype html>\n<html lang="zh"><head><meta charset="utf-8"><title>{name_en} ({system.id})</title>'
        f"</head>\n<body><h1>{name}</h1>\n<p>{name_en}: {html.escape(system.department)}, hosted at "
        f"{html.escape(system.site)} (stand-in on {router})</p>\n<p>data set {token}</p>\n"
        '<ul><li><a href="records/system.json">system.json</a></li><li><a href="records/catalogue.csv">'
        'catalogue.csv</a></li><li><a href="archive/export.dat">export.dat</a></li></ul>\n</body></html>\n',
        encoding="utf-8")
    facts = {"id": system.id, "name": system.name, "name_en": system.name_en, "department": system.department,
             "site": system.site, "data_gb": system.data_gb, "data_set": token}
    (folder / "records" / "system.json").write_text(json.dumps(facts, ensure_ascii=False, indent=2) + "\n",
                                                    encoding="utf-8")
    (folder / "records" / "catalogue.csv").write_text(
        f"id,department,site,data_gb\n{system.id},{system.department},{system.site},{system.data_gb}\n",
        encoding="utf-8")
    (folder / "archive" / "export.dat").write_bytes(os.urandom(64 * 1024))


def _service_command(state_dir: Path, action: str, system_id: str, side: str) -> list[str]:
    return [sys.executable, "-m", "ezgov_infra.lab.standins", action, "--state-dir", str(state_dir),
            "--system", system_id, "--side", side]


def runbook_document(staging: standins.Staging, state_dir: Path) -> dict[str, Any]:
    """The runbook `automation.cutover` reads: one netns host per router, one entry per staged system."""
    hosts: dict[str, dict[str, Any]] = {}
    systems: dict[str, Any] = {}
    for system_id, staged in staging.systems.items():
        for role in ("source", "target", "client"):
            hosts[getattr(staged, role)] = {"ansible_connection": "ezgov_netns",
                                            "ezgov_netns": staged.namespaces[role]}
        systems[system_id] = {
            "source": staged.source, "target": staged.target, "client": staged.client,
            "source_dir": staged.source_dir, "target_dir": staged.target_dir, "probe_path": "index.html",
            **{f"{side}_{action}": _service_command(state_dir, action, system_id, side)
               for side in standins.SIDES for action in ("start", "stop")},
            "addresses": staged.addresses, "address_interface": "lo", "urls": staged.urls,
        }
    return {"hosts": dict(sorted(hosts.items())), "systems": systems}


def _write_runbook(path: Path, document: dict[str, Any], plan: str, wave: str) -> str:

    Runbook.model_validate(document)  # the exact form `migrate execute` reads
    if path.exists() and not path.read_text(encoding="utf-8").startswith(RUNBOOK_MARK):
        raise InputError(f"{path}: a cutover runbook that stage did not write is there; move it away to stage "
                         "in the lab")
    text = (f"{RUNBOOK_MARK} for plan {plan}, wave {wave}.\n# `ezgov migrate unstage {plan}` stops the "
            "stand-in services and removes this file.\n" + dump_plain(document))
    atomic_write(path, text)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# -- the use cases ---------------------------------------------------------------------------------------------
def _require_lab(lab_dir: Path, nodes: list[str]) -> dict[str, str]:
    """The namespace of each node, from the running lab's state; LabError when the lab is not up."""

    state = load_state(lab_dir)
    if state.keeper is None or not alive(state.keeper.pid, state.keeper.start) or not state.nodes:
        raise LabError(f"the virtual lab is not up in {lab_dir.parent} (run `ezgov lab up` with this state dir)")
    namespaces = {}
    for node in nodes:
        ns_state = state.nodes.get(node)
        if ns_state is None or ns_state.holder is None or not alive(ns_state.holder.pid, ns_state.holder.start):
            raise LabError(f"lab router {node} is not running in {lab_dir.parent} (run `ezgov lab up` to repair)")
        namespaces[node] = ns_state.namespace
    return namespaces


def stage(*, name: str, wave: str, inventory: Path, state_dir: Path, plans_dir: Path,
          progress: Progress = NoProgress(), wait: float = 30.0) -> StageResult:
    """Stage every system of the wave; on any failure, remove what was staged and raise."""

    plan = load_plan(plans_dir, name)
    chosen = find_wave(plan, wave)
    if not chosen.systems:
        raise InputError(f"plan {plan.name!r} wave {chosen.id} has no systems to stage")
    if len(chosen.systems) > standins.CAPACITY:
        raise InputError(f"plan {plan.name!r} wave {chosen.id} has {len(chosen.systems)} systems; the lab's "
                         f"service block holds {standins.CAPACITY}")
    inv = load_inventory(inventory)
    catalogue = load_catalogue(inventory, inv)
    unknown = [s for s in chosen.systems if s not in catalogue]
    if unknown:
        raise InputError(f"plan {plan.name!r} wave {chosen.id}: {', '.join(unknown)} not in {inventory}/systems.yaml "
                         "(the plan is older than the catalogue; make it again)")

    refuse(chosen.systems, {s: catalogue[s].classification for s in chosen.systems},
           f"stage {plan.name} wave {chosen.id}")
    topology = from_inventory(inv, name=inventory.resolve().name)
    target, client = cloud_router(inv), core_router(inv)
    state_dir = state_dir.resolve()
    lab_dir = standins.lab_dir_of(state_dir)
    result = StageResult(plan.name, chosen.id, str(runbook_path(plans_dir, plan.name).resolve()), target, client)
    sources: dict[str, str] = {}
    for system_id in chosen.systems:
        candidates = [c for c in stand_in_candidates(inv, catalogue[system_id].site) if c in topology.nodes]
        usable = [c for c in candidates if topology.nodes[c].ipv6]
        if not usable:
            raise LabError(f"{system_id}: no dual-stack lab router stands for site {catalogue[system_id].site}")
        if candidates[0] != usable[0]:
            result.notes.append(f"{system_id}: {candidates[0]} has no IPv6 to announce the service address; "
                                f"staged on {usable[0]}")
        sources[system_id] = usable[0]
    namespaces = _require_lab(lab_dir, sorted({*sources.values(), target, client}))
    previous = standins.load_staging(lab_dir)
    if previous.systems or previous.plan:
        if (previous.plan, previous.wave) != (plan.name, chosen.id):
            raise LabError(f"plan {previous.plan} wave {previous.wave} is staged in this lab; "
                           f"`ezgov migrate unstage {previous.plan}` first")
        progress.note(f"removing the earlier staging of {plan.name} wave {chosen.id}")
        standins.unstage(state_dir, plan.name)
    try:
        _stage_systems(result, plan.name, chosen.systems, catalogue, sources, namespaces, state_dir, progress, wait)
    except BaseException:
        standins.unstage(state_dir)
        raise
    return result


def _stage_systems(result: StageResult, plan: str, systems: list[str], catalogue: dict[str, LegacySystem],
                   sources: dict[str, str], namespaces: dict[str, str], state_dir: Path, progress: Progress,
                   wait: float) -> None:

    lab_dir = standins.lab_dir_of(state_dir)
    with standins.edit_staging(lab_dir) as staging:
        staging.plan, staging.wave, staging.port = plan, result.wave, standins.PORT
        for index, system_id in enumerate(systems):
            source = sources[system_id]
            addresses = standins.service_addresses(index)
            folder = lab_dir / standins.DATA_DIR / system_id
            staging.systems[system_id] = standins.StagedSystem(
                name=system_id, source=source, target=result.target, client=result.client,
                namespaces={"source": namespaces[source], "target": namespaces[result.target],
                            "client": namespaces[result.client]},
                addresses=addresses, source_dir=str(folder / "site"), target_dir=str(folder / "cloud"),
                urls=[f"http://{standins.url_host(a)}:{staging.port}/index.html" for a in reversed(addresses)])
    for system_id, staged in staging.systems.items():
        progress.note(f"{system_id}: stand-in service on {staged.source} at {', '.join(staged.addresses)}")
        folder = Path(staged.source_dir)
        folder.mkdir(parents=True, exist_ok=True)
        write_data_folder(folder, catalogue[system_id], staged.source)
        standins.remove_addresses(staged.namespaces["target"], staged.addresses)  # left by an interrupted run
        standins.add_addresses(staged.namespaces["source"], staged.addresses)
        done = run_in(_service_command(state_dir, "start", system_id, "source"), netns=staged.namespaces["source"],
                      holder=None, timeout=30.0)
        if done.returncode != 0:
            raise LabError(f"{system_id}: the stand-in service did not start on {staged.source}: "
                           f"{(done.stderr or done.stdout).strip()}")
        result.systems.append(StagedRow(system_id, catalogue[system_id].site, staged.source, staged.addresses,
                                        staged.urls, {}))
    digest = _write_runbook(Path(result.runbook), runbook_document(staging, state_dir), plan, result.wave)
    with standins.edit_staging(lab_dir) as current:
        current.runbook, current.runbook_sha256 = result.runbook, digest
    progress.note(f"checking every service answers from {result.client} over IPv6 and IPv4")
    for row in result.systems:
        for url in row.urls:
            row.answers[url] = _answers(namespaces[result.client], url, wait)


def _answers(namespace: str, url: str, wait: float) -> bool:
    """Whether `url` answers 200 from inside `namespace` within `wait` seconds (OSPF needs a moment)."""

    deadline = time.monotonic() + wait
    while True:
        done = run_in(["curl", "-sf", "-o", "/dev/null", "--max-time", "2", url], netns=namespace, holder=None,
                      timeout=10.0)
        if done.returncode == 0:
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.3)


def unstage(*, name: str | None, state_dir: Path) -> standins.UnstageResult:
    return standins.unstage(state_dir, name)
