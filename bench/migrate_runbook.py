"""Slots and runbooks at scale: the 10,000-system catalogue of `migrate_scale.py`, assessed, planned with every
system's slot, and its runbook built and rendered (Markdown, English), in one fresh process.

Target from the issue: slots and runbooks within 3 s for the whole process on the project's machine (2 cores).
The plan and the runbook are made by the job functions the CLI calls (`jobs.migration.plan_catalogue`,
`runbook_markdown`), so the bench measures what `ezgov migrate plan` and `ezgov migrate runbook` do past reading
and writing files.
The child process is timed from its start (interpreter and imports included) to the runbook written; the time it
spends generating the synthetic catalogue (which a real run reads from systems.yaml) is printed apart.
Run: `.venv/bin/python bench/migrate_runbook.py [systems] [deps]`.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
from pathlib import Path

CHILD = """
import sys, time
started = time.perf_counter()
sys.path.insert(0, {bench!r})
from datetime import date
from pathlib import Path
from migrate_scale import SAMPLE, catalogue
from ezgov_infra.jobs.migration import plan_catalogue, runbook_markdown
from ezgov_infra.migrate.planner import PlanInput
from ezgov_infra.migrate.schedule import site_uplinks
from ezgov_infra.models.plan import MigrationPolicy, WaveCapacity
from ezgov_infra.report.text import Text
from ezgov_infra.models.kinds import Classification
from ezgov_infra.store.inventory import load_inventory
from ezgov_infra.store.systems import load_rules
imported = time.perf_counter()
systems = catalogue({size}, {edges})
if {movable}:
    # the same catalogue with nothing classified: far more moves, so hundreds of waves of slots
    systems = {{sid: s.model_copy(update={{"classification": Classification.internal}})
               if s.classification is Classification.classified
               else s for sid, s in systems.items()}}
generated = time.perf_counter()
inventory = load_inventory(SAMPLE)
rules, _ = load_rules(Path("/nonexistent"))
policy = MigrationPolicy(capacity=WaveCapacity(systems=250, vcpu=2000, ram_gb=8000, storage_gb=200_000))
spec = PlanInput(name="bench", inventory_label="bench", digest="-", start=date(2019, 9, 1),
                 deadline=date(2019, 12, 31), deadline_source="bench")
plan = plan_catalogue(spec, systems, inventory, rules, policy, site_uplinks(inventory, policy, {{}}, None))
planned = time.perf_counter()
text = runbook_markdown(plan, Text("en"))
done = time.perf_counter()
slots = sum(len(w.slots) for w in plan.waves)
steps = text.count("\\n| ") - text.count("\\n## ")  # one row a step, one header row a section
print(f"{{imported - started:.2f}} {{generated - imported:.2f}} {{planned - generated:.2f}} {{done - planned:.2f}} "
      f"{{slots}} {{steps}} {{len(text)}} {{len(plan.waves)}}")
"""


def run(size: int, edges: int, movable: bool) -> None:
    bench = str(Path(__file__).resolve().parent)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    began = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", CHILD.format(bench=bench, size=size, edges=edges,
                                                             movable=movable)],
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        print(done.stderr[-2000:])
        return
    whole = time.perf_counter() - began
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    imports, generate, plan, runbook, slots, steps, chars, waves = done.stdout.split()
    kind = "nothing classified" if movable else "as migrate_scale.py generates it"
    print(f"catalogue ({kind}): {size} systems, {edges} dependencies; {waves} waves, {slots} slots, {steps} "
          f"runbook steps, {int(chars) / 1e6:.1f} MB of Markdown")
    print(f"  imports {imports} s; assess + plan with slots {plan} s; runbook built and rendered {runbook} s")
    print(f"  whole process {whole:.2f} s wall, {cpu:.2f} s CPU; {generate} s of it generating the synthetic "
          f"catalogue; without that {whole - float(generate):.2f} s wall (target <= 3 s)")


def main() -> None:
    size = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    edges = int(sys.argv[2]) if len(sys.argv) > 2 else 50_000
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    for movable in (False, True):
        run(size, edges, movable)


if __name__ == "__main__":
    main()
