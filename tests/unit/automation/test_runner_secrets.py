"""Secrets with quotes, backslashes, non-ASCII letters and only three characters, printed by a careless playbook
in every way a playbook can print them, on a run that ends normally and on one that ends in an error: none of
them is anywhere under the state dir afterwards, in any spelling."""

from __future__ import annotations

import hashlib
import json
import shlex
from pathlib import Path
from typing import Any

import pytest

from ezgov_infra.automation.runner import MASK, PlaybookSecrets, RunSummary, mask_secrets, run_playbook
from ezgov_infra.errors import PlaybookError

SECRETS = {
    "quotes": "Kq'7\"x",
    "backslashes": "C:\\new\\t0\\\\",
    "chinese": "密码Ünï-42",
    "short": "z'é",
}
SSH_PASSWORD = "Pw\\\"ß1"
ALL = [*SECRETS.values(), SSH_PASSWORD]

PLAYBOOK = """\
- name: Print secrets in every careless way
  hosts: all
  gather_facts: false
  vars_prompt:
{prompts}
  tasks:
    - name: The secrets arrived exactly as given
      ansible.builtin.assert:
        that: "{checks}"
    - name: Show them
      ansible.builtin.debug:
        msg: "{{{{ item }}}}"
      loop: "{items}"
    - name: Pass them as arguments
      ansible.builtin.command:
        argv: [echo, "{{{{ item }}}}"]
      loop: "{items}"
      changed_when: false
    - name: Pass them through a shell
      ansible.builtin.shell: "echo {{{{ item | quote }}}}"
      loop: "{items}"
      changed_when: false
    - name: Hand them back
      ansible.builtin.set_stats:
        data:
          leaked: "{items}"
    - name: Fail naming them {all_in_one}
      ansible.builtin.fail:
        msg: "cannot go on with {all_in_one}"
"""

SLOW_PLAYBOOK = """\
- name: Wait long enough to be stopped
  hosts: all
  gather_facts: false
  vars_prompt:
{prompts}
  tasks:
    - name: Waiting with {all_in_one}
      ansible.builtin.pause:
        seconds: 120
"""


def playbook_text(template: str) -> str:
    names = list(SECRETS)
    prompts = "".join(f"    - name: {n}\n      prompt: Secret {n}\n      private: true\n" for n in names)
    checks = " and ".join(f"({n} | hash('sha1')) == '{hashlib.sha1(v.encode()).hexdigest()}'"
                          for n, v in SECRETS.items())
    items = "{{ [" + ", ".join(names) + "] }}"
    all_in_one = " ".join(f"{{{{ {n} }}}}" for n in names)
    return template.format(prompts=prompts, checks=checks, items=items, all_in_one=all_in_one)


def spellings(secret: str) -> set[str]:
    """How a secret can be written in a file: raw, JSON-escaped (once, twice), shell-quoted (and then escaped)."""
    def js(text: str, ascii_only: bool) -> str:
        return json.dumps(text, ensure_ascii=ascii_only)[1:-1]

    forms = {secret, shlex.quote(secret)}
    for ascii_only in (True, False):
        forms |= {js(secret, ascii_only), js(js(secret, ascii_only), True), js(shlex.quote(secret), ascii_only)}
    return forms


def leaks(folder: Path) -> list[str]:
    found = []
    for path in folder.rglob("*"):
        if path.is_file() and not path.is_symlink():
            content = path.read_bytes()
            found += [f"{path}: {form!r}" for secret in ALL for form in spellings(secret)
                      if form.encode() in content]
    return found


def secrets() -> PlaybookSecrets:
    return PlaybookSecrets(ssh_password=SSH_PASSWORD, prompts={f"Secret {n}": v for n, v in SECRETS.items()})


def local() -> dict[str, Any]:
    return {"all": {"hosts": {"alpha": {"ansible_connection": "local"}}}}


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[RunSummary, PlaybookError, Path]:
    root = tmp_path_factory.mktemp("careless")
    state = root / "state"
    (root / "careless.yml").write_text(playbook_text(PLAYBOOK), encoding="utf-8")
    (root / "slow.yml").write_text(playbook_text(SLOW_PLAYBOOK), encoding="utf-8")
    summary = run_playbook(root / "careless.yml", inventory=local(), state_dir=state, secrets=secrets())
    with pytest.raises(PlaybookError) as stopped:
        run_playbook(root / "slow.yml", inventory=local(), state_dir=state, secrets=secrets(), timeout=15)
    return summary, stopped.value, state


class TestCarelessPlaybook:
    def test_the_playbook_got_the_secrets_intact_and_printed_them(self, runs: tuple[RunSummary, PlaybookError,
                                                                                    Path]) -> None:
        summary, _, _ = runs
        tally = summary.per_host["alpha"]
        # the assert passed (the secrets arrived exactly), the printing tasks ran, the last task failed
        assert tally.status == "failed" and tally.failed_tasks and tally.ok >= 4, tally
        assert summary.masked >= 4 * len(SECRETS)

    def test_no_secret_is_anywhere_under_the_state_dir_in_any_spelling(
            self, runs: tuple[RunSummary, PlaybookError, Path]) -> None:
        _, _, state = runs
        assert list(state.rglob("job_events/*.json"))
        assert leaks(state) == []

    def test_what_the_run_returns_carries_no_secret(self, runs: tuple[RunSummary, PlaybookError, Path]) -> None:
        summary, stopped, _ = runs
        returned = json.dumps([summary.rows(), summary.stats, str(stopped)], ensure_ascii=False)
        assert MASK in summary.per_host["alpha"].message
        assert "timeout" in str(stopped)
        assert [form for secret in ALL for form in spellings(secret) if form in returned] == []

    def test_a_run_stopped_in_error_had_printed_them_and_is_masked_too(
            self, runs: tuple[RunSummary, PlaybookError, Path]) -> None:
        _, _, state = runs
        (slow,) = [p for p in (state / "artifacts").iterdir() if p.name.endswith("-slow")]
        assert MASK in "".join(p.read_text(encoding="utf-8") for p in slow.rglob("stdout"))

    def test_a_run_stopped_for_time_leaves_no_ansible_process_behind(
            self, runs: tuple[RunSummary, PlaybookError, Path]) -> None:
        _, _, state = runs
        (slow,) = [p for p in (state / "artifacts").iterdir() if p.name.endswith("-slow")]
        left = []
        for entry in Path("/proc").iterdir():  # Ansible's workers run in sessions of their own
            try:
                if entry.name.isdigit() and str(slow).encode() in (entry / "cmdline").read_bytes():
                    left.append(entry.name)
            except OSError:
                continue
        assert left == []

    def test_artifacts_are_in_a_folder_only_the_owner_can_read(self, runs: tuple[RunSummary, PlaybookError,
                                                                                   Path]) -> None:
        summary, _, _ = runs
        assert Path(summary.artifacts_dir).stat().st_mode & 0o777 == 0o700


class TestMaskSecrets:
    def test_a_three_letter_secret_is_masked(self, tmp_path: Path) -> None:
        (tmp_path / "a.txt").write_text("pw=q7z; again q7z")
        assert mask_secrets(tmp_path, ["q7z", ""]) == 2
        assert (tmp_path / "a.txt").read_text() == f"pw={MASK}; again {MASK}"

    def test_a_json_escaped_secret_is_masked(self, tmp_path: Path) -> None:
        secret = 'a"b\\c密'
        (tmp_path / "event.json").write_text(json.dumps({"stdout": json.dumps({"msg": secret})}))
        assert mask_secrets(tmp_path, [secret]) == 1
        assert json.loads(json.loads((tmp_path / "event.json").read_text())["stdout"]) == {"msg": MASK}
