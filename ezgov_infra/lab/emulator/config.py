"""An emulated device's configuration: a tree of lines (a view's header and its children), rendered as
`display current-configuration` prints it. Pure data; no I/O."""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field

# VRP prints these global commands one space in (` ipv6`, ` ntp-service ...`); the others start in column 0.
VRP_INDENTED = ("ipv6", "ntp-service", "info-center", "dhcp", "lldp")
LAST_SECTIONS = ("user-interface", "line", "return")


def norm(text: str) -> str:
    """How two lines are compared: case and repeated spaces do not matter (VRP prints addresses upper-case)."""
    return " ".join(text.split()).lower()


@dataclass(slots=True)
class Line:
    text: str
    children: list[Line] = field(default_factory=list)
    view: bool = False  # opened a view when typed (printed as a section even without children)

    def find(self, text: str) -> Line | None:
        wanted = norm(text)
        return next((c for c in self.children if norm(c.text) == wanted), None)

    def ensure(self, text: str, *, view: bool = False) -> Line:
        found = self.find(text)
        if found is None:
            found = Line(text, [], view)
            self.children.insert(self._position(text, view), found)
        return found

    def _position(self, text: str, view: bool) -> int:
        """Where a new line goes: after the last line of its kind (its first word), else before the trailing
        sections (vty lines), else at the end."""
        first = norm(text).split()[0]
        if first == "ipv6" and not view and self.text == "":  # the global switch sits under sysname
            return next((i + 1 for i, c in enumerate(self.children) if c.text.startswith("sysname")), 0)
        same = [i for i, c in enumerate(self.children) if norm(c.text).split()[0] == first]
        if same:
            return same[-1] + 1
        trailing = [i for i, c in enumerate(self.children) if norm(c.text).split()[0] in LAST_SECTIONS]
        return trailing[0] if trailing else len(self.children)

    def set(self, text: str, *, replaces: int = 0) -> bool:
        """Add a child line; `replaces` > 0 replaces an existing child that shares its first `replaces` words
        (`description`, `router-id`). Returns whether anything changed."""
        if self.find(text) is not None:
            return False
        if replaces:
            key = norm(text).split()[:replaces]
            for index, child in enumerate(self.children):
                if norm(child.text).split()[:replaces] == key:
                    self.children[index] = Line(text)
                    return True
        self.children.insert(self._position(text, False), Line(text))
        return True

    def remove(self, words: list[str]) -> bool:
        """`undo WORDS`: remove the children equal to WORDS, or else those starting with them."""
        wanted = norm(" ".join(words))
        exact = [c for c in self.children if norm(c.text) == wanted]
        gone = exact or [c for c in self.children if norm(c.text).startswith(wanted + " ")]
        for child in gone:
            self.children.remove(child)
        return bool(gone)

    def walk(self) -> list[tuple[list[str], Line]]:
        """Every line below this one with the headers above it."""
        out: list[tuple[list[str], Line]] = []
        for child in self.children:
            out.append(([], child))
            out += [([child.text, *path], line) for path, line in child.walk()]
        return out


def clone(root: Line) -> Line:
    return copy.deepcopy(root)


def render(root: Line, dialect: str, *, header: list[str]) -> str:
    """The text of `display current-configuration`: sections separated by `#`, `return` at the end."""
    vrp = dialect.startswith("vrp")
    out = [*header, "#"]
    pending_globals = False
    last_indented: bool | None = None
    for node in root.children:
        if node.children or node.view:
            if pending_globals:
                out.append("#")
                pending_globals = False
            out.append(node.text)
            out += _children(node, 1)
            out.append("#")
            last_indented = None
        else:
            indented = not vrp or norm(node.text).split()[0] in VRP_INDENTED
            if pending_globals and indented != last_indented:
                out.append("#")  # an indented global right under a column-0 one would read as its child
            out.append((" " if indented else "") + node.text)
            pending_globals, last_indented = True, indented
    if pending_globals:
        out.append("#")
    out.append("return")
    return "\n".join(out) + "\n"


def _children(node: Line, depth: int) -> list[str]:
    out: list[str] = []
    for child in node.children:
        out.append(" " * depth + child.text)
        out += _children(child, depth + 1)
    return out


def pipe(text: str, how: str, pattern: str) -> str:
    """`| include`, `| exclude`, `| begin` on a display output (the pattern is a regular expression)."""
    try:
        regex = re.compile(pattern)
    except re.error:
        regex = re.compile(re.escape(pattern))
    lines = text.splitlines()
    if how == "include":
        kept = [line for line in lines if regex.search(line)]
    elif how == "exclude":
        kept = [line for line in lines if not regex.search(line)]
    else:
        start = next((i for i, line in enumerate(lines) if regex.search(line)), len(lines))
        kept = lines[start:]
    return "\n".join(kept) + ("\n" if kept else "")
