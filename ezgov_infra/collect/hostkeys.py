"""Host keys for a device's new management address.

When a device gains an address (IPv6 management after remediation), its SSH host key is the same one already
trusted under its old address. `trust_new_address` scans the new address and adds it to the known_hosts file only
if the key it offers is one the file already trusts for the old address: a different key is refused, as it would
be on first contact.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from ezgov_infra import process
from ezgov_infra.errors import HostKeyError, UnreachableError
from ezgov_infra.store.files import atomic_write


def _entries(text: str) -> list[tuple[list[str], str, str]]:
    out = []
    for line in text.splitlines():
        fields = line.split()
        if len(fields) >= 3 and not line.startswith("#"):
            out.append((fields[0].split(","), fields[1], fields[2]))
    return out


def _names(host: str, port: int) -> set[str]:
    return {host, f"[{host}]:{port}"} if port != 22 else {host, f"[{host}]:22"}


def scan(host: str, port: int = 22, timeout: float = 5.0) -> list[tuple[str, str]]:
    """(key type, key) pairs the SSH server at `host` offers."""
    keyscan = shutil.which("ssh-keyscan")
    if keyscan is None:
        raise HostKeyError("ssh-keyscan is not installed (Debian: openssh-client)")
    done = process.capture([keyscan, "-T", str(max(1, int(timeout))), "-p", str(port), host], timeout=timeout + 10)
    keys = [(kind, key) for _, kind, key in _entries(done.stdout)]
    if not keys:
        raise UnreachableError(f"{host}: no SSH host key offered on port {port}")
    return keys


def trust_new_address(known_hosts: Path, old_host: str, new_host: str, *, port: int = 22,
                      timeout: float = 5.0) -> bool:
    """Add `new_host` under the key trusted for `old_host`; False when it was already there."""
    text = known_hosts.read_text(encoding="utf-8") if known_hosts.exists() else ""
    entries = _entries(text)
    trusted = {(kind, key) for names, kind, key in entries if _names(old_host, port) & set(names)}
    if not trusted:
        raise HostKeyError(f"{old_host}: no trusted host key in {known_hosts} to compare with")
    if any(_names(new_host, port) & set(names) for names, _, _ in entries):
        return False
    offered = scan(new_host, port, timeout)
    match = [(kind, key) for kind, key in offered if (kind, key) in trusted]
    if not match:
        raise HostKeyError(f"{new_host} offers a host key that {old_host}'s entry in {known_hosts} does not have")
    name = new_host if port == 22 else f"[{new_host}]:{port}"
    lines = [*(f"{name} {kind} {key}" for kind, key in match)]
    atomic_write(known_hosts, text + ("" if not text or text.endswith("\n") else "\n") + "\n".join(lines) + "\n",
                 mode=0o600)
    return True
