"""Read an inventory folder into an `Inventory`, reporting every problem in every file at once; edit it as one.

An edit reads, checks and writes under the folder's lock (`edit_inventory`), so no other writer can slip in
between the check and the write, and the files it changes are replaced together (`store/journal.py`): a kill at
any moment leaves the inventory as it was before the edit or as it is after it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from ezgov_infra.errors import InventoryError, Problem
from ezgov_infra.models.checks import check_inventory
from ezgov_infra.models.inventory import KIND_FILES, KIND_MODELS, POLICY_FILE, Inventory
from ezgov_infra.models.policy import Policy
from ezgov_infra.platforms import known_profiles
from ezgov_infra.store import journal
from ezgov_infra.store.yamlfiles import LineFinder, edited_text, format_path, load_document, load_records

_SALVAGE = 50  # invalid records whose references are checked in the same pass


def read_inventory(folder: Path) -> tuple[Inventory, list[Problem]]:
    """Load whatever is valid and every problem found, for `validate` and for `load_inventory`."""
    if not folder.is_dir():
        raise InventoryError([Problem(str(folder), None, "", "no such inventory folder",
                                      "give one with --inventory/-i or EZGOV_INVENTORY")])
    if not any((folder / name).exists() for name in (*KIND_FILES.values(), POLICY_FILE)):
        raise InventoryError([Problem(str(folder), None, "", "no inventory file here",
                                      f"an inventory holds {', '.join(KIND_FILES.values())}")])
    with journal.reading(folder):
        return _read(folder)


def _read(folder: Path) -> tuple[Inventory, list[Problem]]:
    problems: list[Problem] = []
    finders: dict[str, LineFinder | None] = {}
    bad_ids: set[str] = set()
    kinds: dict[str, Any] = {}
    salvaged: dict[str, dict[str, Any]] = {}
    unread: list[str] = []
    for kind, filename in KIND_FILES.items():
        partial: dict[str, Any] = {}
        records, found, finder, bad = load_records(folder / filename, KIND_MODELS[kind],
                                                   label=_label(folder, filename), salvaged=partial)
        kinds[kind] = records
        if found and not records and not partial:
            unread.append(kind)  # the whole file failed: what points into it is not reported again
        salvaged[kind] = partial
        problems += found
        finders[kind] = finder
        bad_ids |= bad
    policy, found, finders["policy"] = load_document(folder / POLICY_FILE, Policy,
                                                     label=_label(folder, POLICY_FILE))
    problems += found
    inventory = Inventory.model_construct(**kinds, policy=policy or Policy())
    platforms = known_profiles()
    issues = check_inventory(inventory, platforms)
    for kind, rid, record in [(k, r, rec) for k, part in salvaged.items() for r, rec in part.items()][:_SALVAGE]:
        # a record with schema errors is checked without its bad fields, so its references are reported too
        with_it = Inventory.model_construct(**{**kinds, kind: {**kinds[kind], rid: record}}, policy=inventory.policy)
        with contextlib.suppress(AttributeError, TypeError, ValueError, KeyError):
            issues += [i for i in check_inventory(with_it, platforms) if i.kind == kind and i.id == rid]
    for issue in issues:
        if any(issue.message.endswith(f"{bad!r}") for bad in bad_ids):
            continue  # the referenced record is itself invalid and already reported
        if any(issue.message.startswith(f"unknown {kind[:-1]} ") for kind in unread):
            continue
        if issue.kind == "policy":
            file, finder, where = _label(folder, POLICY_FILE), finders["policy"], list(issue.path)
        else:
            file, finder, where = _label(folder, KIND_FILES[issue.kind]), finders[issue.kind], [issue.id,
                                                                                               *issue.path]
        line = finder.line(where) if finder else None
        problems.append(Problem(file, line, format_path([issue.id, *issue.path]), issue.message, issue.hint))
    problems.sort(key=lambda p: (p.file, p.line or 0))
    return inventory, problems


def load_inventory(folder: Path) -> Inventory:
    """The inventory, or `InventoryError` listing every problem."""
    inventory, problems = read_inventory(folder)
    if problems:
        raise InventoryError(problems)
    return inventory


def _label(folder: Path, filename: str) -> str:
    return str(folder / filename)


class InventoryEdit:
    """Changes to an inventory's files, staged in memory and written together when the edit ends."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._texts: dict[str, str] = {}

    def read(self) -> tuple[Inventory, list[Problem]]:
        """The inventory as it is on disk now (the lock is held: nobody else can change it until we are done)."""
        return _read(self.folder)

    def load(self) -> Inventory:
        inventory, problems = self.read()
        if problems:
            raise InventoryError(problems)
        return inventory

    def change(self, kind: str, *, upsert: Mapping[str, Mapping[str, Any]] | None = None, remove: Iterable[str] = (),
               mutate: Callable[[Any], None] | None = None) -> None:
        name = KIND_FILES[kind]
        if name in self._texts:
            text: str | None = self._texts[name]
        else:
            path = self.folder / name
            text = path.read_text(encoding="utf-8") if path.exists() else None
        self._texts[name] = edited_text(text, upsert=upsert, remove=remove, mutate=mutate)

    @property
    def files(self) -> dict[str, str]:
        return dict(self._texts)


@contextlib.contextmanager
def edit_inventory(folder: Path) -> Iterator[InventoryEdit]:
    """Hold the inventory's lock while the caller reads, checks and stages changes; write them all at the end.

    Nothing is written if the block raises.
    """
    if not folder.is_dir():
        raise InventoryError([Problem(str(folder), None, "", "no such inventory folder",
                                      "give one with --inventory/-i or EZGOV_INVENTORY")])
    with journal.locked(folder):
        edit = InventoryEdit(folder)
        yield edit
        journal.commit(folder, edit.files)
