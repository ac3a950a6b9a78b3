"""Huawei VRP and H3C Comware over netmiko, for the playbooks (see ezgov_infra/automation/vendor_cli.py: no
maintained Ansible collection speaks to these devices).

Runs on the controller; it opens its own SSH session (netmiko, through ezgov's SSH adapter) to `ansible_host`
(port `ansible_port`, default 22) as `ansible_user`, with the password ansible was given (`--ask-pass`) or
`ansible_ssh_private_key_file`, checking the host key against `~/.ssh/known_hosts`.
"""

from __future__ import annotations

import os

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase

DOCUMENTATION = """
module: ezgov_vendor_cli
short_description: display commands or idempotent configuration on Huawei VRP and H3C Comware (netmiko)
options:
  commands:
    description: Display commands to run; their outputs come back in C(stdout).
    type: list
    elements: str
  config:
    description: Blocks of C(parents) and C(lines); the lines missing under the parents are configured.
    type: list
    elements: dict
  save:
    description: Save the configuration after changing it.
    type: bool
    default: true
"""


class ActionModule(ActionBase):  # type: ignore[misc]
    TRANSFERS_FILES = False
    _requires_connection = False  # netmiko opens its own session; no network_cli connection is started

    def run(self, tmp=None, task_vars=None):  # type: ignore[no-untyped-def]
        from ezgov_infra.automation.vendor_cli import run
        from ezgov_infra.errors import EzgovError

        result = super().run(tmp, task_vars)
        task_vars = task_vars or {}
        args = self._task.args
        templar = self._templar
        host = task_vars.get("ansible_host") or task_vars.get("inventory_hostname")
        known_hosts = os.path.expanduser("~/.ssh/known_hosts")
        try:
            result.update(run(
                device=str(task_vars.get("inventory_hostname")), host=str(templar.template(host)),
                port=int(task_vars.get("ansible_port") or 22), platform=str(task_vars.get("ezgov_platform")),
                username=str(task_vars.get("ansible_user")), password=self._play_context.password or None,
                key_file=task_vars.get("ansible_ssh_private_key_file"),
                known_hosts=known_hosts if os.path.exists(known_hosts) else None,
                commands=list(args.get("commands") or []), config=list(args.get("config") or []),
                save=bool(args.get("save", True)), check=bool(self._task.check_mode)))
        except EzgovError as exc:
            raise AnsibleActionFail(str(exc)) from None
        return result
