"""The language server's configuration cache (``load_config(start, cache)``): a configuration file
is read once, and again only when it changes; what it gives is what a fresh read gives."""

from __future__ import annotations

import os

import pytest

import phasec.compiler.config as config_mod
from phasec.compiler.config import ConfigError, load_config


@pytest.fixture
def reads(monkeypatch):
    seen: list[str] = []
    real = config_mod._read_config

    def counting(f):
        seen.append(f.name)
        return real(f)

    monkeypatch.setattr(config_mod, "_read_config", counting)
    return seen


def _write(path, text: str, bump: int = 0) -> None:
    path.write_text(text, encoding="utf-8")
    if bump:  # a later modification time even on a coarse clock
        st = path.stat()
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + bump))


def test_an_unchanged_file_is_read_once_and_a_changed_one_again(tmp_path, reads):
    runbook = tmp_path / "sub" / "r.phc"
    runbook.parent.mkdir()
    runbook.write_text("", encoding="utf-8")
    toml = tmp_path / "pyproject.toml"
    _write(toml, '[tool.phasec]\nignore = ["PC605"]\n')
    cache: dict = {}
    first = load_config(runbook, cache)
    again = load_config(runbook, cache)
    assert first.ignore == ["PC605"] and again is first
    assert reads == ["pyproject.toml"]
    _write(toml, '[tool.phasec]\nignore = ["PC605", "PC606"]\n', bump=10**9)
    changed = load_config(runbook, cache)
    assert changed.ignore == ["PC605", "PC606"] == load_config(runbook).ignore
    assert reads == ["pyproject.toml", "pyproject.toml", "pyproject.toml"]  # the last one: without the cache


def test_a_pyproject_without_a_phasec_table_is_passed_over_from_the_cache_too(tmp_path, reads):
    (tmp_path / "phasec.toml").write_text('select = ["PC6"]\n', encoding="utf-8")
    inner = tmp_path / "pkg"
    inner.mkdir()
    (inner / "pyproject.toml").write_text('[project]\nname = "x"\n', encoding="utf-8")
    cache: dict = {}
    for _ in range(3):
        assert load_config(inner / "r.phc", cache).select == ["PC6"]
    assert sorted(reads) == ["phasec.toml", "pyproject.toml"]


def test_an_unusable_file_is_reported_every_time_as_a_fresh_read_reports_it(tmp_path):
    (tmp_path / "phasec.toml").write_text('ignore = ["PC6O5"]\n', encoding="utf-8")
    cache: dict = {}
    with pytest.raises(ConfigError) as fresh:
        load_config(tmp_path / "r.phc")
    for _ in range(2):
        with pytest.raises(ConfigError) as cached:
            load_config(tmp_path / "r.phc", cache)
        assert str(cached.value) == str(fresh.value)
        assert [d.message for d in cached.value.diagnostics] == [d.message for d in fresh.value.diagnostics]
        assert cached.value.diagnostics and cached.value.source == fresh.value.source


def test_a_new_configuration_file_nearer_the_runbook_is_found_at_once(tmp_path):
    (tmp_path / "phasec.toml").write_text('ignore = ["PC605"]\n', encoding="utf-8")
    inner = tmp_path / "pkg"
    inner.mkdir()
    cache: dict = {}
    assert load_config(inner / "r.phc", cache).ignore == ["PC605"]
    (inner / "phasec.toml").write_text('ignore = ["PC606"]\n', encoding="utf-8")
    assert load_config(inner / "r.phc", cache).ignore == ["PC606"]
