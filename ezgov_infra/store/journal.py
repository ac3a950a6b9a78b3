"""Changes to several files of one folder (and its subfolders: a kind kept as `devices/*.yaml`) that land together
or not at all.

A change set is committed in four steps, each synced to disk before the next:

1. every new file is written to a temporary beside its target (`.<name>.txn-*.tmp`);
2. a journal (`.ezgov.journal`) naming each temporary and its target is written atomically: the commit point;
3. each temporary is renamed over its target;
4. the journal is removed.

A process killed before step 2 leaves temporaries and no journal: the change never happened, and the next
writer (or reader) deletes them. Killed after it, the journal says what to finish: the next one renames whatever
temporaries are left and removes the journal. Either way the folder holds the whole change or none of it.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator, Mapping
from pathlib import Path

from ezgov_infra.store.files import atomic_write, file_lock, shared_lock, sync_folder, write_temporary

JOURNAL = ".ezgov.journal"
_TAG = "txn-"


def commit(folder: Path, files: Mapping[str, str | bytes], *, mode: int | None = None) -> None:
    """Replace the files named in `files` (names inside `folder`) all together; the caller holds the lock."""
    if not files:
        return
    if len(files) == 1:
        ((name, text),) = files.items()
        atomic_write(folder / name, text, mode=mode)
        return
    written: list[tuple[str, str]] = []
    try:
        for name, text in sorted(files.items()):
            data = text.encode("utf-8") if isinstance(text, str) else text
            tmp = write_temporary(folder / name, data, mode=mode, tag=_TAG)
            written.append((tmp.relative_to(folder).as_posix(), name))
        entry = write_temporary(folder / JOURNAL, (json.dumps({"rename": written}) + "\n").encode(), tag=_TAG)
        for parent in _parents(folder, written):
            sync_folder(parent)
    except BaseException:
        for tmp_name in (t for t, _ in written):
            with contextlib.suppress(OSError):
                os.unlink(folder / tmp_name)
        raise
    try:
        os.replace(entry, folder / JOURNAL)  # the commit point: from here on the change is finished, now or later
    except BaseException:
        for tmp_name in [*(t for t, _ in written), entry.name]:
            with contextlib.suppress(OSError):
                os.unlink(folder / tmp_name)
        raise
    sync_folder(folder)
    _finish(folder, written)


def _parents(folder: Path, renames: list[tuple[str, str]]) -> list[Path]:
    """The folder and the subfolders (a kind kept as a folder of files) the change writes into."""
    return sorted({folder, *((folder / name).parent for _, name in renames)})


def _inside(name: str) -> bool:
    """A name the journal may rename: a file of the folder or of a subfolder, never one outside it."""
    parts = name.split("/")
    return bool(name) and not name.startswith("/") and ".." not in parts and "" not in parts and "\\" not in name


def _finish(folder: Path, renames: list[tuple[str, str]]) -> None:
    for tmp_name, name in renames:
        if (folder / tmp_name).exists():
            os.replace(folder / tmp_name, folder / name)
    for parent in _parents(folder, renames):
        sync_folder(parent)
    (folder / JOURNAL).unlink(missing_ok=True)
    sync_folder(folder)


def recover(folder: Path) -> bool:
    """Finish a change set a killed process committed, drop one it had not; the caller holds the lock.

    Returns whether there was anything to do.
    """
    journal = folder / JOURNAL
    did = False
    if journal.exists():
        try:
            renames = [(str(t), str(n)) for t, n in json.loads(journal.read_text(encoding="utf-8"))["rename"]]
        except (ValueError, KeyError, TypeError):
            renames = []  # written atomically, so never torn; an unreadable journal committed nothing
        _finish(folder, [(t, n) for t, n in renames if _inside(t) and _inside(n)])
        did = True
    for stale in [*folder.glob(f".*.{_TAG}*.tmp"), *folder.glob(f"*/.*.{_TAG}*.tmp")]:
        stale.unlink(missing_ok=True)
        did = True
    return did


def pending(folder: Path) -> bool:
    """Whether a change set was interrupted here: a journal, or temporaries of one never committed."""
    return ((folder / JOURNAL).exists() or any(folder.glob(f".*.{_TAG}*.tmp"))
            or any(folder.glob(f"*/.*.{_TAG}*.tmp")))


@contextlib.contextmanager
def locked(folder: Path) -> Iterator[None]:
    """The folder's exclusive lock, with any interrupted change set finished or dropped first."""
    with file_lock(folder):
        recover(folder)
        yield


@contextlib.contextmanager
def reading(folder: Path) -> Iterator[None]:
    """A consistent view of the folder for a reader: an interrupted change is finished (or dropped) first."""
    if pending(folder):
        try:
            with file_lock(folder):
                recover(folder)
        except OSError:
            pass  # a folder this user cannot write: read what is there; the owner's next command repairs it
    with shared_lock(folder):
        yield
