"""Inventory YAML files: load with `file:line` errors (all of them, at once), save atomically under a lock.

Loading takes the fast path (libyaml, no line bookkeeping) and only when something is wrong composes the file a
second time to find the line of each bad field. Saving goes through ruamel's round-trip mode so that a person's
comments and key order survive a CLI edit; new records are inserted at their sorted place.

A file (of 8 kB or more) whose every record is valid is kept validated in the state folder's cache, keyed by its
bytes and the models' source, so a province kept as a folder of files per kind re-reads only what changed.

This is the package's one YAML adapter (PyYAML and ruamel are imported here only): other modules read package
data, vault plaintext and command-line values with `load_yaml` and write with `dump_plain`, `dump_sorted` or
`dump_block`.
"""

from __future__ import annotations

import contextlib
import copyreg
import functools
import hashlib
import importlib
import io
import ipaddress
import json
import json.encoder
import pickle
import re
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Annotated, Any, TypeVar

import yaml
from pydantic import BaseModel, TypeAdapter, ValidationError

from ezgov_infra.config import resolve_settings
from ezgov_infra.errors import InventoryError, Problem
from ezgov_infra.store.files import atomic_write
from ezgov_infra.store.journal import locked
from ezgov_infra.store.reading import unreadable

M = TypeVar("M", bound=BaseModel)
PathElem = str | int

_BaseLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_BaseLoader):  # type: ignore[valid-type,misc]
    """libyaml's safe loader that notes duplicate keys (PyYAML silently keeps the last) instead of losing them."""

    def __init__(self, stream: Any) -> None:
        super().__init__(stream)
        self.duplicates: list[tuple[Any, int]] = []

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                # a sequence or mapping as a key (`? [a, b]`): no id is written like that
                raise yaml.constructor.ConstructorError("while constructing a mapping", node.start_mark,
                                                        "a key must be a plain value, not a list or mapping",
                                                        key_node.start_mark)
            key = key_node.value
            if key in seen:
                self.duplicates.append((key, key_node.start_mark.line + 1))
            seen.add(key)
        return super().construct_mapping(node, deep=deep)  # type: ignore[no-any-return]

    def construct_yaml_timestamp(self, node: yaml.ScalarNode) -> Any:
        try:
            return super().construct_yaml_timestamp(node)
        except ValueError as exc:  # 2019-11-31 has the shape of a date but is none
            raise yaml.constructor.ConstructorError(None, None, f"not a date: {node.value!r} ({exc})",
                                                    node.start_mark) from None


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _Loader.construct_mapping)
_Loader.add_constructor("tag:yaml.org,2002:timestamp", _Loader.construct_yaml_timestamp)


def parse_yaml(text: str, file: str) -> tuple[Any, list[Problem]]:
    """Parse one YAML document; syntax errors and duplicate keys become problems, never exceptions."""
    loader = _Loader(text)
    try:
        data = loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        return None, [Problem(file, line, "", f"YAML syntax: {exc.problem or exc.context}")]
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow in a document
        line = text[:exc.position].count("\n") + 1
        return None, [Problem(file, line, "", f"YAML: character {exc.character!r} is not allowed in YAML",
                              "remove it or write it escaped in a double-quoted string")]
    except yaml.YAMLError as exc:
        return None, [Problem(file, None, "", "YAML: " + " ".join(str(exc).split()))]
    finally:
        loader.dispose()
    problems = [Problem(file, line, str(key), "duplicate key (each id appears once)")
                for key, line in loader.duplicates]
    return data, problems


class LineFinder:
    """Finds the line of a field path in a YAML text; composed lazily, only when an error needs a line."""

    def __init__(self, text: str) -> None:
        self._text = text
        self._root: yaml.Node | None = None
        self._composed = False

    def line(self, path: Iterable[PathElem]) -> int | None:
        if not self._composed:
            self._composed = True
            with contextlib.suppress(yaml.YAMLError):
                self._root = yaml.compose(self._text, Loader=_BaseLoader)
        node = self._root
        line = node.start_mark.line + 1 if node is not None else 1  # an empty document: its first line
        for elem in path:
            if isinstance(node, yaml.MappingNode):
                for key_node, value_node in node.value:
                    if key_node.value == str(elem):
                        line = key_node.start_mark.line + 1
                        node = value_node
                        break
                else:
                    return line
            elif isinstance(node, yaml.SequenceNode) and isinstance(elem, int) and elem < len(node.value):
                node = node.value[elem]
                line = node.start_mark.line + 1
            else:
                return line
        return line


def format_path(path: Iterable[PathElem]) -> str:
    out = ""
    for elem in path:
        if isinstance(elem, int):
            out += f"[{elem}]"
        else:
            out += ("." if out else "") + str(elem)
    return out


def _message(error: Mapping[str, Any]) -> str:
    msg = str(error.get("msg", "invalid"))
    if error.get("type") == "extra_forbidden":
        return "unknown field"
    if error.get("type") == "missing":
        return "missing field"
    msg = msg.removeprefix("Value error, ")
    value = error.get("input")
    if error.get("type") not in {"missing"} and isinstance(value, str | int | float) and len(str(value)) < 60:
        msg = f"{msg} (got {value!r})"
    return msg


def _cache_dir() -> Path:
    return resolve_settings().cache_dir / "yaml"


@functools.lru_cache(maxsize=32)
def _bulk(model: type[BaseModel]) -> TypeAdapter[dict[str, Any]]:
    return TypeAdapter(dict[str, model])  # type: ignore[valid-type]


def _address(kind: type[Any], number: int, prefixlen: int) -> Any:
    return kind((number, prefixlen))


def _reduce_interface(value: Any) -> tuple[Any, tuple[Any, ...]]:
    # ipaddress pickles an address as its text and parses it again (15 us each); as (int, prefixlen) it is 3 us
    return _address, (type(value), int(value.ip), value.network.prefixlen)


def _reduce_network(value: Any) -> tuple[Any, tuple[Any, ...]]:
    return _address, (type(value), int(value.network_address), value.prefixlen)


_PICKLING = {**copyreg.dispatch_table, ipaddress.IPv4Interface: _reduce_interface,
             ipaddress.IPv6Interface: _reduce_interface, ipaddress.IPv4Network: _reduce_network,
             ipaddress.IPv6Network: _reduce_network}


@functools.lru_cache(maxsize=8)
def schema_digest(module: str) -> str:
    """What the validated records depend on besides the file: the source of the models' package and pydantic."""
    import pydantic

    package = Path(importlib.import_module(module).__file__ or ".").parent
    sha = hashlib.blake2b(f"{pydantic.VERSION} {_RECORDS_VERSION}".encode(), digest_size=20)
    for source in sorted(package.glob("*.py")):
        sha.update(source.name.encode() + b"\0" + source.read_bytes())
    return sha.hexdigest()


_RECORDS_VERSION = 1
_RECORDS_MIN_BYTES = 8192  # below this, validating again is as quick as reading the cache


def _records_cache(raw: bytes, model: type[BaseModel]) -> Path:
    key = hashlib.blake2b(raw, digest_size=20)
    key.update(f"{model.__module__}.{model.__qualname__} {schema_digest(model.__module__)}".encode())
    return _cache_dir() / f"{key.hexdigest()}.records"


def needs_validating(path: Path, model: type[BaseModel]) -> bool:
    """Whether loading this file would parse and validate it (a file large enough to be kept, not kept yet)."""
    try:
        raw = path.read_bytes()
    except OSError:
        return False  # the load reports it
    return len(raw) > _RECORDS_MIN_BYTES and not _records_cache(raw, model).exists()


def _cached_records(path: Path) -> dict[str, Any] | None:
    records = _cached(path)
    return records if isinstance(records, dict) else None


def _cached(path: Path) -> object | None:
    with contextlib.suppress(OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError,
                             ValueError):
        return pickle.loads(path.read_bytes())  # type: ignore[no-any-return]
    return None


def _keep_records(path: Path, records: dict[str, Any] | BaseModel) -> None:
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.dispatch_table = _PICKLING
    with contextlib.suppress(OSError, pickle.PicklingError, TypeError, ValueError):
        pickler.dump(records)
        atomic_write(path, buffer.getvalue())


def load_records(path: Path, model: type[M], *, label: str | None = None, salvaged: dict[str, M] | None = None,
                 ) -> tuple[dict[str, M], list[Problem], LineFinder | None, set[str]]:
    """Load one kind's file: `{id: record}`; returns the valid records, every problem, a line finder, bad ids.

    With `salvaged`, an invalid record whose required fields are all valid is put there without its bad fields,
    so the references it makes are checked in the same pass as its schema errors.

    A large file whose every record is valid is kept validated in the state folder's cache, keyed by its bytes
    and the models' source: the next load of the same bytes unpickles the records (the cache is the user's own,
    written only by this function) instead of parsing and validating them again."""
    file = label or str(path)
    if not path.exists():
        return {}, [], None, set()
    try:
        raw = path.read_bytes()
        text = raw.decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return {}, [unreadable(file, exc)], None, set()
    cache = _records_cache(raw, model) if len(raw) > _RECORDS_MIN_BYTES else None
    if cache is not None:
        cached = _cached_records(cache)
        if cached is not None:
            return cached, [], LineFinder(text), set()
    records, problems, finder, bad = _validate_text(text, file, model, salvaged)
    if cache is not None and not problems and not bad:
        _keep_records(cache, records)
    return records, problems, finder, bad


def _validate_text(text: str, file: str, model: type[M], salvaged: dict[str, M] | None,
                   ) -> tuple[dict[str, M], list[Problem], LineFinder | None, set[str]]:
    data, problems = parse_yaml(text, file)
    finder = LineFinder(text)
    if data is None:
        return {}, problems, finder, set()
    if not isinstance(data, dict):
        return {}, [*problems, Problem(file, 1, "", "expected a mapping of id to record")], finder, set()
    bodies: dict[str, dict[str, Any]] = {}
    bad: set[str] = set()
    for key, body in data.items():
        rid = str(key)
        if not isinstance(body, dict):
            problems.append(Problem(file, finder.line([key]), rid, "expected a mapping of fields"))
            bad.add(rid)
        elif "id" in body:
            problems.append(Problem(file, finder.line([key, "id"]), f"{rid}.id",
                                    "the id is the key; do not repeat it as a field"))
            bad.add(rid)
        else:
            bodies[rid] = {"id": rid, **body}
    keys = {str(k): k for k in data}
    try:
        # one call validates the whole file in pydantic's core; the per-record path below only runs on errors
        records: dict[str, M] = _bulk(model).validate_python(bodies)
    except ValidationError:
        records = {}
        for rid, body in bodies.items():
            try:
                records[rid] = model.model_validate(body)
            except ValidationError as exc:
                bad.add(rid)
                problems += _problems(file, finder, keys[rid], rid, exc)
                part = _salvage(model, body, exc) if salvaged is not None else None
                if salvaged is not None and part is not None:
                    salvaged[rid] = part
    return records, problems, finder, bad


def _salvage(model: type[M], body: Mapping[str, Any], exc: ValidationError) -> M | None:
    """The record without the fields that failed (a check that needs one of them fails, and is left out), each
    kept field validated; None when the record as a whole failed."""
    errored = {e["loc"][0] for e in exc.errors() if e["loc"]}
    good = {k: v for k, v in body.items() if k not in errored and k in model.model_fields}
    if not errored:
        return None
    try:
        fields = {name: _field_adapter(model, name).validate_python(value) for name, value in good.items()}
    except (ValidationError, ValueError, TypeError):
        return None
    return model.model_construct(**fields)


@functools.lru_cache(maxsize=256)
def _field_adapter(model: type[BaseModel], name: str) -> TypeAdapter[Any]:
    field = model.model_fields[name]
    return TypeAdapter(Annotated[field.annotation, field])  # type: ignore[arg-type]


def _problems(file: str, finder: LineFinder, key: Any, rid: str, exc: ValidationError) -> list[Problem]:
    out = []
    for error in exc.errors():
        loc = [e for e in error["loc"] if e != "id"] if error["loc"] != ("id",) else []
        label_path = format_path([rid, *loc]) if error["loc"] != ("id",) else rid
        message = _message(error) if error["loc"] != ("id",) else f"bad id: {_message(error)}"
        out.append(Problem(file, finder.line([key, *loc]), label_path, message))
    return out


def load_document(path: Path, model: type[M], *, label: str | None = None,
                  keep: bool = False) -> tuple[M | None, list[Problem], LineFinder | None]:
    """Load a single-document file (`policy.yaml`) into one model.

    With `keep`, a large valid document is kept validated in the cache as `load_records` keeps a kind's records
    (a migration plan of a city's catalogue is some ten megabytes of YAML, read by every command on the plan)."""
    file = label or str(path)
    if not path.exists():
        return model.model_validate({}), [], None
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return None, [unreadable(file, exc)], None
    raw = text.encode("utf-8") if keep else b""
    cache = _records_cache(raw, model) if len(raw) > _RECORDS_MIN_BYTES else None
    if cache is not None:
        cached = _cached(cache)
        if isinstance(cached, model):
            return cached, [], LineFinder(text)
    document, problems, finder = _document_from_text(text, file, model)
    if cache is not None and document is not None and not problems:
        _keep_records(cache, document)
    return document, problems, finder


def _document_from_text(text: str, file: str, model: type[M]) -> tuple[M | None, list[Problem], LineFinder]:
    data, problems = parse_yaml(text, file)
    finder = LineFinder(text)
    if problems:
        return None, problems, finder
    if data is not None and not isinstance(data, dict):
        return None, [Problem(file, 1, "", "expected a mapping of settings")], finder
    try:
        return model.model_validate(data or {}), [], finder
    except ValidationError as exc:
        return None, [Problem(file, finder.line(list(e["loc"])), format_path(e["loc"]), _message(e))
                      for e in exc.errors()], finder


# ---------------------------------------------------------------------------------------------------- saving


def _round_trip() -> Any:
    from ruamel.yaml import YAML

    rt = YAML(typ="rt")
    rt.width = 4096
    rt.indent(mapping=2, sequence=4, offset=2)
    rt.preserve_quotes = True
    return rt


def _sorted_insert(mapping: Any, key: str, value: Any) -> None:
    keys = [str(k) for k in mapping]
    position = next((i for i, k in enumerate(keys) if k > key), len(keys))
    mapping.insert(position, key, value)


def _update_in_place(target: Any, new: Mapping[str, Any]) -> None:
    """Make `target` (a ruamel map) equal `new`, touching only what changed so comments stay where they were."""
    for key in [k for k in target if k not in new]:
        del target[key]
    for key, value in new.items():
        if key in target and target[key] == value:
            continue
        if key in target and isinstance(target[key], dict) and isinstance(value, dict):
            _update_in_place(target[key], value)
        else:
            target[key] = value


def edited_text(
    text: str | None,
    *,
    upsert: Mapping[str, Mapping[str, Any]] | None = None,
    remove: Iterable[str] = (),
    mutate: Callable[[Any], None] | None = None,
) -> str:
    """One kind's file text (None: no file yet) with records changed, keeping comments and key order."""
    if mutate is None and (text is None or not text.strip()):
        # nothing to keep: the block writer, as ruamel's round trip takes minutes for an import of 50,000 records
        return dump_block({rid: dict(body) for rid, body in sorted((upsert or {}).items())})
    rt = _round_trip()
    document = rt.load(text) if text is not None else None
    if document is None:
        from ruamel.yaml.comments import CommentedMap

        document = CommentedMap()
    for rid in remove:
        if rid in document:
            del document[rid]
    for rid, body in (upsert or {}).items():
        if rid in document and isinstance(document[rid], dict):
            _update_in_place(document[rid], body)
        else:
            _sorted_insert(document, rid, dict(body))
    if mutate is not None:
        mutate(document)
    buffer = io.StringIO()
    rt.dump(document, buffer)
    return buffer.getvalue()


def edit_records(
    path: Path,
    *,
    upsert: Mapping[str, Mapping[str, Any]] | None = None,
    remove: Iterable[str] = (),
    mutate: Callable[[Any], None] | None = None,
) -> None:
    """Change records in one kind's file under the folder lock, keeping comments, writing atomically.

    `mutate` sees the file as it is under the lock, so a check made there cannot be overtaken by another writer.
    """
    with locked(path.parent):
        text = path.read_text(encoding="utf-8") if path.exists() else None
        atomic_write(path, edited_text(text, upsert=upsert, remove=remove, mutate=mutate))


class YamlError(ValueError):
    """Text that is not valid YAML; the message is the parser's."""


def load_yaml(text: str | bytes) -> Any:
    """One document through PyYAML's safe loader: package data, vault plaintext, command-line values."""
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise YamlError(str(exc)) from exc


def dump_sorted(data: Any) -> str:
    """PyYAML's safe emitter with keys sorted, for files another tool reads (an Ansible inventory)."""
    return yaml.safe_dump(data, sort_keys=True)


def dump_plain(data: Any) -> str:
    """YAML for new files and for output: block style, keys in the order given, unicode kept."""
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=4096)


class _Dumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):  # type: ignore[misc]
    pass


def _str_representer(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str_representer)


def raise_if(problems: list[Problem]) -> None:
    if problems:
        raise InventoryError(problems)


_PLAIN_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")


def dump_block(data: Mapping[str, Any]) -> str:
    """Block-style YAML for large generated documents (an Ansible inventory of 60,000 hosts).

    Scalars are written in JSON syntax (valid YAML), which is some fifty times faster than PyYAML's emitter and
    round-trips exactly; keys stay plain where YAML allows it so that the file reads naturally.
    """
    out: list[str] = []
    keys: dict[str, str] = {}

    def key(text: str) -> str:
        shown = keys.get(text)
        if shown is None:
            plain = _PLAIN_KEY.fullmatch(text) and text.lower() not in _YAML_WORDS
            shown = keys[text] = text if plain else _json(text)
        return shown

    def walk(node: Mapping[str, Any], indent: str) -> None:
        append = out.append
        for name, value in node.items():
            shown = keys.get(name) if type(name) is str else None
            if shown is None:
                shown = key(str(name))
            kind = type(value)  # the common types by identity: an isinstance check against Mapping is slow
            if kind is str:
                append(f"{indent}{shown}: {_encode_string(value)}\n")
            elif kind is dict or (kind is not bool and isinstance(value, Mapping)):
                if value:
                    append(f"{indent}{shown}:\n")
                    walk(value, indent + "  ")
                else:
                    append(f"{indent}{shown}: {{}}\n")
            elif value is None:
                append(f"{indent}{shown}:\n")
            elif kind is bool:
                append(f"{indent}{shown}: {'true' if value else 'false'}\n")
            else:
                append(f"{indent}{shown}: {_json(value)}\n")

    walk(data, "")
    # what YAML refuses can only be inside the JSON strings (a plain key has none of it): escaped in one pass
    return _NOT_YAML.sub(_escape_not_yaml, "".join(out))


def _json(value: Any) -> str:
    """JSON text of a scalar, as `json.dumps(value, ensure_ascii=False)` writes it (strings by its C encoder)."""
    return _encode_string(value) if type(value) is str else json.dumps(value, ensure_ascii=False)


def _escape_not_yaml(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"


_encode_string = json.encoder.encode_basestring
_YAML_WORDS = {"y", "n", "yes", "no", "on", "off", "true", "false", "null", "~"}
# characters JSON leaves raw but YAML refuses in a document: escape them the way both understand
_NOT_YAML = re.compile("[\x7f-\x9f\u2028\u2029\ud800-\udfff\ufffe\uffff]")


def scalar(value: Any) -> str:
    return _NOT_YAML.sub(_escape_not_yaml, _json(value))
