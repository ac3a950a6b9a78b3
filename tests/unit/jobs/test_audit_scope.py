"""A device's verdict does not depend on what else the run covered."""

from __future__ import annotations

from pathlib import Path

from ezgov_infra.jobs import ipv6_audit
from ezgov_infra.models.selector import parse_limit


class TestScopeIndependence:
    def test_a_narrow_run_judges_a_device_as_the_full_run_does(self, tmp_path: Path, sample_inventory: Path) -> None:
        full = ipv6_audit.audit(inventory=sample_inventory, state_dir=tmp_path / "full",
                                options=ipv6_audit.AuditOptions())
        judged = {d.device: d for d in full.devices}
        # a device the core's routes judge (its loopback is not in the core's table)
        device = next(d for d, r in sorted(judged.items()) if any(f.rule == "V6-REACH-001" for f in r.findings))
        narrow = ipv6_audit.audit(inventory=sample_inventory, state_dir=tmp_path / "narrow",
                                  options=ipv6_audit.AuditOptions(limit=parse_limit([f"device:{device}"])))
        assert [d.device for d in narrow.devices] == [device]  # the cores were read, not reported
        only = narrow.devices[0]
        assert sorted(f.rule for f in only.findings) == sorted(f.rule for f in judged[device].findings)
        assert only.score is not None and judged[device].score is not None
        assert only.score.score == judged[device].score.score
