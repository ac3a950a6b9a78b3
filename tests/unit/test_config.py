"""Settings resolved once: an option given wins over the environment, which wins over the defaults."""

from __future__ import annotations

from pathlib import Path

import pytest

from ezgov_infra.config import (
    DEFAULT_PLANS_DIR,
    DEFAULT_STATE_DIR,
    Settings,
    history_path,
    resolve_settings,
)

ENV = {"EZGOV_INVENTORY": "env-inv", "EZGOV_STATE_DIR": "env-state", "EZGOV_PLANS_DIR": "env-plans"}


class TestResolveSettings:
    def test_without_options_or_environment_the_defaults_hold(self) -> None:
        settings = resolve_settings(environ={})
        assert (settings.inventory, settings.state_dir, settings.plans_dir) == (
            Path("inventories/ezhou"), Path(".ezgov"), Path("migration_plans"))

    def test_the_environment_wins_over_the_defaults(self) -> None:
        settings = resolve_settings(environ=ENV)
        assert (settings.inventory, settings.state_dir, settings.plans_dir) == (
            Path("env-inv"), Path("env-state"), Path("env-plans"))

    def test_an_option_wins_over_the_environment(self) -> None:
        settings = resolve_settings(inventory=Path("opt-inv"), plans_dir=Path("opt-plans"), environ=ENV)
        assert (settings.inventory, settings.state_dir, settings.plans_dir) == (
            Path("opt-inv"), Path("env-state"), Path("opt-plans"))

    def test_an_empty_variable_counts_as_unset(self) -> None:
        settings = resolve_settings(environ={"EZGOV_STATE_DIR": "", "EZGOV_PLANS_DIR": ""})
        assert settings.state_dir == DEFAULT_STATE_DIR and settings.plans_dir == DEFAULT_PLANS_DIR

    def test_the_process_environment_is_read_when_none_is_given(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("EZGOV_PLANS_DIR", "from-process")
        assert resolve_settings().plans_dir == Path("from-process")


class TestSettings:
    def test_a_commands_own_options_override_only_what_they_give(self) -> None:
        root = Settings(inventory=Path("a"), state_dir=Path("s"), plans_dir=Path("p"))
        mine = root.overridden(state_dir=Path("mine"))
        assert (mine.inventory, mine.state_dir, mine.plans_dir) == (Path("a"), Path("mine"), Path("p"))
        assert root.overridden() == root

    def test_paths_under_the_state_dir_are_named_once(self) -> None:
        settings = Settings(state_dir=Path("/run/ezgov"))
        assert settings.history_db == history_path(Path("/run/ezgov")) == Path("/run/ezgov/history.sqlite")
        assert not settings.cache_dir.is_relative_to(Path("/run/ezgov"))  # a cache, not state

    def test_the_cache_is_the_users_unless_ezgov_cache_dir_says(self) -> None:
        from ezgov_infra.config import cache_home

        assert cache_home({"EZGOV_CACHE_DIR": "/srv/c", "XDG_CACHE_HOME": "/x"}) == Path("/srv/c")
        assert cache_home({"XDG_CACHE_HOME": "/x"}) == Path("/x/ezgov")
        assert cache_home({}) == Path.home() / ".cache" / "ezgov"
