"""The HTML in headless Chromium: loads without console errors and shows the executive page."""

from __future__ import annotations

import subprocess
from pathlib import Path

from ezgov_infra.jobs import report
from ezgov_infra.report.text import Text
from tests.report.conftest import need
from tests.report.sample import AS_OF, GENERATED, SampleState

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars"]


def chromium(*args: str, profile: Path) -> subprocess.CompletedProcess[str]:
    browser = need("chromium", "chromium")
    return subprocess.run([browser, *FLAGS, f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0",
                           *args], capture_output=True, text=True, timeout=120, check=False)


def write_html(state: SampleState, out: Path) -> Path:
    result = report.readiness(folder=state.inventory, state_dir=state.state_dir, lang="zh", fmt="html", out=out,
                              plans_dir=state.plans_dir, plan=state.plan, as_of=AS_OF, generated=GENERATED)
    return Path(result.path)


class TestChromium:
    def test_opens_without_console_errors_and_keeps_the_title(self, sample_state: SampleState,
                                                              tmp_path: Path) -> None:
        page = write_html(sample_state, tmp_path / "report.html")
        run = chromium("--dump-dom", page.resolve().as_uri(), profile=tmp_path / "profile")
        assert run.returncode == 0, run.stderr[-2000:]
        console = [line for line in run.stderr.splitlines() if "CONSOLE" in line]
        assert console == []
        assert f"<title>{Text('zh')('title')}</title>" in run.stdout

    def test_screenshot_of_the_executive_page_is_not_blank(self, sample_state: SampleState,
                                                          tmp_path: Path) -> None:
        from PIL import Image

        page = write_html(sample_state, tmp_path / "report.html")
        shot = tmp_path / "executive.png"
        run = chromium(f"--screenshot={shot}", "--window-size=1024,1400", page.resolve().as_uri(),
                       profile=tmp_path / "profile")
        assert run.returncode == 0 and shot.exists(), run.stderr[-2000:]
        image = Image.open(shot).convert("L")
        low, high = image.getextrema()
        assert high - low > 100  # text and bars on a white page, not a blank or error page
        dark = sum(1 for value in image.getdata() if value < 128)
        assert dark > 0.005 * image.width * image.height
