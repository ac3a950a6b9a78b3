"""The website lab: two authoritative name servers (nsd) and a web server (nginx, TLS from a lab CA) in their own
network namespaces, serving sample government sites under the reserved domain `ezhou.test`.

    host: ezw-br0  203.0.113.193/26  2001:db8:ffff::1/64   (the checker runs here)
      ├── ezw-dns1  203.0.113.194  2001:db8:ffff::2   nsd: ezhou.test, gedian.ezhou.test   (ns1)
      ├── ezw-dns2  203.0.113.195  2001:db8:ffff::3   nsd: the same zones                  (ns2; ns3 is A-only)
      └── ezw-web   203.0.113.200+n  2001:db8:ffff::1:n  nginx, one address pair per site

Only 203.0.113.192/26 and 2001:db8:ffff::/48 are used; nothing else in the project touches them. While the lab
exists a keeper process holds an exclusive flock on /run/lock/ezgov-web-lab.lock; `down()` ends it. Namespaces,
legs and daemons go through the lab's own `ns` and `network` (so the guard that keeps the routers' daemons out of
the host namespace covers these too); every daemon is started and stopped by PID (checked against its start time),
and a failed `up()` removes what it made.

`up(state_dir)` returns a `WebLab` (resolver address, CA file); `down(state_dir)` removes everything;
`state(state_dir)` reads the running lab's state for `ezgov ipv6 web --lab`.
"""

from __future__ import annotations

import json
import os
import socket
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from ezgov_infra.errors import LabError
from ezgov_infra.lab import network, webconf
from ezgov_infra.lab.ns import alive, netns_inode, pids_in_netns, proc_start, run, spawn, terminate
from ezgov_infra.lab.state import keep_machine_lock
from ezgov_infra.store.files import atomic_write
from ezgov_infra.store.yamlfiles import load_yaml

LOCK_FILE = Path("/run/lock/ezgov-web-lab.lock")
BRIDGE = "ezw-br0"
HOST_V4, HOST_V6 = "203.0.113.193", "2001:db8:ffff::1"
SERVERS = {"ezw-dns1": ("203.0.113.194", "2001:db8:ffff::2"), "ezw-dns2": ("203.0.113.195", "2001:db8:ffff::3")}
WEB_NS = "ezw-web"
NAMESPACES = (*SERVERS, WEB_NS)
LOCK_HOLDER = "lock-holder"


@dataclass(frozen=True, slots=True)
class WebLab:
    """What a checker needs from the running lab. Secrets (the CA key) stay in `tls_dir`, mode 0600."""

    resolver: str
    resolver_v4: str
    ca_file: str
    state_dir: str
    hosts: tuple[str, ...]
    pids: dict[str, tuple[int, int]]


def lab_dir(state_dir: Path) -> Path:
    return Path(state_dir) / "lab" / "websites"


def state(state_dir: Path) -> WebLab | None:
    """The running lab's state, or None when it is not up (or its processes are gone)."""
    path = lab_dir(state_dir) / "state.json"
    if not path.exists():
        return None
    raw = json.loads(path.read_text())
    raw["hosts"] = tuple(raw["hosts"])
    raw["pids"] = {k: tuple(v) for k, v in raw["pids"].items()}
    lab = WebLab(**raw)
    return lab if all(alive(pid, start) for pid, start in lab.pids.values()) else None


def up(state_dir: Path, *, lock_timeout: float = 600.0) -> WebLab:
    """Build the website lab (idempotent: a running lab is returned as it is)."""
    running = state(state_dir)
    if running is not None:
        return running
    base = lab_dir(state_dir).resolve()
    base.mkdir(parents=True, exist_ok=True)
    keeper = keep_machine_lock(lock_timeout, lock_path=LOCK_FILE,
                               busy=f"the website lab is in use by another process ({LOCK_FILE} held for "
                                    f"{lock_timeout:g} s); wait for it to finish or take that lab down")
    pids: dict[str, tuple[int, int]] = {LOCK_HOLDER: (keeper.pid, keeper.start or 0)}
    try:
        _remove_network()  # leftovers of a crashed run; safe, we hold the lock
        tls = make_tls(base / "tls")
        write_sites(base / "sites")
        _build_network()
        for namespace, (ipv4, ipv6) in SERVERS.items():
            conf = write_nsd(base / namespace, namespace=namespace, ipv4=ipv4, ipv6=ipv6)
            pids[f"nsd-{namespace}"] = _start(namespace, ["nsd", "-d", "-c", str(conf)], base / namespace)
            _wait_port(ipv6, 53, pids[f"nsd-{namespace}"], base / namespace / "nsd.log")
        conf = write_nginx(base / WEB_NS, sites_dir=base / "sites", tls_dir=tls)
        pids["nginx"] = _start(WEB_NS, ["nginx", "-c", str(conf)], base / WEB_NS)
        first_v4, _ = site_addresses(1)
        _wait_port(first_v4, 443, pids["nginx"], base / WEB_NS / "nginx-error.log")
    except BaseException:
        _teardown(pids)
        raise
    lab = WebLab(resolver=SERVERS["ezw-dns1"][1], resolver_v4=SERVERS["ezw-dns1"][0],
                 ca_file=str(tls / "ca.crt"), state_dir=str(base), hosts=lab_hosts(), pids=pids)
    atomic_write(base / "state.json", json.dumps(asdict(lab), indent=2) + "\n")
    return lab


def down(state_dir: Path) -> bool:
    """Stop the daemons, remove namespaces and bridge, release the lock. False when there was nothing to do."""
    path = lab_dir(state_dir) / "state.json"
    if not path.exists():
        return False
    raw = json.loads(path.read_text())
    _teardown({k: (v[0], v[1]) for k, v in raw["pids"].items()})
    path.unlink(missing_ok=True)
    return True


# ---------------------------------------------------------------- lifecycle


def _teardown(pids: dict[str, tuple[int, int]]) -> None:
    """Stop daemons (and whatever else runs in our namespaces) first, the lock keeper last, so the lock is only
    free once the network is gone."""
    daemons: list[tuple[int, int | None]] = [pid for name, pid in pids.items() if name != LOCK_HOLDER]
    inodes = {inode for inode in map(netns_inode, NAMESPACES) if inode is not None}
    known = {pid for pid, _ in daemons}
    daemons += [(pid, proc_start(pid)) for pid in pids_in_netns(inodes) if pid not in known]
    terminate(daemons, grace=5.0)
    _remove_network()
    if LOCK_HOLDER in pids:
        terminate([pids[LOCK_HOLDER]])


def _build_network() -> None:
    network.ensure_bridge(BRIDGE, f"{HOST_V4}/26", f"{HOST_V6}/64")
    for namespace in NAMESPACES:
        network.add_netns(namespace)
        network.ensure_leg(namespace, f"{namespace}-h", BRIDGE)
        run(["ip", "-n", namespace, "link", "set", "lo", "up"])
        addresses = [SERVERS[namespace]] if namespace in SERVERS else [site_addresses(slot) for slot in slots()]
        network.ensure_addresses(namespace, "eth0", [f"{ipv4}/26" for ipv4, _ in addresses],
                                 [f"{ipv6}/64" for _, ipv6 in addresses])


def _remove_network() -> None:
    for namespace in NAMESPACES:
        network.delete_netns(namespace)
        network.delete_link(f"{namespace}-h")
    network.delete_link(BRIDGE)


def _start(namespace: str, command: list[str], workdir: Path) -> tuple[int, int]:
    """A daemon inside one of our namespaces, through the lab's guard (nothing starts outside them)."""
    pid = spawn(command, netns=namespace, holder=None, hostname=None, log=workdir / "daemon.log")
    return pid, proc_start(pid) or 0


def _wait_port(address: str, port: int, pid: tuple[int, int], log: Path, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    while time.monotonic() < deadline:
        if not alive(*pid):
            tail = log.read_text(errors="replace")[-600:] if log.exists() else ""
            daemon = (log.parent / "daemon.log").read_text(errors="replace")[-600:]
            raise LabError(f"daemon for {address} port {port} exited at start: {(tail + daemon).strip()}")
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.settimeout(0.5)
            if probe.connect_ex((address, port)) == 0:
                return
        time.sleep(0.1)
    raise LabError(f"nothing listens on {address} port {port} after {timeout:g} s (see {log})")


# ---------------------------------------------------------------- content: sites, zones, TLS, configs

SITES_FILE = Path(__file__).with_name("websites") / "sites.yaml"
ZONES = {"ezhou.test": ("ns1", "ns2"), "gedian.ezhou.test": ("ns1", "ns3")}
NAME_SERVERS = {"ns1": SERVERS["ezw-dns1"], "ns2": SERVERS["ezw-dns2"], "ns3": (SERVERS["ezw-dns2"][0], None)}
HUGE_BYTES = 6 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class LabSite:
    host: str
    slot: int
    ipv6: str
    purpose: str
    zone: str = "ezhou.test"
    https: bool = True
    kind: str = "normal"


def sites() -> list[LabSite]:
    raw: dict[str, dict[str, Any]] = load_yaml(SITES_FILE.read_text(encoding="utf-8"))
    return [LabSite(host=host, **fields) for host, fields in raw.items()]


def lab_hosts() -> tuple[str, ...]:
    return tuple(site.host for site in sites())


def slots() -> list[int]:
    return [site.slot for site in sites()]


def site_addresses(slot: int) -> tuple[str, str]:
    return f"203.0.113.{200 + slot}", f"2001:db8:ffff::1:{slot:x}"


def _openssl(*args: str) -> None:
    done = run(["openssl", *args], check=False)
    if done.returncode != 0:
        raise LabError(f"openssl {args[0]}: {done.stderr.strip()[-300:]}")


def make_tls(folder: Path) -> Path:
    """A lab CA and one server certificate for every site; `rogue` is signed by a CA nobody is told to trust."""
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    names = ",".join(f"DNS:{site.host}" for site in sites())
    for ca, server, title in (("ca", "server", "Ezhou web lab CA"), ("rogue-ca", "rogue", "Untrusted lab CA")):
        if (folder / f"{server}.crt").exists():
            continue
        _openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "30",
                 "-keyout", str(folder / f"{ca}.key"), "-out", str(folder / f"{ca}.crt"), "-subj", f"/CN={title}",
                 "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign")
        _openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout",
                 str(folder / f"{server}.key"), "-out", str(folder / f"{server}.csr"), "-subj", "/CN=ezhou.test")
        extensions = folder / f"{server}.ext"
        extensions.write_text(f"subjectAltName={names}\nbasicConstraints=critical,CA:FALSE\n"
                              "keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n"
                              "subjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n")
        _openssl("x509", "-req", "-in", str(folder / f"{server}.csr"), "-CA", str(folder / f"{ca}.crt"), "-CAkey",
                 str(folder / f"{ca}.key"), "-CAcreateserial", "-days", "30", "-out", str(folder / f"{server}.crt"),
                 "-extfile", str(extensions))
    for key in folder.glob("*.key"):
        os.chmod(key, 0o600)
    return folder


_SECTIONS = {
    "/news/": ("政务动态 News", [("/news/2019-07.html", "七月 July"), ("/news/2019-08.html", "八月 August")]),
    "/services/": ("办事服务 Services", [("/services/apply.html", "在线申报 Apply"),
                                     ("/services/guide.html", "办事指南 Guide")]),
    "/about/": ("机构概况 About", [("/about/contact.html", "联系我们 Contact")]),
    "/private/": ("内部 Internal", []),
}
_TEXT = ("鄂州市推进数字政府建设，政务服务一网通办，群众办事少跑腿。 The city brings its services online so that "
         "residents and businesses can apply, track and receive results without queuing at a counter.",
         "政务外网升级改造与IPv6部署同步推进，网站须在IPv4和IPv6上提供一致的服务。 The extranet upgrade and the IPv6 "
         "roll-out go together: every site serves the same pages over both protocols.",
         "办事指南、政策文件和办件查询均可在本站获取。 Guides, policy documents and application tracking are all "
         "available here.")


def _page(title: str, links: list[tuple[str, str]], paragraphs: tuple[str, ...] = _TEXT) -> str:
    return webconf.page(title=title, links=links, paragraphs=paragraphs,
                        footer="鄂州市人民政府 Ezhou Municipal People's Government")


def write_sites(folder: Path) -> None:
    """Pages of every site: `<host>/v4` (what IPv4 serves) and, where IPv6 differs, `<host>/v6`."""
    for site in sites():
        root = folder / site.host / "v4"
        home_links = [(path, title) for path, (title, _) in _SECTIONS.items()]
        home_links += [("https://www.ezhou.test/", "市政府门户 City portal"), ("#main", "正文 Main")]
        pages = {"/": _page(f"{site.host} 首页 Home", home_links)}
        for path, (title, links) in _SECTIONS.items():
            pages[path] = _page(title, [*links, ("/", "首页 Home")])
            for link, link_title in links:
                pages[link] = _page(link_title, [("/", "首页 Home"), (path, title)])
        if site.kind == "huge":
            pages["/"] = _page("Huge", [], paragraphs=(_TEXT[0] * (HUGE_BYTES // len(_TEXT[0]) + 1),))
        _write_tree(root, pages)
        if site.ipv6 == "other-content":
            notice = ("IPv6 测试页面，建设中。 This is a test page for IPv6 visitors; the site is under construction "
                      "and its services are only available over IPv4 for now.",)
            _write_tree(folder / site.host / "v6", {**pages, "/": _page("IPv6 测试 Test page", home_links[:1],
                                                                        paragraphs=notice)})
        elif site.ipv6 == "home-only":
            _write_tree(folder / site.host / "v6", {"/": pages["/"]})


def _write_tree(root: Path, pages: dict[str, str]) -> None:
    for path, html in pages.items():
        target = root / (path.lstrip("/") + "index.html" if path.endswith("/") else path.lstrip("/"))
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(html, encoding="utf-8")
    (root / "robots.txt").write_text("User-agent: *\nDisallow: /private/\n")


def _zone_records(zone: str) -> list[tuple[str, str, str]]:
    records: list[tuple[str, str, str]] = [("@", "NS", f"{ns}.ezhou.test.") for ns in ZONES[zone]]
    if zone == "ezhou.test":
        for name, (ipv4, ipv6) in NAME_SERVERS.items():
            records.append((name, "A", ipv4))
            if ipv6:
                records.append((name, "AAAA", ipv6))
        records += [(child.removesuffix(".ezhou.test"), "NS", f"{ns}.ezhou.test.")
                    for child, servers in ZONES.items() if child != zone for ns in servers]
    for site in sites():
        if site.zone != zone:
            continue
        owner = "@" if site.host == zone else site.host.removesuffix(f".{zone}")
        ipv4, ipv6 = site_addresses(site.slot)
        records.append((owner, "A", ipv4))
        if site.ipv6 == "mapped":
            records.append((owner, "AAAA", f"::ffff:{ipv4}"))
        elif site.ipv6 != "none":
            records.append((owner, "AAAA", ipv6))
    return records


def write_nsd(folder: Path, *, namespace: str, ipv4: str, ipv6: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    zones = []
    for zone in ZONES:
        text = webconf.zone_file(zone=zone, primary=f"{ZONES[zone][0]}.ezhou.test", serial=2019070101,
                       records=_zone_records(zone))
        (folder / f"{zone}.zone").write_text(text)
        zones.append({"name": zone, "file": f"{zone}.zone"})
    conf = folder / "nsd.conf"
    conf.write_text(webconf.nsd_conf(namespace=namespace, ipv4=ipv4, ipv6=ipv6, zones_dir=folder,
                            run_dir=folder, zones=zones))
    return conf


def _locations(site: LabSite, port: int, root: Path) -> tuple[str, list[str]]:
    if port == 80 and site.https:
        return str(root), ["/ { return 301 https://$host$request_uri; }"]
    if site.kind == "redirect-loop":
        return str(root), ["= / { return 302 /welcome; }", "= /welcome { return 302 /; }"]
    return str(root), ["/ { try_files $uri $uri/ =404; }"]


def write_nginx(folder: Path, *, sites_dir: Path, tls_dir: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    servers = []
    for site in sites():
        ipv4, ipv6 = site_addresses(site.slot)
        families = [(ipv4, sites_dir / site.host / "v4")]
        if site.ipv6 not in ("none", "mapped"):
            v6_root = sites_dir / site.host / ("v6" if site.ipv6 in ("other-content", "home-only") else "v4")
            families.append((f"[{ipv6}]", v6_root))
        for address, root in families:
            for port in (80, 443):
                if port == 443 and site.ipv6 == "no-https" and address.startswith("["):
                    continue
                served_root, locations = _locations(site, port, root)
                servers.append({"host": site.host, "root": served_root, "locations": locations,
                                "listen": f"{address}:{port}" + (" ssl" if port == 443 else ""),
                                "certificate": "rogue" if site.kind == "untrusted-tls" and port == 443 else None})
    conf = folder / "nginx.conf"
    conf.write_text(webconf.nginx_conf(run_dir=folder, tls_dir=tls_dir, servers=servers))
    return conf
