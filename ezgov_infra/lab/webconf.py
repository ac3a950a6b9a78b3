"""Configuration text for the website lab: nginx, nsd, zone files and the sample pages. Pure functions.

Values are written as given (the lab chooses them all; nothing here is escaped), in the layouts the daemons read.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any


def nginx_conf(*, run_dir: Path, tls_dir: Path, servers: Sequence[Mapping[str, Any]]) -> str:
    """One `server` per site, address and port (`listen`, `host`, `root`, `locations`, optional `certificate`)."""
    lines = [
        "# nginx for the website lab (namespace ezw-web); written by `ezgov_infra.lab.websites`.",
        "user root;",
        "worker_processes 1;",
        "daemon off;",
        f"pid {run_dir}/nginx.pid;",
        f"error_log {run_dir}/nginx-error.log warn;",
        "events { worker_connections 256; }",
        "http {",
        f"  access_log {run_dir}/nginx-access.log;",
        *(f"  {kind}_temp_path {run_dir}/{folder};" for kind, folder in (
            ("client_body", "body"), ("proxy", "proxy"), ("fastcgi", "fastcgi"), ("uwsgi", "uwsgi"),
            ("scgi", "scgi"))),
        "  types { text/html html; text/plain txt; }",
        "  default_type application/octet-stream;",
        "  server_tokens off;",
        "  index index.html;",
        f"  ssl_certificate {tls_dir}/server.crt;",
        f"  ssl_certificate_key {tls_dir}/server.key;",
        "  # every page carries per-request nonces and a timestamp, like a real CMS; the v4/v6 comparison must "
        "ignore them",
        "  sub_filter_types text/html;",
        "  sub_filter_once off;",
        "  sub_filter '__NONCE__' '$request_id';",
        "  sub_filter '__TIME__' '$time_iso8601';",
    ]
    for server in servers:
        lines += ["", "  server {", f"    listen {server['listen']};", f"    server_name {server['host']};",
                  f"    root {server['root']};"]
        if server.get("certificate"):
            lines += [f"    ssl_certificate {tls_dir}/{server['certificate']}.crt;",
                      f"    ssl_certificate_key {tls_dir}/{server['certificate']}.key;"]
        lines += ["", "    add_header Content-Security-Policy \"script-src 'self' 'nonce-$request_id'\" always;",
                  '    add_header X-Content-Type-Options "nosniff" always;',
                  *(f"    location {location}" for location in server["locations"]), "  }"]
    lines += ["", "}"]
    return "\n".join(lines) + "\n"


def nsd_conf(*, namespace: str, ipv4: str, ipv6: str, zones_dir: Path, run_dir: Path,
             zones: Sequence[Mapping[str, str]]) -> str:
    """An nsd server answering on one IPv6 and one IPv4 address for `zones` (`name`, `file`)."""
    lines = [
        f"# nsd for the website lab, namespace {namespace}; written by `ezgov_infra.lab.websites`.",
        "server:",
        f"  ip-address: {ipv6}",
        f"  ip-address: {ipv4}",
        "  port: 53",
        '  username: ""',
        '  chroot: ""',
        f'  zonesdir: "{zones_dir}"',
        f'  pidfile: "{run_dir}/nsd.pid"',
        f'  xfrdfile: "{run_dir}/xfrd.state"',
        f'  xfrdir: "{run_dir}"',
        f'  zonelistfile: "{run_dir}/zone.list"',
        '  database: ""',
        f'  logfile: "{run_dir}/nsd.log"',
        "  hide-version: yes",
        "  hide-identity: yes",
        "  server-count: 1",
        "  verbosity: 1",
        "",
        "remote-control:",
        "  control-enable: no",
    ]
    for zone in zones:
        lines += ["", "zone:", f"  name: {zone['name']}", f"  zonefile: {zone['file']}"]
    return "\n".join(lines) + "\n\n"


def zone_file(*, zone: str, primary: str, serial: int, records: Sequence[tuple[str, str, str]]) -> str:
    """A zone's SOA and its (owner, type, data) records, in columns."""
    lines = [f"; {zone}: sample zone of the website lab (reserved test domain, lab addresses only).",
             f"$ORIGIN {zone}.", "$TTL 300",
             f"@ IN SOA {primary}. hostmaster.ezhou.test. ( {serial} 3600 600 86400 300 )"]
    lines += [f"{owner:<28} IN {kind:<5} {data}" for owner, kind, data in records]
    return "\n".join(lines) + "\n\n"


def page(*, title: str, links: Sequence[tuple[str, str]], paragraphs: Sequence[str], footer: str) -> str:
    """A sample government page; `__NONCE__` and `__TIME__` are filled in per request by nginx."""
    lines = ['<!DOCTYPE html>', '<html lang="zh-CN">', "<head>", '<meta charset="utf-8">',
             '<meta name="csrf-token" content="__NONCE__">', '<meta name="generated" content="__TIME__">',
             f"<title>{title}</title>", '<script nonce="__NONCE__">window.pageRequest = "__NONCE__";</script>',
             "</head>", "<body>", f"<h1>{title}</h1>", *(f"<p>{paragraph}</p>" for paragraph in paragraphs), "<ul>",
             *(f'<li><a href="{href}">{text}</a></li>' for href, text in links), "</ul>",
             f'<footer>{footer} <span class="request">__NONCE__</span></footer>', "</body>", "</html>"]
    return "\n".join(lines) + "\n"
