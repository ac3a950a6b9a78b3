"""Resolve a credential or SNMP profile *name* into secrets, at collection time only.

Sources (the profile's `source`):

- `env`: the profile names environment variables (`username_env`, `password_env`, `community_env`, ...).
- `vault`: an ansible-vault encrypted YAML file, opened with the password in the file named by
  `EZGOV_VAULT_PASSWORD_FILE`. The document maps an entry name (the profile's `vault_key`, default its id) to
  `{username, password, key_file}` or `{community, auth_key, priv_key}`.
- `lab`: the virtual lab's `<state dir>/lab/secrets.json` (mode 0600), written by `ezgov lab up`.

`credentials_for(device, inventory, "ssh" | "snmp", ...)` is the one lookup from a device to its secrets; the
secrets come back as `models.credentials` types, which never show them in `repr` or `str`. Nothing here logs.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Literal, overload

from ezgov_infra.errors import AuthError, InputError
from ezgov_infra.models.credentials import SnmpCredentials, SshCredentials
from ezgov_infra.models.inventory import CredentialProfile, CredentialSource, Device, Inventory, SnmpProfile
from ezgov_infra.store.yamlfiles import load_yaml

VAULT_PASSWORD_ENV = "EZGOV_VAULT_PASSWORD_FILE"


def lab_secrets(state_dir: Path) -> dict[str, Any]:
    path = state_dir / "lab" / "secrets.json"
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise AuthError(f"{path}: no lab secrets (is the lab up? run `ezgov lab up`)") from None
    except (OSError, ValueError) as exc:
        raise AuthError(f"{path}: cannot read the lab secrets: {exc.__class__.__name__}") from None
    if not isinstance(document, dict):
        raise AuthError(f"{path}: the lab secrets are not a JSON object")
    return document


def _env(name: str | None, what: str, profile: str) -> str:
    if not name:
        raise InputError(f"credential profile {profile!r}: {what}_env is not set (name the variable)")
    value = os.environ.get(name)
    if not value:
        raise AuthError(f"credential profile {profile!r}: environment variable {name} is empty or unset")
    return value


def _vault_entry(vault_file: str | None, key: str, profile: str, inventory: Path | None) -> dict[str, Any]:
    if not vault_file:
        raise InputError(f"credential profile {profile!r}: source vault needs vault_file")
    path = Path(vault_file)
    if not path.is_absolute() and inventory is not None:
        path = inventory / path
    password_file = os.environ.get(VAULT_PASSWORD_ENV)
    if not password_file:
        raise AuthError(f"credential profile {profile!r}: set {VAULT_PASSWORD_ENV} to the vault password file")
    from ansible.parsing.vault import (  # type: ignore[import-untyped]
        AnsibleVaultError,
        VaultLib,
        VaultSecret,
    )

    try:
        secret = VaultSecret(Path(password_file).read_bytes().strip())
        plaintext = VaultLib([("default", secret)]).decrypt(path.read_bytes())
    except (OSError, AnsibleVaultError) as exc:
        raise AuthError(f"credential profile {profile!r}: cannot open vault {path}: "
                        f"{exc.__class__.__name__}") from None
    document = load_yaml(plaintext)
    entry = document.get(key) if isinstance(document, dict) else None
    if not isinstance(entry, dict):
        raise AuthError(f"credential profile {profile!r}: vault {path} has no entry {key!r}")
    return entry


@overload
def credentials_for(device: Device, inventory: Inventory, via: Literal["ssh"], *, state_dir: Path,
                    folder: Path | None = None, profile: str | None = None,
                    known_hosts: str | None = None) -> SshCredentials: ...


@overload
def credentials_for(device: Device, inventory: Inventory, via: Literal["snmp"], *, state_dir: Path,
                    folder: Path | None = None, profile: str | None = None,
                    known_hosts: str | None = None) -> SnmpCredentials: ...


def credentials_for(device: Device, inventory: Inventory, via: Literal["ssh", "snmp"], *, state_dir: Path,
                    folder: Path | None = None, profile: str | None = None,
                    known_hosts: str | None = None) -> SshCredentials | SnmpCredentials:
    """The secrets to reach `device` by SSH or SNMP: from `profile` when given, else the device's own profile.

    `folder` is the inventory folder (a vault file's relative path starts there); `known_hosts` overrides where
    SSH host keys are checked.
    """
    if via == "ssh":
        name = profile or device.credential_profile
        login = inventory.credentials.get(name)
        if login is None:
            raise InputError(f"{device.id}: unknown credential profile {name!r}")
        return ssh_credentials(login, state_dir=state_dir, inventory=folder, known_hosts=known_hosts)
    snmp_name = profile or device.snmp_profile
    agent = inventory.snmp.get(snmp_name or "")
    if agent is None:
        raise InputError(f"{device.id}: no SNMP profile (or unknown profile {snmp_name!r})")
    return snmp_credentials(agent, state_dir=state_dir, inventory=folder)


def ssh_credentials(profile: CredentialProfile, *, state_dir: Path, inventory: Path | None = None,
                    known_hosts: str | None = None) -> SshCredentials:
    """The SSH login for a credential profile; `known_hosts` overrides where host keys are checked."""
    if profile.source is CredentialSource.env:
        username = profile.username or _env(profile.username_env, "username", profile.id)
        return SshCredentials(username, _env(profile.password_env, "password", profile.id), None, known_hosts)
    if profile.source is CredentialSource.vault:
        entry = _vault_entry(profile.vault_file, profile.vault_key or profile.id, profile.id, inventory)
        return SshCredentials(str(entry.get("username") or profile.username or ""),
                              _opt(entry.get("password")), _opt(entry.get("key_file")), known_hosts)
    ssh = lab_secrets(state_dir).get("ssh") or {}
    hosts = known_hosts or _opt(lab_secrets(state_dir).get("known_hosts"))
    return SshCredentials(str(ssh.get("username") or profile.username or "ezgov"), _opt(ssh.get("password")),
                          _opt(ssh.get("key_file")), hosts)


MIN_USM_KEY = 8  # RFC 3414 2.6: a USM password is at least 8 octets; agents and pysnmp refuse shorter ones


def snmp_credentials(profile: SnmpProfile, *, state_dir: Path, inventory: Path | None = None) -> SnmpCredentials:
    """The SNMP community (v2c) or USM user and keys (v3) for an SNMP profile.

    Every secret the profile declares must be found: a v3 profile naming an authentication or privacy protocol
    whose key is missing is an error, never a silent downgrade to a weaker security level.
    """
    found = _snmp_credentials(profile, state_dir=state_dir, inventory=inventory)
    where = {"env": "its environment variables", "vault": f"the vault {profile.vault_file}",
             "lab": "the lab's secrets"}[profile.source.value]
    missing = []
    if found.version == "2c" and not found.community:
        missing.append("community")
    if found.version == "3":
        if not found.user:
            missing.append("user")
        if found.auth_protocol and not found.auth_key:
            missing.append(f"auth_key (for {found.auth_protocol})")
        if found.priv_protocol and not found.priv_key:
            missing.append(f"priv_key (for {found.priv_protocol})")
        if found.priv_key and not found.auth_key:
            missing.append("auth_key (SNMPv3 privacy needs authentication)")
    if missing:
        raise AuthError(f"SNMP profile {profile.id!r}: {', '.join(missing)} not found in {where}")
    short = [name for name, key in (("auth_key", found.auth_key), ("priv_key", found.priv_key))
             if found.version == "3" and key is not None and len(key) < MIN_USM_KEY]
    if short:
        raise AuthError(f"SNMP profile {profile.id!r}: {' and '.join(short)} from {where} is shorter than "
                        f"{MIN_USM_KEY} characters (RFC 3414 USM passphrases are at least {MIN_USM_KEY})")
    return found


def _snmp_credentials(profile: SnmpProfile, *, state_dir: Path, inventory: Path | None = None) -> SnmpCredentials:
    if profile.source is CredentialSource.env:
        if profile.version == "2c":
            return SnmpCredentials("2c", community=_env(profile.community_env, "community", profile.id))
        return SnmpCredentials("3", user=profile.user, auth_protocol=profile.auth_protocol,
                               auth_key=_env(profile.auth_key_env, "auth_key", profile.id),
                               priv_protocol=profile.priv_protocol,
                               priv_key=_env(profile.priv_key_env, "priv_key", profile.id)
                               if profile.priv_protocol else None)
    if profile.source is CredentialSource.vault:
        entry = _vault_entry(profile.vault_file, profile.id, profile.id, inventory)
        if profile.version == "2c":
            return SnmpCredentials("2c", community=_opt(entry.get("community")))
        return SnmpCredentials("3", user=profile.user or _opt(entry.get("user")),
                               auth_protocol=profile.auth_protocol, auth_key=_opt(entry.get("auth_key")),
                               priv_protocol=profile.priv_protocol, priv_key=_opt(entry.get("priv_key")))
    snmp = lab_secrets(state_dir).get("snmp") or {}
    if profile.version == "2c":
        return SnmpCredentials("2c", community=_opt(snmp.get("community")))
    v3 = snmp.get("v3") or {}
    return SnmpCredentials("3", user=_opt(v3.get("user")) or profile.user,
                           auth_protocol=_opt(v3.get("auth_protocol")) or profile.auth_protocol,
                           auth_key=_opt(v3.get("auth_key")),
                           priv_protocol=_opt(v3.get("priv_protocol")) or profile.priv_protocol,
                           priv_key=_opt(v3.get("priv_key")))


def _opt(value: Any) -> str | None:
    return str(value) if value not in (None, "") else None
