"""Province-scale inventory: load + validate, Ansible export, IPv6 plan, and `ezgov --help`, with figures.

    .venv/bin/python bench/inventory_scale.py [--sites 50000 --devices 60000 --circuits 60000]

Generates a synthetic province (one root, 100 districts, 16 townships each, villages below) into a temporary
folder, then times each step in a fresh process (peak RSS from getrusage): load + validate once cold (libyaml
parses every file) and then warm (parsed files come from the content-hash cache in the state folder).
Targets: load + validate <= 3 s and <= 1 GB, Ansible export <= 3 s, plan <= 2 s, --help <= 0.3 s.
The plan uses /60 per site here so that 50,000 sites fit the documentation prefix 2001:db8::/32.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def generate(folder: Path, n_sites: int, n_devices: int, n_circuits: int) -> None:
    regions: dict[str, dict[str, object]] = {"prov": {"name": "省", "name_en": "Province", "level": "city",
                                                      "kind": "city"}}
    districts = [f"d{i:03d}" for i in range(100)]
    townships: list[str] = []
    villages: list[str] = []
    for d in districts:
        regions[d] = {"name": "区", "name_en": d, "level": "district", "kind": "district", "parent": "prov"}
        for t in range(16):
            tid = f"{d}t{t:02d}"
            townships.append(tid)
            regions[tid] = {"name": "镇", "name_en": tid, "level": "township", "kind": "town", "parent": d}
    leaves = n_sites - len(districts) - len(townships)
    per_township = max(1, leaves // len(townships) // 2)
    for tid in townships:
        for v in range(per_township):
            vid = f"{tid}v{v:02d}"
            villages.append(vid)
            regions[vid] = {"name": "村", "name_en": vid, "level": "village", "kind": "village", "parent": tid}
    homes = [*districts, *townships, *villages]
    sites: dict[str, dict[str, object]] = {}
    for i in range(n_sites):
        region = homes[i % len(homes)]
        sites[f"s{i:06d}"] = {"name": "中心", "name_en": f"Centre {i}", "region": region,
                              "category": "community_centre" if region in villages else "service_centre",
                              "setting": "rural" if region in villages else "urban"}
    site_ids = list(sites)
    devices: dict[str, dict[str, object]] = {}
    interfaces: dict[str, dict[str, object]] = {}
    for i in range(n_devices):
        did = f"r{i:06d}"
        devices[did] = {"site": site_ids[i % n_sites], "role": "access", "platform": "huawei_vrp",
                        "credential_profile": "extranet",
                        "mgmt_ipv6": f"2001:db8:ffff:{i // 65536:x}::{i % 65536 + 1:x}/64"}
        interfaces[f"{did}:GigabitEthernet0/0/0"] = {"kind": "uplink"}
        interfaces[f"{did}:GigabitEthernet0/0/1"] = {"kind": "downlink"}
    circuits: dict[str, dict[str, object]] = {}
    device_ids = list(devices)
    for i in range(n_circuits):
        child = device_ids[(i + 1) % n_devices]
        parent = device_ids[i % n_devices]
        circuits[f"C{i:06d}"] = {"provider": "Telecom", "a_end": f"{child}:GigabitEthernet0/0/0",
                                 "z_end": f"{parent}:GigabitEthernet0/0/1", "access_type": "fibre",
                                 "contracted_mbps": 100, "status": "active" if i < n_devices else "planned"}
    files = {"regions": regions, "sites": sites, "devices": devices, "interfaces": interfaces,
             "circuits": circuits, "credentials": {"extranet": {"source": "env", "username_env": "U",
                                                                "password_env": "P"}},
             "policy": {"addressing": {"root": "2001:db8::/32", "site_prefixlen": 60,
                                       "headroom": {"district": 1.5, "township": 1.5, "village": 1.5, "site": 1.5}}}}
    for name, data in files.items():
        (folder / f"{name}.yaml").write_text(yaml.dump(data, Dumper=DUMPER, allow_unicode=True, sort_keys=False),
                                             encoding="utf-8")


STEPS = {
    "load + validate": "from ezgov_infra.store.inventory import load_inventory as f; inv = f(FOLDER)",
    "ansible export": ("from ezgov_infra.jobs.inventory import export_ansible as f; "
                       "step = time.perf_counter(); text = f(FOLDER); EXTRA = time.perf_counter() - step"),
    "ipv6 plan": ("from ezgov_infra.store.inventory import load_inventory; from ezgov_infra.addressing.allocate import "
                  "make_plan; inv = load_inventory(FOLDER); "
                  "step = time.perf_counter(); plan = make_plan(inv); EXTRA = time.perf_counter() - step"),
}

# The step's own time is EXTRA when the step names it (the plan without loading the inventory), else the time
# of all the step's code. The whole process is timed from outside: interpreter, imports, loading and the step.
RUNNER = """
import resource, sys, time
from pathlib import Path
FOLDER = Path(sys.argv[1]); EXTRA = None
started = time.perf_counter()
{code}
total = time.perf_counter() - started
print(EXTRA if EXTRA is not None else total, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""


def measure(code: str, folder: Path, repeat: int, state: Path) -> tuple[float, float, float]:
    """Median whole-process and step seconds, and the peak RSS in MB."""
    runs = []
    env = {**os.environ, "EZGOV_STATE_DIR": str(state)}
    for _ in range(repeat):
        started = time.perf_counter()
        out = subprocess.run([sys.executable, "-c", RUNNER.format(code=code), str(folder)], capture_output=True,
                             text=True, check=True, env=env).stdout.split()
        whole = time.perf_counter() - started
        step, rss = (float(x) for x in out)
        runs.append((whole, step, rss))
    return (statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs), max(r[2] for r in runs))


def help_time(repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        subprocess.run([str(Path(sys.executable).parent / "ezgov"), "--help"], capture_output=True, check=True)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=50_000)
    parser.add_argument("--devices", type=int, default=60_000)
    parser.add_argument("--circuits", type=int, default=60_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ezgov-bench-") as tmp:
        folder = Path(tmp)
        t0 = time.perf_counter()
        generate(folder, args.sites, args.devices, args.circuits)
        size = sum(p.stat().st_size for p in folder.iterdir()) / 1e6
        print(f"generated {args.sites} sites, {args.devices} devices, {args.circuits} circuits "
              f"({size:.0f} MB of YAML) in {time.perf_counter() - t0:.1f} s")
        cold = Path(tmp) / "state-cold"
        total, step, rss = measure(STEPS["load + validate"], folder, 1, cold)
        print(f"{'load + validate':16s} {step:6.2f} s cold (no parse cache)   peak RSS {rss:6.0f} MB")
        shutil.rmtree(cold)
        warm = Path(tmp) / "state-warm"
        measure(STEPS["load + validate"], folder, 1, warm)  # fills the parse cache
        for name, code in STEPS.items():
            total, step, rss = measure(code, folder, args.repeat, warm)
            print(f"{name:16s} {step:6.2f} s warm (whole process {total:5.2f} s)  peak RSS {rss:6.0f} MB")
    print(f"{'ezgov --help':16s} {help_time(5):6.3f} s (median of 5, whole process)")


if __name__ == "__main__":
    main()
