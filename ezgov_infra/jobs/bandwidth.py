"""The bandwidth use cases: poll uplink counters, test sites live, audit sites against the policy.

- `poll`: every live device's uplink counters over SNMP, all devices concurrently, one round per interval;
  each round's samples are appended to the history at once (a Ctrl-C keeps everything collected so far).
- `test`: iperf3 both ways and ping/ping6 from a site's lab router to the city core test point (an iperf3
  server started for the run inside the core's namespace and stopped after it), one site after another through
  the batch runner collection uses. Stored as `bandwidth-test`.
- `audit`: inventory (contracted rates) + samples in the window (speed, utilisation, p95) + each site's latest
  active test, judged by `audit.bandwidth`; stored as `bandwidth-audit` with one result per site.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable, Coroutine, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ezgov_infra.audit.bandwidth import audit_sites, severity_rank, utilisations
from ezgov_infra.collect import probe, prometheus
from ezgov_infra.collect.counters import CounterPoller, CounterTarget
from ezgov_infra.collect.credentials import credentials_for
from ezgov_infra.collect.runner import run_batch
from ezgov_infra.collect.snmp import SnmpSession, SnmpTarget
from ezgov_infra.config import history_path
from ezgov_infra.errors import CollectError, EzgovError, InputError, LabError
from ezgov_infra.jobs import distributed as distributed_jobs
from ezgov_infra.lab.lab import Lab
from ezgov_infra.lab.ns import proc_start, terminate
from ezgov_infra.lab.topology import from_inventory
from ezgov_infra.models import facets
from ezgov_infra.models.bandwidth import P95_RULE, Sample, SiteBandwidth, SiteTest, Utilisation
from ezgov_infra.models.inventory import CircuitStatus, Collection, InterfaceKind, Inventory
from ezgov_infra.models.runs import NoProgress, Progress, Result
from ezgov_infra.models.selector import ALL, Selector
from ezgov_infra.store.history import now, open_history
from ezgov_infra.store.inventory import load_inventory

POLL_KIND, TEST_KIND, AUDIT_KIND = "bandwidth-poll", "bandwidth-test", "bandwidth-audit"
MIN_INTERVAL_S = 5.0
PART = 50  # devices of one poller group polled by one worker task in a distributed round


@dataclass(slots=True)
class PollRound:
    """The value of one round's `Result`: samples taken and the devices that failed, with why."""

    number: int
    rounds: int
    samples: int
    failed: dict[str, str]


@dataclass(slots=True)
class PollResult:
    run_id: int
    started: str
    elapsed: float
    rounds: int
    samples: int
    interrupted: bool
    devices: list[str]
    skipped: dict[str, str]
    failures: dict[str, dict[str, int]]
    interfaces: list[Utilisation] = field(default_factory=list)

    @property
    def samples_per_second(self) -> float:
        return round(self.samples / self.elapsed, 1) if self.elapsed > 0 else 0.0


@dataclass(slots=True)
class TestResult:
    run_id: int
    started: str
    elapsed: float
    server: str
    sites: list[SiteTest]


@dataclass(slots=True)
class AuditResult:
    run_id: int | None
    started: str
    window_s: float
    p95_rule: str
    summary: dict[str, Any]
    sites: list[SiteBandwidth]
    interfaces: list[Utilisation]


def _inventory(folder: Path) -> Inventory:

    return load_inventory(folder)


def uplinks(inventory: Inventory) -> dict[str, list[str]]:
    """Each site's uplink interfaces: the `a_end` of its active circuits, keyed by device."""
    found: dict[str, list[str]] = {}
    for circuit in sorted(inventory.circuits.values(), key=lambda c: c.id):
        device, _, name = circuit.a_end.partition(":")
        if circuit.status is CircuitStatus.active and device in inventory.devices:
            found.setdefault(device, []).append(name)
    return found


def counter_target(inventory: Inventory, device_id: str, interfaces: Sequence[str], *, folder: Path,
                   state_dir: Path, timeout: float, retries: int) -> CounterTarget:
    """What to poll on a device, its SNMP credentials resolved here (on a worker: by the worker)."""
    device = inventory.devices[device_id]
    address = device.mgmt_ipv6 or device.mgmt_ipv4
    assert address is not None and device.snmp_profile is not None
    credentials = credentials_for(device, inventory, "snmp", state_dir=state_dir, folder=folder)
    target = SnmpTarget(str(address.ip), credentials, port=inventory.snmp[device.snmp_profile].port_for(device),
                        timeout=timeout, retries=retries)
    return CounterTarget(device_id, target, tuple(interfaces))


def poll(*, folder: Path, state_dir: Path, interval: float = 10.0, rounds: int = 31, limit: Selector = ALL,
         timeout: float = 2.0, retries: int = 1, concurrency: int = 64, distributed: bool = False,
         no_worker_after: float = distributed_jobs.NO_WORKER_AFTER_S,
         progress: Progress | None = None) -> PollResult:
    """Poll every live device's uplink counters `rounds` times, `interval` seconds apart, into the history.

    Each round is one subject for `progress`: a `Result` named `round N` whose value is a `PollRound`. With
    `distributed`, each device's round is polled by a worker of its poller group (credentials resolved there) and
    the samples come back here to be stored once.
    """
    if rounds < 2:
        raise InputError("--count: at least 2 rounds are needed to make a rate")
    if interval < MIN_INTERVAL_S:
        raise InputError(f"--interval: at least {MIN_INTERVAL_S:g} s (agents cache counters for a few seconds, "
                         "net-snmp for 3 s: shorter intervals read stale counters and make false spikes)")

    inventory = _inventory(folder)
    wanted = uplinks(inventory)
    targets: list[CounterTarget] = []
    remote: list[str] = []
    skipped: dict[str, str] = {}
    for device_id in facets.devices(inventory, sorted(wanted), noun="device with an uplink").select(limit):
        device = inventory.devices[device_id]
        address = device.mgmt_ipv6 or device.mgmt_ipv4
        if device.collection is Collection.offline:
            skipped[device_id] = "offline (collected from snapshots): no live counters"
        elif device.snmp_profile not in inventory.snmp or address is None:
            skipped[device_id] = "no SNMP profile or management address"
        elif distributed:
            remote.append(device_id)
        else:
            try:
                targets.append(counter_target(inventory, device_id, wanted[device_id], folder=folder,
                                              state_dir=state_dir, timeout=timeout, retries=retries))
            except EzgovError as exc:
                skipped[device_id] = str(exc)
    if not targets and not remote:
        raise InputError("nothing to poll: " + ("; ".join(f"{d}: {why}" for d, why in sorted(skipped.items()))
                                                 if skipped else "no device has an active uplink circuit"))
    failures: dict[str, dict[str, int]] = {}
    collected: list[Sample] = []
    done = 0
    clock = time.monotonic()
    started = now()
    with open_history(history_path(state_dir)) as history:
        run_id = history.start_run(POLL_KIND, scope=str(limit))

        def record(answers: list[Result[list[Sample]]], round_clock: float) -> None:
            nonlocal done
            samples = [s for a in answers for s in a.value or []]
            history.add_samples([_row(s) for s in samples], run_id)
            collected.extend(samples)
            failed = {a.subject: f"{a.category}: {a.message}" for a in answers if a.failed}
            for device_id, why in failed.items():
                counts = failures.setdefault(device_id, {})
                category = why.partition(":")[0]
                counts[category] = counts.get(category, 0) + 1
            done += 1
            hook.advance(Result(f"round {done}", value=PollRound(done, rounds, len(samples), failed),
                                elapsed=time.monotonic() - round_clock))

        async def loop() -> None:
            async with SnmpSession() as session:
                poller = CounterPoller(session, concurrency=concurrency, fresh=SnmpSession)
                try:
                    await rounds_of(poller)
                finally:
                    poller.close()

        async def rounds_of(poller: CounterPoller) -> None:
            begin = time.monotonic()
            for number in range(rounds):
                await asyncio.sleep(max(0.0, begin + number * interval - time.monotonic()))
                round_clock = time.monotonic()
                record(await poller.poll(targets), round_clock)

        def remote_rounds() -> None:
            params = {"interfaces": {d: wanted[d] for d in remote}, "timeout": timeout, "retries": retries}
            begin = time.monotonic()
            for number in range(rounds):
                time.sleep(max(0.0, begin + number * interval - time.monotonic()))
                round_clock = time.monotonic()
                batch = distributed_jobs.collect_in_parts(
                    inventory, remote, "counters", params, part=PART,
                    timeout=max(interval, timeout * (retries + 1) * 3), title=f"round {number + 1}",
                    no_worker_after=no_worker_after)
                record([Result(r.subject, [Sample(**s) for s in r.value] if r.value is not None else None,
                               r.category, r.message, r.elapsed) for r in batch], round_clock)

        hook = progress or NoProgress()
        hook.started("polling", rounds)
        interrupted = False
        try:
            if distributed:
                remote_rounds()
            else:
                asyncio.run(loop())
        except KeyboardInterrupt:
            interrupted = True
        except BaseException:
            history.finish_run(run_id, "failed", {"rounds": done, "samples": len(collected)})
            raise
        finally:
            hook.finished()
        elapsed = time.monotonic() - clock
        usage = list(utilisations(collected).values())
        result = PollResult(run_id, started, round(elapsed, 3), done, len(collected), interrupted,
                            [t.device for t in targets] + remote, skipped, failures, usage)
        history.finish_run(run_id, "interrupted" if interrupted else "ok",
                           {"rounds": done, "samples": len(collected), "devices": len(targets) + len(remote),
                            "failures": failures, "skipped": len(skipped), "interval_s": interval,
                            "samples_per_second": result.samples_per_second,
                            "dropped": _dropped(usage)})
    return result


def poll_on_worker(inventory: Inventory, device_ids: Sequence[str], params: Mapping[str, Any], *, folder: Path,
                   state_dir: Path, indexes: dict[str, dict[str, int]],
                   session: SnmpSession | None = None,
                   run: Callable[[Coroutine[Any, Any, Any]], Any] = asyncio.run) -> list[Result[list[Sample]]]:
    """One round of a part of a group's devices on a worker, in one event loop as a local poll does; `indexes`
    (device -> ifIndex by name) is the worker's memory between rounds, so a name is mapped once. A worker passes
    its long-lived `session` and the `run` that hands a coroutine to that session's loop."""
    answers: dict[str, Result[list[Sample]]] = {}
    targets: list[CounterTarget] = []
    for device_id in device_ids:
        try:
            targets.append(counter_target(inventory, device_id, params["interfaces"][device_id], folder=folder,
                                          state_dir=state_dir, timeout=float(params["timeout"]),
                                          retries=int(params["retries"])))
        except CollectError as exc:
            answers[device_id] = Result(device_id, category=exc.category, message=str(exc))

    async def with_session(shared: SnmpSession) -> list[Result[list[Sample]]]:
        poller = CounterPoller(shared, concurrency=int(params.get("concurrency", 64)), fresh=SnmpSession)
        try:
            for target in targets:
                if target.device in indexes:
                    poller.remember(target.device, indexes[target.device])
            polled = await poller.poll(targets)
            for target in targets:
                known = poller.indexes(target.device)
                if known:
                    indexes[target.device] = known
                else:
                    indexes.pop(target.device, None)
            return polled
        finally:
            poller.close()

    async def one() -> list[Result[list[Sample]]]:
        if session is not None:
            return await with_session(session)
        async with SnmpSession() as own:
            return await with_session(own)

    if targets:
        answers.update((r.subject, r) for r in run(one()))
    return [answers[d] for d in device_ids]


def _row(sample: Sample) -> dict[str, Any]:
    return {"device": sample.device, "interface": sample.interface, "ts": sample.ts, "uptime": sample.uptime,
            "in_octets": sample.in_octets, "out_octets": sample.out_octets, "speed_mbps": sample.speed_mbps,
            "hc": sample.hc}


def _dropped(usage: list[Utilisation]) -> dict[str, int]:
    total: dict[str, int] = {}
    for use in usage:
        for reason, count in use.dropped.items():
            total[reason] = total.get(reason, 0) + count
    return dict(sorted(total.items()))


def test_point(inventory: Inventory, server: str | None) -> str:
    """The city core test point: `server`, or the lab core router at an extranet root site."""
    if server:
        if server not in inventory.devices or not inventory.devices[server].lab:
            raise InputError(f"--server {server}: not a lab device in the inventory")
        return server
    roots = set(inventory.policy.extranet_roots)
    cores = sorted(d.id for d in inventory.devices.values() if d.lab and d.role.value == "core" and d.site in roots)
    if not cores:
        raise InputError("no lab core router at an extranet root site to test against (name one with --server)")
    return cores[0]


def loopback(inventory: Inventory, device: str, version: int) -> str | None:
    for interface in sorted(inventory.interfaces.values(), key=lambda i: i.id):
        if interface.device == device and interface.kind is InterfaceKind.loopback:
            addresses = interface.ipv4 if version == 4 else interface.ipv6
            if addresses:
                return str(addresses[0].ip)
    return None


def test(*, folder: Path, state_dir: Path, sites: list[str] | None = None, limit: Selector = ALL,
         server: str | None = None, seconds: int = 5, ping_count: int = 10,
         progress: Progress | None = None) -> TestResult:
    """Measure each site's uplink live in the lab: iperf3 up and down, ping and ping6, against the core.

    One site at a time (the test point's iperf3 server takes one test at a time); each site's `Result` holds its
    `SiteTest`, which says itself whether the site failed and keeps whatever was measured before that.
    """

    inventory = _inventory(folder)
    server_id = test_point(inventory, server)
    target4, target6 = loopback(inventory, server_id, 4), loopback(inventory, server_id, 6)
    if target4 is None:
        raise InputError(f"test point {server_id} has no IPv4 loopback address in the inventory")
    routers: dict[str, str] = {}
    for device_id in sorted(uplinks(inventory)):
        device = inventory.devices[device_id]
        if device.lab and device_id != server_id:
            routers.setdefault(device.site, device_id)
    unknown = [s for s in sites or [] if s not in inventory.sites]
    if unknown:
        raise InputError(f"unknown site {', '.join(unknown)} (see `ezgov inventory list sites`)")
    candidates = list(dict.fromkeys(sites)) if sites else sorted(routers)
    chosen = facets.sites(inventory, candidates, noun="site" if sites else "lab site with an uplink").select(limit)
    lab = Lab(from_inventory(inventory), state_dir, folder)
    if not lab.is_up():
        raise LabError(f"the lab under {state_dir} is not up (run `ezgov lab up`): sites can only be tested live "
                       "inside the lab")
    started, clock = now(), time.monotonic()
    port = random.randint(5201, 5999)
    pid = lab.spawn_in(server_id, ["iperf3", "-s", "-p", str(port)])
    server_proc = (pid, proc_start(pid))

    def measure(site: str) -> SiteTest:
        return _test_site(lab, probe, site, routers.get(site), server_id, target4, target6, port=port,
                          seconds=seconds, ping_count=ping_count)

    try:
        # every iperf3 and ping is bounded by its own timeout, so the batch sets no deadline of its own
        batch = run_batch(chosen, measure, workers=1, timeout=None, progress=progress, title="active tests")
    finally:
        terminate([server_proc])
    results = [r.value if r.value is not None else _site_failed(r, routers, server_id) for r in batch]
    scope = " ".join(part for part in (",".join(sites or []), str(limit)) if part)
    with open_history(history_path(state_dir)) as history:
        run_id = history.record_run(
            TEST_KIND, scope=scope, status="ok" if all(r.ok for r in results) else "partial", started=started,
            summary={"sites": len(results), "failed": sum(1 for r in results if not r.ok), "server": server_id,
                     "seconds": seconds},
            results=[{"subject": r.site, "status": "ok" if r.ok else "failed", "category": r.category,
                      "message": r.message, "elapsed": r.elapsed, "facts": r.model_dump(mode="json")}
                     for r in results])
    return TestResult(run_id, started, round(time.monotonic() - clock, 3), server_id, results)


def _test_site(lab: Any, probe: Any, site: str, device: str | None, server: str, target4: str,
               target6: str | None, *, port: int, seconds: int, ping_count: int) -> SiteTest:
    if device is None:
        return SiteTest(site=site, device="", server=server, ok=False, category="unsupported",
                        message="no lab router with an uplink at this site: only lab sites can be tested live")
    clock = time.monotonic()

    def executor(argv: list[str], timeout: float) -> Any:
        return lab.exec(device, argv, timeout=timeout)

    result = SiteTest(site=site, device=device, server=server, ok=True)
    try:
        for reverse in (False, True):
            result.throughput.append(probe.iperf3(executor, target4, port=port, seconds=seconds, reverse=reverse))
        result.ping.append(probe.ping(executor, target4, family=4, count=ping_count))
        if target6:
            result.ping.append(probe.ping(executor, target6, family=6, count=ping_count))
    except CollectError as exc:
        result.ok, result.category, result.message = False, exc.category, str(exc)
    except LabError as exc:
        result.ok, result.category, result.message = False, "lab", str(exc)
    result.elapsed = round(time.monotonic() - clock, 3)
    return result


def _site_failed(result: Result[SiteTest], routers: dict[str, str], server: str) -> SiteTest:
    """The test of a site whose measuring raised something unforeseen (a bug): failed, with what it was."""
    return SiteTest(site=result.subject, device=routers.get(result.subject, ""), server=server, ok=False,
                    category=result.category, message=result.message, elapsed=round(result.elapsed, 3))


def latest_tests(history: Any, runs: int = 200) -> dict[str, SiteTest]:
    """Each site's newest successful active test among the last `runs` test runs."""
    found: dict[str, SiteTest] = {}
    for run in history.runs(TEST_KIND, limit=runs):
        for row in history.results(run["id"]):
            if row["status"] == "ok" and row["subject"] not in found:
                found[row["subject"]] = SiteTest.model_validate(row["facts"])
    return found


def audit(*, folder: Path, state_dir: Path, window_s: float = 86_400.0, store: bool = True, limit: Selector = ALL,
          at: float | None = None, source: str = "ezgov", prometheus_url: str | None = None) -> AuditResult:
    """Judge every site with a circuit (or required on the extranet), or those of them `limit` chooses; store the
    run (its scope: the limit) unless `store` is False.

    `source` is where the counter samples come from: `ezgov` (the history's samples from `bandwidth poll`) or
    `prometheus` (the samples the SNMP engine scraped, read from `prometheus_url`); both are judged alike.
    """
    if window_s <= 0:
        raise InputError("--window must be positive")
    if source not in ("ezgov", "prometheus"):
        raise InputError(f"--source {source}: one of ezgov, prometheus")
    if source == "prometheus" and not prometheus_url:
        raise InputError("--source prometheus needs --prometheus-url (e.g. http://[::1]:9090)")
    inventory = _inventory(folder)
    started = now()
    end = at if at is not None else time.time()
    with open_history(history_path(state_dir)) as history:
        if source == "prometheus":

            assert prometheus_url is not None
            samples = prometheus.samples(prometheus_url, window_s=window_s, at=end)
        else:
            rows = history.samples(since=end - window_s)
            samples = [Sample(r["device"], r["interface"], r["ts"], r["uptime"], r["in_octets"], r["out_octets"],
                              r["speed_mbps"], bool(r["hc"])) for r in rows if at is None or r["ts"] <= at]
        usage = utilisations(samples)
        verdicts = audit_sites(inventory, usage, latest_tests(history))
        if limit != ALL:
            judged = facets.sites(inventory, [v.site for v in verdicts], noun="site judged for bandwidth")
            chosen = set(judged.select(limit))
            verdicts = [v for v in verdicts if v.site in chosen]
        verdicts.sort(key=lambda v: (v.district, severity_rank(v)))
        summary = _summary(inventory, verdicts, usage)
        summary["source"] = source
        run_id = None
        if store:
            run_id = history.record_run(
                AUDIT_KIND, scope=str(limit), status="ok", started=started, summary=summary,
                results=[{"subject": v.site, "status": "ok", "facts": v.facts()} for v in verdicts],
                findings=[f.model_dump(mode="json") for v in verdicts for f in v.findings])
    return AuditResult(run_id, started, window_s, P95_RULE, summary, verdicts, list(usage.values()))


def _summary(inventory: Inventory, verdicts: list[SiteBandwidth], usage: dict[str, Utilisation]) -> dict[str, Any]:
    rules: dict[str, int] = {}
    for verdict in verdicts:
        for finding in verdict.findings:
            rules[finding.rule] = rules.get(finding.rule, 0) + 1
    districts = sorted({v.district for v in verdicts})
    return {
        "sites": len(verdicts),
        "meet_target": sum(1 for v in verdicts if v.meets_target),
        "below_target_by_contract": sum(1 for v in verdicts if "contract" in v.below_target_by),
        "below_target_by_measurement": sum(1 for v in verdicts if "measurement" in v.below_target_by),
        "tested": sum(1 for v in verdicts if v.measured_mbps is not None),
        "with_samples": sum(1 for v in verdicts if v.p95_in_mbps is not None),
        "interfaces_polled": len(usage),
        "findings": dict(sorted(rules.items())),
        "districts": {d: inventory.regions[d].name_en if d in inventory.regions else "City-level sites"
                      for d in districts},
    }
