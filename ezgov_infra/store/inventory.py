"""Read an inventory folder into an `Inventory`, reporting every problem in every file at once; edit it as one.

An edit reads, checks and writes under the folder's lock (`edit_inventory`), so no other writer can slip in
between the check and the write, and the files it changes are replaced together (`store/journal.py`): a kill at
any moment leaves the inventory as it was before the edit or as it is after it.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from ezgov_infra.config import resolve_settings
from ezgov_infra.errors import InventoryError, Problem
from ezgov_infra.models.checks import check_inventory
from ezgov_infra.models.inventory import KIND_FILES, KIND_MODELS, POLICY_FILE, Inventory
from ezgov_infra.models.policy import Policy
from ezgov_infra.platforms import known_profiles
from ezgov_infra.store import journal
from ezgov_infra.store.files import atomic_write
from ezgov_infra.store.reading import bulk
from ezgov_infra.store.yamlfiles import (
    LineFinder,
    edited_text,
    format_path,
    load_document,
    load_records,
    needs_validating,
    schema_digest,
)

_SALVAGE = 50  # invalid records whose references are checked in the same pass
_SAFE_NAME = re.compile(r"[^A-Za-z0-9_.-]")


def kind_files(folder: Path, kind: str) -> list[Path]:
    """The files one kind is kept in: `devices.yaml`, and/or every `devices/*.yaml` (say one per district)."""
    name = KIND_FILES[kind]
    single = folder / name
    files = [single] if single.exists() else []
    part = folder / name.removesuffix(".yaml")
    if part.is_dir():
        files += sorted(p for p in part.glob("*.yaml") if not p.name.startswith("."))
    return files


def read_inventory(folder: Path) -> tuple[Inventory, list[Problem]]:
    """Load whatever is valid and every problem found, for `validate` and for `load_inventory`."""
    if not folder.is_dir():
        raise InventoryError([Problem(str(folder), None, "", "no such inventory folder",
                                      "give one with --inventory/-i or EZGOV_INVENTORY")])
    if not (folder / POLICY_FILE).exists() and not any(kind_files(folder, kind) for kind in KIND_FILES):
        raise InventoryError([Problem(str(folder), None, "", "no inventory file here",
                                      f"an inventory holds {', '.join(KIND_FILES.values())} (or a folder of "
                                      "files for a kind: devices/*.yaml)")])
    with journal.reading(folder), bulk():
        inventory, problems, _ = _read(folder)
        return inventory, problems


@dataclass(slots=True)
class Origins:
    """Which file each record came from, and each file's line finder, so a problem names its file and line."""

    folder: Path
    files: dict[str, dict[str, str]] = field(default_factory=dict)  # kind -> id -> file name in the folder
    finders: dict[str, LineFinder | None] = field(default_factory=dict)  # file name -> its finder

    def file_of(self, kind: str, rid: str) -> str:
        return self.files.get(kind, {}).get(rid, KIND_FILES.get(kind, POLICY_FILE))

    def line(self, kind: str, rid: str, where: list[str | int]) -> tuple[str, int | None]:
        name = self.file_of(kind, rid)
        finder = self.finders.get(name)
        return _label(self.folder, name), finder.line(where) if finder else None


def _load_kind(folder: Path, kind: str, origins: Origins, salvaged: dict[str, Any],
               ) -> tuple[dict[str, Any], list[Problem], set[str]]:
    """One kind's records from its file or folder of files; an id in two files is reported in the second."""
    records: dict[str, Any] = {}
    problems: list[Problem] = []
    bad: set[str] = set()
    homes = origins.files.setdefault(kind, {})
    for path in kind_files(folder, kind):
        name = path.relative_to(folder).as_posix()
        found, trouble, finder, wrong = load_records(path, KIND_MODELS[kind], label=_label(folder, name),
                                                     salvaged=salvaged)
        origins.finders[name] = finder
        problems += trouble
        bad |= wrong
        if not homes:  # the common case, one file: no id can be in two
            records = found
            homes.update(dict.fromkeys(found, name))
            homes.update(dict.fromkeys(wrong, name))
            continue
        for rid in [*found, *wrong]:
            if rid in homes:
                first = homes[rid]
                first_finder = origins.finders.get(first)
                first_line = first_finder.line([rid]) if first_finder else None
                where = f"{_label(folder, first)}:{first_line}" if first_line else _label(folder, first)
                problems.append(Problem(_label(folder, name), finder.line([rid]) if finder else None, rid,
                                        f"{kind[:-1]} {rid!r} is also in {where} (each id appears once)"))
                bad.add(rid)
                found.pop(rid, None)
            else:
                homes[rid] = name
        records.update(found)
    return records, problems, bad


_PARALLEL_MIN_BYTES = 4_000_000  # below this, starting worker processes costs more than it saves


def _validate_in_parallel(folder: Path) -> None:
    """The cold read of a province kept as folders of files: the files not yet in the cache are parsed and
    validated by worker processes, one per core, which keep each clean file's records in the cache; the read that
    follows takes them from there (and reads a file with problems itself, to report them)."""
    todo = [(path, kind) for kind in KIND_FILES for path in kind_files(folder, kind)
            if needs_validating(path, KIND_MODELS[kind])]
    workers = min(os.cpu_count() or 1, len(todo))
    if workers < 2 or sum(path.stat().st_size for path, _ in todo) < _PARALLEL_MIN_BYTES:
        return
    todo.sort(key=lambda item: -item[0].stat().st_size)  # the largest first, so the workers finish together
    with contextlib.suppress(Exception), ProcessPoolExecutor(workers, mp_context=get_context("fork")) as pool:
        list(pool.map(_validate_one, [str(path) for path, _ in todo], [kind for _, kind in todo]))


def _validate_one(path: str, kind: str) -> None:
    load_records(Path(path), KIND_MODELS[kind])


def _read(folder: Path) -> tuple[Inventory, list[Problem], Origins]:
    _validate_in_parallel(folder)
    problems: list[Problem] = []
    origins = Origins(folder)
    bad_ids: set[str] = set()
    kinds: dict[str, Any] = {}
    salvaged: dict[str, dict[str, Any]] = {}
    unread: list[str] = []
    for kind in KIND_FILES:
        partial: dict[str, Any] = {}
        records, found, bad = _load_kind(folder, kind, origins, partial)
        kinds[kind] = records
        if found and not records and not partial:
            unread.append(kind)  # the whole file failed: what points into it is not reported again
        salvaged[kind] = partial
        problems += found
        bad_ids |= bad
    policy, found, origins.finders[POLICY_FILE] = load_document(folder / POLICY_FILE, Policy,
                                                                label=_label(folder, POLICY_FILE))
    problems += found
    inventory = Inventory.model_construct(**kinds, policy=policy or Policy())
    platforms = known_profiles()
    clean = _clean_key(folder, origins, platforms) if not problems else None
    issues = [] if clean is not None and _checked_clean(clean) else check_inventory(inventory, platforms)
    if clean is not None and not issues:
        _remember_clean(clean)
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
            file, line = origins.line("policy", issue.id, list(issue.path))
        else:
            file, line = origins.line(issue.kind, issue.id, [issue.id, *issue.path])
        problems.append(Problem(file, line, format_path([issue.id, *issue.path]), issue.message, issue.hint))
    problems.sort(key=lambda p: (p.file, p.line or 0))
    return inventory, problems, origins


def _clean_key(folder: Path, origins: Origins, platforms: Iterable[str]) -> str:
    """The identity of what the cross-record checks read: every file's bytes, the models and the platforms."""
    sha = hashlib.blake2b(b"inventory-checks 1\0", digest_size=20)
    sha.update(schema_digest("ezgov_infra.models.checks").encode())
    sha.update(",".join(sorted(platforms)).encode())
    for name in sorted(origins.finders):
        path = folder / name
        sha.update(name.encode() + b"\0")
        if path.exists():
            sha.update(hashlib.blake2b(path.read_bytes(), digest_size=20).digest())
    return sha.hexdigest()


def _clean_marker(key: str) -> Path:
    return resolve_settings().cache_dir / "yaml" / f"{key}.clean"


def _checked_clean(key: str) -> bool:
    return _clean_marker(key).exists()


def _remember_clean(key: str) -> None:
    with contextlib.suppress(OSError):
        atomic_write(_clean_marker(key), b"")


def load_inventory(folder: Path, *, kinds: Iterable[str] | None = None) -> Inventory:
    """The inventory, or `InventoryError` listing every problem.

    With `kinds`, for a caller that reads only those kinds (and the policy): when this very inventory (every
    file's bytes) already passed every check, only those kinds are read and the others are left empty; otherwise
    the whole inventory is read and checked, so a problem anywhere is reported exactly as without `kinds`."""
    if kinds is not None and folder.is_dir():
        with journal.reading(folder), bulk():
            known = _read_known_clean(folder, set(kinds))
        if known is not None:
            return known
    inventory, problems = read_inventory(folder)
    if problems:
        raise InventoryError(problems)
    return inventory


def _read_known_clean(folder: Path, wanted: set[str]) -> Inventory | None:
    """The wanted kinds of an inventory whose exact files passed every check before (None when not known so)."""
    names = {kind: [path.relative_to(folder).as_posix() for path in kind_files(folder, kind)] for kind in KIND_FILES}
    origins = Origins(folder)
    origins.finders = dict.fromkeys([name for kind in KIND_FILES for name in names[kind]] + [POLICY_FILE])
    if not _checked_clean(_clean_key(folder, origins, known_profiles())):
        return None
    kinds: dict[str, Any] = {}
    for kind in KIND_FILES:
        records: dict[str, Any] = {}
        for name in names[kind] if kind in wanted else []:
            found, problems, _, bad = load_records(folder / name, KIND_MODELS[kind], label=_label(folder, name))
            if problems or bad:
                return None  # changed since it was hashed: the full read reports it
            records.update(found)
        kinds[kind] = records
    policy, problems, _ = load_document(folder / POLICY_FILE, Policy, label=_label(folder, POLICY_FILE))
    if problems or policy is None:
        return None
    return Inventory.model_construct(**kinds, policy=policy)


def _label(folder: Path, filename: str) -> str:
    return str(folder / filename)


class InventoryEdit:
    """Changes to an inventory's files, staged in memory and written together when the edit ends.

    A record is changed or removed in the file it came from; a new record of a kind kept as a folder of files goes
    where `place` puts it (beside its neighbours), else beside the record whose id precedes it."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._texts: dict[str, str] = {}
        self._origins: Origins | None = None
        self._placed: dict[str, dict[str, str]] = {}

    def read(self) -> tuple[Inventory, list[Problem]]:
        """The inventory as it is on disk now (the lock is held: nobody else can change it until we are done)."""
        with bulk():
            inventory, problems, self._origins = _read(self.folder)
        return inventory, problems

    def load(self) -> Inventory:
        inventory, problems = self.read()
        if problems:
            raise InventoryError(problems)
        return inventory

    def _homes(self, kind: str) -> dict[str, str]:
        if self._origins is None:
            self.read()
        assert self._origins is not None
        return self._origins.files.get(kind, {})

    def split(self, kind: str) -> bool:
        """Whether the kind is kept as a folder of files (`devices/*.yaml`)."""
        return (self.folder / KIND_FILES[kind].removesuffix(".yaml")).is_dir()

    def place(self, kind: str, rid: str, *, neighbours: Iterable[str] = (), group: str | None = None) -> str:
        """Choose the file a new record goes to: where most of its `neighbours` (records of the same kind, say of
        its district) are, else `<kind>/<group>.yaml`, else beside the record whose id precedes it."""
        homes = self._homes(kind)
        single = KIND_FILES[kind]
        stem = single.removesuffix(".yaml")
        if not self.split(kind):
            name = single
        else:
            counts = Counter(homes[n] for n in neighbours if n in homes)
            if counts:
                name = min(counts, key=lambda f: (-counts[f], f))
            elif group is not None:
                name = f"{stem}/{_SAFE_NAME.sub('_', group)}.yaml"
            else:
                before = [r for r in homes if r < rid]
                name = homes[max(before)] if before else min(homes.values(), default=f"{stem}/{stem}.yaml")
        self._placed.setdefault(kind, {})[rid] = name
        return name

    def _file_of(self, kind: str, rid: str) -> str:
        if not self.split(kind):
            return KIND_FILES[kind]
        homes = self._homes(kind)
        if rid in homes:
            return homes[rid]
        if rid not in self._placed.get(kind, {}):
            self.place(kind, rid)
        return self._placed[kind][rid]

    def change(self, kind: str, *, upsert: Mapping[str, Mapping[str, Any]] | None = None, remove: Iterable[str] = (),
               mutate: Callable[[Any], None] | None = None, ids: Iterable[str] | None = None) -> None:
        """Upsert and remove records (each in its own file); `mutate` sees the file of each of `ids` (every file of
        the kind when not given)."""
        changes: dict[str, tuple[dict[str, Mapping[str, Any]], list[str]]] = {}
        single = None if self.split(kind) else KIND_FILES[kind]  # one look at the folder, not one per record
        for rid, body in (upsert or {}).items():
            changes.setdefault(single or self._file_of(kind, rid), ({}, []))[0][rid] = body
        for rid in remove:
            changes.setdefault(single or self._file_of(kind, rid), ({}, []))[1].append(rid)
        for name, (bodies, gone) in changes.items():
            self._edit(name, upsert=bodies, remove=gone)
        if mutate is not None:
            if ids is not None:
                names = {self._file_of(kind, rid) for rid in ids}
            else:
                names = {p.relative_to(self.folder).as_posix() for p in kind_files(self.folder, kind)}
            for name in sorted(names or {self._file_of(kind, "")}):
                self._edit(name, mutate=mutate)

    def _edit(self, name: str, *, upsert: Mapping[str, Mapping[str, Any]] | None = None, remove: Iterable[str] = (),
              mutate: Callable[[Any], None] | None = None) -> None:
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
