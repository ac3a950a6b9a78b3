"""Judge a website's IPv6 readiness from collected facts (`collect.web.gather_site`): pure, no I/O.

Checks follow internet.nl (name servers with AAAA, each answering over IPv6; web AAAA, IPv4-mapped addresses not
counting; every IPv6 address answering on 80 and 443; the same site over IPv4 and IPv6) and China's national
monitoring (IPv6 delegation chain, homepage success rate over IPv6, share of second- and third-level links that
work over IPv6). Each check ends `pass`, `fail`, `blocked` (an earlier check failed, so this one cannot run) or
`n/a` (nothing to judge), always with a reason in words and the evidence it saw.

Score: weight of passed checks over weight of judged ones (pass, fail, blocked), 0-100.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ezgov_infra.models.findings import Finding
from ezgov_infra.models.kinds import Category, Readiness, Severity

PASS, FAIL, BLOCKED, NA = "pass", "fail", "blocked", "n/a"
HOST_FAILURES = ("bad-hostname", "internal")  # categories a site gets before any DNS question


@dataclass(frozen=True, slots=True)
class Rule:
    title: str
    weight: int
    severity: Severity
    remedy: str


RULES: dict[str, Rule] = {
    "dns.ns-aaaa": Rule("At least two name servers with AAAA", 10, Severity.medium,
                        "Give at least two of the zone's name servers an IPv6 address (AAAA record)."),
    "dns.ns-ipv6": Rule("Name servers answer over IPv6", 10, Severity.high,
                        "Make every name server with an AAAA record answer queries for the zone on that address."),
    "dns.delegation": Rule("Delegation chain reachable over IPv6", 10, Severity.high,
                           "Ask the parent zone's operator to serve the delegation over IPv6."),
    "web.aaaa": Rule("Web server has a usable AAAA", 20, Severity.critical,
                     "Publish an AAAA record with a global IPv6 address of the web server (not IPv4-mapped)."),
    "web.reachable": Rule("Every IPv6 address answers on 80 and 443", 15, Severity.high,
                          "Listen on ports 80 and 443 on every published IPv6 address; check firewalls and ACLs."),
    "web.success-rate": Rule("Homepage success rate over IPv6", 10, Severity.medium,
                             "Find what makes IPv6 requests fail intermittently (load balancer pool, MTU, firewall)."),
    "web.equivalence": Rule("Same site over IPv4 and IPv6", 15, Severity.medium,
                            "Serve the same virtual host, ports, headers and content on both address families."),
    "web.deep-links": Rule("Second- and third-level links work over IPv6", 10, Severity.medium,
                           "Serve every path over IPv6, including content and applications behind the homepage."),
}

COMPARED_HEADERS = ("content-type", "content-language", "strict-transport-security", "content-security-policy",
                    "x-frame-options", "x-content-type-options", "referrer-policy", "permissions-policy")


@dataclass(frozen=True, slots=True)
class WebPolicy:
    """Thresholds; override in policy.yaml under `audit.web` (keys as below)."""

    min_ns_aaaa: int = 2
    success_rate: float = 0.95
    content_threshold: float = 0.10
    link_ratio: Mapping[str, float] = field(default_factory=lambda: {"2": 0.95, "3": 0.85})

    @classmethod
    def from_mapping(cls, raw: Mapping[str, Any] | None) -> WebPolicy:
        raw = dict(raw or {})
        if "link_ratio" in raw:
            raw["link_ratio"] = {str(k): float(v) for k, v in raw["link_ratio"].items()}
        return cls(**raw)


@dataclass(slots=True)
class Check:
    id: str
    status: str
    reason: str
    evidence: dict[str, Any] = field(default_factory=dict)

    @property
    def title(self) -> str:
        return RULES[self.id].title


@dataclass(slots=True)
class SiteVerdict:
    host: str
    status: str  # ok | failed (the host itself could not be resolved)
    category: str | None
    message: str | None
    checks: list[Check]
    score: float
    readiness: Readiness
    findings: list[Finding]

    def check(self, rule: str) -> Check:
        return next(c for c in self.checks if c.id == rule)


# ---------------------------------------------------------------- content comparison

_CJK = "\u3400-\u9fff\uf900-\ufaff"
_TOKEN = re.compile(rf"<[^>]*>|[{_CJK}]|[^<\s{_CJK}]+")
_NONCE_ATTR = re.compile(r"""(\bnonce\s*=\s*)(["']?)[^"'\s>]*\2""", re.I)
_CSP_NONCE = re.compile(r"'nonce-[^']*'")
_SECRET_TAG = re.compile(r"<(?:meta|input)\b[^>]*>", re.I)
_SECRET_NAME = re.compile(r"""\b(?:name|id|property)\s*=\s*["']?[^"'>\s]*(?:csrf|xsrf|token|nonce)""", re.I)
_SECRET_VALUE = re.compile(r"""(\b(?:content|value)\s*=\s*)(["'])[^"']*\2""", re.I)
_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?")
_UUID = re.compile(r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b")
_HEX = re.compile(r"\b[0-9a-fA-F]{16,}\b")
_OPAQUE = re.compile(r"(?<![\w/.])[A-Za-z0-9+_-]{24,}={0,2}(?![\w/])")


def strip_nonces(text: str) -> str:
    """Replace what changes on every request (nonces, CSRF tokens, request ids, timestamps) by fixed markers."""
    text = _NONCE_ATTR.sub(r"\1\2NONCE\2", text)
    text = _CSP_NONCE.sub("'nonce-NONCE'", text)
    text = _SECRET_TAG.sub(lambda m: _SECRET_VALUE.sub(r"\1\2TOKEN\2", m[0]) if _SECRET_NAME.search(m[0])
                           else m[0], text)
    text = _TIMESTAMP.sub("TIME", text)
    text = _UUID.sub("TOKEN", text)
    text = _HEX.sub("TOKEN", text)
    return _OPAQUE.sub(lambda m: "TOKEN" if re.search(r"\d", m[0]) and re.search(r"[A-Za-z]", m[0]) else m[0],
                       text)


def tokens(text: str) -> list[str]:
    """Tags, words, and single CJK characters (Chinese has no spaces between words)."""
    return _TOKEN.findall(text)


def content_difference(first: str, second: str) -> float:
    """Share of the two pages that differs after removing nonces: 0.0 same, 1.0 nothing in common.

    Dice-style: 1 - 2 * matched tokens / all tokens. Pages are aligned element by element first (a tag and the
    text after it), then tokens are matched inside the elements that changed, so a large page with a small edit
    costs about as much as reading it.
    """
    a, b = tokens(strip_nonces(first)), tokens(strip_nonces(second))
    if a == b:
        return 0.0
    if not a or not b:
        return 1.0
    elements_a, elements_b = _elements(a), _elements(b)
    matched = 0
    outer = difflib.SequenceMatcher(None, elements_a, elements_b)  # autojunk: repeated closing tags
    for tag, i1, i2, j1, j2 in outer.get_opcodes():
        if tag == "equal":
            matched += sum(len(e) for e in elements_a[i1:i2])
        elif tag == "replace":
            old = [t for e in elements_a[i1:i2] for t in e]
            new = [t for e in elements_b[j1:j2] for t in e]
            if len(old) * len(new) <= 4_000_000:
                inner = difflib.SequenceMatcher(None, old, new, autojunk=False)
                matched += sum(block.size for block in inner.get_matching_blocks())
            else:  # a large rewritten region: match element by element in order (errs towards "different")
                for element_a, element_b in zip(elements_a[i1:i2], elements_b[j1:j2], strict=False):
                    inner = difflib.SequenceMatcher(None, element_a, element_b, autojunk=False)
                    matched += sum(block.size for block in inner.get_matching_blocks())
    return 1.0 - 2.0 * matched / (len(a) + len(b))


def _elements(page: list[str]) -> list[tuple[str, ...]]:
    """Tokens grouped by element: each tag starts a group that holds the text after it."""
    groups: list[list[str]] = [[]]
    for token in page:
        if token.startswith("<") and groups[-1]:
            groups.append([])
        groups[-1].append(token)
    return [tuple(g) for g in groups if g]


def content_diff(first: str, second: str, limit: int = 12) -> list[str]:
    lines = difflib.unified_diff(strip_nonces(first).splitlines(), strip_nonces(second).splitlines(),
                                 "ipv4", "ipv6", n=0, lineterm="")
    return [line[:160] for _, line in zip(range(limit), lines, strict=False)]


def link_ratio(checked: list[Mapping[str, Any]]) -> tuple[int, int, float | None]:
    """(links counted, links working over IPv6, ratio). A link broken over the reference family is not counted:
    it is broken for everyone, not an IPv6 problem. None when nothing could be counted."""
    counted = [c for c in checked if c["reference"]["ok"]]
    working = sum(1 for c in counted if c["ipv6"]["ok"])
    return len(counted), working, (working / len(counted) if counted else None)


def outcome(fetch: Mapping[str, Any] | None) -> str:
    """One phrase for what a request got: `HTTP 200` or the error."""
    if not fetch:
        return "not tried"
    if fetch.get("error"):
        return str(fetch["error"])
    return f"HTTP {fetch.get('status')}"


def percent(value: float) -> str:
    return f"{value * 100:.1f}%".replace(".0%", "%")


# ---------------------------------------------------------------- checks


def _usable_aaaa(facts: Mapping[str, Any]) -> list[str]:
    dns = facts["dns"]
    return [a for a in dns["aaaa"] if a not in dns["aaaa_unusable"]]


def check_ns_aaaa(facts: Mapping[str, Any], policy: WebPolicy) -> Check:
    zone = facts.get("zone")
    if not zone:
        return Check("dns.ns-aaaa", BLOCKED, f"no zone found for {facts['host']} through {facts['resolver']}")
    servers = {s["name"]: {"a": s["a"], "aaaa": s["aaaa"]} for s in zone["ns"]}
    evidence: dict[str, Any] = {"zone": zone["zone"], "name_servers": servers, "required": policy.min_ns_aaaa}
    if zone.get("ns_error"):
        return Check("dns.ns-aaaa", FAIL, f"NS of {zone['zone']}: {zone['ns_error']['message']}", evidence)
    with_aaaa = [s["name"] for s in zone["ns"] if any(_is_global(a) for a in s["aaaa"])]
    without = [name for name in servers if name not in with_aaaa]
    evidence["with_aaaa"] = with_aaaa
    if len(with_aaaa) >= policy.min_ns_aaaa:
        return Check("dns.ns-aaaa", PASS, f"{len(with_aaaa)} of {len(servers)} name servers of {zone['zone']} "
                     "have AAAA", evidence)
    verb = "has" if len(with_aaaa) == 1 else "have"
    return Check("dns.ns-aaaa", FAIL, f"only {len(with_aaaa)} of {len(servers)} name servers of {zone['zone']} "
                 f"{verb} AAAA (need {policy.min_ns_aaaa}); without AAAA: {', '.join(without)}", evidence)


def _is_global(address: str) -> bool:
    return not address.lower().startswith("::ffff:")


def check_ns_ipv6(facts: Mapping[str, Any]) -> Check:
    zone = facts.get("zone")
    if not zone:
        return Check("dns.ns-ipv6", BLOCKED, "zone unknown")
    answers = {a["server"]: a for s in zone["ns"] for a in s["answers_v6"]}
    evidence = {"zone": zone["zone"], "servers": {addr: _dns_outcome(a) for addr, a in answers.items()}}
    if not answers:
        return Check("dns.ns-ipv6", BLOCKED, f"no name server of {zone['zone']} has an IPv6 address to ask",
                     evidence)
    bad = {addr: text for addr, text in evidence["servers"].items() if not answers[addr]["ok"]
           or not answers[addr]["authoritative"]}
    if bad:
        return Check("dns.ns-ipv6", FAIL, "; ".join(f"{addr}: {text}" for addr, text in bad.items()), evidence)
    return Check("dns.ns-ipv6", PASS, f"every IPv6 name server address ({len(answers)}) answers authoritatively for "
                 f"{zone['zone']}", evidence)


def _dns_outcome(answer: Mapping[str, Any]) -> str:
    if answer.get("error"):
        return str(answer["error"])
    if not answer["ok"]:
        return f"answered {answer['rcode']} without the records asked for"
    return "authoritative answer" if answer["authoritative"] else "answer, but not authoritative"


def check_delegation(facts: Mapping[str, Any]) -> Check:
    zone = facts.get("zone")
    if not zone:
        return Check("dns.delegation", BLOCKED, "zone unknown")
    chain = zone["chain"]
    evidence: dict[str, Any] = {"top": zone["top"], "links": [
        {"zone": link["zone"], "parent": link["parent"],
         "servers": {s["server"]: _dns_outcome(s) for s in link["servers"]}} for link in chain]}
    if not chain:
        return Check("dns.delegation", NA, f"the parent of {zone['top']} is not visible through "
                     f"{facts['resolver']}; no delegation above the zone to check", evidence)
    broken = [link for link in chain if not any(s["ok"] for s in link["servers"])]
    if broken:
        text = "; ".join(f"{link['parent']} does not delegate {link['zone']} over IPv6"
                         + ("" if link["servers"] else " (none of its name servers has AAAA)") for link in broken)
        return Check("dns.delegation", FAIL, text, evidence)
    return Check("dns.delegation", PASS, " <- ".join([chain[0]["zone"], *(link["parent"] for link in chain)])
                 + ": every delegation answers over IPv6", evidence)


def check_aaaa(facts: Mapping[str, Any]) -> Check:
    dns = facts["dns"]
    evidence = {"a": dns["a"], "aaaa": dns["aaaa"], "rejected": dns["aaaa_unusable"]}
    error = dns.get("aaaa_error")
    if error:
        return Check("web.aaaa", FAIL, error["message"], evidence)
    usable = _usable_aaaa(facts)
    if usable:
        return Check("web.aaaa", PASS, f"AAAA {', '.join(usable)}", evidence)
    if dns["aaaa_unusable"]:
        return Check("web.aaaa", FAIL, "; ".join(f"AAAA {a}: {why}" for a, why in dns["aaaa_unusable"].items()),
                     evidence)
    return Check("web.aaaa", FAIL, f"{facts['host']} has no AAAA record (IPv4 only: {', '.join(dns['a']) or '-'})",
                 evidence)


def check_reachable(facts: Mapping[str, Any]) -> Check:
    if not _usable_aaaa(facts):
        return Check("web.reachable", BLOCKED, "no usable AAAA")
    ports = [p for p in facts["ports"] if p["family"] == 6]
    evidence: dict[str, dict[str, str]] = {p["address"]: {} for p in ports}
    for p in ports:
        evidence[p["address"]][str(p["port"])] = outcome(p)
    failed = [p for p in ports if p["error"]]
    if failed:
        return Check("web.reachable", FAIL, "; ".join(f"{p['address']} port {p['port']}: {_tail(p['error'])}"
                                                     for p in failed), evidence)
    return Check("web.reachable", PASS, f"{len(evidence)} IPv6 address(es) answer on 80 and 443", evidence)


def _tail(error: str) -> str:
    """Errors name address and port first; the check's reason already does."""
    return error.split(": ", 1)[1] if re.match(r"^\S+ port \d+: ", error) else error


def check_success_rate(facts: Mapping[str, Any], policy: WebPolicy) -> Check:
    if not _usable_aaaa(facts):
        return Check("web.success-rate", BLOCKED, "no usable AAAA")
    probes = facts["probes"]
    if not probes:
        return Check("web.success-rate", NA, "no probes asked for (--probes 0)")
    good = [p for p in probes if not p["error"] and p["status"] is not None and p["status"] < 400]
    rate = len(good) / len(probes)
    failures = sorted({outcome(p) for p in probes if p not in good})
    evidence = {"url": probes[0]["url"], "probes": len(probes), "succeeded": len(good), "rate": round(rate, 4),
                "required": policy.success_rate, "failures": failures}
    text = f"{len(good)} of {len(probes)} requests for {probes[0]['url']} over IPv6 succeeded ({percent(rate)})"
    if rate + 1e-9 >= policy.success_rate:
        return Check("web.success-rate", PASS, text, evidence)
    return Check("web.success-rate", FAIL, f"{text}, need {percent(policy.success_rate)}: {'; '.join(failures)}",
                 evidence)


def check_equivalence(facts: Mapping[str, Any], policy: WebPolicy) -> Check:
    if not _usable_aaaa(facts):
        return Check("web.equivalence", BLOCKED, "no usable AAAA")
    if not facts["dns"]["a"]:
        return Check("web.equivalence", NA, "IPv6-only site: nothing to compare with")
    ports = {f"ipv{family}": sorted({p["port"] for p in facts["ports"] if p["family"] == family and not p["error"]})
             for family in (4, 6)}
    v4, v6 = facts["homepage"].get("4"), facts["homepage"].get("6")
    evidence: dict[str, Any] = {"ports": ports, "homepage": {"ipv4": outcome(v4), "ipv6": outcome(v6)},
                                "final_url": {"ipv4": v4 and v4["final_url"], "ipv6": v6 and v6["final_url"]}}
    problems = []
    for port in sorted(set(ports["ipv4"]) ^ set(ports["ipv6"])):
        problems.append(f"port {port} answers over IPv{4 if port in ports['ipv4'] else 6} only")
    if evidence["homepage"]["ipv4"] != evidence["homepage"]["ipv6"]:
        problems.append(f"homepage: {evidence['homepage']['ipv4']} over IPv4, {evidence['homepage']['ipv6']} over "
                        "IPv6")
    elif evidence["final_url"]["ipv4"] != evidence["final_url"]["ipv6"]:
        problems.append(f"homepage ends at {evidence['final_url']['ipv4']} over IPv4, {evidence['final_url']['ipv6']} "
                        "over IPv6")
    if v4 and v6 and v4.get("body") is not None and v6.get("body") is not None:
        headers = {}
        for name in COMPARED_HEADERS:
            a, b = (strip_nonces(h["headers"][name]) if name in h["headers"] else None for h in (v4, v6))
            if a != b:
                headers[name] = {"ipv4": a, "ipv6": b}
                problems.append(f"header {name}: {a or 'missing'!r} over IPv4, {b or 'missing'!r} over IPv6")
        difference = content_difference(v4["body"], v6["body"])
        evidence.update({"headers_differ": headers, "size": {"ipv4": v4["size"], "ipv6": v6["size"]},
                         "difference": round(difference, 4), "threshold": policy.content_threshold})
        if difference > policy.content_threshold + 1e-9:
            evidence["diff"] = content_diff(v4["body"], v6["body"])
            problems.append(f"homepage content differs by {percent(difference)} after removing nonces (more than "
                            f"{percent(policy.content_threshold)}; {v4['size']} bytes over IPv4, {v6['size']} over "
                            "IPv6)")
    if problems:
        return Check("web.equivalence", FAIL, "; ".join(problems), evidence)
    same = f"content differs by {percent(evidence['difference'])}" if "difference" in evidence else "same outcome"
    return Check("web.equivalence", PASS, f"same ports {ports['ipv4']}, {evidence['homepage']['ipv4']}, {same}",
                 evidence)


def check_deep_links(facts: Mapping[str, Any], policy: WebPolicy) -> Check:
    if not _usable_aaaa(facts):
        return Check("web.deep-links", BLOCKED, "no usable AAAA")
    crawl = facts.get("crawl")
    if not crawl:
        home = facts["homepage"].get("4") or facts["homepage"].get("6")
        return Check("web.deep-links", BLOCKED, f"homepage could not be read to find links: {outcome(home)}")
    levels: dict[str, Any] = {}
    problems, passed = [], []
    for level, found in crawl["levels"].items():
        counted, working, ratio = link_ratio(found["checked"])
        required = policy.link_ratio.get(level, policy.link_ratio.get("3", 0.85))
        levels[level] = {"found": found["found"], "checked": len(found["checked"]), "counted": counted,
                         "ipv6_ok": working, "ratio": None if ratio is None else round(ratio, 4),
                         "required": required, "robots_disallowed": len(found["robots_disallowed"]),
                         "failed": {c["url"]: outcome(c["ipv6"]) for c in found["checked"]
                                    if c["reference"]["ok"] and not c["ipv6"]["ok"]}}
        if ratio is None:
            continue
        text = f"level {level}: {working} of {counted} links work over IPv6 ({percent(ratio)})"
        if ratio + 1e-9 >= required:
            passed.append(text)
        else:
            example = next(iter(levels[level]["failed"].items()))
            problems.append(f"{text}, need {percent(required)}; e.g. {example[0]}: {example[1]}")
    evidence = {"start": crawl["start"], "robots": crawl["robots"], "levels": levels}
    if problems:
        return Check("web.deep-links", FAIL, "; ".join(problems), evidence)
    if not passed:
        return Check("web.deep-links", NA, "no same-site links found below the homepage", evidence)
    return Check("web.deep-links", PASS, "; ".join(passed), evidence)


# ---------------------------------------------------------------- a site


def judge_site(facts: Mapping[str, Any], policy: WebPolicy | None = None) -> SiteVerdict:
    """Every check for one site, its score, readiness and one finding per failed check."""
    policy = policy or WebPolicy()
    checks = [check_ns_aaaa(facts, policy), check_ns_ipv6(facts), check_delegation(facts), check_aaaa(facts),
              check_reachable(facts), check_success_rate(facts, policy), check_equivalence(facts, policy),
              check_deep_links(facts, policy)]
    judged = [c for c in checks if c.status != NA]
    total = sum(RULES[c.id].weight for c in judged)
    score = round(100.0 * sum(RULES[c.id].weight for c in judged if c.status == PASS) / total, 1) if total else 0.0
    if all(c.status in (PASS, NA) for c in checks):
        readiness = Readiness.ready
    elif next(c for c in checks if c.id == "web.aaaa").status != PASS:
        readiness = Readiness.not_ready
    else:
        readiness = Readiness.partial
    findings = [Finding(subject=facts["host"], rule=c.id, severity=RULES[c.id].severity, category=Category.services,
                        message=c.reason, evidence=c.evidence, remedy=RULES[c.id].remedy)
                for c in checks if c.status == FAIL]
    status, category, message = "ok", None, None
    for key in ("a_error", "aaaa_error"):
        error = facts["dns"].get(key)
        if error:
            status, message = "failed", error["message"]
            category = error["category"] if error["category"] in HOST_FAILURES else f"dns-{error['category']}"
            break
    return SiteVerdict(facts["host"], status, category, message, checks, score, readiness, findings)
