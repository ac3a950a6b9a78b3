"""Cliconf for H3C / HPE Comware 5 and 7: what `ansible.netcommon.cli_command` and `cli_config` need.

Comware applies each line as it is typed (no commit); the system-view dialogue is the one Comware shares with
VRP, in ../plugin_utils/ezgov_system_view.py (a folder Ansible does not search for plugins).
"""

from __future__ import annotations

import sys
from pathlib import Path

DOCUMENTATION = """
name: ezgov_comware
short_description: H3C / HPE Comware 5 and 7 command line
description:
  - Runs display commands and applies configuration lines through system-view (Comware 5 and 7 alike).
author: ezgov-infra
"""

sys.path.append(str(Path(__file__).resolve().parents[1] / "plugin_utils"))
from ezgov_system_view import SystemViewCliconf  # noqa: E402


class Cliconf(SystemViewCliconf):
    network_os = "ezgov_comware"
