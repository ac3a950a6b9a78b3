"""An emulated device's configuration: a tree of lines (a view's header and its children), rendered as
`display current-configuration` prints it. Pure data; no I/O."""

from __future__ import annotations

import copy
import re

from ezgov_infra.platforms.config_tree import LAST_SECTIONS, VRP_INDENTED, Line, norm

__all__ = ["LAST_SECTIONS", "VRP_INDENTED", "Line", "clone", "norm", "pipe", "render"]


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
