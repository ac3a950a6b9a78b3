"""What the ezgov_vrp and ezgov_comware cliconf plugins share: Huawei VRP and H3C Comware come from one lineage
and speak the same way to `ansible.netcommon.cli_command` and `cli_config`.

Reads with `display ...`; configures by entering `system-view`, sending the lines, committing where the device
asks for it (VRP8's two-stage mode shows `[*name]`) and returning to user view. Not a plugin itself: the two
plugins load it from this folder, which Ansible does not search for plugins.
"""

from __future__ import annotations

import json
import re
from typing import Any

from ansible.module_utils.common.text.converters import to_text
from ansible.plugins.cliconf import CliconfBase


class SystemViewCliconf(CliconfBase):
    network_os = ""  # each plugin names its own

    def get_device_info(self) -> dict[str, Any]:
        version = to_text(self.get("display version"), errors="surrogate_or_strict")
        info: dict[str, Any] = {"network_os": self.network_os}
        match = re.search(r"Version (\S+)", version)
        if match:
            info["network_os_version"] = match.group(1)
        return info

    def get_config(self, source: str = "running", flags: Any = None, format: Any = None) -> Any:
        if source != "running":
            raise ValueError(f"only the running configuration can be read, not {source!r}")
        return self.send_command("display current-configuration")

    def edit_config(self, candidate: Any = None, commit: bool = True, replace: Any = None,
                    comment: Any = None) -> dict[str, Any]:
        lines = [line for line in to_text(candidate or "").splitlines() if line.strip()] \
            if isinstance(candidate, str) else list(candidate or [])
        responses = [self.send_command("system-view")]
        responses += [self.send_command(line) for line in lines]
        if commit and b"[*" in (self._connection.get_prompt() or b""):
            responses.append(self.send_command("commit"))
        responses.append(self.send_command("return"))
        return {"request": lines, "response": responses}

    def get(self, command: str, prompt: Any = None, answer: Any = None, sendonly: bool = False,
            newline: bool = True, check_all: bool = False, output: Any = None) -> Any:
        return self.send_command(command=command, prompt=prompt, answer=answer, sendonly=sendonly,
                                 newline=newline, check_all=check_all)

    def get_capabilities(self) -> str:
        capabilities = super().get_capabilities()
        capabilities["rpc"] += ["edit_config", "get_config"]
        return json.dumps(capabilities)
