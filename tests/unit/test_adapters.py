"""Each third-party library, and `subprocess`, is imported by the one module that adapts it (DESIGN: adapters at the
edge). The modelling and CLI frameworks are the exceptions, each kept to its layer."""

from __future__ import annotations

import ast
import sys
from collections import defaultdict

from tests.conftest import REPO

PACKAGE = REPO / "ezgov_infra"

# library -> the module(s) allowed to import it (paths relative to ezgov_infra/)
ADAPTERS: dict[str, set[str]] = {
    "subprocess": {"process.py"},
    "yaml": {"store/yamlfiles.py"},
    "ruamel": {"store/yamlfiles.py"},
    "netmiko": {"collect/ssh.py"},
    "paramiko": {"collect/ssh.py", "lab/emulator/server.py"},  # the client side, and the emulators' server side
    "pysnmp": {"collect/snmp.py"},
    "pyasn1": {"collect/snmp.py"},
    "cryptography": {"collect/snmp.py"},
    "ansible_runner": {"automation/runner.py"},
    "ansible": {"collect/credentials.py"},  # ansible-vault files
    "httpx": {"collect/web.py"},
    "dns": {"collect/web.py"},
    "celery": {"collect/queue.py"},
    "kombu": {"collect/queue.py"},
    "psycopg": {"store/postgres.py"},
    "openpyxl": {"store/carrier_files.py"},
    "prometheus_client": {"ops/exposition.py"},
    "jinja2": {"report/render.py"},
    "babel": {"report/catalogue.py"},
    "weasyprint": {"report/pdf.py"},
    "ntc_templates": {"platforms/parsers/cisco_ios.py"},
}
# frameworks: allowed anywhere inside these folders
LAYERS: dict[str, tuple[str, ...]] = {
    "typer": ("cli/",),
    "rich": ("cli/",),
    "alembic": ("store/migrations/",),
    "sqlalchemy": ("store/migrations/",),
    "pydantic": ("models/", "store/", "migrate/", "jobs/", "automation/", "platforms/"),
}


def imported_by() -> dict[str, set[str]]:
    owners: dict[str, set[str]] = defaultdict(set)
    stdlib = set(sys.stdlib_module_names) - {"subprocess"}
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top != "ezgov_infra" and top not in stdlib:
                    owners[top].add(path.relative_to(PACKAGE).as_posix())
    return owners


class TestOneAdapterPerLibrary:
    def test_every_library_is_imported_only_by_its_adapter(self) -> None:
        owners = imported_by()
        strays = {}
        for library, modules in owners.items():
            if library in LAYERS:
                outside = {m for m in modules if not m.startswith(LAYERS[library])}
            else:
                outside = modules - ADAPTERS.get(library, set())
            if outside:
                strays[library] = sorted(outside)
        assert strays == {}, f"imported outside its adapter (or not declared here): {strays}"

    def test_the_table_names_no_adapter_that_no_longer_imports_its_library(self) -> None:
        owners = imported_by()
        stale = {lib: sorted(mods - owners.get(lib, set())) for lib, mods in ADAPTERS.items()
                 if mods - owners.get(lib, set())}
        assert stale == {}
