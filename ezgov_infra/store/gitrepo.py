"""A git repository driven through the `git` command: the only module that runs git.

Used for the versioned device configs (`<state dir>/configs/`). Every call runs with a fixed locale, no system or
global config (so a user's hooks, signing or pager never interfere) and a committer of its own.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from ezgov_infra import process
from ezgov_infra.errors import InputError, StoreError

AUTHOR = ("ezgov", "ezgov@localhost")


@dataclass(frozen=True, slots=True)
class Commit:
    rev: str
    date: str  # ISO 8601 with offset
    subject: str
    files: tuple[str, ...]


class GitRepo:
    def __init__(self, path: Path) -> None:
        self.path = path

    def _env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
        env.update(LC_ALL="C", GIT_CONFIG_NOSYSTEM="1", GIT_CONFIG_GLOBAL=os.devnull, GIT_TERMINAL_PROMPT="0",
                   GIT_AUTHOR_NAME=AUTHOR[0], GIT_AUTHOR_EMAIL=AUTHOR[1], GIT_COMMITTER_NAME=AUTHOR[0],
                   GIT_COMMITTER_EMAIL=AUTHOR[1])
        return env

    def git(self, *args: str, ok: tuple[int, ...] = (0,)) -> str:
        if shutil.which("git") is None:
            raise StoreError("git is not installed (Debian package git)")
        done = process.capture(["git", "-C", str(self.path), "-c", "core.hooksPath=/dev/null", *args], timeout=None,
                               env=self._env())
        if done.returncode not in ok:
            raise StoreError(f"{self.path}: git {' '.join(args)}: {done.stderr.strip() or done.returncode}")
        return done.stdout

    def exists(self) -> bool:
        return (self.path / ".git").is_dir()

    def init(self) -> None:
        if not self.exists():
            self.path.mkdir(parents=True, exist_ok=True)
            self.git("init", "-q", "-b", "main")

    def stage_all(self) -> list[str]:
        """Stage every change; the files that will change in the next commit."""
        self.git("add", "-A")
        return sorted(line[3:] for line in self.git("status", "--porcelain").splitlines() if len(line) > 3)

    def commit(self, message: str) -> str:
        self.git("commit", "-q", "-m", message)
        return self.git("rev-parse", "HEAD").strip()

    def changed(self, rev: str) -> list[str]:
        """Files a commit added, changed or removed (against its parent, or all of them for the first)."""
        out = self.git("show", "--pretty=format:", "--name-only", rev)
        return [line for line in out.splitlines() if line]

    def log(self, path: str | None = None) -> list[Commit]:
        """Commits newest first, each with the files it touched."""
        if not self.exists() or not self.git("rev-list", "--all", "--max-count=1").strip():
            return []
        args = ["log", "--name-only", "--pretty=format:\x1e%H\x1f%aI\x1f%s"]
        if path:
            args += ["--", path]
        commits = []
        for block in self.git(*args).split("\x1e")[1:]:
            head, _, rest = block.partition("\n")
            rev, date, subject = head.split("\x1f", 2)
            commits.append(Commit(rev, date, subject, tuple(f for f in rest.splitlines() if f)))
        return commits

    def resolve(self, rev: str) -> str:
        out = self.git("rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}", ok=(0, 1)).strip()
        if not out:
            raise InputError(f"{rev}: no such revision in {self.path}")
        return out

    def diff(self, rev_a: str, rev_b: str | None, path: str) -> str:
        """Unified diff of `path` from rev_a to rev_b (the work tree when rev_b is None)."""
        args = ["diff", "--no-color", "--no-ext-diff", rev_a, *([rev_b] if rev_b else []), "--", path]
        return self.git(*args)
