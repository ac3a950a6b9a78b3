"""The Prometheus exposition of metric families: the only module that imports `prometheus_client`.

`render` gives the text format (what node_exporter's textfile collector reads); `serve` answers `/metrics` over
HTTP, calling `collect` on every scrape so each scrape reads the history as it is then.

`render` writes the lines itself, with the library's own name checks, name escaping and number formatting done
once per family (or per value) instead of once per label of every sample: `generate_latest` spends some 8 us a
sample on them, 3 s for a province's 340,000 samples. Its output is `generate_latest`'s, byte for byte (the tests
compare the two).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from operator import itemgetter
from typing import Any, cast

from prometheus_client import CollectorRegistry, generate_latest, start_http_server
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.openmetrics.exposition import escape_label_name, escape_metric_name
from prometheus_client.utils import floatToGoString

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
    """The families in Prometheus' text exposition format (version 0.0.4)."""
    return b"".join(render_families(families))


def render_families(families: Iterable[Family]) -> Iterator[bytes]:
    """`render`, one family's text at a time: a province's exposition is written without ever holding all of it
    (some 40 MB, three times over, as lines, text and bytes)."""
    for family in families:
        gauge = GaugeMetricFamily(family.name, family.help, labels=list(family.labels))  # the library's checks
        name = escape_metric_name(gauge.name)
        doc = gauge.documentation.replace("\\", r"\\").replace("\n", r"\n")
        out = [f"# HELP {name} {doc}\n# TYPE {name} gauge\n"]
        # label pairs sorted by label name, as the library writes them; `%` cannot occur in a (escaped) name
        order = sorted(range(len(family.labels)), key=lambda i: family.labels[i])
        pairs = ",".join(f'{escape_label_name(family.labels[i])}="%s"' for i in order)
        line = f"{name}{{{pairs}}} %s\n" if order else f"{name} %s\n"
        plain = not _ESCAPED.search("".join(map("".join, [values for values, _ in family.samples])))
        sorted_already = order == list(range(len(order)))
        pick = itemgetter(*order) if len(order) > 1 else itemgetter(0)  # the label values in the order written
        samples = family.samples
        numbers = _numbers([value for _, value in samples])
        if plain and sorted_already:
            out += [line % (*values, number) for (values, _), number in zip(samples, numbers, strict=True)]
        elif plain:
            out += [line % (*pick(values), number) for (values, _), number in zip(samples, numbers, strict=True)]
        else:
            out += [line % (*[_label_value(values[i]) for i in order], number)
                    for (values, _), number in zip(samples, numbers, strict=True)]
        yield "".join(out).encode("utf-8")


def _numbers(values: list[float]) -> list[str]:
    """`_number` of each value: a family of mostly distinct numbers (rates, ratios) formats each in turn, others
    each distinct number once (0.0 and -0.0 are equal keys but not equal text: zeros are formatted each time)."""
    distinct = set(values)
    if 2 * len(distinct) > len(values):
        return list(map(_number, values))
    texts = {value: _number(value) for value in distinct if value}
    return [texts[value] if value else _number(value) for value in values]


def _number(value: float) -> str:
    """`floatToGoString(value)`, the library's number format: repr(), but a positive number of 10**6 or more that
    repr writes with a point (`12345678.5`) gets Go's exponent form (`1.23456785e+07`); infinities and NaN in the
    library's words."""
    text = repr(value)
    dot = text.find(".")
    if dot <= 6:
        return text if dot >= 0 else _go_float(value)
    if value > 0:
        digits = text.replace(".", "", 1).rstrip("0")
        return digits[0] + "." + digits[1:] + _EXPONENT[dot] if len(digits) > 1 else digits + _EXPONENT[dot]
    return _go_float(value)


_EXPONENT = tuple(f"e+{dot - 1:02d}" for dot in range(18))  # by the point's place: repr has 17 digits at most
_go_float = cast("Callable[[float], str]", floatToGoString)  # the library's number format (untyped)
_ESCAPED = re.compile(r'[\\\n"]')


def _label_value(value: str) -> str:
    return value.replace("\\", r"\\").replace("\n", r"\n").replace('"', r'\"')


def render_reference(families: list[Family]) -> bytes:
    """The same exposition through `prometheus_client.generate_latest` (what `render` must equal)."""
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
