"""Device configs versioned in git, the way RANCID and Oxidized keep them: after each `backup_configs` run every
backed-up device's running config, volatile lines dropped and secrets hidden per platform profile, is written to
`<state dir>/configs/<device>.cfg` and committed; the commit message names the history run and the devices that
changed. Then `diff` shows what changed on a device and `changes` lists the commits since a date. Nothing here
prints.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from ezgov_infra.config import history_path
from ezgov_infra.errors import InputError
from ezgov_infra.ops.configs import ConfigFilter
from ezgov_infra.platforms import load_profile
from ezgov_infra.store.files import atomic_write, file_lock
from ezgov_infra.store.gitrepo import GitRepo
from ezgov_infra.store.history import open_history

KIND = "config-backup"
CONFIGS_DIR = "configs"
SUFFIX = ".cfg"
SUBJECT_DEVICES = 8  # devices named in a commit subject; the body names them all


def repo_path(state_dir: Path) -> Path:
    return state_dir / CONFIGS_DIR


@dataclass(slots=True)
class BackupCommit:
    run_id: int
    rev: str | None  # None: nothing changed since the last backup
    devices: list[str]
    changed: list[str]
    missing: list[str] = field(default_factory=list)  # chosen devices with no config in this backup


def _platform(folder: Path, fallback: str | None) -> str | None:
    meta = folder / "meta.yaml"
    if meta.exists():
        found = re.search(r"^platform:\s*(\S+)", meta.read_text(encoding="utf-8"), re.MULTILINE)
        if found:
            return found.group(1)
    return fallback


def message(run_id: int, changed: list[str]) -> str:
    named = ", ".join(changed[:SUBJECT_DEVICES]) + (f" and {len(changed) - SUBJECT_DEVICES} more"
                                                    if len(changed) > SUBJECT_DEVICES else "")
    noun = "device" if len(changed) == 1 else "devices"
    return f"config backup run {run_id}: {len(changed)} {noun} changed: {named}\n\n" + "".join(
        f"changed: {device}\n" for device in changed)


def commit_backup(*, state_dir: Path, backup_dir: Path, devices: list[str],
                  platforms: dict[str, str] | None = None) -> BackupCommit:
    """Commit the configs a backup wrote under `backup_dir/<device>/config.txt` (a history run of kind
    `config-backup` records the commit)."""

    repo = GitRepo(repo_path(state_dir))
    backed_up: list[str] = []
    missing: list[str] = []
    with file_lock(state_dir, ".configs.lock"):
        repo.init()
        for device in sorted(devices):
            source = backup_dir / device / "config.txt"
            if not source.is_file():
                missing.append(device)
                continue
            platform = _platform(source.parent, (platforms or {}).get(device))
            if platform is None:
                raise InputError(f"{source.parent / 'meta.yaml'}: platform: not given, cannot filter the config")
            profile = load_profile(platform)
            config = ConfigFilter.of(platform, profile.volatile, profile.secrets)
            atomic_write(repo.path / f"{device}{SUFFIX}", config.clean(source.read_text(encoding="utf-8",
                                                                                       errors="replace")))
            backed_up.append(device)
        changed = [f.removesuffix(SUFFIX) for f in repo.stage_all() if f.endswith(SUFFIX)]
        with open_history(history_path(state_dir)) as history:
            run_id = history.start_run(KIND, scope=",".join(backed_up)[:500])
            rev = repo.commit(message(run_id, changed)) if changed else None
            history.finish_run(run_id, "ok", {"commit": rev, "devices": len(backed_up), "changed": changed,
                                              "missing": missing})
    return BackupCommit(run_id=run_id, rev=rev, devices=backed_up, changed=changed, missing=missing)


@dataclass(slots=True)
class ConfigDiff:
    device: str
    rev_a: str
    rev_b: str | None  # None: the work tree
    diff: str

    @property
    def hunks(self) -> int:
        return sum(1 for line in self.diff.splitlines() if line.startswith("@@"))


def _repo(state_dir: Path) -> Any:

    repo = GitRepo(repo_path(state_dir))
    if not repo.exists():
        raise InputError(f"{repo.path}: no config repository yet (run `ezgov playbook run backup_configs`)")
    return repo


def diff(*, state_dir: Path, device: str, rev_a: str | None = None, rev_b: str | None = None) -> ConfigDiff:
    """A device's config between two revisions. Without revisions: its last change (the commit before the newest
    one touching it, to that one); with REV_A only: from REV_A to the newest commit."""
    repo = _repo(state_dir)
    path = f"{device}{SUFFIX}"
    if rev_a is None:
        touching = repo.log(path=path)
        if not touching:
            raise InputError(f"{device}: no config of this device in {repo.path} (see `ezgov config changes`)")
        if len(touching) == 1:
            return ConfigDiff(device, touching[0].rev, touching[0].rev, "")
        rev_a, rev_b = touching[1].rev, touching[0].rev
    a = repo.resolve(rev_a)
    b = repo.resolve(rev_b or "HEAD")
    return ConfigDiff(device, a, b, repo.diff(a, b, path))


def changes(*, state_dir: Path, since: datetime | None = None, device: str | None = None) -> list[dict[str, Any]]:
    """Config commits since a moment (a naive one is local time), newest first: revision, date, run, devices
    changed."""
    repo = _repo(state_dir)
    rows = []
    start = since.astimezone() if since else None
    for commit in repo.log(path=f"{device}{SUFFIX}" if device else None):
        if start is not None and datetime.fromisoformat(commit.date) < start:
            continue
        run = re.match(r"config backup run (\d+):", commit.subject)
        rows.append({"rev": commit.rev[:12], "date": commit.date, "run": int(run.group(1)) if run else None,
                     "devices": [f.removesuffix(SUFFIX) for f in commit.files if f.endswith(SUFFIX)],
                     "subject": commit.subject})
    return rows
