"""The secrets a collector logs in with, resolved from a credential or SNMP profile at collection time.

Secret-carrying fields never show in `repr` or `str`; `collect.credentials` fills these in, nothing else does.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class SshCredentials:
    username: str
    password: str | None = field(default=None, repr=False)
    key_file: str | None = None
    known_hosts: str | None = None

    def __str__(self) -> str:
        return f"ssh user {self.username}" + (" (key)" if self.key_file else "")


@dataclass(frozen=True, slots=True)
class SnmpCredentials:
    """v2c (community) or v3 USM (user, protocols and keys)."""

    version: str
    community: str | None = field(default=None, repr=False)
    user: str | None = None
    auth_protocol: str | None = None
    auth_key: str | None = field(default=None, repr=False)
    priv_protocol: str | None = None
    priv_key: str | None = field(default=None, repr=False)

    def __str__(self) -> str:
        return f"SNMPv{self.version}" + (f" user {self.user}" if self.user else "")

    def secrets(self) -> list[str]:
        return [s for s in (self.community, self.auth_key, self.priv_key) if s]
