"""Fixtures every test may use: the bundled sample, a writable copy of it, the CLI in-process, golden files."""

from __future__ import annotations

import difflib
import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

# The one place that knows where things are; tests take `sample_inventory` where a fixture can reach, and import
# these only where a path is needed at import time (parametrisation, module-level data).
TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent
SAMPLE = REPO / "inventories" / "ezhou"
DATA = TESTS / "data"
GOLDEN = TESTS / "golden"


@pytest.fixture(autouse=True, scope="session")
def _cache_of_the_session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The parse cache of this test session, not the user's (`EZGOV_CACHE_DIR`; child processes inherit it)."""
    before = os.environ.get("EZGOV_CACHE_DIR")
    os.environ["EZGOV_CACHE_DIR"] = str(tmp_path_factory.mktemp("cache"))
    yield
    if before is None:
        os.environ.pop("EZGOV_CACHE_DIR", None)
    else:
        os.environ["EZGOV_CACHE_DIR"] = before


@pytest.fixture(scope="session")
def sample_inventory() -> Path:
    return SAMPLE


@pytest.fixture
def inventory_copy(tmp_path: Path) -> Path:
    """A writable copy of the sample (snapshots left out: they are large and read-only)."""
    target = tmp_path / "ezhou"
    shutil.copytree(SAMPLE, target, ignore=shutil.ignore_patterns("snapshots"))
    return target


@dataclass
class CliResult:
    code: int
    out: str
    err: str


@pytest.fixture
def cli(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Callable[..., CliResult]:
    """Run `ezgov ARGS...` in-process through the real error boundary; returns exit code, stdout, stderr."""
    from ezgov_infra.cli.main import main

    monkeypatch.setenv("EZGOV_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("COLUMNS", "200")

    def run(*args: str) -> CliResult:
        capsys.readouterr()
        code = main([str(a) for a in args])
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return run


def check_golden(name: str, actual: str) -> None:
    """Compare with `tests/golden/<area>/<name>`; EZGOV_UPDATE_GOLDEN=1 rewrites the file instead.

    The one golden-file checker: every area's expected files live under tests/golden/, and a mismatch prints a diff.
    """
    path = GOLDEN / name
    if os.environ.get("EZGOV_UPDATE_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8")
        return
    assert path.exists(), f"golden file {path} is missing (run with EZGOV_UPDATE_GOLDEN=1 to create it)"
    expected = path.read_text(encoding="utf-8")
    if expected != actual:
        diff = "".join(difflib.unified_diff(expected.splitlines(True), actual.splitlines(True), str(path), "actual"))
        pytest.fail(f"output differs from golden file {name}:\n{diff[:6000]}")


@pytest.fixture
def golden() -> Callable[[str, str], None]:
    return check_golden


@pytest.fixture(scope="session")
def postgres_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A throwaway PostgreSQL cluster from Debian's package, started for this test session on loopback."""
    from ezgov_infra.lab import engines

    if shutil.which("pg_ctl") is None and not list(Path("/usr/lib/postgresql").glob("*/bin/postgres")):
        pytest.skip("PostgreSQL is not installed (apt-get install postgresql)")
    with engines.postgresql(log=tmp_path_factory.mktemp("postgres") / "postgres.log") as server:
        yield server.url


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A throwaway redis-server from Debian's package, started for this test session on loopback."""
    from ezgov_infra.lab import engines

    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed (apt-get install redis-server)")
    with engines.redis(log=tmp_path_factory.mktemp("redis") / "redis.log") as server:
        yield server.url
