"""Cliconf for Huawei VRP (VRP5 AR/S, VRP8 CE/NE): what `ansible.netcommon.cli_command` and `cli_config` need.

VRP8 asks for `commit` after system-view changes; the dialogue VRP shares with Comware is in
../plugin_utils/ezgov_system_view.py (a folder Ansible does not search for plugins).
"""

from __future__ import annotations

import sys
from pathlib import Path

DOCUMENTATION = """
name: ezgov_vrp
short_description: Huawei VRP (VRP5 AR/S, VRP8 CE/NE) command line
description:
  - Runs display commands and applies configuration lines through system-view, committing them on VRP8.
author: ezgov-infra
"""

sys.path.append(str(Path(__file__).resolve().parents[1] / "plugin_utils"))
from ezgov_system_view import SystemViewCliconf  # noqa: E402


class Cliconf(SystemViewCliconf):
    network_os = "ezgov_vrp"
