"""The website lab's configuration text: what nginx, nsd and a resolver read, laid out as they expect."""

from __future__ import annotations

from pathlib import Path

from ezgov_infra.lab.webconf import nginx_conf, nsd_conf, page, zone_file


class TestZoneFile:
    def test_records_are_in_columns_after_the_soa(self) -> None:
        text = zone_file(zone="ezhou.test", primary="ns1.ezhou.test", serial=7,
                         records=[("www", "AAAA", "2001:db8::1")])
        lines = text.splitlines()
        assert lines[1:4] == ["$ORIGIN ezhou.test.", "$TTL 300",
                              "@ IN SOA ns1.ezhou.test. hostmaster.ezhou.test. ( 7 3600 600 86400 300 )"]
        assert lines[4] == "www" + " " * 25 + " IN AAAA  2001:db8::1"


class TestNsdConf:
    def test_each_zone_is_served_from_its_file_on_both_addresses(self) -> None:
        text = nsd_conf(namespace="ezw-dns1", ipv4="203.0.113.194", ipv6="2001:db8:ffff::2", zones_dir=Path("/z"),
                        run_dir=Path("/r"), zones=[{"name": "ezhou.test", "file": "ezhou.test.zone"}])
        assert "  ip-address: 2001:db8:ffff::2\n  ip-address: 203.0.113.194\n" in text
        assert "\nzone:\n  name: ezhou.test\n  zonefile: ezhou.test.zone\n" in text
        assert '  pidfile: "/r/nsd.pid"' in text


class TestNginxConf:
    def test_a_server_with_its_own_certificate_names_it_and_keeps_its_locations(self) -> None:
        server = {"listen": "[2001:db8:ffff::1:1]:443 ssl", "host": "www.ezhou.test", "root": "/s/www/v4",
                  "locations": ["/ { try_files $uri $uri/ =404; }"], "certificate": "rogue"}
        text = nginx_conf(run_dir=Path("/r"), tls_dir=Path("/t"), servers=[server])
        assert "    listen [2001:db8:ffff::1:1]:443 ssl;\n    server_name www.ezhou.test;\n" in text
        assert "    ssl_certificate /t/rogue.crt;\n    ssl_certificate_key /t/rogue.key;\n" in text
        assert "    location / { try_files $uri $uri/ =404; }\n  }\n" in text
        assert text.endswith("\n}\n")

    def test_a_server_without_a_certificate_uses_the_shared_one(self) -> None:
        server = {"listen": "203.0.113.201:80", "host": "a.ezhou.test", "root": "/s", "locations": []}
        text = nginx_conf(run_dir=Path("/r"), tls_dir=Path("/t"), servers=[server])
        assert text.count("ssl_certificate ") == 1 and "  ssl_certificate /t/server.crt;" in text


class TestPage:
    def test_title_paragraphs_and_links_are_written_as_given(self) -> None:
        html = page(title="首页 Home", links=[("/news/", "政务动态 News")], paragraphs=["一", "two"], footer="F")
        assert "<title>首页 Home</title>" in html and "<h1>首页 Home</h1>\n<p>一</p>\n<p>two</p>\n<ul>\n" in html
        assert '<li><a href="/news/">政务动态 News</a></li>\n</ul>\n<footer>F <span class="request">' in html
