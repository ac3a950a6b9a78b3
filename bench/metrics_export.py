"""Metrics export at province scale: `ezgov metrics write` over the 50,000-site inventory's last runs.

    .venv/bin/python bench/metrics_export.py [--sites 50000 --devices 60000 --repeat 3]

Generates the synthetic province of bench/inventory_scale.py, then synthesises stored runs in a temporary history
database: an IPv6 audit of every device (a facts document of about 1 kB each, a failed collection for 1 in 50,
1.5 findings per device on average, three earlier runs for the failure streaks), a bandwidth audit of every site,
and a counter poll of every uplink (two rounds). It times `ezgov metrics write FILE` as a whole process: once cold
(the metrics index of the inventory is built: the inventory is loaded and validated) and then warm (the index is
reused, as on every scrape until the inventory or a plan changes). Target: warm <= 2 s.

The processes run with their modules' bytecode cached (in the bench's temporary folder), as an installed package
has it; `--bytecode none` keeps the environment's setting (with PYTHONDONTWRITEBYTECODE set, an editable checkout
compiles its modules from source in every process). `--code DIR` (repeatable) times the ezgov_infra package of
other checkouts too, their warm runs interleaved with this one's so that all see the same machine load.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from inventory_scale import generate

SEVERITIES = ("critical", "high", "medium", "low")
RULES = ("ipv6.forwarding", "ipv6.mgmt-ssh", "ipv6.snmp", "ipv6.ntp", "ipv6.igp", "ipv6.acl")


def synthesise(db: Path, n_sites: int, n_devices: int) -> None:
    from ezgov_infra.store.history import open_history

    rng = random.Random(20)
    devices = [f"r{i:06d}" for i in range(n_devices)]
    facts = {"interfaces": [{"name": f"GigabitEthernet0/0/{k}", "ipv6": [f"2001:db8:{k}::1/64"], "up": True}
                            for k in range(6)], "ipv6_forwarding": True, "software": "V300R019C10SPC300",
             "source": "ssh", "routing": {"ospf6": True, "bgp": False}, "services": {"ssh": ["ipv4", "ipv6"]}}
    with open_history(db) as history:
        for round_ in range(4):  # three earlier audits, then the newest
            failed = {d for d in devices if rng.random() < 0.02}
            results = [{"subject": d, "status": "failed" if d in failed else "ok",
                        "category": "unreachable" if d in failed else None, "elapsed": 1.0,
                        "facts": {} if d in failed else {**facts, "device": d}} for d in devices]
            findings = [{"subject": d, "rule": rng.choice(RULES), "severity": rng.choice(SEVERITIES),
                         "message": "synthetic", "evidence": {}} for d in devices if d not in failed
                        for _ in range(rng.choice((0, 1, 2, 3)))]
            history.record_run("ipv6-audit", status="ok", results=results, findings=findings,
                               summary={"round": round_})
        sites = [{"subject": f"s{i:06d}", "status": "ok",
                  "facts": {"site": f"s{i:06d}", "target_mbps": 100, "contracted_mbps": 100,
                            "capacity_mbps": 100.0, "p95_in_mbps": rng.uniform(1, 99),
                            "p95_out_mbps": rng.uniform(1, 99), "measured_mbps": None,
                            "meets_target": rng.random() < 0.8}} for i in range(n_sites)]
        history.record_run("bandwidth-audit", status="ok", results=sites)
        poll = history.start_run("bandwidth-poll")
        for number in range(2):
            history.add_samples([{"device": d, "interface": "GigabitEthernet0/0/0", "ts": 1_000.0 + 300 * number,
                                  "uptime": 100_000 + 30_000 * number, "in_octets": number * rng.randint(1, 10**9),
                                  "out_octets": number * rng.randint(1, 10**9), "speed_mbps": 1000}
                                 for d in devices], poll)
        history.finish_run(poll, "ok")


def write_once(folder: Path, state: Path, out: Path, env: dict[str, str]) -> tuple[float, float, str]:
    """Wall and CPU (user + system) seconds of one `ezgov metrics write` process, and what it said."""
    ezgov = Path(sys.executable).parent / "ezgov"
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    done = subprocess.run([str(ezgov), "metrics", "write", str(out), "-i", str(folder), "--state-dir", str(state),
                           "--plans-dir", str(folder / "no-plans")], capture_output=True, text=True, env=env,
                          check=True)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime, done.stdout.strip()


def environment(state: Path, code: Path | None, bytecode: str, pycache: Path) -> dict[str, str]:
    env = {**os.environ, "EZGOV_STATE_DIR": str(state), "EZGOV_CACHE_DIR": str(state / "cache")}
    if code is not None:
        env["PYTHONPATH"] = str(code.resolve())
    if bytecode == "cached":
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(pycache)
    return env


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=50_000)
    parser.add_argument("--devices", type=int, default=60_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--bytecode", choices=("cached", "none"), default="cached",
                        help="cached: modules compiled once, as installed (default); none: as the environment says")
    parser.add_argument("--code", type=Path, action="append", default=[],
                        help="also time the ezgov_infra package of this checkout (repeatable)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ezgov-bench-") as tmp:
        folder, state = Path(tmp) / "inventory", Path(tmp) / "state"
        folder.mkdir()
        t0 = time.perf_counter()
        generate(folder, args.sites, args.devices, args.devices)
        synthesise(state / "history.sqlite", args.sites, args.devices)
        took = time.perf_counter() - t0
        print(f"generated {args.sites} sites, {args.devices} devices and their runs in {took:.1f} s")
        codes: list[Path | None] = [None, *args.code]
        envs = [environment(state, code, args.bytecode, Path(tmp) / "pycache" / str(i)) for i, code in enumerate(codes)]
        outs = [Path(tmp) / f"ezgov-{i}.prom" for i in range(len(codes))]
        print(f"load average {', '.join(f'{v:.1f}' for v in os.getloadavg())} on {os.cpu_count()} cores; "
              f"bytecode {args.bytecode}")
        cold, cold_cpu, _ = write_once(folder, state, outs[0], envs[0])
        print(f"metrics write {cold:6.2f} s cold ({cold_cpu:.2f} s CPU; index built: inventory loaded and validated)")
        for env, out in zip(envs[1:], outs[1:], strict=True):
            write_once(folder, state, out, env)  # its modules compiled once, as the first code's were
        warm: list[list[tuple[float, float, str]]] = [[] for _ in codes]
        for _ in range(args.repeat):
            for runs, env, out in zip(warm, envs, outs, strict=True):
                runs.append(write_once(folder, state, out, env))
        lines = sum(1 for line in outs[0].read_text().splitlines() if not line.startswith("#"))
        for code, runs, out in zip(codes, warm, outs, strict=True):
            same = "" if code is None else f"; the same bytes: {out.read_bytes() == outs[0].read_bytes()}"
            print(f"metrics write {statistics.median(w for w, _, _ in runs):6.2f} s warm "
                  f"({statistics.median(c for _, c, _ in runs):.2f} s CPU; median of {args.repeat}, whole process; "
                  f"target <= 2 s)  code: {code or 'this checkout'}  {runs[-1][2]}{same}")
            print(json.dumps({"code": str(code or "this checkout"), "cold_s": round(cold, 2),
                              "warm_s": [round(w, 2) for w, _, _ in runs],
                              "warm_cpu_s": [round(c, 2) for _, c, _ in runs], "samples": lines}))
        print(f"load average now {', '.join(f'{v:.1f}' for v in os.getloadavg())}")


if __name__ == "__main__":
    main()
