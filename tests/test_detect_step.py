"""The detection stage compiles the configured demands and actors once per process."""

from __future__ import annotations

from pathlib import Path

from monitor.config import load_settings
from monitor.detect_step import load_resources
from tests.conftest import write_config


def test_resources_are_compiled_once_for_the_same_configuration(tmp_path: Path) -> None:
    cfg = write_config(tmp_path, f"sqlite:///{tmp_path / 'm.db'}")
    first = load_resources(load_settings(cfg, env={}))
    assert load_resources(load_settings(cfg, env={})) is first  # every detection chunk asks again
    other = tmp_path / "other"
    other.mkdir()
    extra = '\n[[actors]]\nname = "Jane Roe"\naliases = ["Jane Roe"]\nkind = "person"\nside = "neutral"\n'
    changed = load_resources(load_settings(write_config(other, "sqlite:///x.db", extra), env={}))
    assert changed is not first and "Jane Roe" in {a.name for a in changed.actors}
    assert "Jane Roe" not in {a.name for a in first.actors}
