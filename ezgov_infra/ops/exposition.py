"""The Prometheus exposition of metric families: the only module that imports `prometheus_client`.

`render` gives the text format (what node_exporter's textfile collector reads); `serve` answers `/metrics` over
HTTP, calling `collect` on every scrape so each scrape reads the history as it is then.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from prometheus_client import CollectorRegistry, generate_latest, start_http_server
from prometheus_client.core import GaugeMetricFamily, Metric

from ezgov_infra.errors import InputError
from ezgov_infra.ops.families import Family

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class _FamiliesCollector:
    def __init__(self, collect: Callable[[], list[Family]]) -> None:
        self.collect_families = collect

    def collect(self) -> Iterator[Metric]:
        for family in self.collect_families():
            gauge = GaugeMetricFamily(family.name, family.help, labels=list(family.labels))
            for values, value in family.samples:
                gauge.add_metric(list(values), value)
            yield gauge

    def describe(self) -> list[Metric]:
        return []


def _registry(collect: Callable[[], list[Family]]) -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_FamiliesCollector(collect))
    return registry


def render(families: list[Family]) -> bytes:
    """The families in Prometheus' text exposition format."""
    return generate_latest(_registry(lambda: families))


@dataclass(slots=True)
class Endpoint:
    host: str
    port: int
    stop: Callable[[], None]
    thread: threading.Thread

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/metrics"


def parse_listen(listen: str) -> tuple[str, int]:
    """`[::1]:9864`, `127.0.0.1:9864` or `:9864` (all addresses) -> (host, port)."""
    host, sep, port = listen.rpartition(":")
    if not sep or not port.isdigit() or int(port) > 65535:
        raise InputError(f"--listen {listen}: expected HOST:PORT, e.g. [::1]:9864 or 127.0.0.1:9864")
    host = host.removeprefix("[").removesuffix("]") or "::"
    return host, int(port)


def start(collect: Callable[[], list[Family]], host: str, port: int) -> Endpoint:
    """Serve `/metrics` on host:port in a background thread (port 0: any free port)."""
    try:
        server: Any
        server, thread = start_http_server(port, addr=host, registry=_registry(collect))
    except OSError as exc:
        raise InputError(f"--listen {host}:{port}: cannot listen ({exc.strerror or exc})") from exc
    bound = server.server_address

    def stop() -> None:
        server.shutdown()
        server.server_close()

    return Endpoint(host=host, port=int(bound[1]), stop=stop, thread=thread)
