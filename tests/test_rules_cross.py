"""Cross-rule behaviour of the issue-9 checks (rules-b): one cause gives one finding.

Fixture tests (test_rules.py) check each rule alone; these check how rules
share a cause without reporting it twice.
"""

from __future__ import annotations

from conftest import FIXTURES
from phasec.compiler.pipeline import analyze

LEDGER = FIXTURES / "rules" / "PC609_lanes_append_ledger.phc"


def _codes(text: str, name: str = "t.phc"):
    return [(d.code, d.message) for d in analyze(text, name).diagnostics if d.code in ("PC605", "PC609")]


def test_shared_ledger_is_one_finding_not_an_overlap_too():
    """PC609 reports lanes appending to one ledger; PC605 no longer reports the ledger file as an overlap."""
    found = _codes(LEDGER.read_text(), LEDGER.name)
    assert [c for c, _ in found].count("PC609") == 1
    overlaps = [m for c, m in found if c == "PC605"]
    # Only the overlap that is not the ledger file remains: `dev/active/**` against the folder `dev/active`.
    assert overlaps == ["slices `A1` and `A3` can run concurrently and both touch `dev/active/**` and `dev/active`"]


def test_ledger_file_shared_with_a_merge_rule_is_no_overlap():
    text = """phase MP-306 "x" { slice_prefix "" }
ledger progress "Ledger" in "dev/active/RUNBOOK.md" append_only { rule "On merge conflicts keep both sides' rows." }
slice A1 "a" { file "dev/active/RUNBOOK.md" }
slice A2 "b" { file "dev/active/RUNBOOK.md" }
"""
    assert _codes(text) == []


def test_the_same_file_without_a_ledger_is_still_an_overlap():
    text = """phase MP-306 "x" { slice_prefix "" }
slice A1 "a" { file "dev/active/RUNBOOK.md" }
slice A2 "b" { file "dev/active/RUNBOOK.md" }
"""
    assert [c for c, _ in _codes(text)] == ["PC605"]
