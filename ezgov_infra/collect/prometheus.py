"""Counter samples read back from Prometheus (HTTP API, standard library only), as if ezgov had polled them.

The engine scrapes the counters (`automation.prometheus` writes its configuration); this collector asks for the
raw samples of the audit window with range-vector instant queries, for example

    ifHCInOctets{job="ezgov-snmp"}[86400s]        evaluated at the end of the window

and joins the series of one scrape on (device, ifName, timestamp) into `Sample`s. The audit then judges them with
the same rules as the built-in poller's samples (`audit.bandwidth`): the same interval rates, wrap and restart
handling and p95 rule, so both sources give the same findings for the same counters. Series without a `device`
and `ifName` label are ignored (they are not ezgov's).
"""

from __future__ import annotations

import json
import math
import urllib.error
import urllib.parse
import urllib.request
from collections import defaultdict
from typing import Any

from ezgov_infra.collect.counters import speed_mbps
from ezgov_infra.errors import CollectTimeout, InputError, UnreachableError, UnsupportedError
from ezgov_infra.models.bandwidth import Sample

METRICS = ("ifHCInOctets", "ifHCOutOctets", "ifInOctets", "ifOutOctets", "ifHighSpeed", "ifSpeed")
JOB = "ezgov-snmp"


def query(url: str, promql: str, *, at: float, timeout: float = 30.0) -> list[dict[str, Any]]:
    """The `result` of an instant query at `at`; errors as ezgov collection errors."""
    parsed = urllib.parse.urlsplit(url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise InputError(f"--prometheus-url {url}: give the server's base URL, e.g. http://[::1]:9090")
    endpoint = url.rstrip("/") + "/api/v1/query?" + urllib.parse.urlencode({"query": promql, "time": f"{at:.3f}"})
    try:
        with urllib.request.urlopen(endpoint, timeout=timeout) as response:
            body = json.loads(response.read().decode("utf-8"))
    except urllib.error.HTTPError as exc:
        detail = exc.read().decode("utf-8", "replace")[:300]
        raise UnsupportedError(f"Prometheus at {url} refused {promql!r}: HTTP {exc.code} {detail}") from exc
    except TimeoutError as exc:
        raise CollectTimeout(f"Prometheus at {url}: no answer within {timeout:g} s") from exc
    except (urllib.error.URLError, OSError) as exc:
        raise UnreachableError(f"Prometheus at {url}: {getattr(exc, 'reason', exc)}") from exc
    except ValueError as exc:
        raise UnsupportedError(f"Prometheus at {url}: answer is not JSON ({exc})") from exc
    if body.get("status") != "success":
        raise UnsupportedError(f"Prometheus at {url}: {body.get('errorType')}: {body.get('error')}")
    data = body.get("data") or {}
    if data.get("resultType") != "matrix":
        raise UnsupportedError(f"Prometheus at {url}: expected a matrix for {promql!r}, got {data.get('resultType')}")
    result: list[dict[str, Any]] = data.get("result") or []
    return result


def samples(url: str, *, window_s: float, at: float, job: str = JOB) -> list[Sample]:
    """Every scraped interface reading in `(at - window_s, at]` as `Sample`s, sorted by device, interface, time."""
    window = f"{max(1, math.ceil(window_s))}s"
    readings: dict[tuple[str, str, float], dict[str, int]] = defaultdict(dict)
    uptimes: dict[tuple[str, float], int] = {}
    for metric in METRICS:
        for series in query(url, f'{metric}{{job="{job}"}}[{window}]', at=at):
            labels = series.get("metric") or {}
            device, interface = labels.get("device"), labels.get("ifName")
            if not device or not interface:
                continue
            for ts, value in series.get("values") or []:
                readings[(device, interface, float(ts))][metric] = int(float(value))
    for series in query(url, f'sysUpTime{{job="{job}"}}[{window}]', at=at):
        device = (series.get("metric") or {}).get("device")
        if device:
            for ts, value in series.get("values") or []:
                uptimes[(device, float(ts))] = int(float(value))
    out: list[Sample] = []
    for (device, interface, ts), values in sorted(readings.items()):
        hc = "ifHCInOctets" in values and "ifHCOutOctets" in values
        in_octets = values.get("ifHCInOctets" if hc else "ifInOctets")
        out_octets = values.get("ifHCOutOctets" if hc else "ifOutOctets")
        out.append(Sample(device, interface, ts, uptimes.get((device, ts)), in_octets, out_octets,
                          speed_mbps(values.get("ifHighSpeed"), values.get("ifSpeed")), hc))
    return out

