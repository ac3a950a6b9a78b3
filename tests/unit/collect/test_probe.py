"""Active-test output parsing on real ping and iperf3 runs over loopback, and the lab-only target rule."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import time

import pytest

from ezgov_infra.collect.probe import check_target, parse_iperf3, parse_ping
from ezgov_infra.errors import InputError, ParseError, UnreachableError

needs_iperf3 = pytest.mark.skipif(shutil.which("iperf3") is None, reason="iperf3 is not installed")
needs_ping = pytest.mark.skipif(shutil.which("ping") is None, reason="ping is not installed")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class TestCheckTarget:
    @pytest.mark.parametrize("address", ["203.0.113.1", "198.51.100.11", "2001:db8::1"])
    def test_lab_addresses_are_allowed(self, address: str) -> None:
        assert check_target(address) == address

    @pytest.mark.parametrize("address", ["192.0.2.1", "10.0.0.1", "172.16.0.1", "192.168.1.1", "8.8.8.8",
                                         "127.0.0.1", "2001:4860::8888", "::1"])
    def test_anything_outside_the_lab_ranges_is_refused(self, address: str) -> None:
        with pytest.raises(InputError, match="outside the lab ranges"):
            check_target(address)

    def test_a_name_is_refused(self) -> None:
        with pytest.raises(InputError, match="not an IP address"):
            check_target("core.example")


@needs_ping
class TestParsePing:
    def test_reads_sent_received_and_rtt_from_a_real_run(self) -> None:
        done = subprocess.run(["ping", "-n", "-q", "-c", "3", "-i", "0.2", "127.0.0.1"], capture_output=True,
                              text=True, timeout=10, check=False)
        result = parse_ping(done.stdout, family=4, target="127.0.0.1")
        assert (result.sent, result.received, result.loss_pct) == (3, 3, 0.0)
        assert result.rtt_min_ms is not None and result.rtt_max_ms is not None
        assert 0 <= result.rtt_min_ms <= (result.rtt_avg_ms or 0) <= result.rtt_max_ms

    def test_total_loss_has_no_rtt(self) -> None:
        text = ("--- 203.0.113.1 ping statistics ---\n"
                "5 packets transmitted, 0 received, 100% packet loss, time 4093ms\n")
        result = parse_ping(text, family=4, target="203.0.113.1")
        assert (result.sent, result.received, result.loss_pct, result.rtt_avg_ms) == (5, 0, 100.0, None)

    def test_output_without_statistics_is_a_parse_error(self) -> None:
        with pytest.raises(ParseError, match="no statistics"):
            parse_ping("ping: connect: Network is unreachable\n", family=6, target="2001:db8::1")


@needs_iperf3
class TestParseIperf3:
    def test_reads_both_ends_of_a_real_tcp_run(self) -> None:
        port = free_port()
        server = subprocess.Popen(["iperf3", "-s", "-1", "-B", "127.0.0.1", "-p", str(port)],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            output = ""
            for _ in range(20):
                done = subprocess.run(["iperf3", "-c", "127.0.0.1", "-p", str(port), "-t", "1", "-J", "-b", "200M"],
                                      capture_output=True, text=True, timeout=20, check=False)
                output = done.stdout
                if '"error"' not in output:
                    break
                time.sleep(0.1)
            result = parse_iperf3(output, direction="up", target="127.0.0.1")
        finally:
            server.terminate()
            server.wait(timeout=5)
        document = json.loads(output)
        assert result.received_mbps == round(document["end"]["sum_received"]["bits_per_second"] / 1e6, 3)
        assert 150 < result.sent_mbps < 250  # paced at 200 Mbit/s by -b
        assert result.retransmits is not None and result.seconds > 0.5

    def test_an_error_document_is_an_unreachable_error(self) -> None:
        done = subprocess.run(["iperf3", "-c", "127.0.0.1", "-p", str(free_port()), "-t", "1", "-J"],
                              capture_output=True, text=True, timeout=20, check=False)
        with pytest.raises(UnreachableError, match="unable to connect"):
            parse_iperf3(done.stdout, direction="up", target="127.0.0.1")

    def test_text_that_is_not_json_is_a_parse_error(self) -> None:
        with pytest.raises(ParseError, match="not JSON"):
            parse_iperf3("iperf3: error", direction="down", target="203.0.113.1")
