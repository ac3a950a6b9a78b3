"""`ezgov --help` stays fast because no heavy library is imported until a command needs it."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("netmiko", "paramiko", "pysnmp", "ansible_runner", "ansible", "networkx", "httpx", "dns", "weasyprint",
         "jinja2", "pydantic", "textfsm", "ruamel", "openpyxl")


class TestHelp:
    def test_help_lists_every_command_group(self) -> None:
        proc = subprocess.run([sys.executable, "-m", "ezgov_infra", "--help"], capture_output=True, text=True,
                              check=False)
        assert proc.returncode == 0
        for group in ("inventory", "ipv6", "bandwidth", "broadband", "migrate", "playbook", "lab", "report", "metrics",
                      "config", "export"):
            assert f"  {group} " in proc.stdout

    def test_help_imports_no_heavy_library(self) -> None:
        code = ("import sys\nfrom ezgov_infra.cli.main import main\n"
                "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
                f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))")
        proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
        assert proc.stdout.strip().splitlines()[-1] == "[]", proc.stdout + proc.stderr
