"""Import of a province-sized NetBox bulk-import set, the whole `ezgov inventory import --netbox` process timed.

    .venv/bin/python bench/netbox_import.py [--sites 50000 --devices 60000]

Generates a NetBox 4.x set into a temporary folder: a region tree (province, 100 districts, 16 townships each,
villages below), sites with NetBox's standard columns, devices with an uplink interface and an IP address each,
one prefix per site scoped by `scope_type`/`scope_name`, one circuit per site terminated on the site and on the
data centre (site-terminated, as NetBox keeps village circuits). Then runs the import into an empty inventory in a
fresh process and prints its wall and CPU time, peak RSS, and the load average (on a shared machine the wall time
follows the load; the CPU time is what the import costs). Target: <= 10 s.
"""

from __future__ import annotations

import argparse
import csv
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from ipaddress import IPv6Network
from pathlib import Path


def _write(path: Path, header: list[str], rows: list[list[object]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def generate(folder: Path, n_sites: int, n_devices: int) -> None:
    regions: list[list[object]] = [["省", "prov", "", "Province"]]
    townships: list[str] = []
    villages: list[str] = []
    for d in range(100):
        regions.append([f"区{d}", f"d{d:03d}", "prov", f"District {d}"])
        for t in range(16):
            tid = f"d{d:03d}t{t:02d}"
            townships.append(tid)
            regions.append([f"镇{tid}", tid, f"d{d:03d}", tid])
    per_township = max(1, n_sites // len(townships) // 2)
    for tid in townships:
        for v in range(per_township):
            vid = f"{tid}v{v:02d}"
            villages.append(vid)
            regions.append([f"村{vid}", vid, tid, vid])
    _write(folder / "regions.csv", ["name", "slug", "parent.slug", "cf_name_en"], regions)
    homes = [*townships, *villages]
    village_set = set(villages)
    sites: list[list[object]] = [["数据中心", "dc", "active", "prov", "data_centre", "", "Asia/Shanghai", "urban"]]
    for i in range(1, n_sites):
        region = homes[i % len(homes)]
        category = "community_centre" if region in village_set else "service_centre"
        sites.append([f"中心{i}", f"s{i:06d}", "active", region, category, "", "Asia/Shanghai",
                      "rural" if category == "community_centre" else "urban"])
    _write(folder / "sites.csv", ["name", "slug", "status", "region.slug", "group.slug", "tenant", "time_zone",
                                  "cf_setting"], sites)
    _write(folder / "device_roles.csv", ["name", "slug", "color"], [["access", "access", "2196f3"]])
    _write(folder / "platforms.csv", ["name", "slug"], [["Huawei VRP", "huawei_vrp"]])
    devices, interfaces, addresses = [], [], []
    for i in range(n_devices):
        name = f"r{i:06d}"
        devices.append([name, "access", "Huawei", "AR6120", "huawei_vrp", "active", sites[i % n_sites][1], "extranet"])
        interfaces.append([name, "GigabitEthernet0/0/0", "1000base-t", "true", "uplink"])
        addresses.append([f"2001:db8:{i // 65536:x}:{i % 65536:x}::1/64", "active", name, "GigabitEthernet0/0/0",
                          "true"])
    _write(folder / "devices.csv", ["name", "role.slug", "manufacturer", "device_type", "platform.slug", "status",
                                    "site.slug", "cf_credential_profile"], devices)
    _write(folder / "interfaces.csv", ["device", "name", "type", "enabled", "cf_kind"], interfaces)
    _write(folder / "ip_addresses.csv", ["address", "status", "device", "interface", "is_primary"], addresses)
    _write(folder / "prefixes.csv", ["prefix", "status", "scope_type", "scope_name", "cf_role"],
           [[str(IPv6Network(f"2001:db8:{0x8000 + i // 256:x}:{(i % 256) * 256:x}::/56")), "active", "dcim.site",
             site[0], "site"] for i, site in enumerate(sites)])
    _write(folder / "providers.csv", ["name", "slug"], [["中国电信", "china-telecom"]])
    _write(folder / "circuit_types.csv", ["name", "slug"], [["PON", "pon"]])
    _write(folder / "circuits.csv", ["cid", "provider", "type", "status", "commit_rate"],
           [[f"C{i:06d}", "中国电信", "PON", "active", 100000] for i in range(1, n_sites)])
    _write(folder / "circuit_terminations.csv", ["circuit", "term_side", "termination_type", "termination_id"],
           [row for i in range(1, n_sites) for row in ([f"C{i:06d}", "A", "dcim.site", f"s{i:06d}"],
                                                        [f"C{i:06d}", "Z", "dcim.site", "dc"])])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=50_000)
    parser.add_argument("--devices", type=int, default=60_000)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="ezgov-netbox-bench-"))
    try:
        netbox, inventory = root / "set", root / "inv"
        netbox.mkdir()
        inventory.mkdir()
        (inventory / "credentials.yaml").write_text("extranet:\n  source: env\n", encoding="utf-8")
        (inventory / "policy.yaml").write_text("extranet_roots: [dc]\n", encoding="utf-8")
        generate(netbox, args.sites, args.devices)
        size = sum(p.stat().st_size for p in netbox.iterdir()) / 1e6
        ezgov = Path(sys.executable).with_name("ezgov")
        env = {**os.environ, "EZGOV_STATE_DIR": str(root / "state"), "EZGOV_CACHE_DIR": str(root / "state" / "cache")}
        started = time.perf_counter()
        done = subprocess.run([str(ezgov), "inventory", "import", "--netbox", str(netbox), "-i", str(inventory)],
                              capture_output=True, text=True, env=env, check=False)
        wall = time.perf_counter() - started
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        rss, cpu = usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime
        if done.returncode != 0:
            print(done.stderr[-3000:], file=sys.stderr)
            return 1
        print(done.stdout.splitlines()[-1][-300:])
        print(f"set: {args.sites} sites, {args.devices} devices, {args.sites - 1} circuits, {size:.1f} MB of CSV")
        print(f"import --netbox (whole process): {wall:.2f} s wall (target <= 10 s), {cpu:.2f} s CPU, "
              f"peak RSS {rss:.0f} MB, load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
        return 0
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
