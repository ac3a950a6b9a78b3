"""The emulated command line: one `Device` (running configuration, saved configuration, routing plane) shared by
its `Session`s (one per SSH login: the view stack, and on VRP8 the uncommitted candidate).

A session reads one line at a time and answers with text; the server writes the prompt. Errors carry the
vendor's text, with the caret under the word that was not understood:

    VRP       Error: Unrecognized command found at '^' position.
    Comware    % Unrecognized command found at '^' position.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
import time
from dataclasses import dataclass, field
from ipaddress import IPv4Address
from pathlib import Path
from typing import Any

from ezgov_infra.lab.emulator import render
from ezgov_infra.lab.emulator.config import Line, clone, norm, pipe
from ezgov_infra.lab.emulator.config import render as render_config
from ezgov_infra.lab.emulator.device import DeviceSpec, starting_config
from ezgov_infra.lab.emulator.grammar import BUILTIN, VIEW, Failure, Match, match, split, view_commands
from ezgov_infra.lab.emulator.routing import NoPlane, RoutingPlane, plane_state

ERRORS = {"unrecognized": "Unrecognized command", "wrong": "Wrong parameter", "incomplete": "Incomplete command"}
VRP_SAVE = "Warning: The current configuration will be written to the device. Continue? [Y/N]:"
VRP_SAVED = "Now saving the current configuration to the slot 0.\nInfo: Save the configuration successfully."
COMWARE_SAVE = "The current configuration will be written to the device. Are you sure? [Y/N]:"
COMWARE_SAVED = "Validating file. Please wait...\nSaved the current configuration to mainboard device successfully."
VRP8_UNCOMMITTED = "Warning: Uncommitted configurations found. Commit them before exiting? [Y(yes)/N(no)/C(cancel)]:"


def _dump(line: Line) -> dict[str, Any]:
    return {"text": line.text, "view": line.view, "children": [_dump(c) for c in line.children]}


def _undump(document: dict[str, Any]) -> Line:
    return Line(document["text"], [_undump(c) for c in document["children"]], document["view"])


class Device:
    """An emulated device. `folder` (the lab's node folder) keeps the saved configuration; None keeps nothing."""

    def __init__(self, spec: DeviceSpec, folder: Path | None = None, plane: RoutingPlane | None = None) -> None:
        self.spec = spec
        self.folder = folder
        self.lock = threading.RLock()
        self.started = time.time()
        self.plane: RoutingPlane = plane or NoPlane()
        self.running = self.factory_config()
        saved = self._saved_file()
        if saved is not None and saved.exists():
            self.running = _undump(json.loads(saved.read_text(encoding="utf-8")))
        self.plane.apply(plane_state(self.running, spec))

    def factory_config(self) -> Line:
        """The starting configuration, typed line by line through the CLI itself (so it obeys the grammar)."""
        root = Line("")
        session = Session(self, root=root)
        session.handle("system-view")
        for raw in starting_config(self.spec):
            depth = len(raw) - len(raw.lstrip())
            while len(session.views) > 2 + depth:
                session.handle("quit")
            output = session.handle(raw.strip())
            if "^" in output:
                raise ValueError(f"{self.spec.hostname}: starting configuration line {raw.strip()!r}: {output}")
        return root

    def _saved_file(self) -> Path | None:
        return self.folder / "saved-config.json" if self.folder else None

    def commit(self, root: Line) -> None:
        with self.lock:
            self.running = clone(root)
            self.plane.apply(plane_state(self.running, self.spec))

    def save(self) -> None:
        saved = self._saved_file()
        if saved is None:
            return
        tmp = saved.with_suffix(".tmp")
        tmp.write_text(json.dumps(_dump(self.running)), encoding="utf-8")
        tmp.replace(saved)

    def config_text(self) -> str:
        header = [render.software_line(self.spec)]
        if self.spec.vendor == "huawei":
            header.append("!Last configuration was saved at 2026-01-05 09:30:00+08:00")
        return render_config(self.running, self.spec.dialect, header=header)


@dataclass(slots=True)
class View:
    kind: str
    node: Line
    label: str


@dataclass(slots=True)
class Session:
    device: Device
    root: Line | None = None  # an own root while typing the starting configuration
    views: list[View] = field(default_factory=list)
    candidate: Line | None = None  # VRP8: uncommitted changes
    dirty: bool = False
    question: str | None = None  # what the next line answers
    closed: bool = False
    screen_length: int = 24  # lines a screen shows before the pager stops ("---- More ----"); 0: no pager

    def __post_init__(self) -> None:
        self.views = [View("user", self.root or self.device.running, "")]

    @property
    def vrp(self) -> bool:
        return self.device.spec.vendor == "huawei"

    def prompt(self) -> str:
        host = self.device.spec.hostname
        view = self.views[-1]
        if view.kind == "user":
            return f"<{host}>"
        mark = ("*" if self.dirty else "~") if self.device.spec.dialect == "vrp8" else ""
        return f"[{mark}{host}{'-' + view.label if view.label else ''}]"

    # -- one line ---------------------------------------------------------------------------------------------
    def handle(self, line: str) -> str:
        with self.device.lock:
            if self.question is not None:
                return self._answer(line.strip().lower())
            words = [w for _, w in split(line)]
            if not words:
                return ""
            kind = self.views[-1].kind
            found = match(view_commands(self.device.spec.dialect, kind), words)
            if isinstance(found, Failure):
                undo_all = words[0].lower() == "undo" and found.kind == "incomplete" and kind != "user"
                if undo_all and self._node().remove(words[1:]):  # `undo ipv6 address`: every address
                    self._changed()
                    return ""
                # as on the devices, a command of an enclosing view works in a view below it (`interface X`
                # typed in an OSPFv3 area view leaves the area and the process)
                for depth in range(len(self.views) - 2, 0, -1):
                    outer = match(view_commands(self.device.spec.dialect, self.views[depth].kind), words)
                    if isinstance(outer, Match) and outer.syntax.arg not in ("quit", "return"):
                        del self.views[depth + 1:]
                        return self._run(outer, line)
                return self._error(line, found)
            return self._run(found, line)

    def _error(self, line: str, failure: Failure) -> str:
        columns = split(line)
        column = columns[failure.word][0] if failure.word < len(columns) else len(line.rstrip()) + 1
        caret = " " * (len(self.prompt()) + column) + "^"
        text = ERRORS[failure.kind] + " found at '^' position."
        return caret + "\n" + ("Error: " + text if self.vrp else " % " + text) + "\n"

    def _node(self) -> Line:
        return self.views[-1].node

    def _root(self) -> Line:
        return self.views[0].node if self.candidate is None else self.candidate

    def _changed(self) -> None:
        if self.root is not None:
            return
        if self.device.spec.dialect == "vrp8":
            self.dirty = True
        else:
            self.device.commit(self.views[0].node)

    def _run(self, found: Match, line: str) -> str:
        syntax, words = found.syntax, found.words
        if syntax.action == BUILTIN:
            return self._builtin(str(syntax.arg), words, line)
        if syntax.action == VIEW:
            return self._enter(str(syntax.arg), words, line)
        text = self._canonical(words)
        if self._node().set(text, replaces=int(syntax.arg)):
            self._changed()
        return ""

    def _canonical(self, words: list[str]) -> str:
        """A typed line as the device shows it: IPv6 addresses upper-case, `ADDR LEN` as `ADDR/LEN`."""
        out: list[str] = []
        index = 0
        while index < len(words):
            word = words[index]
            if ":" in word and not word.startswith(("%", "$")):
                following = words[index + 1] if index + 1 < len(words) else ""
                if "/" not in word and following.isdigit() and words[:2] == ["ipv6", "address"]:
                    word, index = f"{word}/{following}", index + 1
                word = word.upper()
            out.append(word)
            index += 1
        return " ".join(out)

    # -- views ------------------------------------------------------------------------------------------------
    def _enter(self, kind: str, words: list[str], line: str) -> str:
        spec = self.device.spec
        vrp = self.vrp
        if kind == "interface":
            port = spec.port(words[1])
            if port is None and not re.fullmatch(r"(?i)loopback\d+", words[1]):
                return self._error(line, Failure("wrong", 1))
            name = port.name if port else "LoopBack" + words[1][8:]
            header, label = f"interface {name}", name
        elif kind in ("ospfv3", "ospf"):
            process = words[1]
            existing = next((c for c in self._node().children if c.text.split()[:2] == [kind, process]), None)
            header = existing.text if existing else " ".join(words)
            label = f"{kind}-{process}"
        elif kind in ("ospfv3-area", "ospf-area"):
            area = words[1] if "." in words[1] else str(IPv4Address(int(words[1])))
            header, label = f"area {area}", f"{self.views[-1].label}-area-{area}"
        elif kind == "acl":
            number = words[-1]
            header = f"acl number {number}" if vrp or spec.dialect == "comware5" else f"acl basic {number}"
            label = f"acl-basic-{number}" if vrp else f"acl-ipv4-basic-{number}"
        elif kind == "acl6":
            number = words[-1]
            header = (f"acl ipv6 number {number}" if vrp or spec.dialect == "comware5"
                      else f"acl ipv6 basic {number}")
            label = f"acl6-basic-{number}" if vrp else f"acl-ipv6-basic-{number}"
        else:  # vty
            first, last = words[-2], words[-1]
            header = " ".join(words)
            label = f"line-vty{first}-{last}" if words[0] == "line" else f"ui-vty{first}-{last}"
        before = len(self._node().children)
        node = self._node().ensure(header, view=True)
        if len(self._node().children) != before:
            self._changed()
        self.views.append(View(kind, node, label))
        return ""

    def _leave(self, to_user: bool) -> str:
        if self.device.spec.dialect == "vrp8" and self.dirty and (to_user or len(self.views) == 2):
            self.question = "uncommitted-return" if to_user else "uncommitted-quit"
            return VRP8_UNCOMMITTED
        if to_user:
            del self.views[1:]
            self.candidate = None
        else:
            self.views.pop()
            if len(self.views) == 1:
                self.candidate = None
        return ""

    # -- built-ins --------------------------------------------------------------------------------------------
    def _builtin(self, name: str, words: list[str], line: str) -> str:
        kind = self.views[-1].kind
        if name == "pager-off":
            self.screen_length = 0
            return ""
        if name == "system-view":
            if self.device.spec.dialect == "vrp8" and self.root is None:
                self.candidate, self.dirty = clone(self.device.running), False
            root = self.candidate if self.candidate is not None else self.views[0].node
            self.views.append(View("system", root, ""))
            return "Enter system view, return user view with Ctrl+Z." if self.vrp else \
                "System View: return to User View with Ctrl+Z."
        if name == "quit":
            if kind == "user":
                self.closed = True
                return ""
            return self._leave(to_user=False)
        if name == "return":
            return self._leave(to_user=True) if kind != "user" else ""
        if name == "commit":
            if self.candidate is not None:
                self.device.commit(self.candidate)
                self.candidate, self.dirty = clone(self.device.running), False
                self._rebind()
            return ""
        if name == "save":
            if not self.vrp and words[-1] == "force":
                self.device.save()
                return COMWARE_SAVED
            self.question = "save"
            return VRP_SAVE if self.vrp else COMWARE_SAVE
        if name == "undo":
            return self._undo(words[1:], line)
        if name == "display":
            return self._display(words)
        if name.startswith("usm-"):
            return self._usm(name, words)
        raise AssertionError(name)

    def _rebind(self) -> None:
        """After a commit the views point into the new candidate: find each view's node again by its header."""
        assert self.candidate is not None
        node = self.candidate
        self.views[1].node = node
        for view in self.views[2:]:
            node = node.ensure(view.node.text, view=True)
            view.node = node

    def _answer(self, answer: str) -> str:
        question, self.question = self.question, None
        if question == "save":
            if answer in ("y", "yes"):
                self.device.save()
                return VRP_SAVED if self.vrp else COMWARE_SAVED
            return ""
        if answer not in ("y", "yes", "n", "no", "c", "cancel"):
            self.question = question
            return VRP8_UNCOMMITTED
        if answer in ("c", "cancel"):
            return ""
        if answer in ("y", "yes") and self.candidate is not None:
            self.device.commit(self.candidate)
        self.dirty = False
        if question == "uncommitted-return":
            del self.views[1:]
        else:
            self.views.pop()
        self.candidate = None if len(self.views) == 1 else clone(self.device.running)
        return ""

    def _undo(self, words: list[str], line: str) -> str:
        kind = self.views[-1].kind
        syntaxes = [s for s in view_commands(self.device.spec.dialect, kind) if s.action == VIEW]
        opened = match(syntaxes, words)
        if isinstance(opened, Match):
            # `undo interface LoopBack1`, `undo ospfv3 1`: the whole section
            node = self._node()
            process = " ".join(words[:2]).lower()
            gone = [c for c in node.children if c.view and norm(c.text).startswith(process)]
            for child in gone:
                node.children.remove(child)
            if gone:
                self._changed()
            return ""
        if words[:2] == ["snmp-agent", "community"]:
            name = words[-1]
            node = self._node()
            gone = [c for c in node.children if c.text.startswith("snmp-agent community") and name in c.text]
            for child in gone:
                node.children.remove(child)
            if gone:
                self._changed()
            return ""
        if self._node().remove(self._canonical(words).split()):
            self._changed()
        return ""

    def _usm(self, name: str, words: list[str]) -> str:
        """SNMPv3 users: keys are shown as ciphertext, never in clear (as the devices do)."""

        def cipher(secret: str) -> str:
            digest = hashlib.sha256(secret.encode()).hexdigest()[:32]
            return f"%^%#{digest}%^%#" if self.vrp else f"$c$3${digest}"

        if name == "usm-comware":
            text = (f"snmp-agent usm-user v3 {words[3]} {words[4]} cipher authentication-mode {words[7]} "
                    f"{cipher(words[8])} privacy-mode {words[10]} {cipher(words[11])}")
            replaces = 5
        else:
            text = " ".join(words[:-1]) + " " + cipher(words[-1])
            replaces = 5
        if self._node().set(text, replaces=replaces):
            self._changed()
        return ""

    def _display(self, words: list[str]) -> str:
        spec, device = self.device.spec, self.device
        what = " ".join(words[1:3])
        plane = plane_state(device.running, spec)
        if words[1] == "current-configuration":
            text = device.config_text()
            return pipe(text, words[3], " ".join(words[4:])) if len(words) > 3 else text
        if words[1] == "saved-configuration":
            return device.config_text()
        if what == "version":
            return render.version(spec, device.started)
        if what == "ip interface":
            return render.ip_brief(spec, device.running)
        if what == "ipv6 interface":
            return render.ipv6_brief(spec, device.running, plane)
        if what == "ipv6 routing-table":
            return render.ipv6_routes(spec, device.plane) if plane.forwarding or plane.router_id else \
                ("Routing Table : _public_\n         Destinations : 0        Routes : 0\n" if self.vrp
                 else "Destinations : 0        Routes : 0\n")
        if what == "ospfv3 peer":
            return render.ospfv3_peers(spec, device.plane, plane.router_id)
        raise AssertionError(what)
