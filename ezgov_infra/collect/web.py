"""Website collector: DNS with dnspython, HTTP with httpx, one address family per request.

The only module that imports `dns` and `httpx`. It gathers facts and never judges them; `audit.web` does that.
Every request connects to an address resolved here and sends the site's name as Host header and TLS SNI, so a
fetch "over IPv6" really travels over IPv6 whatever the operating system would prefer. Redirects are followed by
hand for the same reason: the next hop is resolved in the same family. Failures become facts (`error`,
`category`), never exceptions, so one broken site never stops a run.
"""

from __future__ import annotations

import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from html.parser import HTMLParser
from ipaddress import IPv6Address, ip_address
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit
from urllib.robotparser import RobotFileParser

import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.query
import dns.rcode
import dns.rdatatype
import dns.resolver
import httpx

USER_AGENT = "ezgov-web-check/0.1 (+IPv6 readiness)"
MAX_REDIRECTS = 10


def unusable_ipv6(address: str) -> str | None:
    """Why an AAAA record cannot serve IPv6 clients, or None when it can."""
    try:
        ip = ip_address(address)
    except ValueError:
        return "not an IPv6 address"
    if not isinstance(ip, IPv6Address):
        return "not an IPv6 address"
    if ip.ipv4_mapped is not None:
        return f"IPv4-mapped address (::ffff:{ip.ipv4_mapped}): clients reach it over IPv4, not IPv6"
    for flag, reason in (("is_unspecified", "unspecified address"), ("is_loopback", "loopback address"),
                         ("is_link_local", "link-local address"), ("is_multicast", "multicast address"),
                         ("is_site_local", "deprecated site-local address")):
        if getattr(ip, flag):
            return reason
    if int(ip) >> 32 == 0:
        return "IPv4-compatible address (deprecated)"
    return None


# ---------------------------------------------------------------- DNS


@dataclass(slots=True)
class Lookup:
    records: list[str] = field(default_factory=list)
    category: str | None = None  # nxdomain, no-answer, timeout, servfail
    message: str | None = None


@dataclass(slots=True)
class ServerAnswer:
    """What one name server said when asked directly (no recursion)."""

    server: str
    ok: bool
    rcode: str = ""
    authoritative: bool = False
    records: list[str] = field(default_factory=list)
    error: str | None = None
    elapsed: float = 0.0


class Dns:
    """Lookups through one resolver (the system's when `resolver` is None) plus direct questions to servers."""

    def __init__(self, resolver: str | None, timeout: float = 5.0) -> None:
        if resolver:
            self._resolver = dns.resolver.Resolver(configure=False)
            self._resolver.nameservers = [resolver]
        else:
            self._resolver = dns.resolver.Resolver()
        self._resolver.lifetime = timeout
        self._resolver.timeout = timeout
        self._resolver.cache = dns.resolver.Cache()
        self.resolver = resolver or "system"
        self.timeout = timeout
        self._zones: dict[str, str | None] = {}
        self._lock = threading.Lock()
        self._memo: dict[str, tuple[threading.Lock, list[Any]]] = {}

    def once(self, key: str, compute: Callable[[], Any]) -> Any:
        """`compute()` once per key for the life of this object, even with many sites asking at once."""
        with self._lock:
            lock, box = self._memo.setdefault(key, (threading.Lock(), []))
        with lock:
            if not box:
                box.append(compute())
            return box[0]

    def lookup(self, name: str, rdtype: str) -> Lookup:
        try:
            answer = self._resolver.resolve(name, rdtype, raise_on_no_answer=False)
        except dns.resolver.NXDOMAIN:
            return Lookup(category="nxdomain", message=f"{name} does not exist (NXDOMAIN from {self.resolver})")
        except dns.resolver.LifetimeTimeout:
            return Lookup(category="timeout", message=f"no answer for {name} {rdtype} from {self.resolver} "
                                                      f"within {self.timeout:g} s")
        except dns.resolver.NoNameservers as exc:
            return Lookup(category="servfail", message=f"{name} {rdtype}: {exc}")
        except dns.exception.DNSException as exc:
            return Lookup(category="error", message=f"{name} {rdtype}: {exc}")
        if answer.rrset is None:
            return Lookup(category="no-answer", message=f"{name} has no {rdtype} record")
        return Lookup(records=sorted(rr.to_text() for rr in answer.rrset))

    def zone_of(self, name: str) -> str | None:
        """The zone holding `name` (walking up by SOA), None if the resolver knows none."""
        with self._lock:
            if name in self._zones:
                return self._zones[name]
        try:
            zone: str | None = dns.resolver.zone_for_name(name, resolver=self._resolver,
                                                          lifetime=self.timeout * 3).to_text()
        except (dns.exception.DNSException, AssertionError):
            zone = None
        with self._lock:
            self._zones[name] = zone
        return zone

    def parent_zone(self, zone: str) -> str | None:
        parent = dns.name.from_text(zone).parent()
        if parent == dns.name.root:
            return None
        return self.zone_of(parent.to_text())

    def ask(self, server: str, qname: str, rdtype: str) -> ServerAnswer:
        """Ask `server` directly, without recursion, over UDP (TCP when truncated)."""
        query = dns.message.make_query(qname, rdtype)
        query.flags &= ~dns.flags.RD
        started = time.monotonic()
        try:
            response = dns.query.udp(query, server, timeout=self.timeout)
            if response.flags & dns.flags.TC:
                response = dns.query.tcp(query, server, timeout=self.timeout)
        except dns.exception.Timeout:
            return ServerAnswer(server, False, error=f"no answer within {self.timeout:g} s",
                                elapsed=time.monotonic() - started)
        except (OSError, dns.exception.DNSException) as exc:
            return ServerAnswer(server, False, error=str(exc) or type(exc).__name__,
                                elapsed=time.monotonic() - started)
        wanted = dns.rdatatype.from_text(rdtype)
        records = [rr.to_text() for section in (response.answer, response.authority) for rrset in section
                   if rrset.rdtype == wanted for rr in rrset]
        rcode = dns.rcode.to_text(response.rcode())
        return ServerAnswer(server, rcode == "NOERROR" and bool(records), rcode,
                            bool(response.flags & dns.flags.AA), sorted(records),
                            elapsed=round(time.monotonic() - started, 4))


# ---------------------------------------------------------------- HTTP


@dataclass(slots=True)
class Fetch:
    """One GET, possibly through redirects, over one address family."""

    url: str
    family: int
    address: str | None = None
    status: int | None = None
    final_url: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    redirects: list[str] = field(default_factory=list)
    size: int = 0
    body: str | None = None
    category: str | None = None  # dns, connect, timeout, tls, redirect-loop, too-many-redirects, too-large, http
    error: str | None = None
    elapsed: float = 0.0

    @property
    def ok(self) -> bool:
        return self.error is None and self.status is not None and self.status < 400


class Http:
    """GETs bound to one address family; TLS verified against `ca_file` (or the system store)."""

    def __init__(self, names: Dns, *, ca_file: Path | None = None, timeout: float = 10.0,
                 max_bytes: int = 5 * 1024 * 1024) -> None:
        self.names = names
        self.timeout = timeout
        self.max_bytes = max_bytes
        context = ssl.create_default_context(cafile=str(ca_file) if ca_file else None)
        # keep-alive off: connections are keyed by address, and two names on one address must never share one
        self._client = httpx.Client(verify=context, timeout=httpx.Timeout(timeout), trust_env=False,
                                    follow_redirects=False, limits=httpx.Limits(max_keepalive_connections=0))

    def close(self) -> None:
        self._client.close()

    def addresses(self, host: str, family: int) -> Lookup:
        if _is_literal(host):
            ip = ip_address(host.strip("[]"))
            return Lookup(records=[str(ip)] if ip.version == family else [])
        return self.names.lookup(host, "AAAA" if family == 6 else "A")

    def get(self, url: str, family: int, *, address: str | None = None, follow: bool = True,
            keep_body: bool = False, headers_only: bool = False) -> Fetch:
        """GET `url` over IPv`family`, at `address` when given (redirects to other hosts resolve again)."""
        result = Fetch(url=url, family=family)
        started = time.monotonic()
        seen = {url}
        current = url
        pinned = address
        while True:
            host = urlsplit(current).hostname or ""
            if pinned is None:
                found = self.addresses(host, family)
                usable = [a for a in found.records if family == 4 or unusable_ipv6(a) is None]
                if not usable:
                    result.category = "dns"
                    result.error = found.message or f"{host} has no usable IPv{family} address"
                    break
                pinned = usable[0]
            result.address = pinned
            self._one(current, pinned, result, keep_body, headers_only)
            if result.error or not follow or result.status not in (301, 302, 303, 307, 308):
                break
            target = urljoin(current, result.headers.get("location", ""))
            if target in seen:
                result.category, result.error = "redirect-loop", "redirect loop: " + " -> ".join(
                    [*result.redirects, current, target][-4:])
                break
            if len(result.redirects) >= MAX_REDIRECTS:
                result.category, result.error = "too-many-redirects", f"more than {MAX_REDIRECTS} redirects"
                break
            result.redirects.append(current)
            seen.add(target)
            if (urlsplit(target).hostname or "") != host:
                pinned = None
            current = target
        result.final_url = current
        result.elapsed = round(time.monotonic() - started, 4)
        return result

    def _one(self, url: str, address: str, result: Fetch, keep_body: bool, headers_only: bool) -> None:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = parts.port or (443 if parts.scheme == "https" else 80)
        literal = f"[{address}]" if ":" in address else address
        target = urlunsplit((parts.scheme, f"{literal}:{port}", parts.path or "/", parts.query, ""))
        headers = {"Host": parts.netloc, "User-Agent": USER_AGENT, "Accept": "text/html,*/*;q=0.5"}
        extensions: dict[str, Any] = {"sni_hostname": host} if parts.scheme == "https" else {}
        deadline = time.monotonic() + self.timeout
        result.status, result.headers, result.body, result.size = None, {}, None, 0
        try:
            request = self._client.build_request("GET", target, headers=headers, extensions=extensions)
            response = self._client.send(request, stream=True)
            try:
                result.status = response.status_code
                result.headers = {k.lower(): v for k, v in response.headers.items()}
                if headers_only:
                    return
                chunks: list[bytes] = []
                size = 0
                for chunk in response.iter_bytes():
                    size += len(chunk)
                    if size > self.max_bytes:
                        result.category = "too-large"
                        result.error = f"page larger than {self.max_bytes // 1024} KiB; stopped reading"
                        break
                    if time.monotonic() > deadline:
                        result.category = "timeout"
                        result.error = f"page not complete after {self.timeout:g} s"
                        break
                    chunks.append(chunk)
                result.size = size
                if keep_body and result.error is None:
                    result.body = b"".join(chunks).decode(response.encoding or "utf-8", errors="replace")
            finally:
                response.close()
        except httpx.TimeoutException:
            result.category, result.error = "timeout", f"{address} port {port}: no answer within {self.timeout:g} s"
        except httpx.ConnectError as exc:
            text = str(exc)
            if "CERTIFICATE" in text.upper() or "SSL" in text.upper():
                result.category, result.error = "tls", f"{address} port {port}: TLS: {_short(text)}"
            else:
                result.category, result.error = "connect", f"{address} port {port}: {_short(text)}"
        except httpx.HTTPError as exc:
            result.category, result.error = "http", f"{address} port {port}: {_short(str(exc)) or type(exc).__name__}"
        except (ssl.SSLError, OSError) as exc:
            result.category, result.error = "tls" if isinstance(exc, ssl.SSLError) else "connect", \
                f"{address} port {port}: {_short(str(exc))}"


def _is_literal(host: str) -> bool:
    try:
        ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


def _short(text: str) -> str:
    return text.splitlines()[0][:200] if text else ""


# ---------------------------------------------------------------- pages


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("a", "area"):
            self.hrefs.extend(v for k, v in attrs if k == "href" and v)


def same_site_links(html: str, base_url: str) -> list[str]:
    """Links of a page that stay on its host (http or https), absolute, without fragments, in page order."""
    parser = _Links()
    parser.feed(html)
    parser.close()
    host = urlsplit(base_url).hostname
    links: list[str] = []
    for href in parser.hrefs:
        absolute = urljoin(base_url, href.strip())
        parts = urlsplit(absolute)
        if parts.scheme not in ("http", "https") or parts.hostname != host:
            continue
        clean = urlunsplit((parts.scheme, parts.netloc, parts.path or "/", parts.query, ""))
        if clean not in links:
            links.append(clean)
    return links


# ---------------------------------------------------------------- one site


def gather_site(host: str, names: Dns, http: Http, *, depth: int = 3, max_links: int = 20,
                probes: int = 5) -> dict[str, Any]:
    """Every fact `audit.web` judges for one host name. Bodies are kept (the job drops them before storing)."""
    a, aaaa = names.lookup(host, "A"), names.lookup(host, "AAAA")
    unusable = {addr: reason for addr in aaaa.records if (reason := unusable_ipv6(addr))}
    v4 = a.records
    v6 = [addr for addr in aaaa.records if addr not in unusable]
    zone = names.zone_of(host)
    facts: dict[str, Any] = {
        "host": host,
        "resolver": names.resolver,
        "dns": {"a": v4, "aaaa": aaaa.records, "aaaa_unusable": unusable,
                "a_error": _lookup_error(a), "aaaa_error": _lookup_error(aaaa)},
        "zone": names.once(f"zone:{zone}", lambda: gather_zone(zone, names)) if zone else None,
        "ports": [],
        "homepage": {},
        "probes": [],
        "crawl": None,
    }
    for family, addresses in ((4, v4), (6, v6)):
        for address in addresses:
            for scheme, port in (("http", 80), ("https", 443)):
                fetch = http.get(f"{scheme}://{host}/", family, address=address, follow=False, headers_only=True)
                facts["ports"].append({"family": family, "address": address, "port": port, "status": fetch.status,
                                       "category": fetch.category, "error": fetch.error, "elapsed": fetch.elapsed})
    start = f"http://{host}/"
    homepage: dict[int, Fetch] = {}
    for family, addresses in ((4, v4), (6, v6)):
        if addresses:
            homepage[family] = http.get(start, family, keep_body=True)
            facts["homepage"][str(family)] = asdict(homepage[family])
    if v6:
        url = homepage[4].final_url if 4 in homepage and homepage[4].ok and homepage[4].final_url else start
        for attempt in range(probes):
            fetch = http.get(url, 6, address=None if len(v6) == 1 else v6[attempt % len(v6)])
            facts["probes"].append({"url": url, "address": fetch.address, "status": fetch.status,
                                    "final_url": fetch.final_url, "category": fetch.category,
                                    "error": fetch.error, "elapsed": fetch.elapsed})
        discover = homepage.get(4) or homepage.get(6)
        if discover is not None and discover.ok and discover.body is not None and depth >= 2:
            facts["crawl"] = crawl(discover, http, depth=depth, max_links=max_links)
    return facts


def _lookup_error(lookup: Lookup) -> dict[str, str] | None:
    if lookup.category in (None, "no-answer"):
        return None
    return {"category": lookup.category or "", "message": lookup.message or ""}


def gather_zone(zone: str, names: Dns) -> dict[str, Any]:
    """The zone's name servers, each asked for the zone's SOA over IPv6, and the delegation chain above it."""
    ns = names.lookup(zone, "NS")
    servers = []
    for name in ns.records:
        a, aaaa = names.lookup(name, "A"), names.lookup(name, "AAAA")
        usable = [addr for addr in aaaa.records if unusable_ipv6(addr) is None]
        servers.append({"name": name, "a": a.records, "aaaa": aaaa.records,
                        "answers_v6": [asdict(names.ask(addr, zone, "SOA")) for addr in usable]})
    chain = []
    child, parent = zone, names.parent_zone(zone)
    while parent is not None:
        link: dict[str, Any] = {"zone": child, "parent": parent, "servers": []}
        for name in names.lookup(parent, "NS").records:
            for addr in names.lookup(name, "AAAA").records:
                if unusable_ipv6(addr) is None:
                    link["servers"].append({"name": name, **asdict(names.ask(addr, child, "NS"))})
        chain.append(link)
        child, parent = parent, names.parent_zone(parent)
    return {"zone": zone, "ns": servers, "ns_error": _lookup_error(ns), "chain": chain, "top": child}


def crawl(homepage: Fetch, http: Http, *, depth: int, max_links: int) -> dict[str, Any]:
    """Same-site links at levels 2..depth, found over the homepage's family, each tried over IPv6.

    Level 2 is the homepage's links, level 3 the links of level-2 pages. robots.txt of the homepage's origin is
    honoured; at most `max_links` links per level are fetched, in page order.
    """
    base = homepage.final_url or homepage.url
    origin = urlsplit(base)
    robots_url = urlunsplit((origin.scheme, origin.netloc, "/robots.txt", "", ""))
    robots_fetch = http.get(robots_url, homepage.family, keep_body=True)
    robots = RobotFileParser()
    robots.parse((robots_fetch.body or "").splitlines() if robots_fetch.ok else [])
    seen = {base, homepage.url}
    pages = [(base, homepage.body or "")]
    levels: dict[str, Any] = {}
    for level in range(2, depth + 1):
        found = []
        for page_url, body in pages:
            for link in same_site_links(body, page_url):
                if link not in seen:
                    seen.add(link)
                    found.append(link)
        allowed = [link for link in found if robots.can_fetch(USER_AGENT, link)]
        checked, pages = [], []
        for link in allowed[:max_links]:
            there = http.get(link, homepage.family, keep_body=level < depth)
            over_v6 = there if homepage.family == 6 else http.get(link, 6)
            checked.append({"url": link, "reference": _brief(there), "ipv6": _brief(over_v6)})
            if there.ok and there.body is not None:
                pages.append((there.final_url or link, there.body))
        levels[str(level)] = {"found": len(found), "robots_disallowed": [u for u in found if u not in allowed],
                              "checked": checked}
    return {"family": homepage.family, "start": base, "robots": {"url": robots_url, "status": robots_fetch.status,
                                                                 "error": robots_fetch.error},
            "levels": levels}


def _brief(fetch: Fetch) -> dict[str, Any]:
    return {"ok": fetch.ok, "status": fetch.status, "address": fetch.address, "category": fetch.category,
            "error": fetch.error}
