"""Run the project's playbooks against inventory devices: list them, build their inventory, resolve credentials.

Each playbook's `# purpose:` and `# platforms:` header lines say what it is for and which platforms it speaks to.
Devices whose `collection` is `offline` are never targeted (nothing answers for them). Nothing here prints.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ezgov_infra.addressing.allocate import make_plan
from ezgov_infra.automation.export import ansible_inventory, platform_profile
from ezgov_infra.automation.hostvars import (
    connection_vars,
    host_entries,
    ipv6_plan_vars,
    private_home,
    snapshot_commands,
)
from ezgov_infra.automation.runner import PlaybookSecrets, RunSummary, run_playbook
from ezgov_infra.collect.credentials import credentials_for, snmp_credentials
from ezgov_infra.errors import InputError
from ezgov_infra.jobs.configs import commit_backup
from ezgov_infra.models import facets
from ezgov_infra.models.inventory import Collection, Inventory
from ezgov_infra.models.runs import Progress
from ezgov_infra.models.selector import ALL, Selector
from ezgov_infra.store.inventory import load_inventory

PLAYBOOKS_ENV = "EZGOV_PLAYBOOKS"


def playbooks_dir() -> Path:
    """`playbooks/` next to the package (a source checkout), or `EZGOV_PLAYBOOKS`."""
    configured = os.environ.get(PLAYBOOKS_ENV)
    return Path(configured) if configured else Path(__file__).resolve().parent.parent.parent / "playbooks"


@dataclass(frozen=True, slots=True)
class PlaybookInfo:
    name: str
    purpose: str
    platforms: list[str]
    path: str


def catalog(folder: Path | None = None) -> list[PlaybookInfo]:
    folder = folder or playbooks_dir()
    if not folder.is_dir():
        raise InputError(f"{folder}: no playbooks folder (set {PLAYBOOKS_ENV})")
    found = []
    for path in sorted(folder.glob("*.yml")):
        header: dict[str, str] = {}
        for line in path.read_text(encoding="utf-8").splitlines()[:6]:
            key, sep, value = line.removeprefix("#").strip().partition(":")
            if line.startswith("#") and sep and key in ("purpose", "platforms"):
                header[key] = value.strip()
        if "purpose" in header:
            platforms = [p.strip() for p in header.get("platforms", "").split(",") if p.strip()]
            found.append(PlaybookInfo(path.stem, header["purpose"], platforms, str(path)))
    return found


def find(name: str, folder: Path | None = None) -> PlaybookInfo:
    known = catalog(folder)
    for info in known:
        if info.name in (name, name.removesuffix(".yml")):
            return info
    raise InputError(f"no playbook {name!r} (one of {', '.join(i.name for i in known)}; see `ezgov playbook list`)")


def parse_extra(pairs: list[str]) -> dict[str, str]:
    """`-e KEY=VALUE` options; a secret never belongs here (extra vars are recorded in the artifacts)."""
    out: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip().isidentifier():
            raise InputError(f"-e {pair!r}: expected KEY=VALUE with KEY a variable name")
        out[key.strip()] = value
    return out


def device_inventory(inv: Inventory, *, folder: Path, state_dir: Path, devices: list[str],
                     extra_hostvars: dict[str, dict[str, Any]] | None = None
                     ) -> tuple[dict[str, Any], PlaybookSecrets, dict[str, str]]:
    """The Ansible inventory for `devices` with connection vars, the one SSH password they share (if any), and
    the environment ansible needs (a private HOME when host keys live in a known_hosts file of their own)."""

    document = ansible_inventory(inv, devices=devices)
    passwords: dict[str, str] = {}
    known_hosts: list[str] = []
    for host, values in host_entries(document):
        device = inv.devices[host]
        credentials = credentials_for(device, inv, "ssh", state_dir=state_dir, folder=folder)
        if credentials.password:
            passwords[device.credential_profile] = credentials.password
        if credentials.known_hosts:
            known_hosts.append(credentials.known_hosts)
        values.update(connection_vars(device, credentials))
        values["ezgov_snapshot_commands"] = snapshot_commands(platform_profile(device.platform))
        values.update((extra_hostvars or {}).get(host, {}))
    if len(set(passwords.values())) > 1:
        raise InputError(f"the chosen devices use {len(passwords)} credential profiles with passwords "
                         f"({', '.join(sorted(passwords))}); run them separately with --limit")
    env = {"HOME": str(private_home(state_dir, known_hosts))} if known_hosts else {}
    return document, PlaybookSecrets(ssh_password=next(iter(passwords.values()), None)), env


def target_devices(inv: Inventory, platforms: list[str], only: list[str] | None = None) -> list[str]:
    chosen = [d.id for d in inv.devices.values()
              if d.collection is not Collection.offline and (not platforms or d.platform in platforms)]
    if only is not None:
        unknown = sorted(set(only) - set(inv.devices))
        if unknown:
            raise InputError(f"unknown devices: {', '.join(unknown)}")
        chosen = [d for d in chosen if d in only]
    return sorted(chosen)


def run(*, name: str, folder: Path, state_dir: Path, limit: str | None = None, selector: Selector = ALL,
        check: bool = False, diff: bool = False, extra: dict[str, str] | None = None,
        devices: list[str] | None = None, progress: Progress | None = None) -> RunSummary:
    """Run a device playbook (`ipv6_enable`, `snmpv3`, `backup_configs`) on the inventory's live devices, those
    of them `selector` chooses (and `devices` names), narrowed by `limit`, an Ansible host pattern."""

    info = find(name)
    if info.name == "migration_cutover":
        raise InputError("migration_cutover runs one wave of a plan: use `ezgov migrate execute NAME --wave K`")
    inv = load_inventory(folder)
    if selector != ALL:
        picked = facets.devices(inv).select(selector)
        devices = picked if devices is None else [d for d in devices if d in picked]
    chosen = target_devices(inv, info.platforms, devices)
    if not chosen:
        raise InputError(f"no live device of the platforms {', '.join(info.platforms)} to run {info.name} on")
    extravars: dict[str, Any] = dict(extra or {})
    hostvars: dict[str, dict[str, Any]] = {}
    secrets_prompts: dict[str, str] = {}
    if info.name == "ipv6_enable":
        plan = make_plan(inv)
        hostvars = {d: {"ezgov_ipv6": ipv6_plan_vars(inv, plan, d)} for d in chosen}
    elif info.name == "backup_configs":
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        extravars.setdefault("ezgov_backup_dir", str((state_dir / "backups" / stamp).resolve()))
    elif info.name == "snmpv3":
        secrets_prompts = snmpv3_prompts(inv, folder=folder, state_dir=state_dir, chosen=chosen,
                                         profile_id=extravars.pop("snmpv3_profile", None))
    document, secrets, env = device_inventory(inv, folder=folder, state_dir=state_dir, devices=chosen,
                                         extra_hostvars=hostvars)
    secrets = PlaybookSecrets(ssh_password=secrets.ssh_password, prompts=secrets_prompts)
    summary = run_playbook(Path(info.path), inventory=document, state_dir=state_dir, limit=limit, check=check,
                           diff=diff, extravars=extravars, secrets=secrets, env=env, progress=progress)
    if info.name == "backup_configs" and not check:

        # every host that completed wrote its config; the configs are versioned in <state dir>/configs
        commit_backup(state_dir=state_dir, backup_dir=Path(str(extravars["ezgov_backup_dir"])),
                      devices=[h for h in chosen if h not in summary.failed_hosts],
                      platforms={d: inv.devices[d].platform for d in chosen})
    return summary


def snmpv3_prompts(inv: Inventory, *, folder: Path, state_dir: Path, chosen: list[str],
                   profile_id: str | None) -> dict[str, str]:
    """Answers to snmpv3.yml's key prompts, from an SNMPv3 profile (named, or the devices' one)."""

    if profile_id is None:
        used = {inv.devices[d].snmp_profile for d in chosen} - {None}
        v3 = sorted(p for p in used if p in inv.snmp and inv.snmp[p].version == "3")
        if len(v3) != 1:
            raise InputError("name the SNMPv3 profile whose keys to configure: -e snmpv3_profile=ID")
        profile_id = v3[0]
    profile = inv.snmp.get(profile_id)
    if profile is None or profile.version != "3":
        raise InputError(f"snmpv3_profile {profile_id!r} is not an SNMPv3 profile of the inventory")
    credentials = snmp_credentials(profile, state_dir=state_dir, inventory=folder)
    return {"SNMPv3 authentication key": credentials.auth_key or "",
            "SNMPv3 privacy key": credentials.priv_key or ""}
