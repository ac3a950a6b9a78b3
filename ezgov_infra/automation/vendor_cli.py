"""Playbook tasks for Huawei VRP and H3C Comware, over netmiko (`collect.ssh`): run display commands, or bring
configuration sections to what the playbook asks, idempotently, and save.

No maintained Ansible collection speaks to these devices: `community.network.ce` covered CloudEngine (VRP8) only,
is unmaintained and no longer ships with Ansible; there is no H3C Comware cliconf at all. So the playbooks call
the `ezgov_vendor_cli` action (playbooks/action_plugins/), which runs this module on the controller.

A configuration request is a list of blocks `{parents: [...], lines: [...]}` (as `ios_config` takes them), with
`undo: [...]` for lines to send as they are (removals the playbook found necessary, such as SNMPv2c communities). The
device's `display current-configuration` is read as a tree; a block's lines missing under its parents are sent,
in the system view, followed by `commit` on VRP8 (its two-stage configuration) and `save`. Lines compare without
regard to case or repeated spaces (VRP prints IPv6 addresses upper-case). Nothing missing: nothing is sent, and
the task reports no change.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ezgov_infra.collect.ssh import SshTarget, configure, run_commands
from ezgov_infra.models.credentials import SshCredentials
from ezgov_infra.platforms import load_profile
from ezgov_infra.platforms.config_tree import Line, norm, parse


def dialect(version_text: str) -> str:
    """`vrp5`, `vrp8`, `comware5` or `comware7` from `display version`."""
    if "VRP (R) software" in version_text:
        return "vrp8" if "Version 8." in version_text else "vrp5"
    return "comware5" if "Version 5." in version_text else "comware7"


def missing_commands(config_text: str, blocks: Sequence[Mapping[str, Any]]) -> list[str]:
    """The commands (to type in the system view) that add what the blocks ask and the device lacks."""
    root = parse(config_text)
    commands: list[str] = []
    for block in blocks:
        parents = [str(p) for p in block.get("parents") or []]
        lines = [str(x) for x in block.get("lines") or []]
        node: Line | None = root
        for parent in parents:
            node = node.find(parent) if node is not None else None
        have = {norm(c.text) for c in node.children} if node is not None else set()
        absent = [x for x in lines if norm(x) not in have]
        undo = [str(x) for x in block.get("undo") or []]  # removals the playbook found necessary
        if absent or undo:
            commands += [*parents, *absent, *undo, *(["quit"] * len(parents))]
    return commands


def run(*, device: str, host: str, port: int, platform: str, username: str, password: str | None,
        key_file: str | None, known_hosts: str | None, commands: Sequence[str] = (),
        config: Sequence[Mapping[str, Any]] = (), save: bool = True, check: bool = False) -> dict[str, Any]:
    """What the action returns to Ansible: `stdout` (display commands) or `commands` sent and `changed`."""

    target = SshTarget(device, host, load_profile(platform), SshCredentials(username, password, key_file, known_hosts),
                       port=port, check_host_key=True, command_timeout=60)
    if commands:
        outputs = run_commands(target, {str(i): c for i, c in enumerate(commands)})
        return {"changed": False, "stdout": [outputs[str(i)] for i in range(len(commands))]}
    state = run_commands(target, {"version": "display version", "config": "display current-configuration"})
    sent = missing_commands(state["config"], config)
    if not sent:
        return {"changed": False, "commands": []}
    if dialect(state["version"]) == "vrp8":
        sent.append("commit")
    if check:
        return {"changed": True, "commands": sent}
    configure(target, sent, save=save)
    return {"changed": True, "commands": sent}
