"""Content comparison of the IPv4 and IPv6 homepage: nonces removed, then at most 10% may differ."""

from __future__ import annotations

from typing import Any

import pytest

from ezgov_infra.audit.web import content_difference, link_ratio, strip_nonces, tokens

WORDS = [f"word{i}" for i in range(100)]


class TestStripNonces:
    def test_nonce_attributes_are_replaced_whatever_the_quotes(self) -> None:
        assert strip_nonces('<script nonce="r4nd0m+/=">') == '<script nonce="NONCE">'
        assert strip_nonces("<style nonce='abc123'>") == "<style nonce='NONCE'>"
        assert strip_nonces("<script nonce=abc123>") == "<script nonce=NONCE>"

    def test_csp_nonce_sources_are_replaced(self) -> None:
        header = "script-src 'self' 'nonce-0a3f0887590a4278e52c94a3e8f02316'"
        assert strip_nonces(header) == "script-src 'self' 'nonce-NONCE'"

    @pytest.mark.parametrize("tag", [
        '<meta name="csrf-token" content="Zm9vYmFy">',
        '<meta content="Zm9vYmFy" name="_csrf">',
        '<input type="hidden" name="authenticity_token" value="Zm9vYmFy">',
        "<input type='hidden' id='xsrf' value='Zm9vYmFy'>",
    ])
    def test_token_fields_lose_their_values(self, tag: str) -> None:
        assert "Zm9vYmFy" not in strip_nonces(tag)
        assert "TOKEN" in strip_nonces(tag)

    def test_other_meta_tags_keep_their_values(self) -> None:
        tag = '<meta name="description" content="Ezhou portal">'
        assert strip_nonces(tag) == tag

    @pytest.mark.parametrize("volatile", [
        "2026-11-27T21:08:02+00:00", "2019-07-01 08:30:00", "2019-07-01T08:30Z",
        "0a3f0887590a4278e52c94a3e8f02316", "123e4567-e89b-12d3-a456-426614174000",
        "dGhpcyBpcyBhIHNlc3Npb24gaWQgMTIzNDU2Nzg=",
    ])
    def test_timestamps_and_request_ids_are_replaced(self, volatile: str) -> None:
        assert volatile not in strip_nonces(f"<span>generated {volatile} ok</span>")

    @pytest.mark.parametrize("stable", [
        "/services/apply-for-a-business-licence.html", "internationalisation", "鄂州市人民政府门户网站",
        "2019", "deadbeef",
    ])
    def test_ordinary_text_links_and_short_hex_are_kept(self, stable: str) -> None:
        assert stable in strip_nonces(f'<a href="{stable}">{stable}</a>')


class TestContentDifference:
    def test_pages_differing_only_in_nonces_are_identical(self) -> None:
        page = ('<meta name="csrf-token" content="{n}"><script nonce="{n}">x</script>'
                "<p>鄂州市政务服务 online services</p><footer>{n} {t}</footer>")
        first = page.format(n="0a3f0887590a4278e52c94a3e8f02316", t="2026-11-27T21:08:02+00:00")
        second = page.format(n="f6a74b52faa78864d2c743bd670f8883", t="2026-11-27T21:08:03+00:00")
        assert content_difference(first, second) == 0.0

    def test_ten_changed_words_in_a_hundred_is_ten_percent(self) -> None:
        changed = [f"other{i}" if i < 10 else w for i, w in enumerate(WORDS)]
        assert content_difference(" ".join(WORDS), " ".join(changed)) == pytest.approx(0.10)

    def test_eleven_changed_words_in_a_hundred_is_more_than_ten_percent(self) -> None:
        changed = [f"other{i}" if i < 11 else w for i, w in enumerate(WORDS)]
        assert content_difference(" ".join(WORDS), " ".join(changed)) > 0.10

    def test_unrelated_pages_differ_completely(self) -> None:
        assert content_difference("<p>alpha beta</p>", "<div>gamma delta</div>") == 1.0

    def test_one_changed_paragraph_in_a_long_page_is_a_small_difference(self) -> None:
        paragraphs = [f"<p>notice {i} " + " ".join(WORDS[:20]) + "</p>" for i in range(200)]
        edited = [*paragraphs[:100], "<p>withdrawn</p>", *paragraphs[101:]]
        assert 0.0 < content_difference("".join(paragraphs), "".join(edited)) < 0.01

    def test_two_empty_pages_are_the_same(self) -> None:
        assert content_difference("", "") == 0.0

    def test_chinese_text_is_compared_character_by_character(self) -> None:
        assert tokens("<p>政务外网</p>") == ["<p>", "政", "务", "外", "网", "</p>"]
        assert content_difference("政务外网升级", "政务外网改造") == pytest.approx(1 - 8 / 12)


def _link(reference_ok: bool, ipv6_ok: bool) -> dict[str, Any]:
    return {"url": "https://www.ezhou.test/x", "reference": {"ok": reference_ok}, "ipv6": {"ok": ipv6_ok}}


class TestLinkRatio:
    def test_ratio_is_links_working_over_ipv6_among_links_working_over_ipv4(self) -> None:
        counted, working, ratio = link_ratio([_link(True, True), _link(True, True), _link(True, False)])
        assert (counted, working) == (3, 2)
        assert ratio == pytest.approx(2 / 3)

    def test_links_broken_over_ipv4_are_not_counted(self) -> None:
        assert link_ratio([_link(True, True), _link(False, False), _link(False, True)]) == (1, 1, 1.0)

    def test_no_countable_links_gives_no_ratio(self) -> None:
        assert link_ratio([_link(False, False)]) == (0, 0, None)
        assert link_ratio([]) == (0, 0, None)
