"""How long the readiness report takes on the Ezhou sample: building the data, HTML, Markdown and PDF per language.

Run: .venv/bin/python bench/report_render.py [--pdf]   (prints seconds, medians of 3; PDF only with --pdf)
"""

from __future__ import annotations

import statistics
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


def main() -> None:
    with tempfile.TemporaryDirectory() as root:
        state = make_sample_state(Path(root))
        db = state.state_dir / "history.sqlite"
        for lang in ("zh", "en"):
            measure(state, db, lang, Path(root))

if __name__ == "__main__":
    main()
