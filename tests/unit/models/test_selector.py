"""The one selector: `F` and its composition, the `--limit` grammar, and what `Subjects.select` refuses."""

from __future__ import annotations

from pathlib import Path

import pytest

from ezgov_infra.errors import InputError
from ezgov_infra.models import facets
from ezgov_infra.models.inventory import Inventory
from ezgov_infra.models.selector import ALL, All, AnyOf, F, Not, Subjects, Term, parse_limit
from ezgov_infra.store.inventory import load_inventory

CORE = {"device": ("ez-core-1",), "district": (), "region": ("ezhou",), "role": ("core",), "platform": ("frr",)}
ACCESS = {"device": ("taihe-ar-1",), "district": ("liangzihu",), "region": ("ezhou", "liangzihu", "taihe"),
          "role": ("access",), "platform": ("frr",)}
HUAWEI = {"device": ("duanwei-ar-1",), "district": ("huarong",), "region": ("ezhou", "huarong"),
          "role": ("access",), "platform": ("huawei_vrp",)}
DEVICES = Subjects("device", ("device", "district", "region", "role", "platform"),
                   {"duanwei-ar-1": HUAWEI, "ez-core-1": CORE, "taihe-ar-1": ACCESS})


class TestF:
    def test_a_keyword_matches_its_facet_by_shell_glob(self) -> None:
        assert F(platform="huawei_*").matches(HUAWEI)
        assert not F(platform="huawei_*").matches(ACCESS)

    def test_globs_are_case_sensitive(self) -> None:
        assert not F(role="Core").matches(CORE)

    def test_every_keyword_of_one_f_must_match(self) -> None:
        assert F(role="access", platform="frr").matches(ACCESS)
        assert not F(role="access", platform="frr").matches(HUAWEI)

    def test_a_facet_with_several_values_matches_when_any_does(self) -> None:
        assert F(region="liangzihu").matches(ACCESS)
        assert F(region="taihe").matches(ACCESS)
        assert not F(region="huarong").matches(ACCESS)

    def test_a_subject_without_the_fact_never_matches(self) -> None:
        assert not F(district="*").matches(CORE)
        assert not F(serial="*").matches(CORE)

    def test_and_or_and_not_compose(self) -> None:
        either = F(role="core") | F(platform="huawei_vrp")
        assert [either.matches(s) for s in (CORE, ACCESS, HUAWEI)] == [True, False, True]
        both = F(role="access") & ~F(platform="huawei_*")
        assert [both.matches(s) for s in (CORE, ACCESS, HUAWEI)] == [False, True, False]
        assert (~(F(role="core") | F(district="liangzihu"))).matches(HUAWEI)

    def test_composition_flattens_and_all_is_neutral(self) -> None:
        a, b, c = F(role="core"), F(platform="frr"), F(district="x")
        assert (a & b) & c == All((a, b, c))
        assert (a | b) | c == AnyOf((a, b, c))
        assert ALL & a == All((a,)) and ALL.matches(CORE)
        assert ~a == Not(a)

    def test_terms_lists_every_question_negated_ones_included(self) -> None:
        selector = F(role="core") | ~F(platform="frr", district="x")
        assert list(selector.terms()) == [Term("role", "core"), Term("platform", "frr"), Term("district", "x")]


class TestLimitGrammar:
    def test_commas_are_alternatives_and_repeated_options_must_all_match(self) -> None:
        selector = parse_limit(["role:core,district:liangzihu", "platform:frr"])
        assert selector == All((AnyOf((Term("role", "core"), Term("district", "liangzihu"))), Term("platform", "frr")))
        assert [selector.matches(s) for s in (CORE, ACCESS, HUAWEI)] == [True, True, False]

    def test_a_bare_glob_matches_any_key(self) -> None:
        selector = parse_limit(["liangzihu"])
        assert selector == Term(None, "liangzihu")
        assert selector.matches(ACCESS) and not selector.matches(CORE)

    def test_only_the_first_colon_separates_the_key(self) -> None:
        assert parse_limit(["interface:ez-core-1:eth0"]) == Term("interface", "ez-core-1:eth0")

    def test_spaces_and_empty_alternatives_are_ignored(self) -> None:
        assert parse_limit([" role:core , ,platform:frr "]) == AnyOf((Term("role", "core"), Term("platform", "frr")))

    def test_no_option_selects_everything(self) -> None:
        assert parse_limit([]) is ALL

    @pytest.mark.parametrize("text", ["", " , ", "district:", ":core"])
    def test_a_term_without_key_or_glob_is_bad_input(self, text: str) -> None:
        with pytest.raises(InputError) as caught:
            parse_limit([text])
        assert caught.value.exit_code == 2 and "KEY:GLOB" in str(caught.value)

    def test_a_selector_prints_in_the_grammar_it_was_read_from(self) -> None:
        for options in (["role:core,district:liangzihu", "platform:frr"], ["liangzihu"], ["device:a,device:b"]):
            assert str(parse_limit(options)) == " ".join(options)
        assert str(ALL) == ""


class TestSelect:
    def test_returns_the_matching_ids_in_order(self) -> None:
        assert DEVICES.select(F(platform="frr")) == ["ez-core-1", "taihe-ar-1"]

    def test_all_selects_everything_even_from_nothing(self) -> None:
        assert DEVICES.select(ALL) == ["duanwei-ar-1", "ez-core-1", "taihe-ar-1"]
        assert Subjects("device", ("device",), {}).select(ALL) == []

    def test_an_unknown_key_is_bad_input_naming_the_nearest_key(self) -> None:
        with pytest.raises(InputError) as caught:
            DEVICES.select(parse_limit(["distrct:liangzihu"]))
        message = str(caught.value)
        assert caught.value.exit_code == 2
        assert "unknown key 'distrct'" in message and "did you mean 'district'?" in message
        assert "keys: device, district, region, role, platform" in message

    def test_a_key_far_from_every_key_gets_no_guess(self) -> None:
        with pytest.raises(InputError) as caught:
            DEVICES.select(F(vendor="huawei"))
        assert "unknown key 'vendor'" in str(caught.value) and "did you mean" not in str(caught.value)

    def test_a_term_that_matches_nothing_is_bad_input_with_the_nearest_values(self) -> None:
        with pytest.raises(InputError) as caught:
            DEVICES.select(parse_limit(["district:liangzhu"]))
        assert str(caught.value) == "district:liangzhu matches no device (did you mean district:liangzihu?)"

    def test_a_bare_glob_that_matches_nothing_suggests_any_value(self) -> None:
        with pytest.raises(InputError, match=r"^taihe-ar-2 matches no device \(did you mean taihe-ar-1"):
            DEVICES.select(parse_limit(["taihe-ar-2"]))

    def test_a_negated_term_is_checked_too(self) -> None:
        with pytest.raises(InputError, match="platform:junos matches no device"):
            DEVICES.select(~F(platform="junos"))

    def test_every_problem_is_reported_at_once(self) -> None:
        with pytest.raises(InputError) as caught:
            DEVICES.select(parse_limit(["vendor:x", "role:cor"]))
        assert "unknown key 'vendor'" in str(caught.value) and "role:cor matches no device" in str(caught.value)

    def test_terms_that_each_match_but_not_together_are_an_error_unless_empty_is_fine(self) -> None:
        selector = F(role="core", district="liangzihu")
        with pytest.raises(InputError, match="no device matches all of it"):
            DEVICES.select(selector)
        assert DEVICES.select(selector, empty_ok=True) == []


@pytest.fixture(scope="module")
def inventory(sample_inventory: Path) -> Inventory:
    return load_inventory(sample_inventory)


class TestInventoryFacets:
    def test_devices_answer_to_their_site_region_path_and_lab_flag(self, inventory: Inventory) -> None:
        chosen = facets.devices(inventory).select(F(region="liangzihu", lab="true"))
        assert chosen == ["liangzihu-agg-1", "taihe-ar-1", "taihe-sw-1", "tujianao-ar-1"]

    def test_a_site_answers_to_the_devices_at_it(self, inventory: Inventory) -> None:
        assert facets.sites(inventory).select(F(device="taihe-ar-1")) == ["taihe-gsc"]

    def test_every_listable_kind_offers_its_own_id_key(self, inventory: Inventory) -> None:
        for kind, noun in facets.NOUNS.items():
            subjects = facets.records(inventory, kind)
            assert subjects.noun == noun and noun in subjects.keys
            assert subjects.facets, kind
            for facet in subjects.facets.values():
                assert set(facet) <= set(subjects.keys)
