"""The playbooks ezgov runs pass ansible-lint's production profile, and each one says what it is for."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from ezgov_infra.jobs.playbooks import catalog, playbooks_dir


class TestPlaybooks:
    def test_ansible_lint_production_profile_passes(self) -> None:
        lint = Path(sys.executable).parent / "ansible-lint"
        done = subprocess.run([str(lint), "--profile", "production", "--nocolor", str(playbooks_dir())],
                              capture_output=True, text=True, timeout=600, cwd=playbooks_dir().parent)
        assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]

    def test_every_playbook_has_a_purpose_and_platforms(self) -> None:
        found = {p.name: p for p in catalog()}
        assert set(found) == {"backup_configs", "ipv6_enable", "migration_cutover", "snmpv3"}
        assert "frr" in found["ipv6_enable"].platforms
        assert all(p.purpose and p.platforms for p in found.values())
