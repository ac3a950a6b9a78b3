"""Platform profiles: data first (`<name>.yaml`), code only for quirks (`parsers/<name>.py`).

A profile names the netmiko device type, the commands that feed `DeviceFacts` (each under a stable key, which is
also the file name `<key>.txt` in an offline snapshot), the platform's capabilities and the config lines a remedy
suggests (`{interface}`, `{address}`, `{server}`, ... are filled in by the rule).
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from ezgov_infra.errors import UnsupportedError
from ezgov_infra.store.yamlfiles import load_yaml


class PlatformProfile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    description: str
    netmiko_device_type: str
    ansible_network_os: str
    ansible_connection: str
    fast_cli: bool = False
    # The show session (`collect.ssh.ShowSession`): a regex the prompt line matches, the commands that turn the
    # pager off, a regex for the pager's "more" line should it stay on, and the command that ends the session.
    prompt: str = r"^\S+[>#]\s*$"
    paging: list[str] = Field(default_factory=list)
    more: str | None = None
    logout: str = "exit"
    commands: dict[str, str] = Field(default_factory=dict)
    optional_commands: dict[str, str] = Field(default_factory=dict)
    capabilities: list[str] = Field(default_factory=list)
    config_covers_management: bool = True
    remedy: dict[str, list[str]] = Field(default_factory=dict)
    # Config lines that change without a change of configuration (timestamps, byte counts, clock drift): dropped
    # before a config is versioned. `secrets`: each regex's groups are replaced by `<secret hidden>`.
    volatile: list[str] = Field(default_factory=list)
    secrets: list[str] = Field(default_factory=list)

    @property
    def known_keys(self) -> set[str]:
        """Every output key the parser reads: the live commands and those only a snapshot may hold."""
        return set(self.commands) | set(self.optional_commands)

    def remedy_lines(self, key: str, **values: Any) -> list[str]:
        """The platform's config lines for a remedy, placeholders filled; empty when the profile has none."""
        return [line.format(**values) for line in self.remedy.get(key, [])]


@cache
def load_profile(name: str) -> PlatformProfile:
    """The profile `ezgov_infra/platforms/<name>.yaml`; `UnsupportedError` for a platform ezgov does not know."""
    path = resources.files("ezgov_infra") / "platforms" / f"{name}.yaml"
    if not path.is_file():
        raise UnsupportedError(f"no platform profile {name!r} (known: {', '.join(known_profiles())})")
    return PlatformProfile.model_validate(load_yaml(path.read_text(encoding="utf-8")))


def known_profiles() -> list[str]:
    """The platform profiles shipped in `ezgov_infra/platforms/`, by name."""
    folder = resources.files("ezgov_infra") / "platforms"
    return sorted(p.name.removesuffix(".yaml") for p in folder.iterdir() if p.name.endswith(".yaml"))
