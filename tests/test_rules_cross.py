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


# ── Class 6 parts covered by existing rules (checked here, not duplicated) ──────

CLASS6 = """phase C "x" {}
outputs o "docs" {
  artifact EV "EV.md" by C4 conditional
}
slice C3 "Plain" {
  trigger t "something" by g
  triggered "Do it."
}
slice C4 "Branching" branching {
  trigger t "something" by g
  always "Assess."
  defer_record C5
}
slice C5 "Needs" { after C4; requires EV }
gate g "bun run scan"
"""


def test_trigger_statements_on_a_plain_slice_are_pc407():
    """Trigger statements on a slice neither conditional nor branching: PC407 reports each."""
    ds = [d for d in analyze(CLASS6, "c6.phc").diagnostics if d.code == "PC407"]
    assert sorted(d.span.line for d in ds) == [6, 7]


def test_triggered_only_artifact_required_unconditionally_is_pc404():
    """A `conditional` artifact (of a branching slice) required with a plain `requires`: PC404."""
    ds = [d for d in analyze(CLASS6, "c6.phc").diagnostics if d.code == "PC404"]
    assert [(d.span.line, "`EV`" in d.message) for d in ds] == [(14, True)]
