"""Every input file kind and every importer, fed odd data: no traceback, exit 0 or 2, and each error names the file
(and the line, where the file has lines to point at)."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import SAMPLE, CliResult

Cli = Callable[..., CliResult]
FUZZ = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

YAML_KINDS = ["regions.yaml", "sites.yaml", "devices.yaml", "interfaces.yaml", "circuits.yaml", "prefixes.yaml",
              "websites.yaml", "networks.yaml", "credentials.yaml", "snmp.yaml", "policy.yaml", "systems.yaml",
              "migration_rules.yaml"]
CSV_KINDS = ["regions", "sites", "devices", "interfaces", "circuits", "prefixes", "websites", "networks"]

# scalars YAML reads as something other than the string it looks like, and values that trip models up
SCALARS = st.sampled_from(["2019-11-31", "2019-02-29", "12", "-1", ".nan", ".inf", "~", "yes", "0x1F", "1e400",
                           "[a, b]", "{a: 1}", "? [a]\n  : 1", "2001:db8::/32", "198.51.100.0/24", "''", "'\\x1b[2J'",
                           "&a x", "*a", "!!python/object:os.system", "!!binary AAAA", ":100:", "=cmd|x",
                           "\"\\ud800\""])
TOP = st.sampled_from(["zz-1", "ez-dc", "2001:db8::/48", "addressing", "migration", "- x", "12"])
KEYS = st.sampled_from(["id", "name", "site", "region", "parent", "role", "platform", "mgmt_ipv4", "mgmt_ipv6",
                        "coordinates", "installed", "contracted_mbps", "dependencies", "target", "root",
                        "addressing", "migration", "cloud_site", "classification", "rules", "vcpu", "sites",
                        "a_end", "z_end", "ipv6", "version", "source", "? [x, y]"])


@st.composite
def yaml_texts(draw: st.DrawFn) -> str:
    """A document near the shape of an inventory file: top-level ids, fields, nested lists, odd scalars."""
    lines: list[str] = []
    for _ in range(draw(st.integers(1, 4))):
        lines.append(f"{draw(TOP)}:")
        for _ in range(draw(st.integers(0, 4))):
            key = draw(KEYS)
            shape = draw(st.sampled_from(["scalar", "list", "map", "text"]))
            if shape == "scalar":
                lines.append(f"  {key}: {draw(SCALARS)}")
            elif shape == "list":
                lines.append(f"  {key}:\n    - {draw(SCALARS)}\n    - target: {draw(SCALARS)}")
            elif shape == "map":
                lines.append(f"  {key}:\n    {draw(KEYS)}: {draw(SCALARS)}")
            else:
                lines.append(f"  {key}: {draw(st.text(max_size=12))!r}")
    return "\n".join(lines) + "\n"


def file_named(err: str) -> None:
    """Every error line names a file; content errors name the line."""
    for line in err.splitlines():
        if not line.startswith("error: "):
            continue
        assert re.match(r"error: [^:]+\.(yaml|csv)(:\d+)?: ", line), line
        if "cannot read" not in line and "no catalogue" not in line:
            assert re.match(r"error: [^:]+\.(yaml|csv):\d+: ", line), line


def judged(result: CliResult) -> None:
    assert "Traceback" not in result.err, result.err
    assert result.code in (0, 2), (result.code, result.err)
    if result.code == 2:
        file_named(result.err)


@pytest.fixture
def scratch(tmp_path: Path) -> Path:
    target = tmp_path / "fuzz"
    target.mkdir()
    for source in SAMPLE.glob("*.yaml"):
        shutil.copy2(source, target / source.name)
    return target


class TestEveryInputFile:
    @pytest.mark.parametrize("kind", YAML_KINDS)
    def test_an_empty_file_is_named_with_its_first_line(self, cli: Cli, scratch: Path, kind: str) -> None:
        (scratch / kind).write_text("", encoding="utf-8")
        judged(cli("inventory", "validate", "-i", scratch))

    @FUZZ
    @given(st.sampled_from(YAML_KINDS), st.one_of(yaml_texts(), st.text(max_size=200),
                                                  st.binary(max_size=64).map(lambda b: b.decode("latin-1"))))
    def test_odd_yaml_in_any_file(self, cli: Cli, scratch: Path, kind: str, text: str) -> None:
        path = scratch / kind
        original = path.read_bytes() if path.exists() else None
        try:
            path.write_text(text, encoding="utf-8", errors="surrogatepass")
        except UnicodeEncodeError:
            return
        try:
            judged(cli("inventory", "validate", "-i", scratch))
        finally:
            if original is None:
                path.unlink()
            else:
                path.write_bytes(original)

    @FUZZ
    @given(st.sampled_from(YAML_KINDS), st.binary(min_size=1, max_size=64))
    def test_bytes_that_are_not_text(self, cli: Cli, scratch: Path, kind: str, raw: bytes) -> None:
        path = scratch / kind
        original = path.read_bytes() if path.exists() else None
        path.write_bytes(raw)
        try:
            judged(cli("inventory", "validate", "-i", scratch))
        finally:
            if original is None:
                path.unlink()
            else:
                path.write_bytes(original)


@st.composite
def csv_texts(draw: st.DrawFn, header: list[str]) -> str:
    columns = draw(st.lists(st.sampled_from([*header, "colour", ""]), min_size=1, max_size=6, unique=True))
    cell = st.one_of(st.sampled_from(["", "nan", "inf", "-1", "12", "2019-11-31", "ez-dc", "'=cmd", "\"", "a,b",
                                      "2001:db8::1/64", "true", "x" * 140_000]), st.text(max_size=10))
    rows = [",".join(columns)]
    for _ in range(draw(st.integers(0, 3))):
        rows.append(",".join(draw(cell).replace("\n", " ") for _ in range(draw(st.integers(1, len(columns) + 1)))))
    return "\n".join(rows) + "\n"


class TestEveryImporter:
    @FUZZ
    @given(st.data())
    def test_inventory_csv_importers(self, cli: Cli, scratch: Path, tmp_path: Path, data: st.DataObject) -> None:
        from ezgov_infra.store.csvfiles import COLUMNS

        kind = data.draw(st.sampled_from(CSV_KINDS))
        path = tmp_path / f"{kind}.csv"
        path.write_text(data.draw(csv_texts([c.name for c in COLUMNS[kind]])), encoding="utf-8")
        judged(cli("inventory", "import", kind, path, "-i", scratch))

    @pytest.mark.parametrize("source", ["csv", "konveyor", "azure"])
    def test_an_empty_catalogue_file_is_named_with_its_first_line(self, cli: Cli, scratch: Path, tmp_path: Path,
                                                                  source: str) -> None:
        path = tmp_path / "systems.csv"
        path.write_text("", encoding="utf-8")
        result = cli("migrate", "import", path, "-f", source, "--dry-run", "-i", scratch)
        assert result.code == 2
        file_named(result.err)

    @FUZZ
    @given(st.data())
    def test_migrate_importers(self, cli: Cli, scratch: Path, tmp_path: Path, data: st.DataObject) -> None:
        source = data.draw(st.sampled_from(["csv", "konveyor", "azure"]))
        header = {"csv": ["id", "name", "department", "site", "classification", "vcpu", "ram_gb", "dependencies"],
                  "konveyor": ["Application Name", "Description", "Tags", "Comments", "Dependencies"],
                  "azure": ["Server name", "Cores", "Memory (In MB)", "OS name", "IPv4 addresses"]}[source]
        path = tmp_path / "systems.csv"
        path.write_text(data.draw(csv_texts(header)), encoding="utf-8")
        result = cli("migrate", "import", path, "-f", source, "--dry-run", "-i", scratch)
        assert "Traceback" not in result.err, result.err
        assert result.code in (0, 2), (result.code, result.err)
        if result.code == 2:
            file_named(result.err)
