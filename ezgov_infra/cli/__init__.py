"""The `ezgov` command line: one Typer sub-app per area (see `main.py`).

Imports inside command functions are deliberate: `ezgov --help` must stay fast and must not load the heavy
libraries (tests/unit/cli/test_help.py measures both). Elsewhere only the adapters defer their third-party import.
"""
