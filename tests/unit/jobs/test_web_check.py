"""The `ipv6 web` job runs its sites through the batch runner: one result per site, in the order given."""

from __future__ import annotations

from pathlib import Path

from ezgov_infra.jobs.web_check import check_websites
from ezgov_infra.testing.progress import Recorder


class TestCheckWebsites:
    def test_every_site_reaches_the_progress_once_and_the_run_keeps_the_order_given(
            self, sample_inventory: Path, tmp_path: Path) -> None:
        # names that are not host names are judged without a single packet sent
        hosts = ["bad_host!", "x..y", "-lead.example"]
        recorder = Recorder()
        result = check_websites(folder=sample_inventory, state_dir=tmp_path, hosts=hosts, resolver="::1",
                                workers=3, progress=recorder)
        assert [s.host for s in result.sites] == hosts
        assert sorted(recorder.subjects) == sorted(hosts)
        assert (recorder.title, recorder.total, recorder.starts, recorder.finishes) == ("website checks", 3, 1, 1)
        assert all(r.value is not None and r.value.verdict.category == "bad-hostname" for r in recorder.results)
        assert result.run_id is not None
