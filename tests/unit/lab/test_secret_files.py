"""The lab's secret files are never readable by others, not for a moment: a process killed at any step of writing
them leaves every file holding a secret 0600, in a 0700 folder."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from ezgov_infra.lab import secrets
from ezgov_infra.lab.daemons import write_if_changed
from ezgov_infra.lab.state import state_dir_lock

STRACE = shutil.which("strace")
# the steps of writing a file: syncing it, renaming it into place, setting its mode, making its folder
STEPS = ("fsync", "rename", "chmod", "fchmod", "mkdir")

WRITE_LAB_SECRETS = """\
import sys
from pathlib import Path
from ezgov_infra.lab import secrets
lab = Path(sys.argv[1])
value = secrets.ensure_secrets(lab)
secrets.write_private(lab / "authorized_keys", "ssh-ed25519 AAAA ezgov\\n")
secrets.write_private(lab / "snmp.conf", secrets.snmp_client_conf(value))
secrets.write_private(lab / "known_hosts", "198.51.100.11 ssh-ed25519 AAAA\\n")
"""


def exposed(lab: Path) -> list[str]:
    """Files and folders under `lab` that others could read (public keys excepted)."""
    found = []
    if lab.exists() and stat.S_IMODE(lab.stat().st_mode) != 0o700:
        found.append(f"{lab}: {oct(lab.stat().st_mode)}")
    for path in lab.rglob("*"):
        if path.is_file() and not path.name.endswith(".pub") and path.stat().st_mode & 0o077:
            found.append(f"{path}: {oct(path.stat().st_mode)}")
    return found


@pytest.mark.skipif(STRACE is None, reason="strace is needed to kill a process at a chosen system call")
class TestKilledWhileWritingSecrets:
    def test_every_step_leaves_nothing_readable_by_others(self, tmp_path: Path) -> None:
        assert STRACE
        kills = 0
        for syscall in STEPS:
            n = 1
            while True:
                lab = tmp_path / f"{syscall}-{n}" / "lab"
                run = subprocess.run(
                    [STRACE, "-qq", "-o", os.devnull, "-e", f"trace={syscall}",
                     "-e", f"inject={syscall}:signal=KILL:when={n}", sys.executable, "-c", WRITE_LAB_SECRETS,
                     str(lab)], capture_output=True, text=True, timeout=60)
                assert exposed(lab) == [], f"killed at {syscall} #{n}"
                if run.returncode == 0:
                    break
                assert run.returncode in (-9, 137), run.stderr
                kills += 1
                n += 1
        assert kills >= 10


class TestModes:
    def test_the_lab_folder_is_made_private_even_when_it_exists(self, tmp_path: Path) -> None:
        lab = tmp_path / "lab"
        lab.mkdir(mode=0o755)
        os.chmod(lab, 0o755)
        with state_dir_lock(lab):
            pass
        assert stat.S_IMODE(lab.stat().st_mode) == 0o700

    def test_a_daemon_configuration_has_its_mode_before_it_has_its_name(self, tmp_path: Path) -> None:
        # the temporary renamed into place already carries the mode: nothing is chmod-ed after the rename
        path = tmp_path / "snmpd.conf"
        assert write_if_changed(path, "rouser ezgov authpriv\n", 0o600)
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        os.chmod(path, 0o644)
        assert write_if_changed(path, "rouser ezgov priv\n", 0o600)
        assert stat.S_IMODE(path.stat().st_mode) == 0o600

    def test_write_private_tightens_a_file_left_readable(self, tmp_path: Path) -> None:
        path = tmp_path / "lab" / "secrets.json"
        path.parent.mkdir()
        path.write_text("{}")
        os.chmod(path, 0o644)
        secrets.write_private(path, "{}\n")
        assert exposed(tmp_path / "lab") == []
