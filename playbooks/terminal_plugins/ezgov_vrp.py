"""Terminal handling for Huawei VRP (VRP5 AR/S, VRP8 CE/NE) over ansible.netcommon.network_cli.

No maintained Ansible collection ships a terminal/cliconf pair for this platform, so the playbooks carry their
own (playbook-adjacent plugin folder). Prompts are `<name>` in user view and `[name]` (VRP8: `[~name]`,
`[*name]` with uncommitted changes) in system view.
"""

from __future__ import annotations

import re

from ansible.errors import AnsibleConnectionFailure
from ansible.plugins.terminal import TerminalBase


class TerminalModule(TerminalBase):
    terminal_stdout_re = [re.compile(br"[\r\n]?[<\[][~*]?[\w.:/\-]+(?:-[\w.:/\-]+)*[>\]]\s*$")]
    terminal_stderr_re = [re.compile(pattern, re.MULTILINE) for pattern in (br"^Error: .*", br"\\n\\s*\\^\\s*\\r?\\nError:",)]

    def on_open_shell(self) -> None:
        try:
            self._exec_cli_command(b"screen-length 0 temporary")
        except AnsibleConnectionFailure as exc:
            raise AnsibleConnectionFailure("unable to turn the pager off") from exc
