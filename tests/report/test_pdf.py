"""The PDF: A4 pages from the same HTML, Chinese text present, the executive summary alone on page one."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from ezgov_infra.jobs import report
from ezgov_infra.report.text import Text
from tests.report.conftest import need
from tests.report.sample import AS_OF, GENERATED, SampleState
from tests.unit.report.test_render import SCRIPT, TAG, hostile_state

A4_POINTS = (595, 842)


def write(state: SampleState, lang: str, out: Path, plan: str | None = None) -> Path:
    result = report.readiness(folder=state.inventory, state_dir=state.state_dir, lang=lang, fmt="pdf", out=out,
                              plans_dir=state.plans_dir, plan=plan, as_of=AS_OF, generated=GENERATED)
    return Path(result.path)


def pdftotext(pdf: Path, *pages: int, mode: str = "-layout") -> str:
    tool = need("pdftotext", "poppler-utils")
    args = [tool, mode]
    if pages:
        args += ["-f", str(pages[0]), "-l", str(pages[-1])]
    return subprocess.run([*args, str(pdf), "-"], capture_output=True, text=True, check=True).stdout


def page_count(pdf: Path) -> tuple[int, str]:
    info = subprocess.run([need("pdfinfo", "poppler-utils"), str(pdf)], capture_output=True, text=True,
                          check=True).stdout
    pages = int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))  # type: ignore[union-attr]
    size = re.search(r"^Page size:\s+(.*)$", info, re.M).group(1)  # type: ignore[union-attr]
    return pages, size


class TestChinesePdf:
    def test_renders_every_page_on_a4_with_chinese_text(self, sample_state: SampleState, tmp_path: Path) -> None:
        pdf = write(sample_state, "zh", tmp_path / "zh.pdf", sample_state.plan)
        pages, size = page_count(pdf)
        assert re.match(r"595\.\d* x 841\.\d*|595\.\d* x 842", size), size
        # One page for the executive summary, then at least one for each of the four other sections.
        assert pages >= 5
        subprocess.run([need("pdftoppm", "poppler-utils"), "-r", "30", "-png", str(pdf), str(tmp_path / "page")],
                       check=True)
        assert len(list(tmp_path.glob("page-*.png"))) == pages
        text = Text("zh")
        first = pdftotext(pdf, 1)
        assert text("title") in first and text("kpi.coverage.title") in first
        second = pdftotext(pdf, 2)
        assert second.strip().startswith(text("ui.districts"))
        assert "鄂城区" in pdftotext(pdf)


class TestInjection:
    def test_markup_from_devices_is_printed_as_text(self, tmp_path: Path, sample_inventory: Path) -> None:
        state = hostile_state(tmp_path, sample_inventory)
        pdf = write(state, "en", tmp_path / "en.pdf")
        flat = re.sub(r"\s+", "", pdftotext(pdf, mode="-raw"))
        assert re.sub(r"\s+", "", f"tujianao{TAG}{SCRIPT}") in flat
        assert re.sub(r"\s+", "", f"eth1: uplink {SCRIPT}") in flat
