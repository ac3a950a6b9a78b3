"""The SSH side of an emulated device (paramiko's server; the only module of the lab that imports paramiko).

One listening socket (IPv6 and IPv4), one thread per connection, one `Session` per shell or exec channel. The
shell echoes what is typed (netmiko checks the echo), answers each line and prints the prompt; `quit` in the user
view ends the session as on the device. Logins: the lab account, by password or by a key in `authorized_keys`.
"""

from __future__ import annotations

import base64
import contextlib
import logging
import socket
import threading
import time
from pathlib import Path
from typing import Any

import paramiko  # type: ignore[import-untyped]

from ezgov_infra.lab.emulator.cli import Device, Session

VRP_BANNER = ("\r\nInfo: The max number of VTY users is 10, the number of current VTY users on line is 1.\r\n"
              "      The current login time is 2026-01-05 09:30:00+08:00.\r\n")
COMWARE_BANNER = ("\r\n" + "*" * 78 + "\r\n"
                  "* Copyright (c) 2004-2021 New H3C Technologies Co., Ltd. All rights reserved.*\r\n"
                  "* Without the owner's prior written consent,                                 *\r\n"
                  "* no decompiling or reverse-engineering shall be allowed.                    *\r\n"
                  + "*" * 78 + "\r\n\r\n")


class _Login(paramiko.ServerInterface):  # type: ignore[misc]
    def __init__(self, username: str, password: str | None, keys: list[paramiko.PKey]) -> None:
        self.username, self.password, self.keys = username, password, keys
        self.commands: dict[int, str] = {}
        self.ready = threading.Event()

    def get_allowed_auths(self, username: str) -> str:
        return "publickey,password"

    def check_auth_password(self, username: str, password: str) -> int:
        ok = username == self.username and self.password is not None and password == self.password
        return int(paramiko.AUTH_SUCCESSFUL if ok else paramiko.AUTH_FAILED)

    def check_auth_publickey(self, username: str, key: paramiko.PKey) -> int:
        ok = username == self.username and any(k.get_base64() == key.get_base64() for k in self.keys)
        return int(paramiko.AUTH_SUCCESSFUL if ok else paramiko.AUTH_FAILED)

    def check_channel_request(self, kind: str, chanid: int) -> int:
        return int(paramiko.OPEN_SUCCEEDED if kind == "session" else paramiko.OPEN_FAILED_ADMINISTRATIVELY_PROHIBITED)

    def check_channel_pty_request(self, *args: Any) -> bool:
        return True

    def check_channel_shell_request(self, channel: paramiko.Channel) -> bool:
        self.ready.set()
        return True

    def check_channel_exec_request(self, channel: paramiko.Channel, command: bytes) -> bool:
        self.commands[channel.get_id()] = command.decode(errors="replace")
        self.ready.set()
        return True


def _crlf(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\n", "\r\n")


class Pager:
    """The device's pager: an answer longer than a screen stops at "---- More ----" until a key is pressed (space:
    the next screen, Enter: one more line, anything else: the rest is dropped), and the line is then erased with
    the cursor moves the devices send."""

    def __init__(self, vendor: str) -> None:
        self.more = "  ---- More ----" if vendor == "huawei" else "---- More ----"
        width = 42 if vendor == "huawei" else 16
        self.erase = f"\x1b[{width}D" + " " * width + f"\x1b[{width}D"
        self.pending: list[str] = []

    def start(self, text: str, rows: int) -> str:
        """What is shown of `text` at once; the rest waits for keys."""
        lines = text.split("\r\n")
        if rows <= 0 or len(lines) <= rows:
            return text
        self.pending = lines[rows - 1:]
        return "\r\n".join(lines[:rows - 1]) + "\r\n" + self.more

    def key(self, char: str, rows: int) -> tuple[str, bool]:
        """What a key shows, and whether the answer is now complete."""
        count = rows - 1 if char == " " else 1 if char in "\r\n" else 0
        shown, self.pending = self.pending[:count], (self.pending[count:] if count else [])
        text = self.erase + "\r\n".join(shown)
        if self.pending:
            return text + "\r\n" + self.more, False
        return text if shown else self.erase + "\r\n", True


def shell(channel: paramiko.Channel, device: Device) -> None:
    """An interactive session: echo, one answer per line, the prompt after it."""
    session = Session(device)
    banner = VRP_BANNER if device.spec.vendor == "huawei" else COMWARE_BANNER
    channel.sendall(_crlf(banner) + session.prompt())
    pager = Pager(device.spec.vendor)
    typed = ""
    last = ""
    while not session.closed:
        data = channel.recv(4096)
        if not data:
            break
        for char in data.decode(errors="replace"):
            if char == "\n" and last == "\r":
                last = char
                continue  # \r\n is one line end
            last = char
            if pager.pending:
                text, complete = pager.key(char, session.screen_length)
                channel.sendall(text + (session.prompt() if complete else ""))
            elif char in "\r\n":
                channel.sendall("\r\n")
                answer = session.handle(typed)
                typed = ""
                if session.closed:
                    break
                text = _crlf(answer)
                if text and not text.endswith("\r\n") and session.question is None:
                    text += "\r\n"
                text = pager.start(text, session.screen_length)
                channel.sendall(text + ("" if session.question is not None or pager.pending else session.prompt()))
            elif char in ("\x08", "\x7f"):
                if typed:
                    typed = typed[:-1]
                    channel.sendall("\x08 \x08")
            elif char == "\x1a":  # Ctrl+Z: back to the user view
                typed = ""
                channel.sendall("\r\n" + _crlf(session.handle("return")) + session.prompt())
            elif char >= " " or char == "\t":
                typed += char
                channel.sendall(char)
    with contextlib.suppress(Exception):
        channel.send_exit_status(0)
        channel.close()


def exec_command(channel: paramiko.Channel, device: Device, command: str) -> None:
    session = Session(device)
    output = session.handle(command)
    channel.sendall(_crlf(output))
    channel.send_exit_status(1 if "^" in output else 0)
    channel.close()


def _connection(client: socket.socket, device: Device, host_key: paramiko.PKey, login: _Login) -> None:
    transport = paramiko.Transport(client)
    # the identification string real devices send
    transport.local_version = "SSH-2.0-HUAWEI-1.5" if device.spec.vendor == "huawei" else "SSH-2.0-Comware-7.1.070"
    try:
        transport.add_server_key(host_key)
        transport.start_server(server=login)
        channel = transport.accept(30)
        if channel is None or not login.ready.wait(30):
            return
        command = login.commands.get(channel.get_id())
        if command is not None:
            exec_command(channel, device, command)
        else:
            shell(channel, device)
        # the client leaves once it has the exit status; closing first would cut what it still sends (its EOF)
        deadline = time.monotonic() + 5
        while transport.is_active() and time.monotonic() < deadline:
            time.sleep(0.02)
    except (paramiko.SSHException, EOFError, OSError):
        return
    finally:
        with contextlib.suppress(Exception):
            transport.close()


def load_keys(path: Path | None) -> list[paramiko.PKey]:
    """Public keys of an OpenSSH `authorized_keys` file (ed25519, ecdsa, rsa)."""
    keys: list[paramiko.PKey] = []
    if path is None or not path.exists():
        return keys
    for line in path.read_text(encoding="utf-8").splitlines():
        words = line.split()
        if len(words) >= 2 and not line.startswith("#"):
            with contextlib.suppress(Exception):
                keys.append(paramiko.PKey.from_type_string(words[0], base64.b64decode(words[1])))
    return keys


def host_key(path: Path) -> paramiko.PKey:
    return paramiko.Ed25519Key.from_private_key_file(str(path))


def listen(address: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if family == socket.AF_INET6:
        sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    sock.bind((address, port))
    sock.listen(64)
    return sock


def serve(sock: socket.socket, device: Device, *, key: paramiko.PKey, username: str, password: str | None,
          authorized: list[paramiko.PKey], stop: threading.Event | None = None) -> None:
    """Accept logins until `stop` is set (or forever)."""
    # a client that connects and leaves before the SSH banner (a port probe) is not an error worth a traceback
    logging.getLogger("paramiko").setLevel(logging.CRITICAL)
    sock.settimeout(0.5)
    while stop is None or not stop.is_set():
        try:
            client, _ = sock.accept()
        except TimeoutError:
            continue
        except OSError:
            break
        login = _Login(username, password, authorized)
        threading.Thread(target=_connection, args=(client, device, key, login), daemon=True).start()
