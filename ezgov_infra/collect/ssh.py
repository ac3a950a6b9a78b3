"""The SSH adapter (netmiko): the only module that imports netmiko, and paramiko's client side (the lab's vendor CLI
emulators, `lab.emulator.server`, use paramiko's server side).

`collect(target)` logs in, runs the platform profile's commands and returns `DeviceFacts` through the platform's
parser; `configure(target, lines)` sends configuration lines through the driver's configuration view and saves.

Show commands run in a `ShowSession`: netmiko opens the connection (host keys, authentication, the terminal and its
driver's login questions), then each read waits for what the device sends, and a command is done when its echo has
come back and the prompt follows its output. netmiko's own session preparation and `send_command` poll with sleeps
(about 0.35 s per device in all), which a province pays once per device; configuration keeps netmiko's driver.
Host keys are checked against a known_hosts file unless the caller explicitly disables it. Errors are translated
into the ezgov categories:

    connection refused, no route, DNS            UnreachableError  (unreachable)
    wrong password or key                        AuthError         (auth)
    no TCP answer / no SSH banner / a slow read  CollectTimeout    (timeout)
    host key unknown or changed                  HostKeyError      (host-key)

Secrets stay in `SshCredentials`; nothing here logs, and netmiko's session log is never enabled.
"""

from __future__ import annotations

import codecs
import contextlib
import logging
import re
import socket
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from ezgov_infra.errors import (
    AuthError,
    CollectError,
    CollectTimeout,
    ConfigRefused,
    HostKeyError,
    UnreachableError,
)
from ezgov_infra.models.credentials import SshCredentials
from ezgov_infra.models.facts import DeviceFacts, Fault, Source
from ezgov_infra.platforms import PlatformProfile
from ezgov_infra.platforms.parsers import parse
from ezgov_infra.store.reading import bulk


@dataclass(frozen=True)
class SshTarget:
    device: str
    host: str
    profile: PlatformProfile
    credentials: SshCredentials = field(repr=False)
    port: int = 22
    connect_timeout: float = 10.0
    command_timeout: float = 30.0
    check_host_key: bool = True
    probe_ipv6: str | None = None  # the management IPv6 address to probe for SSH over IPv6, if not `host`


def _connection_args(target: SshTarget) -> dict[str, Any]:
    credentials = target.credentials
    args: dict[str, Any] = {
        "device_type": target.profile.netmiko_device_type, "host": target.host, "port": target.port,
        "username": credentials.username, "password": credentials.password or "",
        "conn_timeout": target.connect_timeout, "auth_timeout": target.connect_timeout,
        "banner_timeout": target.connect_timeout, "timeout": target.command_timeout,
        "session_timeout": target.command_timeout, "allow_agent": False, "fast_cli": target.profile.fast_cli,
        "use_keys": bool(credentials.key_file), "key_file": credentials.key_file,
        # Without a known_hosts file of its own, a profile is checked against the user's ~/.ssh/known_hosts.
        "ssh_strict": target.check_host_key, "system_host_keys": target.check_host_key and not credentials.known_hosts,
        "alt_host_keys": target.check_host_key and bool(credentials.known_hosts),
        "alt_key_file": credentials.known_hosts or "",
    }
    if target.profile.fast_cli:
        args["global_delay_factor"] = 0.1
    return args


def _translate(target: SshTarget, exc: BaseException) -> CollectError:
    """netmiko wraps paramiko's errors in multi-line messages; the whole text is searched, one line is shown."""
    from netmiko.exceptions import NetmikoAuthenticationException, NetmikoTimeoutException, ReadTimeout
    from paramiko.ssh_exception import (  # type: ignore[import-untyped]
        BadHostKeyException,
        NoValidConnectionsError,
        SSHException,
    )

    where = f"{target.device} ({target.host})"
    full = str(exc)
    lowered = full.lower()
    lines = [line.strip() for line in full.splitlines() if line.strip() and not line.startswith("A paramiko")]
    text = lines[0] if lines else exc.__class__.__name__
    if isinstance(exc, BadHostKeyException) or "known_hosts" in lowered or "host key" in lowered:
        detail = next((line for line in lines if "known_hosts" in line or "key" in line.lower()), text)
        return HostKeyError(f"{where}: host key not trusted: {detail}")
    if isinstance(exc, NetmikoAuthenticationException) or "authentication failed" in lowered:
        return AuthError(f"{where}: authentication failed for user {target.credentials.username}")
    if isinstance(exc, ConnectionRefusedError | NoValidConnectionsError) or "connection refused" in lowered:
        return UnreachableError(f"{where}: SSH connection refused")
    if isinstance(exc, ReadTimeout | TimeoutError) or "banner" in lowered or "timed out" in lowered \
            or isinstance(exc, NetmikoTimeoutException):
        return CollectTimeout(f"{where}: SSH did not answer within {target.connect_timeout:g} s "
                              f"(connect) / {target.command_timeout:g} s (command)")
    if isinstance(exc, OSError):
        return UnreachableError(f"{where}: {exc.strerror or text}")
    if isinstance(exc, SSHException):
        return UnreachableError(f"{where}: SSH failed: {text}")
    return UnreachableError(f"{where}: {exc.__class__.__name__}: {text}")


def _tcp_connect(target: SshTarget) -> socket.socket:
    """The TCP connection the session runs over, opened here: a refusal is then unreachable and silence a timeout,
    precisely (netmiko words both as "TCP connection to device failed"), and the device is connected to once."""
    try:
        return socket.create_connection((target.host, target.port), timeout=target.connect_timeout)
    except ConnectionRefusedError as exc:
        raise UnreachableError(f"{target.device} ({target.host}): SSH connection refused") from exc
    except TimeoutError as exc:
        raise CollectTimeout(f"{target.device} ({target.host}): no TCP answer within "
                             f"{target.connect_timeout:g} s") from exc
    except OSError as exc:
        raise UnreachableError(f"{target.device} ({target.host}): {exc.strerror or exc}") from exc


def _netmiko() -> Any:
    """netmiko, imported with the cyclic collector paused: its two hundred drivers, paramiko and cryptography are
    some hundred thousand objects, and the collector would walk the whole heap several times while they load
    (0.04 s of the 0.12 s import, which every device of a run waits for). Modules live as long as the process, so
    what is loaded by then is frozen: later full collections (0.03 s each) walk only what the run makes after."""
    with _LOADING, bulk(freeze="netmiko" not in sys.modules):
        import netmiko
    return netmiko


_LOADING = threading.Lock()  # one thread loads netmiko (and freezes); the others wait for it


def driver_session(target: SshTarget, **options: Any) -> Any:
    """netmiko's driver for the platform over `_tcp_connect`'s socket, its errors translated: prepared by the
    driver (pager off, prompt found, its sleeps and all) for configuration and as the reference a `ShowSession`'s
    answers are tested against; with `auto_connect=False`, only built, for a `ShowSession` to connect."""
    # paramiko logs connection failures at ERROR; they are reported as results, not printed by Python's fallback.
    logging.getLogger("paramiko").addHandler(logging.NullHandler())
    sock = _tcp_connect(target)
    try:
        return _netmiko().ConnectHandler(**_connection_args(target), sock=sock, **options)
    except Exception as exc:  # netmiko and paramiko raise many unrelated types; all are translated
        sock.close()
        raise _translate(target, exc) from None


class ShowSession:
    """Show commands over the interactive channel netmiko opened, read as the device writes them.

    The prompt is learnt once (an empty line is sent; the last line matching the profile's `prompt` is it), the
    profile's `paging` commands turn the pager off, and `send_command` returns what the device printed between the
    echo of the command and the prompt, line ends normalised and terminal codes removed by the driver's own
    functions. A "more" line (the profile's `more`) is answered with a space should the pager stay on."""

    def __init__(self, connection: Any, profile: PlatformProfile, timeout: float) -> None:
        self.connection = connection
        self.channel = connection.remote_conn  # paramiko's Channel, with a pty and a shell
        self.profile = profile
        self.prompt_re = re.compile(profile.prompt)
        # the "more" line at the end of what came, and the line with the cursor moves or backspaces that erase it
        self.more_re = re.compile(rf"{profile.more}\s*$") if profile.more else None
        self.erased_more = re.compile(rf"[ \t]*{profile.more}(?:(?:\x1b\[\d+D|\x08)+ *(?:\x1b\[\d+D|\x08)+)?") \
            if profile.more else None
        self.decoder = codecs.getincrementaldecoder(connection.encoding)(errors="replace")
        self.prompt = self._learn_prompt(time.monotonic() + timeout)
        for command in profile.paging:
            self.send_command(command, read_timeout=timeout)

    def _clean(self, text: str) -> str:
        return str(self.connection.strip_ansi_escape_codes(self.connection.normalize_linefeeds(text)))

    def _output(self, raw: str) -> str:
        """The whole answer cleaned, every "more" line and its erasure gone."""
        return self._clean(self.erased_more.sub("", raw) if self.erased_more is not None else raw)

    def _read(self, deadline: float, waiting_for: str) -> str:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError(f"no prompt after {waiting_for}")
        self.channel.settimeout(remaining)
        data = self.channel.recv(65536)
        if not data:
            raise EOFError(f"the device closed the session after {waiting_for}")
        return str(self.decoder.decode(data))

    def _last_line(self, raw: str) -> str:
        return self._clean(raw[-2048:]).rpartition("\n")[2].strip()

    def _learn_prompt(self, deadline: float) -> str:
        """The prompt, from the answer to an empty line (which also answers a banner's "press ENTER to continue";
        the driver's login handler has answered any question asked before, such as VRP's password change)."""
        self.channel.sendall(self.connection.RETURN)
        raw = ""
        while True:
            raw += self._read(deadline, "login")
            last = self._last_line(raw)
            if self.prompt_re.match(last):
                return last

    def send_command(self, command: str, read_timeout: float = 30.0, **_: Any) -> str:
        """What the device printed for `command` (netmiko's `send_command` with its command and prompt stripped)."""
        deadline = time.monotonic() + read_timeout
        self.channel.sendall(command + self.connection.RETURN)
        raw = ""
        while True:
            raw += self._read(deadline, f"`{command}`")
            last = self._last_line(raw)
            if self.more_re is not None and self.more_re.search(last):
                self.channel.sendall(" ")
                continue
            if last != self.prompt:
                continue
            lines = self._output(raw).split("\n")
            # the echo, after any prompt the device printed before it; a prompt before the echo is not the end
            echo = next((i for i, line in enumerate(lines) if line.rstrip().endswith(command)), None)
            if echo is None or echo == len(lines) - 1:
                continue
            return "\n".join(lines[echo + 1:-1])

    def disconnect(self) -> None:
        """Log out as the device expects (`quit` or `exit`), then close the connection."""
        with contextlib.suppress(Exception):
            self.channel.sendall(self.profile.logout + self.connection.RETURN)
        self.connection.paramiko_cleanup()


def _show_session(target: SshTarget) -> ShowSession:
    """A `ShowSession` on `target`: netmiko connects and logs in, nothing of its session preparation runs."""
    connection = driver_session(target, auto_connect=False)
    try:
        connection.establish_connection()
        return ShowSession(connection, target.profile, target.command_timeout)
    except Exception as exc:
        with contextlib.suppress(Exception):
            connection.paramiko_cleanup()
        with contextlib.suppress(Exception):
            connection.sock.close()
        raise _translate(target, exc) from None


# what VRP ("Error: ...") and Comware (" % Unrecognized command ...") print when they refuse a line
REFUSED = r"(?m)^(?:Error: .*|\s*% (?:Unrecognized|Incomplete|Wrong|Too many|Ambiguous).*)$"


def configure(target: SshTarget, lines: list[str], *, save: bool = True) -> str:
    """Send configuration lines in the device's configuration view (netmiko's driver enters and leaves it), then
    save; returns the transcript. A line the device refuses stops the run with `ConfigRefused`."""
    from netmiko.exceptions import ConfigInvalidException

    connection = driver_session(target)
    try:
        transcript = str(connection.send_config_set(lines, read_timeout=target.command_timeout,
                                                    error_pattern=REFUSED))
        if save:
            transcript += str(connection.save_config())
    except ConfigInvalidException as exc:
        # netmiko says "Invalid input detected at command: LINE, matched error: TEXT"
        command, _, error = str(exc).partition(", matched error:")
        raise ConfigRefused(f"{target.device} ({target.host}): the device refused "
                            f"`{command.rpartition('command: ')[2].strip()}`: {error.strip()}") from None
    except Exception as exc:
        raise _translate(target, exc) from None
    finally:
        with contextlib.suppress(Exception):
            connection.disconnect()
    return transcript


class Session(Protocol):
    """What the collector needs of a connection: a `ShowSession`, or `testing.replay.ReplaySession` in unit tests."""

    def send_command(self, command: str, **kwargs: Any) -> str: ...

    def disconnect(self) -> None: ...


Connect = Callable[[SshTarget], Session]


def run_commands(target: SshTarget, commands: dict[str, str], connect: Connect | None = None) -> dict[str, str]:
    """`{key: output}` for each command, over one SSH session (`connect` opens it; default: a `ShowSession`)."""
    connection = (connect or _show_session)(target)
    outputs: dict[str, str] = {}
    try:
        for key, command in commands.items():
            outputs[key] = str(connection.send_command(command, read_timeout=target.command_timeout))
    except Exception as exc:
        raise _translate(target, exc) from None
    finally:
        with contextlib.suppress(Exception):  # a session the device already tore down
            connection.disconnect()
    return outputs


def probe_ssh(host: str, port: int = 22, timeout: float = 3.0) -> bool:
    """True when an SSH server answers with its banner on `host`, False when the host answers that nothing (or
    something other than SSH) listens there. No answer in time is `CollectTimeout`, no route `UnreachableError`:
    a failed probe, not a verdict on the device."""
    where = f"SSH probe of {host} port {port}"
    try:
        with socket.create_connection((host, port), timeout=timeout) as sock:
            sock.settimeout(timeout)
            return sock.recv(64).startswith(b"SSH-")
    except ConnectionRefusedError:
        return False
    except TimeoutError as exc:
        raise CollectTimeout(f"{where}: no answer within {timeout:g} s") from exc
    except OSError as exc:
        raise UnreachableError(f"{where}: {exc.strerror or exc}") from exc


def collect(target: SshTarget, connect: Connect | None = None) -> DeviceFacts:
    """Facts of one device over SSH; `connect` injects the session (default: a `ShowSession`)."""
    started = time.monotonic()
    outputs = run_commands(target, dict(target.profile.commands), connect)
    facts = parse(target.device, target.profile.name, outputs, Source.ssh)
    if target.probe_ipv6 == target.host:
        facts.reachability.ssh_ipv6 = True
    elif target.probe_ipv6:
        remaining = max(1.0, target.connect_timeout - (time.monotonic() - started))
        try:
            facts.reachability.ssh_ipv6 = probe_ssh(target.probe_ipv6, target.port, min(3.0, remaining))
        except CollectError as exc:
            facts.faults.append(Fault(step="SSH over IPv6", category=exc.category, message=str(exc)))
    return facts
