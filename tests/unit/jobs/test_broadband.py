"""Importing carriers' files: Chinese headers through the declared mapping, villages matched within their township,
every problem as file:row:column, nothing imported from a file with errors, newer reports becoming current."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from ezgov_infra.errors import InventoryError
from ezgov_infra.jobs import broadband
from ezgov_infra.models.broadband import Coverage
from ezgov_infra.models.kinds import Carrier

TELECOM_HEADER = ["区县", "乡镇（街道）", "行政村（社区）", "总户数", "千兆覆盖户数", "百兆及以上覆盖户数", "光纤到村",
                  "4G覆盖", "5G覆盖"]
MOBILE_HEADER = ["区", "乡镇", "村/社区名称", "家庭户数", "千兆端口覆盖户数", "百兆端口覆盖户数", "是否通光纤",
                 "4G覆盖情况"]


TITLE = "中国电信鄂州分公司 宽带覆盖情况表"


def write_xlsx(path: Path, rows: Sequence[Sequence[Any]], title: str | None = TITLE) -> Path:
    """A workbook as a carrier's office makes it: a merged title row, then the headers, then the villages."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "行政村宽带"
    if title:
        sheet.append([title])
        sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(rows[0]))
    for row in rows:
        sheet.append(list(row))
    book.save(path)
    return path


def write_csv(path: Path, rows: Sequence[Sequence[Any]], encoding: str = "utf-8-sig") -> Path:
    text = "\r\n".join(",".join("" if c is None else str(c) for c in row) for row in rows) + "\r\n"
    path.write_bytes(text.encode(encoding))
    return path


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    """Where the carriers' tables are kept for this parameter: SQLite in the state dir, or the shared PostgreSQL
    (`EZGOV_DATABASE_URL`), emptied first."""
    if request.param == "postgresql":
        from ezgov_infra.store.broadband import BroadbandStore
        from ezgov_infra.store.history import open_history

        url: str = request.getfixturevalue("postgres_url")
        with open_history(tmp_path / "unused.sqlite", url=url) as history:
            BroadbandStore(history)
            for table in ("broadband_speeds", "broadband_speed_files", "broadband_villages", "broadband_reports"):
                history.sql.run(f"DELETE FROM {table}")
        monkeypatch.setenv("EZGOV_DATABASE_URL", url)
    return str(request.param)


def problems(excinfo: pytest.ExceptionInfo[InventoryError]) -> list[str]:
    return [str(p) for p in excinfo.value.problems]


class TestGoodFiles:
    def test_xlsx_with_a_title_row_and_chinese_headers(self, tmp_path: Path, inventory_copy: Path) -> None:
        path = write_xlsx(tmp_path / "telecom-2019-06-30.xlsx", [
            TELECOM_HEADER,
            ["鄂城区", "碧石渡镇", "碧石渡镇红星村", 350, 320, 350, "是", "全覆盖", "未覆盖"],
            ["鄂城区", "西山街道", "洋澜社区", "3360", "2688", "3300", "是", "全覆盖", "部分覆盖"],
            ["梁子湖区", "梁子镇", "湖滨村", 520, None, 400, "否", "未覆盖", None],
        ])
        result = broadband.import_files(folder=inventory_copy, state_dir=tmp_path / "state", files=[path])
        assert [(f.carrier, f.as_of, f.rows, f.current) for f in result.files] == [
            ("telecom", date(2019, 6, 30), 3, True)]
        _, reports, _ = broadband.load_reports(tmp_path / "state")
        villages = reports[0].villages
        assert dataclasses.asdict(villages["bishidu-hongxing"]) == {
            "village": "bishidu-hongxing", "households": 350, "gigabit": 320, "fast": 350, "fibre": True,
            "lte": Coverage.covered, "nr": Coverage.none, "row": 3}
        assert (villages["xishan-yanglan"].households, villages["xishan-yanglan"].nr) == (3360, Coverage.partial)
        hubin = villages["liangzi-hubin"]
        assert (hubin.gigabit, hubin.fibre, hubin.lte, hubin.nr) == (None, False, Coverage.none, None)
        assert reports[0].sample is True

    def test_csv_in_gb18030_as_excel_saves_it(self, tmp_path: Path, inventory_copy: Path) -> None:
        path = write_csv(tmp_path / "mobile-2019-06-30.csv", [
            MOBILE_HEADER, ["华容区", "蒲团乡", "长岭村", "1375", "300", "880", "是", "部分覆盖"]], "gb18030")
        broadband.import_files(folder=inventory_copy, state_dir=tmp_path / "state", files=[path])
        _, reports, _ = broadband.load_reports(tmp_path / "state")
        assert reports[0].carrier is Carrier.mobile
        assert reports[0].villages["putuan-changling"].fast == 880

    def test_options_name_a_file_its_name_does_not(self, tmp_path: Path, inventory_copy: Path) -> None:
        path = write_csv(tmp_path / "二季度.csv", [MOBILE_HEADER, ["华容区", "蒲团乡", "长岭村", 10, 0, 5, "是", "是"]])
        with pytest.raises(InventoryError) as excinfo:
            broadband.import_files(folder=inventory_copy, state_dir=tmp_path / "state", files=[path])
        assert "cannot tell the carrier and the report day" in problems(excinfo)[0]
        broadband.import_files(folder=inventory_copy, state_dir=tmp_path / "state", files=[path],
                               carrier=Carrier.mobile, as_of=date(2019, 6, 30))
        stored, _, _ = broadband.load_reports(tmp_path / "state")
        assert [(s.carrier, s.as_of) for s in stored] == [(Carrier.mobile, date(2019, 6, 30))]

    def test_speed_tests(self, tmp_path: Path, inventory_copy: Path, database: str) -> None:
        path = write_csv(tmp_path / "speedtests-june.csv", [
            ["测速日期", "运营商", "区", "乡镇", "村", "下行速率（Mbps）", "上行速率（Mbps）"],
            ["2019-06-03", "电信", "鄂城区", "凤凰街道", "滨湖社区", "61.5", "20"],
            ["2019/6/4", "中国移动", "鄂城区", "凤凰街道", "滨湖社区", "88", ""]])
        result = broadband.import_files(folder=inventory_copy, state_dir=tmp_path / "state", files=[path])
        assert [(f.kind, f.rows) for f in result.files] == [("speeds", 2)]
        _, _, speeds = broadband.load_reports(tmp_path / "state")
        assert [(s.village, s.carrier, s.day, s.down_mbps, s.up_mbps) for s in speeds] == [
            ("fenghuang-binhu", Carrier.telecom, date(2019, 6, 3), 61.5, 20.0),
            ("fenghuang-binhu", Carrier.mobile, date(2019, 6, 4), 88.0, None)]


class TestBadFiles:
    """Each mistake a carrier's file can hold is one located problem; the store stays as it was."""

    def import_bad(self, tmp_path: Path, inventory_copy: Path, rows: list[list[Any]]) -> list[str]:
        path = write_xlsx(tmp_path / "telecom-2019-06-30.xlsx", [TELECOM_HEADER, *rows])
        with pytest.raises(InventoryError) as excinfo:
            broadband.import_files(folder=inventory_copy, state_dir=tmp_path / "state", files=[path])
        stored, _, _ = broadband.load_reports(tmp_path / "state")
        assert stored == []
        return [line.replace(str(path), "F") for line in problems(excinfo)]

    def test_missing_column(self, tmp_path: Path, inventory_copy: Path) -> None:
        path = write_xlsx(tmp_path / "telecom-2019-06-30.xlsx", [
            [h for h in TELECOM_HEADER if h != "总户数"], ["鄂城区", "碧石渡镇", "红星村", 1, 1, "是", "是", "否"]])
        with pytest.raises(InventoryError) as excinfo:
            broadband.import_files(folder=inventory_copy, state_dir=tmp_path / "state", files=[path])
        assert problems(excinfo) == [f"{path}:2: households: missing column 总户数 (the header row lacks a column "
                                     "the mapping declares)"]

    def test_unknown_village_with_close_names(self, tmp_path: Path, inventory_copy: Path) -> None:
        assert self.import_bad(tmp_path, inventory_copy, [
            ["鄂城区", "碧石渡镇", "红新村", 350, 320, 350, "是", "全覆盖", None],
            ["鄂城区", "碧石镇", "红星村", 350, 320, 350, "是", "全覆盖", None],
        ]) == ["F:3:C: village: no village or community 红新村 in 碧石渡镇 (close: 红星村)",
               "F:4:B: township: no township 碧石镇 in 鄂城区 (close: 碧石渡镇)"]

    def test_duplicate_and_conflicting_rows(self, tmp_path: Path, inventory_copy: Path) -> None:
        row = ["鄂城区", "碧石渡镇", "红星村", 350, 320, 350, "是", "全覆盖", None]
        conflicting = [*row[:3], 360, *row[4:]]
        assert self.import_bad(tmp_path, inventory_copy, [row, row, conflicting]) == [
            "F:4:C: village: 红星村 duplicates row 3",
            "F:5:C: village: 红星村 conflicts with row 3: households 360 here, 350 there"]

    @pytest.mark.parametrize(("households", "expected"), [
        ("1,234", "F:3:D: households: thousands separator in '1,234' (write a whole number without separators, "
                  "e.g. 1234)"),
        ("１２３４", "F:3:D: households: full-width digits in '１２３４' (write a whole number in ASCII digits)"),
        (350.5, "F:3:D: households: not a whole number: 350.5"),
        ("约350", "F:3:D: households: not a whole number: '约350'"),
    ])
    def test_numbers_a_person_would_misread(self, tmp_path: Path, inventory_copy: Path, households: Any,
                                            expected: str) -> None:
        assert self.import_bad(tmp_path, inventory_copy, [
            ["鄂城区", "碧石渡镇", "红星村", households, 10, 10, "是", "全覆盖", None]]) == [expected]

    def test_households_passed_above_households(self, tmp_path: Path, inventory_copy: Path) -> None:
        assert self.import_bad(tmp_path, inventory_copy, [
            ["鄂城区", "碧石渡镇", "红星村", 350, 400, 420, "是", "全覆盖", None],
            ["鄂城区", "碧石渡镇", "先锋村", 300, 200, 100, "是", "全覆盖", None],
        ]) == ["F:3:E: gigabit: 400 households passed, more than the 350 households",
               "F:3:F: fast: 420 households passed, more than the 350 households",
               "F:4:F: fast: 100 households 100M-capable, fewer than the 200 gigabit-capable"]

    def test_words_outside_the_vocabulary_and_empty_required_cells(self, tmp_path: Path, inventory_copy: Path) -> None:
        found = self.import_bad(tmp_path, inventory_copy, [
            ["鄂城区", "碧石渡镇", "红星村", None, 1, 1, "大概", "全覆盖", None]])
        assert found[0] == "F:3:D: households: empty"
        assert found[1].startswith("F:3:G: fibre: not yes or no: '大概' (one of 是、有、通")

    def test_one_bad_file_stops_the_whole_import(self, tmp_path: Path, inventory_copy: Path) -> None:
        good = write_csv(tmp_path / "mobile-2019-06-30.csv", [MOBILE_HEADER, ["华容区", "蒲团乡", "长岭村", 9, 1, 2,
                                                                               "是", "是"]])
        bad = write_xlsx(tmp_path / "telecom-2019-06-30.xlsx", [TELECOM_HEADER, ["鄂城区", "碧石渡镇", "红星村",
                                                                                 "1,000", 1, 1, "是", "是", None]])
        with pytest.raises(InventoryError):
            broadband.import_files(folder=inventory_copy, state_dir=tmp_path / "state", files=[good, bad])
        assert broadband.load_reports(tmp_path / "state")[0] == []

    def test_no_mapping_declared_for_the_carrier(self, tmp_path: Path, inventory_copy: Path) -> None:
        policy = inventory_copy / "policy.yaml"
        text = policy.read_text(encoding="utf-8")
        policy.write_text(text[:text.index("    broadcast:")] + text[text.index("  speeds:"):], encoding="utf-8")
        path = write_csv(tmp_path / "broadcast-2019-06-30.csv", [["区", "镇", "村", "户数"]])
        with pytest.raises(InventoryError) as excinfo:
            broadband.import_files(folder=inventory_copy, state_dir=tmp_path / "state", files=[path])
        assert problems(excinfo) == [f"{path}: no column mapping for carriers.broadcast (declare it under "
                                     "broadband.carriers.broadcast in policy.yaml)"]


@pytest.mark.usefixtures("database")
class TestHistory:
    def report(self, tmp_path: Path, day: str, gigabit: int) -> Path:
        folder = tmp_path / day
        folder.mkdir(exist_ok=True)
        return write_xlsx(folder / f"telecom-{day}.xlsx", [
            TELECOM_HEADER, ["鄂城区", "西山街道", "洋澜社区", 3360, gigabit, 3360, "是", "全覆盖", None]])

    def test_a_newer_report_becomes_current_and_the_older_stays(self, tmp_path: Path, inventory_copy: Path) -> None:
        state = tmp_path / "state"
        broadband.import_files(folder=inventory_copy, state_dir=state,
                               files=[self.report(tmp_path, "2019-06-30", 2000)])
        result = broadband.import_files(folder=inventory_copy, state_dir=state,
                                        files=[self.report(tmp_path, "2019-03-31", 1000)])
        assert [(f.as_of, f.current) for f in result.files] == [(date(2019, 3, 31), False)]
        audit = broadband.audit(folder=inventory_copy, state_dir=state)
        assert audit.current == {"telecom": date(2019, 6, 30)}
        assert [(p.as_of, p.pct["urban_gigabit"]) for p in audit.trend] == [
            (date(2019, 3, 31), round(100 * 1000 / 3360, 1)), (date(2019, 6, 30), round(100 * 2000 / 3360, 1))]

    def test_the_same_carrier_and_day_again_replaces_the_report(self, tmp_path: Path, inventory_copy: Path) -> None:
        state = tmp_path / "state"
        broadband.import_files(folder=inventory_copy, state_dir=state,
                               files=[self.report(tmp_path, "2019-06-30", 2000)])
        (tmp_path / "again").mkdir()
        again = broadband.import_files(folder=inventory_copy, state_dir=state,
                                       files=[self.report(tmp_path / "again", "2019-06-30", 2500)])
        assert [(f.replaced, f.current) for f in again.files] == [(True, True)]
        stored, reports, _ = broadband.load_reports(state)
        assert len(stored) == 1
        assert reports[0].villages["xishan-yanglan"].gigabit == 2500
