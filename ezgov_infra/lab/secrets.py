"""The lab's generated secrets: SSH key and password, SNMP community and v3 keys, host keys and `known_hosts`.

They live in `<state_dir>/lab/` with mode 0600 and are created once, then reused by every `up`, so a repaired
lab keeps the credentials the collectors already hold. The file format is the contract collectors read:

    {"ssh": {"username": "ezgov", "password": "...", "key_file": "<abs path>"}, "known_hosts": "<abs path>",
     "snmp": {"community": "...", "v3": {"user": "ezgov", "auth_protocol": "SHA", "auth_key": "...",
              "priv_protocol": "AES", "priv_key": "..."}}}
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path
from typing import Any

from ezgov_infra.errors import LabError
from ezgov_infra.lab.ns import run
from ezgov_infra.store.files import atomic_write, private_folder

USERNAME = "ezgov"
SECRETS_FILE = "secrets.json"


def _token(length: int = 20) -> str:
    # letters and digits only: safe in config files, on command lines and in SNMP key derivation
    alphabet = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "".join(secrets.choice(alphabet) for _ in range(length))


def write_private(path: Path, text: str) -> None:
    """Write a file only its owner can read, atomically; it is 0600 from its first byte, in a 0700 folder."""
    private_folder(path.parent)
    atomic_write(path, text, mode=0o600)


def ensure_secrets(lab_dir: Path) -> dict[str, Any]:
    """Load the lab's secrets, creating whatever is missing (the client key, the passwords)."""
    lab_dir = private_folder(lab_dir.resolve())
    path = lab_dir / SECRETS_FILE
    current: dict[str, Any] = load_secrets(lab_dir) if path.exists() else {}
    key_file = lab_dir / "id_ed25519"
    if not key_file.exists():
        key_file.with_suffix(".pub").unlink(missing_ok=True)
        run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", f"{USERNAME}@ezgov-lab", "-f", str(key_file)])
    os.chmod(key_file, 0o600)
    ssh = current.get("ssh") or {}
    snmp = current.get("snmp") or {}
    v3 = snmp.get("v3") or {}
    wanted = {
        "ssh": {"username": USERNAME, "password": ssh.get("password") or _token(),
                "key_file": str(key_file)},
        "known_hosts": str(lab_dir / "known_hosts"),
        "snmp": {"community": snmp.get("community") or _token(16),
                 "v3": {"user": USERNAME, "auth_protocol": "SHA", "auth_key": v3.get("auth_key") or _token(),
                        "priv_protocol": "AES", "priv_key": v3.get("priv_key") or _token()}},
    }
    if wanted != current:
        write_private(path, json.dumps(wanted, indent=2) + "\n")
    return wanted


def load_secrets(lab_dir: Path) -> dict[str, Any]:
    path = lab_dir / SECRETS_FILE
    try:
        value = json.loads(path.read_text())
    except FileNotFoundError:
        raise LabError(f"{path}: no lab secrets (is the lab up? run `ezgov lab up`)") from None
    except json.JSONDecodeError as exc:
        raise LabError(f"{path}:{exc.lineno}: not valid JSON ({exc.msg})") from exc
    if not isinstance(value, dict):
        raise LabError(f"{path}: expected a JSON object")
    return value


def password_hash(password: str) -> str:
    """A SHA-512 crypt hash for the router's private shadow file."""
    return run(["openssl", "passwd", "-6", "-stdin"], input_text=password + "\n").stdout.strip()


def ensure_host_key(node_dir: Path) -> Path:
    key = node_dir / "ssh_host_ed25519_key"
    if not key.exists():
        key.with_name(key.name + ".pub").unlink(missing_ok=True)
        run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "", "-f", str(key)])
    os.chmod(key, 0o600)
    return key


def known_hosts_text(entries: list[tuple[list[str], Path]]) -> str:
    """One line per router: its management addresses (IPv4 and IPv6) and its host key."""
    lines = []
    for addresses, key in entries:
        algo, blob = key.with_name(key.name + ".pub").read_text().split()[:2]
        lines.append(f"{','.join(addresses)} {algo} {blob}")
    return "\n".join(lines) + "\n"


def snmp_client_conf(secrets_value: dict[str, Any]) -> str:
    """`snmp.conf` for the lab's own checks, so no key ever appears on a command line."""
    v3 = secrets_value["snmp"]["v3"]
    return (f"defCommunity {secrets_value['snmp']['community']}\n"
            f"defSecurityName {v3['user']}\ndefSecurityLevel authPriv\n"
            f"defAuthType {v3['auth_protocol']}\ndefAuthPassphrase {v3['auth_key']}\n"
            f"defPrivType {v3['priv_protocol']}\ndefPrivPassphrase {v3['priv_key']}\n")
