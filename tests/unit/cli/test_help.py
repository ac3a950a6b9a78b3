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


class TestOneGroupBuilt:
    """A run builds only the group it names (`cli.main._app_for`); what it prints must not change."""

    def run(self, argv: list[str], whole: bool) -> tuple[int, str]:
        code = ("import sys\nfrom ezgov_infra.cli import main as m\n"
                + ("m._app_for = lambda argv: m.app\n" if whole else "")
                + f"sys.exit(m.main({argv!r}))")
        proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False,
                              env={"COLUMNS": "100", "PATH": "/usr/bin:/bin"})
        return proc.returncode, proc.stdout + proc.stderr

    def test_help_and_errors_read_the_same_as_from_the_whole_app(self) -> None:
        for argv in (["ipv6", "audit", "--help"], ["-i", "inventories/ezhou", "--debug", "migrate", "--help"],
                     ["--state-dir", "ipv6", "report", "--help"], ["ipv6", "no-such-command"],
                     ["no-such-group"], ["--help"]):
            assert self.run(argv, whole=False) == self.run(argv, whole=True), argv

    def test_only_the_named_group_is_built(self) -> None:
        import typer

        from ezgov_infra.cli.main import _VALUED, _app_for, app

        # every top-level option that takes a value is known, so its value is never taken for the group
        command = typer.main.get_command(app)
        assert {o for p in command.params if not getattr(p, "is_flag", False) for o in p.opts} == _VALUED

        assert _app_for(["--help"]) is app
        assert _app_for(["no-such-group"]) is app
        assert [g.name for g in _app_for(["-i", "x", "ipv6", "audit"]).registered_groups] == ["ipv6"]
        # `--state-dir ipv6` is the option's value; the group is the next word
        assert [g.name for g in _app_for(["--state-dir", "ipv6", "report", "show"]).registered_groups] == ["report"]
