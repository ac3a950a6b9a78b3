"""The YAML store: every problem with its file and line, atomic saves that survive a kill, comments kept."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ezgov_infra.errors import InventoryError
from ezgov_infra.models.inventory import Site
from ezgov_infra.store.files import atomic_write
from ezgov_infra.store.inventory import read_inventory
from ezgov_infra.store.yamlfiles import edit_records, load_records


def write(path: Path, text: str) -> Path:
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path


class TestLoadRecords:
    def test_an_unknown_field_is_reported_on_its_line(self, tmp_path: Path) -> None:
        path = write(tmp_path / "sites.yaml", """
            a:
              name: A
              name_en: A
              region: r
              category: department
              setting: urban
              colour: red
            """)
        _, problems, _, bad = load_records(path, Site)
        assert [(p.line, p.path, p.message) for p in problems] == [(7, "a.colour", "unknown field")]
        assert bad == {"a"}

    def test_a_wrong_enum_value_names_the_field_and_the_value(self, tmp_path: Path) -> None:
        path = write(tmp_path / "sites.yaml", """
            a: {name: A, name_en: A, region: r, category: department, setting: suburban}
            """)
        _, problems, _, _ = load_records(path, Site)
        assert len(problems) == 1
        assert problems[0].line == 1 and problems[0].path == "a.setting"
        assert "suburban" in problems[0].message

    def test_a_duplicate_id_is_reported_with_its_second_line(self, tmp_path: Path) -> None:
        path = write(tmp_path / "sites.yaml", """
            a: {name: A, name_en: A, region: r, category: department, setting: urban}
            b: {name: B, name_en: B, region: r, category: department, setting: urban}
            a: {name: C, name_en: C, region: r, category: department, setting: urban}
            """)
        _, problems, _, _ = load_records(path, Site)
        assert [(p.line, p.path) for p in problems] == [(3, "a")]
        assert "duplicate" in problems[0].message

    def test_a_syntax_error_gives_the_line_and_no_records(self, tmp_path: Path) -> None:
        path = write(tmp_path / "sites.yaml", "a:\n  name: [unclosed\nb: 1\n")
        records, problems, _, _ = load_records(path, Site)
        assert records == {}
        assert len(problems) == 1 and problems[0].line is not None and "YAML syntax" in problems[0].message

    def test_every_bad_record_is_reported_not_just_the_first(self, tmp_path: Path) -> None:
        body = "".join(f"s{i}: {{name: x, name_en: x, region: r, category: nope, setting: urban}}\n" for i in range(5))
        _, problems, _, _ = load_records(write(tmp_path / "sites.yaml", body), Site)
        assert [p.line for p in problems] == [1, 2, 3, 4, 5]


class TestEditRecords:
    def test_comments_survive_an_edit(self, tmp_path: Path) -> None:
        path = write(tmp_path / "sites.yaml", """
            # the city's own sites
            a:
              name: A   # keep this note
              setting: urban
            c:
              name: C
            """)
        edit_records(path, upsert={"b": {"name": "B"}, "a": {"name": "A2", "setting": "urban"}})
        text = path.read_text(encoding="utf-8")
        assert "# the city's own sites" in text
        assert "# keep this note" in text
        assert list(yaml.safe_load(text)) == ["a", "b", "c"], "new ids are inserted at their sorted place"
        assert yaml.safe_load(text)["a"]["name"] == "A2"

    def test_removing_a_record_keeps_the_others_untouched(self, tmp_path: Path) -> None:
        path = write(tmp_path / "sites.yaml", "a:\n  name: A\nb:\n  name: B  # b\n")
        edit_records(path, remove=["a"])
        assert path.read_text(encoding="utf-8") == "b:\n  name: B  # b\n"


WRITER = textwrap.dedent("""
    import sys
    from pathlib import Path
    from ezgov_infra.store.files import atomic_write
    path = Path(sys.argv[1])
    big = {"A": "a: " + "x" * 400000 + "\\n", "B": "b: " + "y" * 400000 + "\\n"}
    i = 0
    print("ready", flush=True)
    while True:
        atomic_write(path, big["AB"[i % 2]])
        i += 1
""")


class TestAtomicWrite:
    def test_a_writer_killed_at_any_moment_leaves_the_old_or_the_new_file(self, tmp_path: Path) -> None:
        target = tmp_path / "sites.yaml"
        atomic_write(target, "a: " + "x" * 400000 + "\n")
        script = tmp_path / "writer.py"
        script.write_text(WRITER, encoding="utf-8")
        for attempt in range(40):
            proc = subprocess.Popen([sys.executable, str(script), str(target)], stdout=subprocess.PIPE)
            assert proc.stdout is not None
            proc.stdout.readline()
            time.sleep(0.002 * (attempt % 10))
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            data = yaml.safe_load(target.read_text(encoding="utf-8"))
            assert data in ({"a": "x" * 400000}, {"b": "y" * 400000}), f"torn file after kill {attempt}"
        leftovers = [p.name for p in tmp_path.iterdir() if p.name.startswith(".sites.yaml.")]
        assert len(leftovers) <= 40, "temp files are the only debris a kill may leave"

    def test_the_mode_of_an_existing_file_is_kept(self, tmp_path: Path) -> None:
        target = tmp_path / "f.yaml"
        target.write_text("a: 1\n")
        target.chmod(0o600)
        atomic_write(target, "a: 2\n")
        assert target.stat().st_mode & 0o777 == 0o600
        assert target.read_text() == "a: 2\n"


yaml_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=20,
)


class TestLoaderFuzz:
    @settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(kind=st.sampled_from(["regions", "sites", "devices", "interfaces", "circuits", "prefixes", "policy"]),
           document=yaml_values)
    def test_any_yaml_document_gives_problems_never_a_traceback(self, tmp_path: Path, kind: str,
                                                                 document: object) -> None:
        folder = tmp_path / "fuzz"
        folder.mkdir(exist_ok=True)
        (folder / f"{kind}.yaml").write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
        read_inventory(folder)

    @settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(text=st.text(max_size=300))
    def test_any_text_gives_problems_never_a_traceback(self, tmp_path: Path, text: str) -> None:
        folder = tmp_path / "fuzz"
        folder.mkdir(exist_ok=True)
        (folder / "sites.yaml").write_text(text, encoding="utf-8")
        _, problems = read_inventory(folder)
        for problem in problems:
            assert problem.file.endswith("sites.yaml")

    def test_a_missing_folder_is_an_input_error(self, tmp_path: Path) -> None:
        with pytest.raises(InventoryError) as info:
            read_inventory(tmp_path / "nope")
        assert "no such inventory folder" in str(info.value)


scalars = st.none() | st.booleans() | st.integers(min_value=-(2**53), max_value=2**53) | st.text(max_size=12)
documents = st.recursive(scalars, lambda children: st.dictionaries(st.text(min_size=1, max_size=10), children,
                                                                      max_size=4), max_leaves=15)


class TestDumpBlock:
    @settings(max_examples=200, deadline=None)
    @given(document=st.dictionaries(st.text(min_size=1, max_size=10), documents, max_size=5))
    def test_what_it_writes_reads_back_identically(self, document: dict[str, object]) -> None:
        from ezgov_infra.store.yamlfiles import dump_block

        text = dump_block(document)
        loaded = yaml.safe_load(text) or {}

        def normal(value: object) -> object:
            if isinstance(value, dict):
                return {k: normal(v) for k, v in value.items()} if value else {}
            return value

        assert loaded == normal(document)
