"""The commands an emulated device knows, per dialect and view, and how a typed line is matched against them.

A syntax is a sequence of tokens: a keyword (`display`, alternatives as `permit|deny`; a unique prefix is
accepted, as on the real CLI) or a parameter (`INT`, `WORD`, `IF`, `V4`, `MASK`, `V6`, `V6P`, `LEN`, `RID`,
`AREA`, `REST`). Matching word by word gives the position the vendor's caret points at when a line is not
understood: the first word no syntax accepts (unrecognized), the first parameter no syntax accepts (wrong
parameter), or the end of a line that stops early (incomplete).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from ipaddress import AddressValueError, IPv4Address, IPv6Address, IPv6Interface, NetmaskValueError

# what a command does: open a view, set a line (replacing the one sharing its first N words), or a built-in
VIEW, LINE, BUILTIN = "view", "line", "builtin"


@dataclass(frozen=True, slots=True)
class Syntax:
    tokens: tuple[str, ...]
    action: str
    arg: str | int = 0  # the view opened, the words a line replaces, or the built-in's name


@dataclass(frozen=True, slots=True)
class Match:
    syntax: Syntax
    words: list[str]  # the typed words with keywords spelled out in full


@dataclass(frozen=True, slots=True)
class Failure:
    kind: str  # "unrecognized", "wrong", "incomplete"
    word: int  # index of the word the caret points at (== len(words) for incomplete)


def _s(text: str, action: str = LINE, arg: str | int = 0) -> Syntax:
    return Syntax(tuple(text.split()), action, arg)


DISPLAY = [_s(f"display {what}", BUILTIN, "display") for what in (
    "current-configuration",
    "current-configuration | include|exclude|begin REST",
    "saved-configuration",
    "version",
    "ip interface brief",
    "ipv6 interface brief",
    "ipv6 routing-table",
    "ospfv3 peer",
)]
EVERYWHERE = [*DISPLAY, _s("quit", BUILTIN, "quit"), _s("return", BUILTIN, "return")]

SNMP = [
    _s("snmp-agent"),
    _s("snmp-agent sys-info version REST", LINE, 3),
    _s("snmp-agent group v3 WORD privacy"),
    _s("snmp-agent group v3 WORD privacy acl INT"),
    _s("snmp-agent group v3 WORD authentication"),
]
SERVICES = [_s("ntp-service unicast-server WORD"), _s("ntp-service unicast-server ipv6 V6"),
            _s("info-center loghost WORD"), _s("info-center loghost ipv6 V6")]
# the system view's commands both vendors write alike
ROUTER = [
    _s("sysname WORD", LINE, 1),
    _s("interface IF", VIEW, "interface"),
    _s("ospfv3 INT", VIEW, "ospfv3"),
    _s("ospf INT", VIEW, "ospf"),
    _s("ospf INT router-id RID", VIEW, "ospf"),
]
VRP_SYSTEM = [
    *ROUTER,
    _s("acl number INT", VIEW, "acl"),
    _s("acl ipv6 number INT", VIEW, "acl6"),
    _s("user-interface vty INT INT", VIEW, "vty"),
    _s("stelnet server enable"), _s("stelnet ipv4 server enable"), _s("stelnet ipv6 server enable"),
    _s("telnet server enable"),
    *SNMP,
    _s("snmp-agent usm-user v3 WORD group WORD"),
    _s("snmp-agent usm-user v3 WORD authentication-mode sha|md5 cipher WORD", BUILTIN, "usm-vrp-auth"),
    _s("snmp-agent usm-user v3 WORD privacy-mode aes128|aes256|des56 cipher WORD", BUILTIN, "usm-vrp-priv"),
    _s("snmp-agent community read|write WORD"),
    _s("snmp-agent community read|write cipher WORD"),
    _s("snmp-agent community WORD"),
    _s("snmp-agent protocol source-status ipv6 all-interface"),
    *SERVICES,
]
COMWARE_SYSTEM = [
    *ROUTER,
    _s("acl basic INT", VIEW, "acl"),
    _s("acl number INT", VIEW, "acl"),
    _s("acl ipv6 basic INT", VIEW, "acl6"),
    _s("acl ipv6 number INT", VIEW, "acl6"),
    _s("ssh server enable"), _s("ssh server acl INT", LINE, 3), _s("ssh server ipv6 acl ipv6 INT", LINE, 4),
    _s("telnet server enable"),
    *SNMP,
    _s("snmp-agent usm-user v3 WORD WORD"),
    _s("snmp-agent usm-user v3 WORD WORD simple|cipher authentication-mode sha|md5 WORD privacy-mode "
       "aes128|3des|des56 WORD", BUILTIN, "usm-comware"),
    _s("snmp-agent community read|write WORD"),
    _s("snmp-agent community read|write simple|cipher WORD"),
    *SERVICES,
]
INTERFACE = [
    _s("ipv6 address V6P"),
    _s("ipv6 address V6 LEN"),
    _s("ipv6 address V6P eui-64"),
    _s("ipv6 address auto link-local"),
    _s("ip address V4 MASK", LINE, 2),
    _s("description REST", LINE, 1),
    _s("shutdown"),
    _s("ospfv3 INT area AREA", LINE, 2),
    _s("ospfv3 network-type p2p|broadcast", LINE, 2),
    _s("ospfv3 timer hello INT", LINE, 3),
    _s("ospfv3 timer dead INT", LINE, 3),
    _s("ospf network-type p2p|broadcast", LINE, 2),
]
VRP_INTERFACE = [*INTERFACE, _s("ipv6 enable")]
COMWARE_INTERFACE = [*INTERFACE, _s("port link-mode route|bridge", LINE, 2)]
OSPFV3 = [_s("router-id RID", LINE, 1), _s("area AREA", VIEW, "ospfv3-area"), _s("silent-interface IF")]
OSPF = [_s("area AREA", VIEW, "ospf-area")]
OSPF_AREA = [_s("network V4 V4")]
ACL = [_s("rule INT permit|deny", LINE, 2), _s("rule INT permit|deny source V4 V4", LINE, 2)]
ACL6 = [_s("rule INT permit|deny", LINE, 2), _s("rule INT permit|deny source V6 LEN", LINE, 2),
        _s("rule INT permit|deny source V6P", LINE, 2)]
VTY = [_s("acl INT inbound", LINE, 1), _s("acl ipv6 INT inbound", LINE, 2),
       _s("authentication-mode aaa|scheme|password", LINE, 1), _s("protocol inbound ssh|telnet|all", LINE, 2),
       _s("user privilege level INT", LINE, 2)]
USER = [
    _s("system-view", BUILTIN, "system-view"),
    _s("screen-length 0 temporary", BUILTIN, "pager-off"),
    _s("screen-length disable", BUILTIN, "pager-off"),
    _s("save", BUILTIN, "save"),
    _s("save force", BUILTIN, "save"),
    *DISPLAY,
    _s("quit", BUILTIN, "quit"),
]


def view_commands(dialect: str, view: str) -> list[Syntax]:
    """What can be typed in a view (`user`, `system`, `interface`, ...) of a dialect."""
    vrp = dialect.startswith("vrp")
    if view == "user":
        paging = ("screen-length", "0", "temporary") if vrp else ("screen-length", "disable")
        return [s for s in USER if s.tokens[0] != "screen-length" or s.tokens == paging]
    configuring = {
        "system": VRP_SYSTEM if vrp else COMWARE_SYSTEM,
        "interface": VRP_INTERFACE if vrp else COMWARE_INTERFACE,
        "ospfv3": OSPFV3, "ospfv3-area": [], "ospf": OSPF, "ospf-area": OSPF_AREA,
        "acl": ACL, "acl6": ACL6, "vty": VTY,
    }[view]
    extra = []
    if view == "system" and dialect in ("vrp5", "comware5"):
        extra.append(_s("ipv6"))
    if view == "system" and not vrp:
        extra.append(_s("line vty INT INT", VIEW, "vty") if dialect == "comware7"
                     else _s("user-interface vty INT INT", VIEW, "vty"))
    builtins = [_s("save", BUILTIN, "save")] + ([] if vrp else [_s("save force", BUILTIN, "save")])
    if dialect == "vrp8":
        builtins.append(_s("commit", BUILTIN, "commit"))
    undo = [Syntax(("undo", *s.tokens), BUILTIN, "undo") for s in [*configuring, *extra] if s.action != BUILTIN]
    undo += [_s("undo snmp-agent community WORD", BUILTIN, "undo")] if view == "system" else []
    return [*configuring, *extra, *undo, *builtins, *EVERYWHERE]


def _param(token: str, word: str) -> bool:
    try:
        if token == "INT":
            return word.isdigit()
        if token in ("WORD", "IF", "REST"):
            return True
        if token in ("V4", "RID"):
            IPv4Address(word)
            return True
        if token == "MASK":
            return (word.isdigit() and int(word) <= 32) or bool(IPv4Address(word))
        if token == "AREA":
            return word.isdigit() or bool(IPv4Address(word))
        if token == "V6":
            IPv6Address(word)
            return True
        if token == "V6P":
            return "/" in word and bool(IPv6Interface(word))
        if token == "LEN":
            return word.isdigit() and int(word) <= 128
    except (AddressValueError, NetmaskValueError, ValueError):
        return False
    return False


def _keyword(token: str, word: str) -> str | None:
    """The keyword `word` spells (in full), or None."""
    lowered = word.lower()
    choices = token.split("|")
    exact = [c for c in choices if c == lowered]
    if exact:
        return exact[0]
    prefixed = [c for c in choices if c.startswith(lowered)]
    return prefixed[0] if len(prefixed) == 1 else None


def match(syntaxes: list[Syntax], words: list[str]) -> Match | Failure:
    """The syntax the words match, or where and why they fail."""
    best = Failure("unrecognized", 0)
    candidates: list[tuple[int, Match]] = []
    for syntax in syntaxes:
        spelled: list[str] = []
        failed: Failure | None = None
        for index, token in enumerate(syntax.tokens):
            if token == "REST":
                if index >= len(words):
                    failed = Failure("incomplete", len(words))
                else:
                    spelled += words[index:]
                break
            if index >= len(words):
                failed = Failure("incomplete", len(words))
                break
            if token.isupper():
                if not _param(token, words[index]):
                    failed = Failure("wrong", index)
                    break
                word = words[index]
                spelled.append(str(IPv4Address(int(word))) if token == "AREA" and word.isdigit() else word)
            else:
                full = _keyword(token, words[index])
                if full is None:
                    failed = Failure("unrecognized", index)
                    break
                spelled.append(full)
        else:
            if len(words) > len(syntax.tokens):
                failed = Failure("unrecognized", len(syntax.tokens))
        if failed is None:
            exact = sum(1 for t, w in zip(syntax.tokens, words, strict=False) if w.lower() in t.split("|"))
            candidates.append((exact, Match(syntax, spelled)))
        elif (failed.word, failed.kind == "incomplete") > (best.word, best.kind == "incomplete"):
            best = failed
    if candidates:
        # the syntax whose keywords were typed in full wins (`ospf network-type` is not `ospfv3 network-type`)
        return max(candidates, key=lambda c: c[0])[1]
    return best


WORDS = re.compile(r"\S+")


def split(line: str) -> list[tuple[int, str]]:
    """Words with the column each starts at (for the caret)."""
    return [(m.start(), m.group()) for m in WORDS.finditer(line)]
