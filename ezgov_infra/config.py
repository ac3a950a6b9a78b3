"""Settings every job shares: where the inventory and the run state live, and default timeouts.

Secrets are never settings: credential *profiles* are resolved at collection time from environment
variables, an ansible-vault file or the lab's generated key (see `collect.credentials`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_INVENTORY = Path("inventories/ezhou")
DEFAULT_STATE_DIR = Path(".ezgov")


@dataclass(frozen=True, slots=True)
class Settings:
    inventory: Path = DEFAULT_INVENTORY
    state_dir: Path = DEFAULT_STATE_DIR
    connect_timeout: float = 10.0
    command_timeout: float = 30.0
    workers: int = 32
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def history_db(self) -> Path:
        return self.state_dir / "history.sqlite"

    @property
    def lab_dir(self) -> Path:
        return self.state_dir / "lab"

    @property
    def artifacts_dir(self) -> Path:
        return self.state_dir / "artifacts"


def settings_from_env(inventory: Path | None = None, state_dir: Path | None = None) -> Settings:
    """Options win over the environment (`EZGOV_INVENTORY`, `EZGOV_STATE_DIR`), which wins over defaults."""
    inv = inventory or Path(os.environ.get("EZGOV_INVENTORY") or DEFAULT_INVENTORY)
    state = state_dir or Path(os.environ.get("EZGOV_STATE_DIR") or DEFAULT_STATE_DIR)
    return Settings(inventory=inv, state_dir=state)
