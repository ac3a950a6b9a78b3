"""Active tests: iperf3 throughput and ping/ping6 latency, run through an injected executor, output parsed.

The executor runs a command where the test must start from (in the lab: inside a router's namespace), so this
module never chooses a network itself. Every run is bounded (`iperf3 -t`, `ping -c/-w`, plus a hard timeout),
and targets must lie in the lab's documentation ranges: anything else is refused before a packet leaves.
"""

from __future__ import annotations

import ipaddress
import json
import re
import time
from collections.abc import Callable
from typing import Any, Protocol

from ezgov_infra.errors import CollectTimeout, InputError, ParseError, UnreachableError
from ezgov_infra.models.bandwidth import Ping, Throughput


class Finished(Protocol):
    """What an executor hands back: a finished command's exit status and text output."""

    @property
    def returncode(self) -> int: ...
    @property
    def stdout(self) -> str: ...
    @property
    def stderr(self) -> str: ...


# Runs argv where the test starts from, within the timeout (seconds); raises `TimeoutError` (or an `EzgovError`
# of its own) when the command does not finish in time.
Executor = Callable[[list[str], float], Finished]

ALLOWED_TARGETS = tuple(ipaddress.ip_network(n) for n in ("2001:db8::/32", "198.51.100.0/24", "203.0.113.0/24"))
_SUMMARY = re.compile(r"(\d+) packets transmitted, (\d+) (?:packets )?received")
_RTT = re.compile(r"(?:rtt|round-trip) min/avg/max(?:/(?:mdev|stddev))? = ([\d.]+)/([\d.]+)/([\d.]+)")


def check_target(address: str) -> str:
    """The address itself when it is a lab address; otherwise InputError (tests never leave the lab)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        raise InputError(f"test target {address!r} is not an IP address") from None
    if not any(ip in net for net in ALLOWED_TARGETS if net.version == ip.version):
        allowed = ", ".join(str(n) for n in ALLOWED_TARGETS)
        raise InputError(f"test target {address} is outside the lab ranges ({allowed}); refusing to test it")
    return address


def parse_ping(output: str, *, family: int, target: str) -> Ping:
    """The summary of iputils (or BSD) ping output: packets sent and received, rtt min/avg/max in ms."""
    summary = _SUMMARY.search(output)
    if summary is None:
        raise ParseError(f"ping {target}: no statistics line in the output")
    sent, received = int(summary.group(1)), int(summary.group(2))
    loss = round(100.0 * (sent - received) / sent, 1) if sent else 100.0
    rtt = _RTT.search(output)
    low, avg, high = (float(rtt.group(i)) for i in (1, 2, 3)) if rtt else (None, None, None)
    return Ping(family=family, target=target, sent=sent, received=received, loss_pct=loss,
                rtt_min_ms=low, rtt_avg_ms=avg, rtt_max_ms=high)


def parse_iperf3(output: str, *, direction: str, target: str) -> Throughput:
    """An iperf3 `-J` document: the bits per second the sender sent and the receiver counted."""
    try:
        document: Any = json.loads(output)
    except ValueError as exc:
        raise ParseError(f"iperf3 {target}: output is not JSON ({exc.__class__.__name__})") from None
    if not isinstance(document, dict):
        raise ParseError(f"iperf3 {target}: output is not a JSON object")
    if document.get("error"):
        raise _iperf3_error(target, str(document["error"]))
    end = document.get("end") or {}
    sent, received = end.get("sum_sent"), end.get("sum_received")
    if not isinstance(sent, dict) or not isinstance(received, dict):
        raise ParseError(f"iperf3 {target}: no end.sum_sent/sum_received (not a TCP test?)")
    try:
        return Throughput(direction=direction, target=target, seconds=round(float(received["seconds"]), 3),
                          sent_mbps=round(float(sent["bits_per_second"]) / 1e6, 3),
                          received_mbps=round(float(received["bits_per_second"]) / 1e6, 3),
                          retransmits=int(sent["retransmits"]) if "retransmits" in sent else None)
    except (KeyError, TypeError, ValueError) as exc:
        raise ParseError(f"iperf3 {target}: unexpected summary ({exc.__class__.__name__}: {exc})") from None


def _iperf3_error(target: str, message: str) -> UnreachableError | CollectTimeout:
    if "timed out" in message or "timeout" in message:
        return CollectTimeout(f"iperf3 {target}: {message}")
    return UnreachableError(f"iperf3 {target}: {message}")


def _run(executor: Executor, argv: list[str], timeout: float) -> Finished:
    try:
        return executor(argv, timeout)
    except TimeoutError as exc:
        raise CollectTimeout(f"{argv[0]} did not finish within {timeout:.0f} s") from exc


def ping(executor: Executor, target: str, *, family: int, count: int = 10, interval: float = 0.2,
         wait: float = 1.0) -> Ping:
    """`count` echo requests to `target` (IPv4 or IPv6 by `family`); loss of every packet is a result, not an error."""
    check_target(target)
    deadline = max(1, int(count * interval + wait + 1))
    argv = ["ping", f"-{family}", "-n", "-q", "-c", str(count), "-i", f"{interval:g}", "-W", f"{wait:g}",
            "-w", str(deadline), target]
    done = _run(executor, argv, deadline + 5.0)
    if done.returncode not in (0, 1) and not _SUMMARY.search(done.stdout):
        # 2: an error before any statistics (no route, address family switched off)
        said = (done.stderr or done.stdout).strip()
        return Ping(family=family, target=target, sent=0, received=0, loss_pct=100.0,
                    error=said.splitlines()[-1] if said else f"ping exited {done.returncode}")
    return parse_ping(done.stdout, family=family, target=target)


def iperf3(executor: Executor, server: str, *, port: int, seconds: int = 5, reverse: bool = False,
           omit: int = 1, attempts: int = 5) -> Throughput:
    """A bounded TCP test against an iperf3 server; `reverse` measures server-to-client (the site's download).

    The first `omit` seconds (TCP slow start) are left out of the figure. A server still starting up is given a
    few retries.
    """
    check_target(server)
    if not 1 <= seconds <= 60:
        raise InputError(f"iperf3 duration {seconds} s: use 1 to 60 seconds")
    argv = ["iperf3", "-c", server, "-p", str(port), "-t", str(seconds), "-O", str(omit), "-J",
            "--connect-timeout", "3000"] + (["-R"] if reverse else [])
    direction = "down" if reverse else "up"
    for attempt in range(attempts):
        done = _run(executor, argv, seconds + omit + 15.0)
        try:
            return parse_iperf3(done.stdout, direction=direction, target=server)
        except UnreachableError as exc:
            if attempt == attempts - 1 or ("unable to connect" not in str(exc) and "busy" not in str(exc)):
                raise
            time.sleep(0.3 * (attempt + 1))
    raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises
