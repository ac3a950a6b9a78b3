"""The PDF: A4 pages from the same HTML, Chinese text present, the executive summary alone on page one."""

from __future__ import annotations

import itertools
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from ezgov_infra.jobs import report
from ezgov_infra.report.text import Text
from tests.conftest import REPO
from tests.report.conftest import need
from tests.report.pages import Page, overlapping, pages
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


# PNGs of every page, for people to look at: kept under the state dir, where CI collects its artefacts.
PAGES_DIR = REPO / ".ezgov" / "artifacts" / "report-pages"


@pytest.fixture(scope="module")
def pdfs(sample_state: SampleState, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The sample's report in both languages, rendered once for every test of this module."""
    folder = tmp_path_factory.mktemp("pdf")
    state = SampleState(sample_state.inventory, folder / "state", sample_state.plans_dir, sample_state.plan)
    shutil.copytree(sample_state.state_dir, state.state_dir)
    made = {lang: write(state, lang, folder / f"{lang}.pdf", state.plan) for lang in ("zh", "en")}
    PAGES_DIR.mkdir(parents=True, exist_ok=True)
    for lang, pdf in made.items():
        for old in PAGES_DIR.glob(f"{lang}-*.png"):
            old.unlink()
        subprocess.run([need("pdftoppm", "poppler-utils"), "-r", "40", "-png", str(pdf), str(PAGES_DIR / lang)],
                       check=True)
    return made


@pytest.fixture(scope="module")
def laid_out(pdfs: dict[str, Path]) -> dict[str, list[Page]]:
    return {lang: pages(need("pdftotext", "poppler-utils"), pdf) for lang, pdf in pdfs.items()}


class TestChinesePdf:
    def test_renders_every_page_on_a4_with_chinese_text(self, pdfs: dict[str, Path]) -> None:
        pdf = pdfs["zh"]
        pages_, size = page_count(pdf)
        assert re.match(r"595\.\d* x 841\.\d*|595\.\d* x 842", size), size
        # One page for the executive summary, then at least one for each of the four other sections.
        assert pages_ >= 5
        assert len(list(PAGES_DIR.glob("zh-*.png"))) == pages_
        text = Text("zh")
        first = pdftotext(pdf, 1)
        assert text("title") in first and text("kpi.coverage.title") in first
        assert "鄂城区" in pdftotext(pdf)


@pytest.mark.parametrize("lang", ["zh", "en"])
class TestPagesPrint:
    def test_the_executive_page_is_page_one_alone(self, pdfs: dict[str, Path], lang: str) -> None:
        second = [line.strip() for line in pdftotext(pdfs[lang], 2).splitlines() if line.strip()]
        # the running header (the marking) comes first, then the districts' heading: page one held everything
        assert Text(lang)("ui.districts") in second[:2], second[:3]

    def test_no_text_leaves_the_page(self, laid_out: dict[str, list[Page]], lang: str) -> None:
        for page in laid_out[lang]:
            outside = [w.text for w in page.words if w.x0 < 0 or w.y0 < 0 or w.x1 > page.width or
                       w.y1 > page.height]
            assert outside == [], f"page {page.number}: {outside[:5]}"

    def test_no_two_words_print_over_each_other(self, laid_out: dict[str, list[Page]], lang: str) -> None:
        for page in laid_out[lang]:
            pairs = [(a.text, b.text) for a, b in overlapping(page)]
            assert pairs == [], f"page {page.number}: {pairs[:5]}"

    def test_no_page_is_nearly_empty_unless_a_section_ends_there(self, laid_out: dict[str, list[Page]],
                                                                  lang: str) -> None:
        appendix = Text(lang)("ui.evidence")
        found = laid_out[lang]
        for page, after in itertools.pairwise(found):
            if appendix in after.text[:200]:
                continue  # the appendix starts on a page of its own, by design
            assert page.fill() >= 1 / 3, f"page {page.number} is {page.fill():.0%} full: {page.text[:80]}"


class TestFonts:
    def test_the_chinese_pdf_embeds_one_face_charts_included(self, pdfs: dict[str, Path]) -> None:
        # a chart left to fontconfig's "sans-serif" would add a Latin face and a Japanese CJK face
        listing = subprocess.run([need("pdffonts", "poppler-utils"), str(pdfs["zh"])], capture_output=True,
                                 text=True, check=True).stdout
        faces = [line.split()[0].split("+", 1)[1] for line in listing.splitlines()[2:] if line.strip()]
        assert faces == ["Noto-Sans-CJK-SC"]


class TestBrief:
    def test_the_brief_is_one_page(self, sample_state: SampleState, tmp_path: Path) -> None:
        state = SampleState(sample_state.inventory, tmp_path / "state", sample_state.plans_dir, sample_state.plan)
        shutil.copytree(sample_state.state_dir, state.state_dir)
        done = report.readiness(folder=state.inventory, state_dir=state.state_dir, lang="zh", fmt="pdf",
                                plans_dir=state.plans_dir, plan=state.plan, as_of=AS_OF, generated=GENERATED,
                                brief=True, out=tmp_path / "brief.pdf")
        assert page_count(Path(done.path))[0] == 1


class TestInjection:
    def test_markup_from_devices_is_printed_as_text(self, tmp_path: Path, sample_inventory: Path) -> None:
        state = hostile_state(tmp_path, sample_inventory)
        pdf = write(state, "en", tmp_path / "en.pdf")
        flat = re.sub(r"\s+", "", pdftotext(pdf, mode="-raw"))
        assert re.sub(r"\s+", "", f"tujianao{TAG}{SCRIPT}") in flat
        assert re.sub(r"\s+", "", f"eth1: uplink {SCRIPT}") in flat
