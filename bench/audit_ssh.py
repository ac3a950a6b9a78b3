"""SSH collection on the lab's FRR routers: Ansible vs netmiko vs OpenSSH (the lower bound) vs ezgov's audit.

Every method runs the same commands, the FRR profile's (those `ezgov ipv6 audit --live` runs), on every lab router
in parallel, and checks every router's host key against the lab's known_hosts (whole processes, medians of
`--repeat`):
  ansible   ansible-playbook, network_cli over paramiko, cisco.ios.ios_command, forks = routers; host keys checked
            against the lab's known_hosts in a private HOME, as `ezgov playbook` does for lab devices (libssh reads
            only the real user's ~/.ssh/known_hosts). vtysh answers "% OSPFv3 instance not found" on a
            router without OSPFv3: that is output, not a failed command, so the terminal's error patterns are
            IOS's less "... not found"
  netmiko   ConnectHandler + send_command with default settings, one thread per router
  openssh   `ssh` per router, all at once, each fed its commands for vtysh (nothing can be faster)
  ezgov     `ezgov ipv6 audit --live --limit platform:frr` (parsing, rules, storing the run as well)
Targets from issue 4: ezgov <= 0.25x Ansible's wall time and <= 2x OpenSSH's.

    .venv/bin/python bench/audit_ssh.py [--state-dir DIR_OF_A_RUNNING_LAB] [--repeat 5]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from audit_lab import REPO, SAMPLE, Figure, check, measure, report, router_lab

from ezgov_infra.platforms import load_profile

COMMANDS = list(load_profile("frr").commands.values())
# cisco.ios's terminal error patterns less `[^\r\n]+ not found` (see the module docstring)
STDERR_RE = [{"pattern": r"% ?Error"}, {"pattern": "ERROR:", "flags": "re.I"},
             {"pattern": "invalid input", "flags": "re.I"},
             {"pattern": "(?:incomplete|ambiguous) command", "flags": "re.I"}, {"pattern": "% Unknown command"},
             {"pattern": "connection timed out", "flags": "re.I"}, {"pattern": "Command authorization failed"}]
BIN = Path(sys.executable).parent


def routers(lab: object) -> dict[str, str]:
    """The lab's FRR routers (what `--limit platform:frr` audits) by management address."""
    from ezgov_infra.store.inventory import load_inventory

    inventory = load_inventory(SAMPLE)
    nodes = lab.nodes  # type: ignore[attr-defined]
    return {name: info.mgmt_ipv4 for name, info in sorted(nodes.items())
            if inventory.devices[name].platform == "frr"}


def openssh(hosts: dict[str, str], key: str, known_hosts: str) -> None:
    """One `ssh` per router, all started before any is fed, each read to the end by its own thread."""
    script = "".join(f"{c}\n" for c in COMMANDS)
    processes = [subprocess.Popen(["ssh", "-i", key, "-o", f"UserKnownHostsFile={known_hosts}", "-o",
                                   "GlobalKnownHostsFile=/dev/null", "-o", "StrictHostKeyChecking=yes",
                                   "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes", f"ezgov@{address}"],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for address in hosts.values()]

    def feed(process: subprocess.Popen[str]) -> tuple[int, str]:
        out, err = process.communicate(script, timeout=60)
        return process.returncode, err if process.returncode else out

    with ThreadPoolExecutor(len(processes)) as pool:
        for code, text in pool.map(feed, processes):
            if code != 0:
                raise SystemExit(f"ssh failed with {code}: {text.strip()[-300:]}")
            if "hostname" not in text:
                raise SystemExit(f"ssh: vtysh did not answer every command: {text[-300:]}")


def netmiko_worker(hosts: dict[str, str], key: str, known_hosts: str) -> None:
    from netmiko import ConnectHandler

    def one(address: str) -> None:
        connection = ConnectHandler(device_type="cisco_ios", host=address, username="ezgov", use_keys=True,
                                    key_file=key, ssh_strict=True, system_host_keys=False, alt_host_keys=True,
                                    alt_key_file=known_hosts, allow_agent=False)
        for command in COMMANDS:
            connection.send_command(command)
        connection.disconnect()

    with ThreadPoolExecutor(len(hosts)) as pool:
        list(pool.map(one, hosts.values()))


def ansible_project(folder: Path, hosts: dict[str, str], key: str, known_hosts: str) -> Path:
    """The playbook, its inventory and a private HOME whose ~/.ssh/known_hosts is the lab's."""
    trusted = folder / "home" / ".ssh" / "known_hosts"
    trusted.parent.mkdir(parents=True, mode=0o700)
    trusted.write_text(Path(known_hosts).read_text())
    inventory = {"all": {"hosts": {name: {"ansible_host": address} for name, address in hosts.items()},
                         "vars": {"ansible_connection": "ansible.netcommon.network_cli",
                                  "ansible_network_os": "cisco.ios.ios", "ansible_user": "ezgov",
                                  "ansible_ssh_private_key_file": key,
                                  "ansible_network_cli_ssh_type": "paramiko",
                                  "ansible_terminal_stderr_re": STDERR_RE}}}
    (folder / "hosts.json").write_text(json.dumps(inventory))
    commands = "\n".join(f"          - {c}" for c in COMMANDS)
    (folder / "show.yml").write_text(f"""---
- name: Show commands on every router
  hosts: all
  gather_facts: false
  tasks:
    - name: Run the show commands
      cisco.ios.ios_command:
        commands:
{commands}
""")
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--state-dir", type=Path, help="state dir of a running lab (default: build one)")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--only", choices=["netmiko"], help=argparse.SUPPRESS)
    parser.add_argument("--hosts", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.only == "netmiko":
        hosts, key, known_hosts = json.loads(args.hosts)
        netmiko_worker(hosts, key, known_hosts)
        return
    with router_lab(args.state_dir) as lab, tempfile.TemporaryDirectory(prefix="ezgov-bench-") as folder:
        secrets = lab.secrets  # type: ignore[attr-defined]
        state_dir = str(lab.state_dir)  # type: ignore[attr-defined]
        hosts = routers(lab)
        key, known_hosts = secrets["ssh"]["key_file"], secrets["known_hosts"]
        project = ansible_project(Path(folder), hosts, key, known_hosts)
        # host keys checked (never added); the default callback shows only failures, with their message
        # every Python contender with its modules compiled once, as installed packages have them (an environment
        # with PYTHONDONTWRITEBYTECODE set would recompile them in every process)
        python = {**os.environ, "PYTHONPYCACHEPREFIX": str(Path(folder) / "pycache")}
        python.pop("PYTHONDONTWRITEBYTECODE", None)
        env = {**python, "ANSIBLE_HOST_KEY_CHECKING": "True", "ANSIBLE_FORKS": str(len(hosts)),
               "ANSIBLE_STDOUT_CALLBACK": "ansible.builtin.default", "ANSIBLE_DISPLAY_OK_HOSTS": "False",
               "ANSIBLE_DISPLAY_SKIPPED_HOSTS": "False", "ANSIBLE_LOCAL_TEMP": str(Path(folder) / "tmp"),
               "ANSIBLE_PERSISTENT_CONTROL_PATH_DIR": str(Path(folder) / "pc"), "ANSIBLE_NOCOLOR": "True",
               "HOME": str(project / "home")}
        figures: list[Figure] = [
            measure(f"ansible-playbook (paramiko, forks={len(hosts)})", lambda: check(
                [str(BIN / "ansible-playbook"), "-i", str(project / "hosts.json"), str(project / "show.yml")],
                env=env, cwd=folder), args.repeat),
            measure(f"netmiko ({len(hosts)} threads)", lambda: check(
                [sys.executable, __file__, "--only", "netmiko", "--hosts", json.dumps([hosts, key, known_hosts])],
                env=python), args.repeat),
            measure("openssh + vtysh (parallel)", lambda: openssh(hosts, key, known_hosts), args.repeat),
            measure("ezgov ipv6 audit --live", lambda: check(
                [str(BIN / "ezgov"), "ipv6", "audit", "--live", "-i", str(SAMPLE), "--limit", "platform:frr",
                 "--state-dir", state_dir, "--format", "json"], cwd=REPO, env=python), args.repeat),
        ]
    report(f"SSH collection from {len(hosts)} FRR routers, {len(COMMANDS)} show commands, medians of {args.repeat}",
           figures, "openssh + vtysh (parallel)")
    ansible = figures[0].wall
    ezgov, lower = figures[3].wall, figures[2].wall
    sys.stdout.write(f"\nezgov / ansible = {ezgov / ansible:.2f} (target <= 0.25); "
                     f"ezgov / openssh = {ezgov / lower:.2f} (target <= 2; at province scale <= 1.5)\n")


if __name__ == "__main__":
    main()
