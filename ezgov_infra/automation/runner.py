"""The one typed door to ansible-runner: run a playbook, stream its events, return a per-host summary.

Everything ansible-runner needs lives in a private data dir under `<state_dir>/artifacts/<ident>/`: the inventory
(`inventory/hosts.yml`, host vars only, never a secret) and ansible-runner's own artifacts (`artifacts/<ident>/`:
stdout, job events, the command line). Secrets travel only through ansible-runner's `passwords` mechanism: the
SSH password answers `--ask-pass`, other secrets answer the playbook's `vars_prompt` prompts. Neither is written to
the private data dir (`suppress_env_files`), put on a command line or passed as extra vars. After the run, whether
it worked, failed or could not start, the artifacts are scanned for every secret in every form it takes there (raw,
JSON-escaped once or twice, shell-quoted, as a Python literal) and any occurrence is masked and counted
(`RunSummary.masked`), so a playbook that forgot `no_log` still leaks nothing to disk. A secret of any length is
masked. The private data dir is 0700, so even a run killed before the masking leaves nothing readable by others.

`ansible-playbook` is the one next to the running interpreter (the project's venv); the user's PATH is not used.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import shlex
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ezgov_infra import process
from ezgov_infra.errors import PlaybookError
from ezgov_infra.models.runs import Batch, NoProgress, Progress, Result
from ezgov_infra.store.files import atomic_write, private_folder
from ezgov_infra.store.yamlfiles import dump_sorted

SSH_PASSWORD_PROMPT = r"^SSH password:\s*?$"
MASK = "********"
OUTCOMES = ("ok", "changed", "failed", "unreachable", "skipped", "rescued")
# Persistent connections (network_cli) report a host they cannot reach as a failed task: recognise it.
CONNECTION_FAILURE = re.compile(
    r"unable to connect to port|connection refused|no route to host|network is unreachable|"
    r"ssh connection failed|connection timed out|timed out while connecting|host is unreachable", re.IGNORECASE)


@dataclass(slots=True)
class HostTally:
    """How one host went: task counts and the final state (`failed` and `unreachable` win over `changed`); the
    value of the host's `Result` in `RunSummary.batch`."""

    host: str
    status: str = "ok"
    ok: int = 0
    changed: int = 0
    failed: int = 0
    unreachable: int = 0
    skipped: int = 0
    rescued: int = 0
    failed_tasks: list[str] = field(default_factory=list)
    message: str = ""


@dataclass(slots=True)
class RunSummary:
    playbook: str
    status: str
    rc: int
    per_host: dict[str, HostTally]
    artifacts_dir: str
    check: bool = False
    started: str = ""
    elapsed: float = 0.0
    masked: int = 0
    stats: dict[str, Any] = field(default_factory=dict)

    @property
    def batch(self) -> Batch[HostTally]:
        """A `Result` per host, failed (category `failed` or `unreachable`) where the host's state says so."""
        return Batch(self.playbook, [
            Result(host, value=tally, elapsed=self.elapsed,
                   category=tally.status if tally.status in ("failed", "unreachable") else None,
                   message=tally.message or None) for host, tally in sorted(self.per_host.items())], self.elapsed)

    @property
    def failed_hosts(self) -> list[str]:
        return self.batch.failed_subjects

    @property
    def ok(self) -> bool:
        return self.rc == 0 and not self.failed_hosts

    def rows(self) -> list[dict[str, Any]]:
        return [{"host": r.host, "status": r.status, "ok": r.ok, "changed": r.changed, "failed": r.failed,
                 "unreachable": r.unreachable, "skipped": r.skipped, "rescued": r.rescued,
                 "message": r.message} for r in sorted(self.per_host.values(), key=lambda r: r.host)]


@dataclass(frozen=True, slots=True)
class PlaybookSecrets:
    """Secrets for one run. `prompts` maps a `vars_prompt` prompt text to its answer."""

    ssh_password: str | None = field(default=None, repr=False)
    prompts: Mapping[str, str] = field(default_factory=dict, repr=False)

    def values(self) -> list[str]:
        found = [self.ssh_password] if self.ssh_password else []
        return found + [v for v in self.prompts.values() if v]

    def __str__(self) -> str:
        return f"{len(self.values())} secrets"


def ansible_playbook_binary() -> Path:
    """`ansible-playbook` of the interpreter's own environment."""
    path = Path(sys.executable).parent / "ansible-playbook"
    if not os.access(path, os.X_OK):
        raise PlaybookError(f"{path} not found: ansible is not installed in this environment "
                            "(pip install ansible ansible-runner)")
    return path


def new_ident(playbook: str) -> str:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
    return f"{stamp}-{re.sub(r'[^A-Za-z0-9_-]', '_', playbook)}"


def _env(playbook: Path, extra_env: Mapping[str, str] | None) -> dict[str, str]:
    """Settings ansible reads from the environment (none of them secret: ansible-runner records them)."""
    env = {
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_RETRY_FILES_ENABLED": "False",
        "ANSIBLE_HOST_KEY_CHECKING": "True",
        "ANSIBLE_PERSISTENT_CONNECT_TIMEOUT": "30",
        "ANSIBLE_PERSISTENT_COMMAND_TIMEOUT": "30",
        "ANSIBLE_LOCALHOST_WARNING": "False",
        "ANSIBLE_INVENTORY_UNPARSED_WARNING": "False",
        "ANSIBLE_DEPRECATION_WARNINGS": "False",
        "ANSIBLE_PYTHON_INTERPRETER": sys.executable,
    }
    plugins = playbook.parent / "connection_plugins"
    if plugins.is_dir():
        env["ANSIBLE_CONNECTION_PLUGINS"] = str(plugins)
    env.update(extra_env or {})
    return env


def run_playbook(
    playbook: Path,
    *,
    inventory: Mapping[str, Any],
    state_dir: Path,
    limit: str | None = None,
    check: bool = False,
    diff: bool = False,
    extravars: Mapping[str, Any] | None = None,
    secrets: PlaybookSecrets | None = None,
    env: Mapping[str, str] | None = None,
    forks: int = 10,
    timeout: int | None = None,
    progress: Progress | None = None,
) -> RunSummary:
    """Run `playbook` against `inventory` (an Ansible YAML inventory document); never raises for a failed host.

    `extravars` end up in the artifacts (the command line ansible-runner records): never put a secret there.
    """
    import ansible_runner

    if not playbook.is_file():
        raise PlaybookError(f"{playbook}: no such playbook")
    secrets = secrets or PlaybookSecrets()
    progress = progress or NoProgress()
    binary = ansible_playbook_binary()
    ident = new_ident(playbook.stem)
    private = private_folder((state_dir / "artifacts" / ident).resolve())
    (private / "inventory").mkdir(parents=True, exist_ok=True)
    hosts_file = private / "inventory" / "hosts.yml"
    hosts_file.write_text(dump_sorted(dict(inventory)), encoding="utf-8")
    cmdline = ["--forks", str(forks)]
    if check:
        cmdline.append("--check")
    if diff:
        cmdline.append("--diff")
    passwords = {re.escape(prompt) + r".*:\s*?$": answer for prompt, answer in secrets.prompts.items()}
    if secrets.ssh_password:
        cmdline.append("--ask-pass")
        passwords[SSH_PASSWORD_PROMPT] = secrets.ssh_password
    # with an explicit binary ansible-runner leaves the playbook to the command line
    cmdline.append(shlex.quote(str(playbook.resolve())))
    stream = _EventStream(progress)
    started = datetime.now(UTC)
    clock = time.monotonic()
    progress.started(playbook.stem, None)
    try:
        runner = ansible_runner.run(
            private_data_dir=str(private), playbook=str(playbook.resolve()), inventory=str(hosts_file),
            extravars=dict(extravars or {}), passwords=passwords, envvars=_env(playbook.resolve(), env),
            limit=limit or None, cmdline=" ".join(cmdline), binary=str(binary), quiet=True, ident=ident,
            suppress_env_files=True, event_handler=stream, timeout=timeout, json_mode=False,
        )
    except Exception as exc:  # ansible-runner raises bare exceptions for a broken setup
        mask_secrets(private, secrets.values())
        raise PlaybookError(mask_text(f"{playbook.name}: ansible-runner could not start: {exc}",
                                      secrets.values())) from None
    finally:
        progress.finished()
        # a playbook stopped for time (or that failed to start) may leave Ansible's workers running: end them
        process.stop_marked(str(private))
    masked = mask_secrets(private, secrets.values())
    elapsed = time.monotonic() - clock
    per_host = stream.results(runner.stats or {})
    for tally in per_host.values():
        tally.message = mask_text(tally.message, secrets.values())
        tally.failed_tasks = [mask_text(task, secrets.values()) for task in tally.failed_tasks]
    status, rc = str(runner.status), int(runner.rc if runner.rc is not None else 1)
    if status in ("error", "timeout") and not per_host:
        tail = mask_text(_stdout_tail(runner), secrets.values())
        raise PlaybookError(f"{playbook.name}: ansible-playbook {status} (rc {rc}): {tail}")
    custom = json.loads(mask_text(json.dumps(stream.custom), secrets.values())) if secrets.values() else stream.custom
    return RunSummary(playbook=playbook.stem, status=status, rc=rc, per_host=per_host, artifacts_dir=str(private),
                      check=check, started=started.isoformat(timespec="seconds"), elapsed=round(elapsed, 3),
                      masked=masked, stats=custom)


def _stdout_tail(runner: Any, lines: int = 6) -> str:
    try:
        text = runner.stdout.read()
    except (OSError, AttributeError):
        return "no output"
    kept = [line for line in text.splitlines() if line.strip()][-lines:]
    return " / ".join(kept) or "no output"


class _EventStream:
    """ansible-runner's event handler: feeds the progress protocol and keeps the last message per host.

    A task starting is a `note` (its name); each host's outcome of a task is a `Result` for the host whose value
    is the outcome (ok, changed, skipped, failed, unreachable), failed for the last two, with the task as message.
    """

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.messages: dict[str, str] = {}
        self.failed_tasks: dict[str, list[str]] = {}
        self.seen: dict[str, str] = {}
        self.custom: dict[str, Any] = {}
        self.cannot_connect: set[str] = set()

    def __call__(self, event: Mapping[str, Any]) -> bool:
        name = event.get("event", "")
        data = event.get("event_data") or {}
        if name == "playbook_on_task_start":
            self.progress.note(str(data.get("task") or data.get("name") or "task"))
        elif name == "playbook_on_stats":
            custom = data.get("artifact_data")
            self.custom = dict(custom) if isinstance(custom, Mapping) else {}
        elif name.startswith("runner_on_") or name.startswith("runner_item_on_"):
            host = str(data.get("host") or "")
            outcome = _outcome(name, data)
            if host and outcome:
                if outcome == "failed" and CONNECTION_FAILURE.search(_message(data.get("res") or {})):
                    outcome = "unreachable"
                    self.cannot_connect.add(host)
                self.seen.setdefault(host, outcome)
                task = str(data.get("task") or "")
                if outcome in ("failed", "unreachable") and not data.get("ignore_errors"):
                    tasks = self.failed_tasks.setdefault(host, [])
                    if task not in tasks:
                        tasks.append(task)
                    # the first failure is the cause; a loop's summary ("One or more items failed") is not
                    self.messages.setdefault(host, f"{task}: {_message(data.get('res') or {})}")
                failed = outcome in ("failed", "unreachable")
                self.progress.advance(Result(host, value=outcome, category=outcome if failed else None, message=task))
        return True  # keep every event in the artifacts

    def results(self, stats: Mapping[str, Any]) -> dict[str, HostTally]:
        keys = {"ok": "ok", "changed": "changed", "failures": "failed", "dark": "unreachable",
                "skipped": "skipped", "rescued": "rescued"}
        hosts: set[str] = set(self.seen)
        for key in keys:
            hosts.update((stats.get(key) or {}).keys())
        out: dict[str, HostTally] = {}
        for host in sorted(hosts):
            result = HostTally(host)
            for key, attr in keys.items():
                setattr(result, attr, int((stats.get(key) or {}).get(host, 0)))
            # ansible counts `ok` including changed tasks; keep them apart for people
            result.ok = max(0, result.ok - result.changed)
            if host in self.cannot_connect and result.failed:
                result.unreachable, result.failed = result.unreachable + 1, result.failed - 1
            if result.unreachable:
                result.status = "unreachable"
            elif result.failed:
                result.status = "failed"
            elif result.changed:
                result.status = "changed"
            elif not result.ok and result.skipped:
                result.status = "skipped"
            result.failed_tasks = self.failed_tasks.get(host, [])
            result.message = self.messages.get(host, "") if result.status in ("failed", "unreachable") else ""
            out[host] = result
        return out


def _outcome(event: str, data: Mapping[str, Any]) -> str | None:
    if event.endswith("on_unreachable"):
        return "unreachable"
    if event.endswith("on_failed"):
        return "failed"
    if event.endswith("on_skipped"):
        return "skipped"
    if event.endswith("on_ok"):
        res = data.get("res") or {}
        return "changed" if isinstance(res, Mapping) and res.get("changed") else "ok"
    return None


def _message(res: Any) -> str:
    if not isinstance(res, Mapping):
        return str(res)[:300]
    if res.get("censored"):
        return str(res["censored"])[:300]
    text = res.get("msg") or res.get("stderr") or res.get("module_stderr") or ""
    return " ".join(str(text).split())[:300]


def secret_forms(secret: str) -> list[str]:
    """Every spelling of `secret` that can reach the artifacts, longest first.

    Ansible's callbacks print results as JSON (non-ASCII kept or escaped), ansible-runner stores each event as
    JSON holding that text (escaped again), a command task shows its argument shell-quoted, and error messages
    quote values as Python literals; any of these may wrap another.
    """
    def json_ascii(text: str) -> str:
        return json.dumps(text)[1:-1]

    def json_unicode(text: str) -> str:
        return json.dumps(text, ensure_ascii=False)[1:-1]

    def shell(text: str) -> str:
        return shlex.quote(text)

    def python(text: str) -> str:
        return repr(text)[1:-1]

    encodings = (json_ascii, json_unicode, shell, python)
    forms = {secret}
    for depth in (1, 2):
        for chain in itertools.product(encodings, repeat=depth):
            text = secret
            for encode in chain:
                text = encode(text)
            forms.add(text)
    return sorted(forms, key=lambda f: (-len(f), f))


def mask_text(text: str, secrets: Sequence[str]) -> str:
    """`text` with every form of every secret replaced by the mask."""
    for form in sorted({f for s in secrets if s for f in secret_forms(s)}, key=lambda f: (-len(f), f)):
        text = text.replace(form, MASK)
    return text


def mask_secrets(folder: Path, secrets: Sequence[str]) -> int:
    """Replace every occurrence of a secret, in any of its forms, in the files under `folder`; returns how many
    were masked. Secrets of any length count: a three-letter password is a password."""
    forms = sorted({f.encode() for s in secrets if s for f in secret_forms(s)}, key=lambda f: (-len(f), f))
    if not forms or not folder.is_dir():
        return 0
    count = 0
    for path in folder.rglob("*"):
        if not path.is_file() or path.is_symlink():
            continue
        try:
            content = path.read_bytes()
        except OSError:
            continue
        found = 0
        for form in forms:
            hits = content.count(form)
            if hits:
                content = content.replace(form, MASK.encode())
                found += hits
        if found:
            atomic_write(path, content)
            count += found
    return count
