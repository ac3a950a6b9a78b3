"""Settings every job shares: where the inventory, the run state and the migration plans live, and default timeouts.

Resolved once, at the root of the command line: a command's own option wins over the root option (`ezgov
--inventory DIR ...`), which wins over the environment (`EZGOV_INVENTORY`, `EZGOV_STATE_DIR`, `EZGOV_PLANS_DIR`),
which wins over the defaults below. Every path under the state dir, and the cache outside it, is named here and
nowhere else.

Secrets are never settings: credential *profiles* are resolved at collection time from environment
variables, an ansible-vault file or the lab's generated key (see `collect.credentials`).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

DEFAULT_INVENTORY = Path("inventories/ezhou")
DEFAULT_STATE_DIR = Path(".ezgov")
DEFAULT_PLANS_DIR = Path("migration_plans")

INVENTORY_ENV = "EZGOV_INVENTORY"
STATE_DIR_ENV = "EZGOV_STATE_DIR"
PLANS_DIR_ENV = "EZGOV_PLANS_DIR"
DATABASE_ENV = "EZGOV_DATABASE_URL"
BROKER_ENV = "EZGOV_BROKER_URL"
CACHE_ENV = "EZGOV_CACHE_DIR"


def history_path(state_dir: Path) -> Path:
    """The history database of a state dir (SQLite), used unless `EZGOV_DATABASE_URL` names a PostgreSQL one."""
    return state_dir / "history.sqlite"


def database_url(environ: Mapping[str, str] | None = None) -> str | None:
    """The shared history database (`postgresql://...`) from `EZGOV_DATABASE_URL`; None keeps SQLite."""
    value = (os.environ if environ is None else environ).get(DATABASE_ENV, "").strip()
    return value or None


def broker_url(environ: Mapping[str, str] | None = None) -> str:
    """The Celery broker of distributed runs (`EZGOV_BROKER_URL`, default a Redis on this machine's loopback)."""
    value = (os.environ if environ is None else environ).get(BROKER_ENV, "").strip()
    return value or "redis://127.0.0.1:6379/0"


@dataclass(frozen=True, slots=True)
class Settings:
    inventory: Path = DEFAULT_INVENTORY
    state_dir: Path = DEFAULT_STATE_DIR
    plans_dir: Path = DEFAULT_PLANS_DIR
    connect_timeout: float = 10.0
    command_timeout: float = 30.0
    workers: int = 32
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def history_db(self) -> Path:
        return history_path(self.state_dir)

    @property
    def lab_dir(self) -> Path:
        return self.state_dir / "lab"

    @property
    def artifacts_dir(self) -> Path:
        return self.state_dir / "artifacts"

    @property
    def cache_dir(self) -> Path:
        """Where parsed and validated inventory files are kept by content hash: `EZGOV_CACHE_DIR`, else the user's
        cache (`$XDG_CACHE_HOME/ezgov`, `~/.cache/ezgov`), so that a read-only command writes nothing where it is
        run and a state dir holds only state."""
        return cache_home()

    def overridden(self, *, inventory: Path | None = None, state_dir: Path | None = None,
                   plans_dir: Path | None = None) -> Settings:
        """These settings with a command's own options (those given) in place of the resolved ones."""
        return replace(self, inventory=inventory or self.inventory, state_dir=state_dir or self.state_dir,
                       plans_dir=plans_dir or self.plans_dir)


def cache_home(environ: Mapping[str, str] | None = None) -> Path:
    env = os.environ if environ is None else environ
    if explicit := _from_env(env, CACHE_ENV):
        return explicit
    return (_from_env(env, "XDG_CACHE_HOME") or Path.home() / ".cache") / "ezgov"


def _from_env(environ: Mapping[str, str], name: str) -> Path | None:
    value = environ.get(name)
    return Path(value) if value else None


def resolve_settings(*, inventory: Path | None = None, state_dir: Path | None = None, plans_dir: Path | None = None,
                     environ: Mapping[str, str] | None = None) -> Settings:
    """Options given win over the environment, which wins over the defaults (an empty variable counts as unset)."""
    env = os.environ if environ is None else environ
    return Settings(inventory=inventory or _from_env(env, INVENTORY_ENV) or DEFAULT_INVENTORY,
                    state_dir=state_dir or _from_env(env, STATE_DIR_ENV) or DEFAULT_STATE_DIR,
                    plans_dir=plans_dir or _from_env(env, PLANS_DIR_ENV) or DEFAULT_PLANS_DIR)

