"""How long the readiness report takes on the Ezhou sample: building the data, HTML, Markdown and PDF per language.

Run: .venv/bin/python bench/report_render.py [--pdf]   (prints seconds, medians of 3; PDF only with --pdf, then
also the whole `ezgov report readiness --format pdf` process per language, the figure the target is set for: at
most 4 s on a quiet machine. Its CPU time (user + system) is printed beside it: on a shared machine the wall time
follows the load, the CPU time much less. The process runs as a user's does: Python keeps its compiled modules
(PYTHONDONTWRITEBYTECODE is left out of its environment) and one run per language comes first, uncounted.)
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ezgov_infra.jobs import report
from ezgov_infra.report.build import Report
from ezgov_infra.report.render import render_html, render_markdown
from tests.report.sample import AS_OF, GENERATED, SampleState, make_sample_state


def median(step: object, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        step()  # type: ignore[operator]
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def measure(state: SampleState, db: Path, lang: str, root: Path) -> None:
    def build() -> Report:
        return report.build(folder=state.inventory, history_db=db, lang=lang, plans_dir=state.plans_dir,
                            plan=state.plan, as_of=AS_OF, generated=GENERATED)

    built = build()
    print(f"{lang}: build {median(build):.2f} s, html {median(lambda: render_html(built)):.2f} s, "
          f"markdown {median(lambda: render_markdown(built)):.2f} s")
    if "--pdf" in sys.argv:
        from ezgov_infra.report.pdf import html_to_pdf

        html = render_html(built)
        print(f"{lang}: pdf {median(lambda: html_to_pdf(html, base=root, lang=lang), repeat=1):.1f} s")


USER_ENV = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}


def whole_process(state: SampleState, lang: str, root: Path) -> tuple[float, float]:
    """Wall time and CPU time (user + system) of one `ezgov report readiness --format pdf`."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "ezgov_infra", "report", "readiness", "-i", str(state.inventory),
                    "--state-dir", str(state.state_dir), "--plans-dir", str(state.plans_dir), "--plan", state.plan,
                    "--lang", lang, "--format", "pdf", "--as-of", AS_OF.isoformat(), "-o", str(root / f"{lang}.pdf")],
                   check=True, capture_output=True, env=USER_ENV)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    with tempfile.TemporaryDirectory() as root:
        state = make_sample_state(Path(root))
        db = state.state_dir / "history.sqlite"
        for lang in ("zh", "en"):
            measure(state, db, lang, Path(root))
        if "--pdf" in sys.argv:
            for lang in ("zh", "en"):
                whole_process(state, lang, Path(root))  # compiles the modules once, as a user's first run does
                runs = [whole_process(state, lang, Path(root)) for _ in range(3)]
                wall = statistics.median(r[0] for r in runs)
                cpu = statistics.median(r[1] for r in runs)
                print(f"{lang}: whole process, PDF {wall:.1f} s (CPU {cpu:.1f} s)")
        print(f"load average: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")

if __name__ == "__main__":
    main()
