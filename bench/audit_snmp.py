"""SNMP collection: ezgov (pysnmp 7, one engine, all agents concurrently) vs net-snmp `snmpbulkwalk` in parallel.

Walks ifName, ifHighSpeed, ifHCInOctets, ifHCOutOctets and ipAddressIfIndex from every agent, v2c and v3
authPriv, first on the lab's FRR routers, then on `--farm N` SNMP-only lab nodes (default 200). Also times the
whole `ezgov ipv6 audit --live --via snmp` process on the routers. Medians of `--repeat`.
Targets from issue 4: ezgov <= 2x net-snmp on the routers, faster than parallel net-snmp on 200 nodes.

    .venv/bin/python bench/audit_snmp.py [--state-dir DIR_OF_A_RUNNING_LAB] [--farm 200] [--repeat 5]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from audit_lab import REPO, SAMPLE, Figure, check, measure, report, router_lab

from ezgov_infra.collect.snmp import (
    IF_HC_IN_OCTETS,
    IF_HC_OUT_OCTETS,
    IF_HIGH_SPEED,
    IF_NAME,
    IP_ADDRESS_IF_INDEX,
    SnmpSession,
    SnmpTarget,
)
from ezgov_infra.models.credentials import SnmpCredentials

COLUMNS = [IF_NAME, IF_HIGH_SPEED, IF_HC_IN_OCTETS, IF_HC_OUT_OCTETS, IP_ADDRESS_IF_INDEX]


def credentials(secrets: dict[str, object], version: str) -> SnmpCredentials:
    snmp = secrets["snmp"]
    assert isinstance(snmp, dict)
    if version == "2c":
        return SnmpCredentials("2c", community=snmp["community"])
    v3 = snmp["v3"]
    return SnmpCredentials("3", user=v3["user"], auth_protocol=v3["auth_protocol"], auth_key=v3["auth_key"],
                           priv_protocol=v3["priv_protocol"], priv_key=v3["priv_key"])


def pysnmp_walk(hosts: list[str], creds: SnmpCredentials, concurrency: int = 64) -> None:
    async def main() -> None:
        gate = asyncio.Semaphore(concurrency)

        async def one(session: SnmpSession, host: str) -> dict[tuple[int, ...], dict[tuple[int, ...], object]]:
            async with gate:
                return dict(await session.walk(SnmpTarget(host, creds, timeout=2, retries=2), *COLUMNS))

        async with SnmpSession() as session:
            tables = await asyncio.gather(*(one(session, h) for h in hosts))
            if not all(t[IF_NAME] for t in tables):
                raise SystemExit("an agent returned no ifName rows")

    asyncio.run(main())


def netsnmp_walk(hosts: list[str], version: str, conf_dir: Path, workers: int) -> None:
    env = {**os.environ, "SNMPCONFPATH": str(conf_dir), "SNMP_PERSISTENT_DIR": str(conf_dir / "persist")}
    jobs = [(h, ".".join(map(str, c))) for h in hosts for c in COLUMNS]

    def one(job: tuple[str, str]) -> None:
        host, oid = job
        address = f"udp6:[{host}]" if ":" in host else host
        done = subprocess.run(["snmpbulkwalk", f"-v{version}", "-On", "-Cr25", address, oid], env=env,
                              capture_output=True, text=True)
        if done.returncode != 0:
            raise SystemExit(f"snmpbulkwalk {host}: {done.stderr.strip()[:200]}")

    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(one, jobs))


def compare(title: str, hosts: list[str], secrets: dict[str, object], conf_dir: Path, repeat: int,
            workers: int) -> list[Figure]:
    figures = []
    for version in ("2c", "3"):
        creds = credentials(secrets, version)
        figures.append(measure(f"net-snmp snmpbulkwalk v{version} (parallel)",
                               lambda v=version: netsnmp_walk(hosts, v, conf_dir, workers), repeat))
        figures.append(measure(f"ezgov pysnmp v{version} (one engine)",
                               lambda c=creds: pysnmp_walk(hosts, c, workers), repeat))
    for version in ("2c", "3"):
        net = next(f for f in figures if f.name.startswith(f"net-snmp snmpbulkwalk v{version}"))
        report(f"{title}, SNMPv{version}", [net, next(f for f in figures if f.name.startswith(f"ezgov pysnmp "
                                                                                              f"v{version}"))],
               net.name)
    return figures


def main() -> None:
    from ezgov_infra.lab.farm import snmp_farm
    from ezgov_infra.lab.secrets import snmp_client_conf

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--state-dir", type=Path, help="state dir of a running lab (default: build one)")
    parser.add_argument("--farm", type=int, default=200, help="SNMP-only nodes for the scale run (0: skip)")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--workers", type=int, default=64,
                        help="net-snmp processes, and agents pysnmp walks, at a time")
    args = parser.parse_args()
    with router_lab(args.state_dir) as lab, tempfile.TemporaryDirectory(prefix="ezgov-bench-") as folder:
        secrets = lab.secrets  # type: ignore[attr-defined]
        conf_dir = Path(folder)
        (conf_dir / "persist").mkdir()
        (conf_dir / "snmp.conf").write_text(snmp_client_conf(secrets))
        hosts = [info.mgmt_ipv4 for info in lab.nodes.values()]  # type: ignore[attr-defined]
        compare(f"{len(hosts)} lab routers, 5 columns", hosts, secrets, conf_dir, args.repeat, args.workers)
        whole = measure("ezgov ipv6 audit --live --via snmp", lambda: check(
            [str(Path(sys.executable).parent / "ezgov"), "ipv6", "audit", "--live", "--via", "snmp", "-i",
             str(SAMPLE), "--limit", "platform:frr", "--state-dir", str(lab.state_dir),  # type: ignore[attr-defined]
             "--format", "json"], cwd=REPO), args.repeat)
        report("whole audit process over SNMP (collect, judge, store)", [whole], whole.name)
        if args.farm:
            with snmp_farm(args.farm, lab=lab) as farm:  # type: ignore[arg-type]
                agents = [a.address for a in farm.agents]
                compare(f"{len(agents)} SNMP-only lab nodes, 5 columns", agents, secrets, conf_dir, args.repeat,
                        args.workers)


if __name__ == "__main__":
    main()
