"""Province-scale inventory: load + validate, Ansible export, IPv6 plan, and `ezgov --help`, with figures.

    .venv/bin/python bench/inventory_scale.py [--sites 50000 --devices 60000 --circuits 60000]
                                              [--layout folders|file] [--code CHECKOUT]

Generates a synthetic province (one root, 100 districts, 16 townships each, villages below) into a temporary
folder, kept as one folder of files per kind, one file per district (`--layout folders`, the default: regions/,
sites/, devices/, interfaces/, circuits/), or one file per kind (`--layout file`). Each step is timed as a whole
fresh process (interpreter, imports and all; the modules' bytecode cached after the first process, as an installed
package has it), with its CPU time (user + system) and peak RSS, since the wall time depends on what else runs on
the machine (the load average is printed):

- PyYAML's bare C parse of the same bytes (`yaml.load(text, CSafeLoader)` on every file), the bound for cold;
- load + validate cold (nothing cached), warm (every file's validated records from the content-hash cache), and
  after one district's devices file changed (that file parsed and validated again, the rest from the cache);
- the Ansible export and the IPv6 plan, warm.

Targets (whole process): warm <= 1.5 s, one district changed <= 2.5 s, cold no slower than the bare parse,
export <= 3 s, plan <= 2 s, peak RSS <= 1 GB; `ezgov --help` <= 0.3 s. `--code CHECKOUT` times the package of
another checkout (say main's, for the figures before a change); `--layout file` is then the layout it reads.
The plan uses /60 per site here so that 50,000 sites fit the documentation prefix 2001:db8::/32.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import yaml

DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def generate(folder: Path, n_sites: int, n_devices: int, n_circuits: int, *, split: bool = False) -> None:
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
    if not split:
        for name, data in files.items():
            _dump(folder / f"{name}.yaml", data)
        return
    # one file per district: a record goes where its site's region is (region ids start with their district's)
    site_district = {sid: str(body["region"])[:4] for sid, body in sites.items()}
    device_district = {did: site_district[str(body["site"])] for did, body in devices.items()}
    district_of = {
        "regions": lambda rid, body: rid[:4] if rid != "prov" else "prov",
        "sites": lambda rid, body: site_district[rid],
        "devices": lambda rid, body: device_district[rid],
        "interfaces": lambda rid, body: device_district[rid.partition(":")[0]],
        "circuits": lambda rid, body: device_district[str(body["a_end"]).partition(":")[0]],
    }
    for name, data in files.items():
        if name not in district_of:
            _dump(folder / f"{name}.yaml", data)
            continue
        parts: dict[str, dict[str, object]] = {}
        for rid, body in data.items():
            parts.setdefault(district_of[name](rid, body), {})[rid] = body
        (folder / name).mkdir()
        for district, part in parts.items():
            _dump(folder / name / f"{district}.yaml", part)


def _dump(path: Path, data: dict[str, object]) -> None:
    path.write_text(yaml.dump(data, Dumper=DUMPER, allow_unicode=True, sort_keys=False), encoding="utf-8")


def yaml_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*.yaml") if p.is_file())


def change_district(folder: Path, round_: int) -> Path:
    """Give one device of district d042 a new model (valid, and different each round): its file changes."""
    path = next(p for p in [folder / "devices" / "d042.yaml", folder / "devices.yaml"] if p.exists())
    text = path.read_text(encoding="utf-8")
    if re.search(r"\n  model: bench-\d+\n", text):
        text = re.sub(r"\n  model: bench-\d+\n", f"\n  model: bench-{round_}\n", text, count=1)
    else:
        device = next(line for line in text.splitlines() if line.startswith("r") and line.endswith(":"))
        text = text.replace(device + "\n", f"{device}\n  model: bench-{round_}\n", 1)
    path.write_text(text, encoding="utf-8")
    return path


STEPS = {
    "bare C parse": ("import yaml; [yaml.load(p.read_text(encoding='utf-8'), Loader=yaml.CSafeLoader) "
                     "for p in sorted(FOLDER.rglob('*.yaml'))]"),
    "load + validate": "from ezgov_infra.store.inventory import load_inventory as f; inv = f(FOLDER)",
    "ansible export": "from ezgov_infra.jobs.inventory import export_ansible as f; text = f(FOLDER)",
    "ipv6 plan": "from ezgov_infra.jobs.addressing import plan as f; result = f(folder=FOLDER)",  # `ezgov ipv6 plan`
}

# The whole process is timed from outside (interpreter, imports, loading and the step); CPU and peak RSS from the
# child's resource usage.
RUNNER = """
import resource, sys
from pathlib import Path
FOLDER = Path(sys.argv[1])
{code}
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""


@dataclass(slots=True)
class Figure:
    wall: float
    cpu: float
    rss: float

    def __str__(self) -> str:
        return f"{self.wall:6.2f} s wall {self.cpu:6.2f} s CPU {self.rss:6.0f} MB"


def run_once(code: str, folder: Path, env: dict[str, str]) -> Figure:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", RUNNER.format(code=code), str(folder)], capture_output=True,
                          text=True, check=False, env=env, cwd=folder.parent)
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"step failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return Figure(wall, cpu, float(proc.stdout.split()[-1]))


def median(runs: list[Figure]) -> Figure:
    return Figure(statistics.median(r.wall for r in runs), statistics.median(r.cpu for r in runs),
                  max(r.rss for r in runs))


def help_time(repeat: int, env: dict[str, str]) -> str:
    runs = []
    for _ in range(repeat):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "ezgov_infra", "--help"], capture_output=True, check=True, env=env,
                       cwd=tempfile.gettempdir())
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        runs.append(Figure(time.perf_counter() - t0, after.ru_utime - before.ru_utime + after.ru_stime
                           - before.ru_stime, 0))
    figure = median(runs)
    return f"{figure.wall:6.2f} s wall {figure.cpu:6.2f} s CPU"


def load() -> str:
    return ", ".join(f"{v:.1f}" for v in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=50_000)
    parser.add_argument("--devices", type=int, default=60_000)
    parser.add_argument("--circuits", type=int, default=60_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--layout", choices=("folders", "file"), default="folders")
    parser.add_argument("--code", type=Path, help="time the ezgov_infra package of this checkout instead")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ezgov-bench-") as tmp:
        folder = Path(tmp) / "province"
        folder.mkdir()
        t0 = time.perf_counter()
        generate(folder, args.sites, args.devices, args.circuits, split=args.layout == "folders")
        files = yaml_files(folder)
        size = sum(p.stat().st_size for p in files) / 1e6
        print(f"generated {args.sites} sites, {args.devices} devices, {args.circuits} circuits ({size:.0f} MB of "
              f"YAML in {len(files)} files, layout {args.layout}) in {time.perf_counter() - t0:.1f} s")
        print(f"code: {args.code or 'this checkout'}; load average {load()} on {os.cpu_count()} cores")
        env = {**os.environ, "EZGOV_STATE_DIR": str(Path(tmp) / "state"),
               "EZGOV_CACHE_DIR": str(Path(tmp) / "state" / "cache"),
               "PYTHONPYCACHEPREFIX": str(Path(tmp) / "pycache")}  # modules compiled once, as installed ones are
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        if args.code is not None:
            env["PYTHONPATH"] = str(args.code.resolve())
        print(f"{'bare C parse':22s} {run_once(STEPS['bare C parse'], folder, env)}   (PyYAML, every file)")
        print(f"{'load + validate cold':22s} {run_once(STEPS['load + validate'], folder, env)}   (nothing cached)")
        runs = [run_once(STEPS["load + validate"], folder, env) for _ in range(args.repeat)]
        print(f"{'load + validate warm':22s} {median(runs)}   (median of {args.repeat})")
        changed = []
        for round_ in range(args.repeat):
            path = change_district(folder, round_)
            changed.append(run_once(STEPS["load + validate"], folder, env))
        print(f"{'one district changed':22s} {median(changed)}   ({path.relative_to(folder)} edited before each)")
        for name in ("ansible export", "ipv6 plan"):
            run_once(STEPS[name], folder, env)  # the edit above: the cache is warm again after this
            runs = [run_once(STEPS[name], folder, env) for _ in range(args.repeat)]
            print(f"{name + ' warm':22s} {median(runs)}   (median of {args.repeat})")
    print(f"{'ezgov --help':22s} {help_time(5, env)}   (median of 5)")
    print(f"load average now {load()}")


if __name__ == "__main__":
    main()
