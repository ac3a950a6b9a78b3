"""The ansible-runner wrapper, run for real: local hosts, a host that cannot be reached, secrets through prompts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ezgov_infra.automation.runner import (
    PlaybookSecrets,
    RunSummary,
    ansible_playbook_binary,
    mask_secrets,
    run_playbook,
)
from ezgov_infra.errors import PlaybookError
from ezgov_infra.testing.progress import Recorder

SECRET_KEY = "Zq7kTestAuthKey55xy"
SSH_PASSWORD = "Wm3nTestSshPass88qr"

PLAYBOOK = """\
- name: Write a marker on every host
  hosts: all
  gather_facts: false
  vars_prompt:
    - name: auth_key
      prompt: Test authentication key
      private: true
  tasks:
    - name: Write the marker file
      ansible.builtin.copy:
        dest: "{{ marker_dir }}/{{ inventory_hostname }}.txt"
        content: "marker {{ inventory_hostname }}\\n"
        mode: "0644"
    - name: Show a secret carelessly
      ansible.builtin.debug:
        msg: "key is {{ auth_key }}"
    - name: Report a figure to the caller
      ansible.builtin.set_stats:
        data:
          markers: "{{ {inventory_hostname: 'written'} }}"
    - name: Fail where told to
      ansible.builtin.fail:
        msg: planted failure
      when: fail_here | default(false)
"""


def inventory(marker_dir: Path) -> dict[str, Any]:
    local = {"ansible_connection": "local", "marker_dir": str(marker_dir)}
    return {"all": {"hosts": {
        "alpha": dict(local),
        "bravo": dict(local),
        "charlie": dict(local, fail_here=True),
        # a closed port on loopback: refused at once, so ansible reports it unreachable
        "down": {"ansible_connection": "ssh", "ansible_host": "127.0.0.1", "ansible_port": 1,
                 "ansible_user": "nobody", "marker_dir": str(marker_dir)},
    }}}


@pytest.fixture(scope="module")
def finished(tmp_path_factory: pytest.TempPathFactory) -> tuple[RunSummary, Recorder, Path]:
    root = tmp_path_factory.mktemp("runner")
    playbook = root / "marker.yml"
    playbook.write_text(PLAYBOOK)
    markers = root / "markers"
    markers.mkdir()
    recorder = Recorder()
    summary = run_playbook(playbook, inventory=inventory(markers), state_dir=root / "state", progress=recorder,
                           secrets=PlaybookSecrets(ssh_password=SSH_PASSWORD,
                                                   prompts={"Test authentication key": SECRET_KEY}))
    return summary, recorder, markers


class TestRunPlaybook:
    def test_healthy_hosts_complete_and_are_marked_changed(self, finished: tuple[RunSummary, Recorder, Path]) -> None:
        summary, _, markers = finished
        assert summary.per_host["alpha"].status == "changed"
        assert summary.per_host["bravo"].changed == 1
        assert (markers / "alpha.txt").read_text() == "marker alpha\n"

    def test_a_failing_host_is_failed_with_its_task_and_message(self, finished: tuple[RunSummary, Recorder, Path]
                                                                ) -> None:
        summary, _, _ = finished
        charlie = summary.per_host["charlie"]
        assert charlie.status == "failed"
        assert charlie.failed_tasks == ["Fail where told to"]
        assert "planted failure" in charlie.message

    def test_a_host_that_cannot_be_reached_is_unreachable_and_the_run_is_not_ok(
            self, finished: tuple[RunSummary, Recorder, Path]) -> None:
        summary, _, _ = finished
        assert summary.per_host["down"].status == "unreachable"
        assert summary.failed_hosts == ["charlie", "down"]
        assert summary.rc != 0 and not summary.ok

    def test_progress_hears_every_task_and_host_outcome(self, finished: tuple[RunSummary, Recorder, Path]) -> None:
        _, recorder, _ = finished
        assert recorder.notes[:2] == ["Write the marker file", "Show a secret carelessly"]
        events = [(r.subject, r.message, r.value, r.category) for r in recorder.results]
        assert ("down", "Write the marker file", "unreachable", "unreachable") in events
        assert ("alpha", "Write the marker file", "changed", None) in events
        assert (recorder.title, recorder.starts, recorder.finishes) == ("marker", 1, 1)

    def test_the_batch_has_a_result_per_host_failed_where_the_host_failed(
            self, finished: tuple[RunSummary, Recorder, Path]) -> None:
        summary, _, _ = finished
        batch = summary.batch
        assert [r.subject for r in batch] == ["alpha", "bravo", "charlie", "down"]
        assert [(r.subject, r.category) for r in batch.failed] == [("charlie", "failed"), ("down", "unreachable")]
        assert "planted failure" in (batch[2].message or "") and batch[0].value is summary.per_host["alpha"]

    def test_set_stats_data_reaches_the_summary(self, finished: tuple[RunSummary, Recorder, Path]) -> None:
        summary, _, _ = finished
        assert summary.stats["markers"] == {"alpha": "written", "bravo": "written", "charlie": "written"}

    def test_artifacts_live_under_the_state_dir(self, finished: tuple[RunSummary, Recorder, Path]) -> None:
        summary, _, markers = finished
        artifacts = Path(summary.artifacts_dir)
        assert artifacts.parent == (markers.parent / "state" / "artifacts").resolve()
        assert list(artifacts.rglob("job_events/*.json"))
        assert (artifacts / "inventory" / "hosts.yml").exists()

    def test_secrets_are_nowhere_in_the_artifacts(self, finished: tuple[RunSummary, Recorder, Path]) -> None:
        summary, _, _ = finished
        # the playbook printed the key without no_log: it was masked, and counted
        assert summary.masked > 0
        for path in Path(summary.artifacts_dir).rglob("*"):
            if path.is_file():
                content = path.read_bytes()
                assert SECRET_KEY.encode() not in content, path
                assert SSH_PASSWORD.encode() not in content, path

    def test_the_command_line_carries_no_secret_and_uses_the_venv_ansible(
            self, finished: tuple[RunSummary, Recorder, Path]) -> None:
        summary, _, _ = finished
        command = json.loads(next(Path(summary.artifacts_dir).rglob("command")).read_text())
        assert command["command"][0] == str(ansible_playbook_binary())
        assert "--ask-pass" in command["command"]
        assert SSH_PASSWORD not in json.dumps(command)

    def test_a_missing_playbook_is_a_playbook_error(self, tmp_path: Path) -> None:
        with pytest.raises(PlaybookError, match="no such playbook"):
            run_playbook(tmp_path / "absent.yml", inventory={"all": {}}, state_dir=tmp_path)


class TestMaskSecrets:
    def test_every_occurrence_is_replaced_and_counted(self, tmp_path: Path) -> None:
        (tmp_path / "a.txt").write_text("x s3cretvalue y s3cretvalue")
        (tmp_path / "sub").mkdir()
        (tmp_path / "sub" / "b.json").write_text('{"k": "other-secret"}')
        assert mask_secrets(tmp_path, ["s3cretvalue", "other-secret"]) == 3
        assert "s3cretvalue" not in (tmp_path / "a.txt").read_text()
        assert "other-secret" not in (tmp_path / "sub" / "b.json").read_text()
