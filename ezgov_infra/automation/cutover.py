"""The cutover runbook of a migration plan, and the inventory `migration_cutover.yml` runs with.

The plan says *which* systems move in a wave; the runbook (`migration_plans/<plan>.cutover.yaml`, kept by the
operations team) says *how*: where each system runs today and will run, its data folder, how to start and stop
it, the service addresses that move with it, and the URLs that prove it works. Hosts carry connection vars only;
credentials come from ssh keys or the runner's prompts, never from this file.

    hosts:
      legacy-oa: {ansible_host: 2001:db8:205:1::10, ansible_user: ops}
      cloud-oa-1: {ansible_host: 2001:db8:100:1::21, ansible_user: ops}
      probe: {ansible_connection: local}
    systems:
      oa-system:
        source: legacy-oa
        target: cloud-oa-1
        client: probe
        source_dir: /srv/oa/data
        target_dir: /srv/oa/data
        probe_path: index.html
        source_start: [systemctl, start, oa]
        ...
        addresses: [203.0.113.80/32, 2001:db8:0:3::80/128]
        urls: ["http://[2001:db8:0:3::80]:8080/index.html", "http://203.0.113.80:8080/index.html"]
"""

from __future__ import annotations

from collections.abc import Mapping
from ipaddress import ip_interface
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ezgov_infra.errors import InputError, PlanError
from ezgov_infra.migrate.guard import refuse
from ezgov_infra.models.plan import Wave
from ezgov_infra.store.yamlfiles import load_document, raise_if

CONTROLLER = "ezgov-controller"


class SystemCutover(BaseModel):
    model_config = ConfigDict(extra="forbid")

    source: str
    target: str
    client: str
    source_dir: str
    target_dir: str
    probe_path: str = Field(description="a file in the data folder the service serves, checked byte for byte")
    source_start: list[str] = Field(min_length=1)
    source_stop: list[str] = Field(min_length=1)
    target_start: list[str] = Field(min_length=1)
    target_stop: list[str] = Field(min_length=1)
    addresses: list[str] = Field(default_factory=list)
    address_interface: str = "lo"
    urls: list[str] = Field(min_length=1)
    verify_retries: int = Field(default=15, ge=1, le=300)

    @field_validator("addresses")
    @classmethod
    def _addresses(cls, value: list[str]) -> list[str]:
        return [ip_interface(a).with_prefixlen for a in value]

    @field_validator("source_dir", "target_dir")
    @classmethod
    def _absolute(cls, value: str) -> str:
        if not value.startswith("/"):
            raise ValueError("must be an absolute path")
        return value.rstrip("/") or "/"


class Runbook(BaseModel):
    model_config = ConfigDict(extra="forbid")

    hosts: dict[str, dict[str, Any]] = Field(default_factory=dict)
    systems: dict[str, SystemCutover] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _hosts_exist(self) -> Runbook:
        for system_id, system in self.systems.items():
            for role in ("source", "target", "client"):
                host = getattr(system, role)
                if host not in self.hosts:
                    raise ValueError(f"system {system_id}: {role} host {host!r} is not under hosts")
        secretive = [f"{h}.{k}" for h, v in self.hosts.items() for k in v
                     if "pass" in k.lower() or "secret" in k.lower()]
        if secretive:
            raise ValueError(f"hosts carry secrets ({', '.join(secretive)}): keep them out of the runbook")
        return self


def runbook_path(plans_dir: Path, name: str) -> Path:
    return plans_dir / f"{name}.cutover.yaml"


def load_runbook(path: Path) -> Runbook:

    if not path.exists():
        raise InputError(f"{path}: no cutover runbook (it says, per system, where it runs and how to move it)")
    runbook, problems, _ = load_document(path, Runbook)
    raise_if(problems)
    assert runbook is not None
    return runbook


def wave_inventory(runbook: Runbook, wave: Wave, stage_dir: Path, runbook_file: Path,
                   classification: Mapping[str, str] | None = None, moving: bool = True) -> dict[str, Any]:
    """The inventory for one wave: its systems' hosts plus the controller that drives the cutover.

    Each system carries its classification (`classification`, else the plan's record) into the playbook's vars,
    where the playbook checks it again; when `moving` (a cutover, not a rollback home) a classified or
    unclassified one is refused here first.
    """

    levels = {**wave.classification, **(classification or {})}
    if moving:
        refuse(wave.systems, levels, f"{runbook_file}: wave {wave.id}")
    missing = [s for s in wave.systems if s not in runbook.systems]
    if missing:
        raise PlanError(f"{runbook_file}: wave {wave.id}: no runbook entry for {', '.join(missing)}")
    systems = []
    hosts: dict[str, dict[str, Any]] = {}
    for system_id in wave.systems:
        entry = runbook.systems[system_id]
        systems.append({"id": system_id, "stage_dir": str(stage_dir),
                        "classification": levels.get(system_id, "unclassified"), **entry.model_dump(mode="json")})
        for role in ("source", "target", "client"):
            name = getattr(entry, role)
            hosts[name] = dict(runbook.hosts[name])
    return {"all": {
        "children": {
            "cutover_controller": {"hosts": {CONTROLLER: {"ansible_connection": "local"}}},
            "cutover_hosts": {"hosts": hosts},
        },
        "vars": {"cutover_systems": systems, "ezgov_wave": wave.id},
    }}
