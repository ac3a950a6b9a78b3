"""A Huawei VRP or H3C Comware configuration as a tree of lines: a view's header and the lines typed in it, as
`display current-configuration` prints them. One shape for the playbooks' idempotency check
(`automation.vendor_cli`) and for the emulated devices of the lab (`lab.emulator`). Pure data; no I/O."""

from __future__ import annotations

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


def parse(text: str) -> Line:
    """`display current-configuration` as a tree. `#` ends a section; after it, an indented line is a global
    command (VRP ` ipv6`, Comware ` sysname X`); otherwise indentation gives the nesting."""
    root = Line("")
    stack: list[tuple[int, Line]] = [(-1, root)]
    for raw in text.splitlines():
        line = raw.rstrip()
        stripped = line.strip()
        if not stripped or stripped.startswith("!"):
            continue
        if stripped in ("#", "return"):
            stack = [(-1, root)]
            continue
        indent = len(line) - len(line.lstrip())
        node = Line(stripped)
        if indent == 0:
            root.children.append(node)
            stack = [(-1, root), (0, node)]
            continue
        if len(stack) == 1:
            root.children.append(node)  # a global command
            continue
        while len(stack) > 1 and stack[-1][0] >= indent:
            stack.pop()
        stack[-1][1].children.append(node)
        stack.append((indent, node))
    return root
