"""Counter polling: speed and counter choice, and real polls of a private snmpd on loopback."""

from __future__ import annotations

import asyncio
import os
import secrets
import shutil
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from ezgov_infra.collect.counters import (
    IF_HC_IN_OCTETS,
    IF_HC_OUT_OCTETS,
    IF_HIGH_SPEED,
    IF_IN_OCTETS,
    IF_OUT_OCTETS,
    IF_SPEED,
    CounterPoller,
    CounterTarget,
    make_sample,
    speed_mbps,
)
from ezgov_infra.collect.snmp import SnmpSession, SnmpTarget
from ezgov_infra.models.bandwidth import Sample
from ezgov_infra.models.credentials import SnmpCredentials
from ezgov_infra.models.runs import Result
from tests.agents import free_udp_port, private_snmpd


class TestSpeed:
    def test_if_high_speed_wins(self) -> None:
        assert speed_mbps(10_000, 4_294_967_295) == 10_000

    def test_if_speed_is_used_where_if_high_speed_is_zero(self) -> None:
        assert speed_mbps(0, 100_000_000) == 100

    def test_saturated_if_speed_is_not_a_speed(self) -> None:
        assert speed_mbps(0, 4_294_967_295) is None

    def test_nothing_answered_is_unknown(self) -> None:
        assert speed_mbps(None, None) is None


class TestMakeSample:
    def test_prefers_64_bit_counters(self) -> None:
        values = {IF_HC_IN_OCTETS: 2**40, IF_HC_OUT_OCTETS: 7, IF_IN_OCTETS: 1, IF_OUT_OCTETS: 2,
                  IF_HIGH_SPEED: 1000, IF_SPEED: 1_000_000_000}
        got = make_sample("r1", "eth1", 5.0, 123, values)
        assert (got.in_octets, got.out_octets, got.hc, got.speed_mbps, got.uptime) == (2**40, 7, True, 1000, 123)

    def test_falls_back_to_32_bit_counters_where_hc_are_absent(self) -> None:
        values = {IF_HC_IN_OCTETS: None, IF_HC_OUT_OCTETS: None, IF_IN_OCTETS: 11, IF_OUT_OCTETS: 22,
                  IF_HIGH_SPEED: None, IF_SPEED: 100_000_000}
        got = make_sample("r1", "eth1", 5.0, None, values)
        assert (got.in_octets, got.out_octets, got.hc, got.speed_mbps) == (11, 22, False, 100)


@pytest.fixture(scope="module")
def agent(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SnmpTarget]:
    """A private snmpd answering v2c on 127.0.0.1 with a random community."""
    community = secrets.token_hex(8)
    def config(port: int) -> str:
        return f"agentAddress udp:127.0.0.1:{port}\nrocommunity {community} 127.0.0.1\n"

    with private_snmpd(tmp_path_factory.mktemp("snmpd"), community, config) as port:
        yield SnmpTarget("127.0.0.1", SnmpCredentials("2c", community=community), port=port, timeout=0.5,
                         retries=0)


def _poll(target: SnmpTarget, interfaces: tuple[str, ...], rounds: int = 1) -> list[Result[list[Sample]]]:
    async def run() -> list[Result[list[Sample]]]:
        found: list[Result[list[Sample]]] = []
        async with SnmpSession() as session:
            poller = CounterPoller(session)
            for number in range(rounds):
                if number:
                    await asyncio.sleep(1.2)
                found += await poller.poll([CounterTarget("host", target, interfaces)])
        return found

    return asyncio.run(run())


class TestCounterPoller:
    def test_reads_64_bit_counters_and_uptime_that_move_forward(self, agent: SnmpTarget) -> None:
        subprocess.run(["ping", "-c", "3", "-i", "0.2", "-q", "127.0.0.1"], capture_output=True, check=False)
        first, second = _poll(agent, ("lo",), rounds=2)
        assert first.value and second.value
        a, b = first.value[0], second.value[0]
        assert (a.device, a.interface, a.hc) == ("host", "lo", True)
        assert a.in_octets is not None and b.in_octets is not None and b.in_octets >= a.in_octets
        assert a.uptime is not None and b.uptime is not None and b.uptime > a.uptime
        assert b.ts > a.ts

    def test_an_unknown_interface_is_reported_and_the_known_ones_polled(self, agent: SnmpTarget) -> None:
        (answer,) = _poll(agent, ("lo", "no-such-port"))
        assert not answer.failed and [s.interface for s in answer.value or []] == ["lo"]
        assert answer.message == "not found on the agent: no-such-port"

    def test_a_device_without_any_wanted_interface_fails_as_unsupported(self, agent: SnmpTarget) -> None:
        (answer,) = _poll(agent, ("no-such-port",))
        assert answer.failed and answer.category == "unsupported"

    def test_an_agent_that_does_not_answer_fails_as_timeout_without_stopping_the_others(
            self, agent: SnmpTarget) -> None:
        silent = SnmpTarget("127.0.0.1", agent.credentials, port=free_udp_port(), timeout=0.3, retries=0)

        async def run() -> list[Result[list[Sample]]]:
            async with SnmpSession() as session:
                return await CounterPoller(session).poll([CounterTarget("dead", silent, ("lo",)),
                                                          CounterTarget("alive", agent, ("lo",))])

        dead, alive = asyncio.run(run())
        assert (dead.subject, dead.failed, dead.category) == ("dead", True, "timeout")
        assert not alive.failed and alive.value


class TestAgentRestart:
    def test_a_restarted_snmpv3_agent_answers_again_through_an_engine_of_its_own(self, tmp_path: Path) -> None:
        if shutil.which("snmpd") is None:
            if os.environ.get("CI") == "true":
                pytest.fail("snmpd is not installed")
            pytest.skip("snmpd is not installed")
        port = free_udp_port()
        auth, priv = secrets.token_hex(8), secrets.token_hex(8)
        conf = tmp_path / "snmpd.conf"
        conf.write_text(f"agentAddress udp:127.0.0.1:{port}\ncreateUser t SHA {auth} AES {priv}\nrouser t priv\n")
        (tmp_path / "persist").mkdir()
        argv = ["snmpd", "-f", "-C", "-c", str(conf), "-p", str(tmp_path / "pid"), "-Lf", str(tmp_path / "log"),
                f"--persistentDir={tmp_path / 'persist'}", "-I", "-smux,mteTrigger,mteTriggerConf"]
        target = SnmpTarget("127.0.0.1", SnmpCredentials("3", user="t", auth_protocol="SHA", auth_key=auth,
                                                         priv_protocol="AES", priv_key=priv),
                            port=port, timeout=1.0, retries=0)
        procs = [subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]

        async def run() -> list[Result[list[Sample]]]:
            rounds: list[Result[list[Sample]]] = []
            async with SnmpSession() as session:
                poller = CounterPoller(session, fresh=SnmpSession)
                try:
                    for number in range(12):
                        answer = (await poller.poll([CounterTarget("host", target, ("lo",))]))[0]
                        if rounds or not answer.failed:
                            rounds.append(answer)
                        if len(rounds) == 1:  # the agent answered once: restart it
                            procs[0].send_signal(signal.SIGTERM)
                            procs[0].wait(timeout=10)
                            procs.append(subprocess.Popen(argv, stdout=subprocess.DEVNULL,
                                                          stderr=subprocess.DEVNULL))
                            procs[0] = procs[-1]
                        if len(rounds) >= 3 and not rounds[-1].failed:
                            break
                        await asyncio.sleep(0.5 if number else 1.0)
                finally:
                    poller.close()
            return rounds

        try:
            rounds = asyncio.run(run())
        finally:
            for proc in procs:
                if proc.poll() is None:
                    proc.send_signal(signal.SIGTERM)
                    proc.wait(timeout=10)
        assert rounds and not rounds[0].failed
        assert not rounds[-1].failed, [(r.category, r.message) for r in rounds]
        assert rounds[-1].value and rounds[-1].value[0].uptime is not None
