"""One way to choose what a command works on: a composable selector and its `--limit` grammar.

A subject (a device, a site, any inventory record) offers *facets*: for each key (`district`, `role`,
`platform`, ...) the values it has; usually one, sometimes several (the regions a site lies in, from the city
down; the devices at a site). `F(key=glob)` matches a subject when one of its values for the key matches the
shell glob (case-sensitive). As with nornir's `F`, the keywords of one `F` must all match, and `&`, `|` and `~`
compose:

    F(district="liangzihu", role="core") | ~F(platform="huawei_*")

On the command line, `--limit key:glob[,key:glob]`: commas give alternatives, repeated `--limit` options must
all match, and a bare glob matches any key. `Subjects.select` refuses a key its subjects do not have and a term
that matches none of them, naming the nearest key or value it knows ("did you mean").
"""

from __future__ import annotations

import difflib
import fnmatch
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

from ezgov_infra.errors import InputError

Facets = Mapping[str, tuple[str, ...]]


class Selector:
    """A yes/no question about a subject's facets; compose with `&`, `|` and `~`."""

    __slots__ = ()

    def matches(self, facets: Facets) -> bool:
        raise NotImplementedError

    def terms(self) -> Iterator[Term]:
        """Every `key:glob` the selector asks about (negated ones included)."""
        raise NotImplementedError

    def __and__(self, other: Selector) -> Selector:
        return All(_flat(All, (self, other)))

    def __or__(self, other: Selector) -> Selector:
        return AnyOf(_flat(AnyOf, (self, other)))

    def __invert__(self) -> Selector:
        return Not(self)


def _flat(kind: type[All] | type[AnyOf], parts: Iterable[Selector]) -> tuple[Selector, ...]:
    flat: list[Selector] = []
    for part in parts:
        if isinstance(part, kind):
            flat.extend(part.parts)
        elif not (kind is All and part == ALL):
            flat.append(part)
    return tuple(flat)


@dataclass(frozen=True, slots=True)
class Term(Selector):
    """`key:glob`, or a bare glob (`key` None) that any value of any key may match."""

    key: str | None
    glob: str

    def values(self, facets: Facets) -> Iterator[str]:
        if self.key is not None:
            yield from facets.get(self.key, ())
        else:
            for values in facets.values():
                yield from values

    def matches(self, facets: Facets) -> bool:
        return any(fnmatch.fnmatchcase(value, self.glob) for value in self.values(facets))

    def terms(self) -> Iterator[Term]:
        yield self

    def __str__(self) -> str:
        return self.glob if self.key is None else f"{self.key}:{self.glob}"


@dataclass(frozen=True, slots=True)
class All(Selector):
    """Every part matches; no part at all matches everything (`ALL`)."""

    parts: tuple[Selector, ...]

    def matches(self, facets: Facets) -> bool:
        return all(part.matches(facets) for part in self.parts)

    def terms(self) -> Iterator[Term]:
        for part in self.parts:
            yield from part.terms()

    def __str__(self) -> str:
        return " ".join(str(part) for part in self.parts)


@dataclass(frozen=True, slots=True)
class AnyOf(Selector):
    """At least one part matches."""

    parts: tuple[Selector, ...]

    def matches(self, facets: Facets) -> bool:
        return any(part.matches(facets) for part in self.parts)

    def terms(self) -> Iterator[Term]:
        for part in self.parts:
            yield from part.terms()

    def __str__(self) -> str:
        return ",".join(f"({part})" if isinstance(part, All) and len(part.parts) > 1 else str(part)
                        for part in self.parts)


@dataclass(frozen=True, slots=True)
class Not(Selector):
    part: Selector

    def matches(self, facets: Facets) -> bool:
        return not self.part.matches(facets)

    def terms(self) -> Iterator[Term]:
        yield from self.part.terms()

    def __str__(self) -> str:
        return f"!({self.part})"


ALL = All(())


def F(**facets: str) -> Selector:
    """Subjects whose every named facet matches its glob: `F(district="liangzihu", role="core")` (nornir's `F`)."""
    terms = tuple(Term(key, glob) for key, glob in facets.items())
    return terms[0] if len(terms) == 1 else All(terms)


def parse_limit(options: Iterable[str], option: str = "--limit") -> Selector:
    """`--limit` options as one selector: within an option, comma-separated terms are alternatives; the options
    must all match. No option selects everything."""
    parts: list[Selector] = []
    for text in options:
        alternatives = [_term(t.strip(), option) for t in text.split(",") if t.strip()]
        if not alternatives:
            raise InputError(f"{option} {text!r}: give KEY:GLOB[,KEY:GLOB], e.g. district:liangzihu,role:core")
        parts.append(alternatives[0] if len(alternatives) == 1 else AnyOf(tuple(alternatives)))
    return ALL if not parts else parts[0] if len(parts) == 1 else All(tuple(parts))


def _term(text: str, option: str) -> Term:
    key, sep, glob = text.partition(":")
    if not sep:
        return Term(None, text)
    if not key.strip() or not glob.strip():
        raise InputError(f"{option} {text}: give KEY:GLOB with both parts, e.g. district:liangzihu")
    return Term(key.strip(), glob.strip())


@dataclass(frozen=True, slots=True)
class Subjects:
    """What a command may work on: each subject's id and facets, the keys they offer, and what to call one."""

    noun: str
    keys: tuple[str, ...]
    facets: Mapping[str, Facets]

    def select(self, selector: Selector, *, empty_ok: bool = False) -> list[str]:
        """Ids of the subjects the selector matches, in this collection's order. An unknown key and a term that
        matches no subject are errors; so is an empty result of a selector that asked something, unless
        `empty_ok`."""
        self.check(selector)
        chosen = [sid for sid, facets in self.facets.items() if selector.matches(facets)]
        if not chosen and not empty_ok and selector != ALL:
            raise InputError(f"{selector}: no {self.noun} matches all of it")
        return chosen

    def check(self, selector: Selector) -> None:
        problems = [problem for term in dict.fromkeys(selector.terms()) if (problem := self._problem(term))]
        if problems:
            raise InputError("; ".join(problems))

    def _problem(self, term: Term) -> str | None:
        if term.key is not None and term.key not in self.keys:
            close = difflib.get_close_matches(term.key, self.keys, n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            return f"{term}: unknown key {term.key!r} ({hint}keys: {', '.join(self.keys)})"
        if any(term.matches(facets) for facets in self.facets.values()):
            return None
        known = sorted({value for facets in self.facets.values() for value in term.values(facets)})
        close = difflib.get_close_matches(term.glob, known, n=3)
        hint = f" (did you mean {', '.join(str(Term(term.key, c)) for c in close)}?)" if close else ""
        return f"{term} matches no {self.noun}{hint}"
