"""Task 1's rules on a small hand-made tree: best carrier per village, the three figures, gaps and who could close
them, speed summaries, the trend."""

from __future__ import annotations

from datetime import date

from ezgov_infra.audit.broadband import assess, percentile_nearest, summarise_speeds, trend
from ezgov_infra.models.broadband import BroadbandPolicy, CarrierReport, Coverage, SpeedSample, VillageAccess
from ezgov_infra.models.inventory import Region
from ezgov_infra.models.kinds import Carrier

REGIONS = {r.id: r for r in [
    Region(id="city", name="市", name_en="City", level="city", kind="city"),
    Region(id="d", name="区", name_en="District", level="district", kind="district", parent="city"),
    Region(id="t", name="镇", name_en="Town", level="township", kind="town", parent="d"),
    Region(id="s", name="街道", name_en="Sub-district", level="township", kind="subdistrict", parent="d"),
    Region(id="v1", name="镇一村", name_en="V1", level="village", kind="village", parent="t", households=100),
    Region(id="v2", name="镇二村", name_en="V2", level="village", kind="village", parent="t"),
    Region(id="v3", name="镇三村", name_en="V3", level="village", kind="village", parent="t", households=50),
    Region(id="c1", name="街道一社区", name_en="C1", level="village", kind="community", parent="s", households=1000),
]}
POLICY = BroadbandPolicy()


def report(carrier: Carrier, day: date, **villages: VillageAccess) -> CarrierReport:
    return CarrierReport(carrier=carrier, as_of=day, file=f"{carrier.value}.csv", villages=villages)


JUNE = date(2019, 6, 30)
TELECOM = report(Carrier.telecom, JUNE,
                 v1=VillageAccess(village="v1", households=100, gigabit=20, fast=95, fibre=True, lte=Coverage.partial),
                 c1=VillageAccess(village="c1", households=990, gigabit=850, fast=990, fibre=True,
                                  lte=Coverage.covered, nr=Coverage.covered))
MOBILE = report(Carrier.mobile, JUNE,
                v1=VillageAccess(village="v1", households=98, gigabit=10, fast=95, lte=Coverage.covered),
                v2=VillageAccess(village="v2", households=300, gigabit=0, fast=120, fibre=True, lte=Coverage.none),
                c1=VillageAccess(village="c1", households=1000, gigabit=920, fast=1000, lte=Coverage.covered))


class TestBestCarrier:
    def test_a_village_has_the_best_any_carrier_offers_and_names_them(self) -> None:
        villages = {v.village: v for v in assess(REGIONS, POLICY, [TELECOM, MOBILE]).villages}
        v1 = villages["v1"]
        assert (v1.gigabit, v1.gigabit_by, v1.fast, v1.fast_by) == (20, ["telecom"], 95, ["mobile", "telecom"])
        assert (v1.lte, v1.lte_by, v1.fibre_by, v1.capability) == (Coverage.covered, ["mobile"], ["telecom"], "100m")
        assert (villages["c1"].gigabit, villages["c1"].capability, villages["c1"].nr) == (920, "gigabit",
                                                                                          Coverage.covered)

    def test_households_come_from_the_region_else_the_largest_carrier_figure(self) -> None:
        villages = {v.village: v for v in assess(REGIONS, POLICY, [TELECOM, MOBILE]).villages}
        assert (villages["v1"].households, villages["v1"].households_from) == (100, "region")
        assert (villages["v2"].households, villages["v2"].households_from) == (300, "carriers")
        assert (villages["v3"].households, villages["v3"].households_from, villages["v3"].capability) == (
            50, "region", None)


class TestFigures:
    def test_the_three_figures(self) -> None:
        figures = assess(REGIONS, POLICY, [TELECOM, MOBILE]).figures
        urban, rural, lte = figures["urban_gigabit"], figures["rural_100m"], figures["village_4g"]
        assert (urban.done, urban.total, urban.pct, urban.meets) == (920, 1000, 92.0, True)
        # v1 95 of 100, v2 120 of 300; v3 was reported by nobody and is counted apart
        assert (rural.done, rural.total, rural.pct, rural.meets, rural.unreported) == (215, 400, 53.8, False, 1)
        # communities are not administrative villages; v1 covered, v2 none, v3 unknown
        assert (lte.done, lte.total, lte.unit, lte.meets, lte.unreported) == (1, 2, "villages", False, 1)

    def test_thresholds_come_from_the_policy(self) -> None:
        strict = BroadbandPolicy(basic_pct=95)
        assert assess(REGIONS, strict, [TELECOM, MOBILE]).figures["urban_gigabit"].meets is False

    def test_nothing_reported_is_no_figure(self) -> None:
        figures = assess(REGIONS, POLICY, []).figures
        assert all(f.pct is None and f.meets is None for f in figures.values())
        assert figures["rural_100m"].unreported == 3


class TestGaps:
    def test_each_gap_with_the_carrier_that_could_close_it(self) -> None:
        gaps = [(g.village, g.kind, g.short, g.best_pct, g.best_by, g.could_close)
                for g in assess(REGIONS, POLICY, [TELECOM, MOBILE]).gaps]
        assert gaps == [
            ("v2", "100m", 180, 40.0, ["mobile"], ["mobile"]),
            # no coverage at all: the carrier with fibre there could put up a base station
            ("v2", "4g", None, None, [], ["mobile"]),
            ("v3", "unreported", None, None, [], []),
        ]

    def test_partial_4g_is_closed_by_the_carrier_that_has_part_of_it(self) -> None:
        partial = report(Carrier.unicom, JUNE, v1=VillageAccess(village="v1", households=100, fast=100,
                                                                lte=Coverage.partial, fibre=True))
        mobile = report(Carrier.mobile, JUNE, v1=VillageAccess(village="v1", households=100, fast=100,
                                                               lte=Coverage.none, fibre=True))
        gaps = [g for g in assess(REGIONS, POLICY, [partial, mobile]).gaps if g.kind == "4g"]
        assert [(g.village, g.best_by, g.could_close) for g in gaps] == [("v1", ["unicom"], ["unicom"])]

    def test_townships_sum_their_gaps(self) -> None:
        towns = {t.id: t for t in assess(REGIONS, POLICY, [TELECOM, MOBILE]).townships}
        assert (towns["t"].gaps, towns["t"].households_short, towns["t"].villages_without_4g) == (3, 180, 1)
        assert towns["s"].gaps == 0


class TestSpeeds:
    def test_p10_is_the_nearest_rank(self) -> None:
        assert percentile_nearest([float(v) for v in range(1, 21)], 0.1) == 2.0
        assert percentile_nearest([5.0, 1.0, 3.0], 0.1) == 1.0

    def test_median_and_p10_per_village(self) -> None:
        samples = [SpeedSample(village="c1", carrier=Carrier.telecom, day=JUNE, down_mbps=v) for v in (40, 90, 60)]
        summary = summarise_speeds(samples)["c1"]
        assert (summary.samples, summary.median_mbps, summary.p10_mbps) == (3, 60.0, 40.0)

    def test_a_gigabit_village_measured_below_100_is_flagged(self) -> None:
        slow = [SpeedSample(village="c1", carrier=Carrier.mobile, day=JUNE, down_mbps=v) for v in (80, 95, 300)]
        villages = {v.village: v for v in assess(REGIONS, POLICY, [TELECOM, MOBILE], slow).villages}
        assert villages["c1"].slow is True
        fast = [SpeedSample(village="c1", carrier=Carrier.mobile, day=JUNE, down_mbps=v) for v in (80, 400, 300)]
        assert not any(v.slow for v in assess(REGIONS, POLICY, [TELECOM, MOBILE], fast).villages)


class TestTrend:
    def test_each_report_day_uses_each_carriers_latest_report_by_then(self) -> None:
        march = report(Carrier.mobile, date(2019, 3, 31),
                       c1=VillageAccess(village="c1", households=1000, gigabit=500, fast=1000))
        points = trend(REGIONS, POLICY, [march, TELECOM, MOBILE])
        assert [(p.as_of, p.reports, p.pct["urban_gigabit"]) for p in points] == [
            (date(2019, 3, 31), {"mobile": date(2019, 3, 31)}, 50.0),
            (JUNE, {"mobile": JUNE, "telecom": JUNE}, 92.0)]
