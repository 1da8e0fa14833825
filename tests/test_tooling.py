"""The project's own checks: ruff (lint and format) and mypy pass, and CI runs them.

The tools come with the test extras (pyproject.toml); a missing one skips with the
house "missing tool" reason, which CI=true turns into a failure (tests/tooling.py).
"""

from __future__ import annotations

import subprocess
import tomllib

import tooling
import yaml
from conftest import ROOT

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
CI_RUN = (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def _run(*cmd: str) -> subprocess.CompletedProcess:
    exe = tooling.find(cmd[0])
    assert exe is not None
    return subprocess.run([exe, *cmd[1:]], capture_output=True, text=True, cwd=ROOT, timeout=600)


@tooling.needs("ruff")
def test_ruff_check_passes():
    r = _run("ruff", "check", "--no-cache", ".")
    assert r.returncode == 0, r.stdout + r.stderr


@tooling.needs("ruff")
def test_ruff_format_check_passes():
    r = _run("ruff", "format", "--check", "--no-cache", ".")
    assert r.returncode == 0, r.stdout + r.stderr


@tooling.needs("mypy")
def test_mypy_passes_on_the_package():
    r = _run("mypy", "phasec")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "Success: no issues found" in r.stdout


@tooling.needs("ruff")
def test_ruff_finds_what_it_is_configured_for(tmp_path):
    """The configuration is live: a late-binding closure (B023) and unsorted imports (I001) are reported."""
    bad = tmp_path / "bad.py"
    bad.write_text(
        "import sys\nimport os\n\nfns = []\nfor i in range(3):\n    fns.append(lambda: i)\nprint(os, sys)\n",
        encoding="utf-8",
    )
    r = subprocess.run(
        [tooling.find("ruff") or "ruff", "check", "--no-cache", "--config", str(ROOT / "pyproject.toml"), str(bad)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert r.returncode == 1
    assert "B023" in r.stdout and "I001" in r.stdout


def test_configuration_is_the_documented_one():
    ruff = PYPROJECT["tool"]["ruff"]
    assert ruff["line-length"] == 120
    assert {"E", "F", "W", "B", "UP", "SIM", "I"} <= set(ruff["lint"]["select"])
    mypy = PYPROJECT["tool"]["mypy"]
    assert mypy["check_untyped_defs"] and mypy["warn_unused_ignores"]
    assert "pydantic.mypy" in mypy["plugins"]
    strict = [o for o in mypy.get("overrides", []) if o.get("disallow_untyped_defs")]
    assert strict and {"phasec.cli.*", "phasec.compiler.render", "phasec.format"} <= set(strict[0]["module"])
    extras = " ".join(PYPROJECT["project"]["optional-dependencies"]["test"])
    assert "ruff>=" in extras and "mypy>=" in extras


def test_ci_runs_the_checks_before_the_tests():
    pytest_at = CI_RUN.index("python -m pytest")
    for cmd in ("ruff check .", "ruff format --check .", "mypy phasec"):
        assert cmd in CI_RUN and CI_RUN.index(cmd) < pytest_at, cmd
    # `set -e`: a failing check stops the run
    assert "set -euo pipefail" in CI_RUN


def test_pre_commit_config_uses_local_hooks_only():
    cfg = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    repos = cfg["repos"]
    assert [r["repo"] for r in repos] == ["local"]  # nothing fetched when a hook runs
    hooks = {h["id"]: h for h in repos[0]["hooks"]}
    assert {"ruff-check", "ruff-format", "mypy"} <= set(hooks)
    assert all(h["language"] == "system" for h in hooks.values())
    assert hooks["ruff-format"]["entry"].startswith("ruff format --check")
