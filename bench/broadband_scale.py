"""Task 1 at a province's scale: carriers' reports for 30,000 villages from 4 carriers, imported and audited.

    .venv/bin/python bench/broadband_scale.py [--villages 30000] [--xlsx]

Generates a region tree (100 districts, 20 townships each, villages below, households recorded) and one CSV
report per carrier (telecom, mobile, unicom, broadcast; Chinese headers and a title row, as the sample's), then
times, each as a whole fresh process (interpreter start-up included): `ezgov broadband import` of the four files
then `ezgov broadband audit --format json`, first with the inventory's YAML parsed cold, then warm (the parsed
regions from the content-hash cache, as on every run after the first); then the import and audit jobs in one
fresh interpreter. Wall time depends on what else runs on the machine; CPU time and the load average are printed.
Target: import + audit <= 3 s. With --xlsx, also the import of one carrier's XLSX file of the same size.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from ezgov_infra.models.broadband import Coverage  # noqa: E402
from ezgov_infra.models.kinds import Carrier  # noqa: E402
from ezgov_infra.store.yamlfiles import dump_block  # noqa: E402
from ezgov_infra.testing.broadband import Row, write_report  # noqa: E402

DAY = date(2019, 6, 30)


def generate(folder: Path, villages: int) -> tuple[list[Path], Path]:
    """The inventory (regions, policy) and each carrier's report; returns the CSV files and one XLSX file."""
    rng = random.Random(20190630)
    regions: dict[str, dict[str, object]] = {"prov": {"name": "省", "name_en": "Province", "level": "city",
                                                      "kind": "city"}}
    leaves: list[tuple[str, str, str, str, int, bool]] = []
    districts, townships = 100, 20
    per_township = -(-villages // (districts * townships))
    for d in range(districts):
        did, dname = f"d{d:03d}", f"第{d:03d}区"
        regions[did] = {"name": dname, "name_en": did, "level": "district", "kind": "district", "parent": "prov"}
        for t in range(townships):
            tid, tname = f"{did}t{t:02d}", f"{d:03d}{t:02d}镇"
            urban_town = t < 4
            regions[tid] = {"name": tname, "name_en": tid, "level": "township",
                            "kind": "subdistrict" if urban_town else "town", "parent": did}
            for v in range(per_township):
                if len(leaves) == villages:
                    break
                vid, vname = f"{tid}v{v:02d}", f"{v:02d}村" if not urban_town else f"{v:02d}社区"
                households = rng.randint(150, 4000 if urban_town else 1500)
                regions[vid] = {"name": tname + vname, "name_en": vid, "level": "village",
                                "kind": "community" if urban_town else "village", "parent": tid,
                                "households": households, "sample": True}
                leaves.append((dname, tname, vname, vid, households, urban_town))
    (folder / "regions.yaml").write_text(dump_block(regions), encoding="utf-8")
    policy = yaml.safe_load((REPO / "inventories" / "ezhou" / "policy.yaml").read_text(encoding="utf-8"))
    (folder / "policy.yaml").write_text(yaml.safe_dump({"broadband": policy["broadband"]}, allow_unicode=True),
                                        encoding="utf-8")
    from ezgov_infra.models.broadband import ColumnMapping

    files: list[Path] = []
    xlsx = folder / "reports" / f"telecom-{DAY.isoformat()}.xlsx"
    for carrier in Carrier:
        mapping = ColumnMapping.model_validate(policy["broadband"]["carriers"][carrier.value])
        rows = []
        for dname, tname, vname, _, households, urban in leaves:
            share = rng.uniform(0.5, 1.0)
            passed = int(households * share)
            gigabit = passed if urban else int(passed * 0.3)
            lte = rng.choice((Coverage.covered, Coverage.covered, Coverage.covered, Coverage.partial, Coverage.none))
            rows.append(Row(dname, tname, vname, households, None if carrier is Carrier.broadcast else gigabit,
                            passed, rng.random() < 0.9, None if carrier is Carrier.broadcast else lte, None))
        path = folder / "reports" / f"{carrier.value}-{DAY.isoformat()}.csv"
        write_report(path, carrier, DAY, rows, mapping)
        files.append(path)
        if carrier is Carrier.telecom:
            write_report(xlsx, carrier, DAY, rows, mapping)
    return files, xlsx


def timed(args: list[str], env: dict[str, str]) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds (user + system) and peak RSS (MB) of one fresh process running `args`."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(args[:5])} failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return elapsed, cpu, max(before.ru_maxrss, after.ru_maxrss) / 1024


def ezgov(*args: str) -> list[str]:
    return [sys.executable, "-m", "ezgov_infra", *args]


JOBS = """
import sys
from pathlib import Path
from ezgov_infra.jobs import broadband
folder, state, files = Path(sys.argv[1]), Path(sys.argv[2]), [Path(f) for f in sys.argv[3:]]
broadband.import_files(folder=folder, state_dir=state, files=files)
broadband.audit(folder=folder, state_dir=state)
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--villages", type=int, default=30_000)
    parser.add_argument("--xlsx", action="store_true", help="also time one carrier's XLSX import")
    options = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="ezgov-broadband-"))
    try:
        folder = root / "inventory"
        folder.mkdir()
        started = time.perf_counter()
        files, xlsx = generate(folder, options.villages)
        size = sum(f.stat().st_size for f in files) / 1e6
        print(f"generated {options.villages} villages, 4 carriers' CSV reports ({size:.1f} MB) "
              f"in {time.perf_counter() - started:.1f} s")
        state = root / "state"
        env = {**os.environ, "EZGOV_STATE_DIR": str(state), "EZGOV_CACHE_DIR": str(state / "cache")}
        for label in ("cold", "warm"):
            if label == "cold":
                shutil.rmtree(state, ignore_errors=True)
            for history in state.glob("history.sqlite*"):  # warm: the YAML cache stays, the history starts empty
                history.unlink()
            imported, cpu_import, rss = timed(ezgov("broadband", "import", "-i", str(folder), *map(str, files),
                                                    "-f", "json"), env)
            audited, cpu_audit, _ = timed(ezgov("broadband", "audit", "-i", str(folder), "-f", "json"), env)
            total = imported + audited
            verdict = "meets" if total <= 3.0 else "misses"
            print(f"{label:>4}, two ezgov processes: import {imported:.2f} s, audit {audited:.2f} s, "
                  f"import + audit {total:.2f} s wall ({cpu_import + cpu_audit:.2f} s CPU, peak RSS {rss:.0f} MB): "
                  f"{verdict} the 3 s target")
        for history in state.glob("history.sqlite*"):
            history.unlink()
        wall, cpu, rss = timed([sys.executable, "-c", JOBS, str(folder), str(state), *map(str, files)], env)
        verdict = "meets" if wall <= 3.0 else "misses"
        print(f"warm, one interpreter running the import and audit jobs: {wall:.2f} s wall ({cpu:.2f} s CPU, "
              f"peak RSS {rss:.0f} MB): {verdict} the 3 s target")
        if options.xlsx:
            seconds, _, _ = timed(ezgov("broadband", "import", "-i", str(folder), str(xlsx), "-f", "json"), env)
            print(f"xlsx: import of one carrier's {options.villages}-village workbook "
                  f"({xlsx.stat().st_size / 1e6:.1f} MB) {seconds:.2f} s")
        print(f"load average now: {', '.join(f'{v:.1f}' for v in os.getloadavg())} on {os.cpu_count()} cores")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
