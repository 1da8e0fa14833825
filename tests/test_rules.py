"""Every lint rule has a fixture that triggers it and one that does not.

Fixtures live in tests/fixtures/rules/, named after the rule code:
``PC302_<what>.phc`` must trigger PC302, ``PC302_clean_<what>.phc`` must not.
Expectations sit beside the input, as comments:

    # expect: PC302 14:9 slice `C1` depends on `C5`, which is in a later stage (3)

Each expect line gives the code, line:column of the primary span and the
exact message.  A triggering fixture must produce exactly its expected
diagnostics of that code; a clean fixture must produce none of that code.
"""

from __future__ import annotations

import re

import pytest
from conftest import FIXTURES

from phasec.compiler.pipeline import analyze
from phasec.compiler.rules import all_rules

RULES = FIXTURES / "rules"
EXPECT = re.compile(r"#\s*expect:\s*(PC\d{3})\s+(\d+):(\d+)\s+(.*?)\s*$")


def fixtures():
    return sorted(RULES.glob("PC*.phc"))


def expectations(text: str) -> list[tuple[str, int, int, str]]:
    out = []
    for line in text.splitlines():
        m = EXPECT.search(line)
        if m:
            out.append((m.group(1), int(m.group(2)), int(m.group(3)), m.group(4)))
    return out


@pytest.mark.parametrize("path", fixtures(), ids=lambda p: p.stem)
def test_rule_fixture(path):
    code = path.stem.split("_")[0]
    text = path.read_text()
    res = analyze(text, path.name)
    front = [d for d in res.diagnostics if d.code[:3] in ("PC0", "PC1", "PC2")]
    assert not front, f"fixture does not compile: {[(d.code, d.span.line, d.message) for d in front]}"
    got = sorted((d.code, d.span.line, d.span.column, d.message) for d in res.diagnostics if d.code == code)
    if "_clean" in path.stem:
        assert got == [], f"{code} must not fire on {path.name}"
        assert not expectations(text), "clean fixtures carry no expectations"
    else:
        want = sorted(e for e in expectations(text) if e[0] == code)
        assert want, f"{path.name} has no `# expect: {code} ...` lines"
        assert got == want


def test_every_rule_has_a_triggering_and_a_clean_fixture():
    names = [p.stem for p in fixtures()]
    missing = []
    for r in all_rules():
        if not any(n.startswith(r.code + "_") and "_clean" not in n for n in names):
            missing.append(f"{r.code} trigger")
        if not any(n.startswith(r.code + "_clean") for n in names):
            missing.append(f"{r.code} clean")
    assert not missing, missing


def test_rule_docs_have_three_parts():
    for r in all_rules():
        assert r.summary and not r.summary.startswith("#"), r.code
        for part in ("## What it does", "## Why it matters", "## Example"):
            assert part in r.doc, f"{r.code} documentation lacks '{part}'"


def test_codes_are_unique_and_well_formed():
    codes = [r.code for r in all_rules()]
    assert len(codes) == len(set(codes))
    assert all(re.fullmatch(r"PC[3-9]\d\d", c) for c in codes)


# ─── PC408: the migration of `conditional` + `always` to `branching` ─────────

_OLD_FORM = """phase C "Migration" {
  posture forward_only
}
gate c4_scan { run "bun scripts/phase-c/verify-c4-dedupe-trigger.mjs" }
gate drift_core { run "bun run phase-c:gate:drift-core" }
cadence quick "Quick suite"
outputs docs "docs" {
  artifact EVIDENCE "EVIDENCE.md" by C3
}
slice C3 "Distribution" { objective "ship" }
slice C4 "Decision tightening" conditional {
  after C3
  trigger d009 "middleware chains without a dedupe marker" by c4_scan
  always "Assess the trigger and record the disposition."
  triggered "Tighten D-009."
  gate quick drift_core always
  gate quick c4_scan when triggered
  file "docs/DECISIONS.md" when triggered
  requires EVIDENCE when triggered
  defer_record C5
}
slice C5 "Review" { after C4 if_triggered }
"""


def _paths(s) -> dict[str, set[str]]:
    """On which paths (triggered / deferred) each part of a slice happens, under the slice's own kind."""
    both = {"triggered", "deferred"}

    def where(always: bool, when: str | None) -> set[str]:
        if when:
            return {when}
        if s.branching or always:
            return set(both)
        return {"triggered"}  # conditional: an unmarked part happens only when the slice runs

    out = {}
    for b in s.gates:
        out["gate " + b.cadence.id + " " + " ".join(i.gate.id for i in b.items if i.gate)] = where(b.always, b.when)
    for f in s.files:
        out["file " + f.path] = where(False, f.when)
    for r in s.requires:
        out["requires " + r.id] = where(False, s.requires_when.get(r.id))
    return out


def test_pc408_fix_migrates_to_branching_and_keeps_every_part_on_its_paths():
    from phasec.fix import fix_text

    before = analyze(_OLD_FORM, "t.phc")
    (d,) = [x for x in before.diagnostics if x.code == "PC408"]
    assert d.fix is not None and d.fix.safe
    res = fix_text(_OLD_FORM, "t.phc")
    want = _OLD_FORM.replace('"Decision tightening" conditional {', '"Decision tightening" branching {').replace(
        "gate quick drift_core always", "gate quick drift_core"
    )
    assert res.text == want
    after = analyze(res.text, "t.phc")
    assert [x.code for x in after.diagnostics if x.code[:3] in ("PC0", "PC1", "PC2", "PC4")] == []
    old_c4, new_c4 = before.runbook.slice("C4"), after.runbook.slice("C4")
    assert new_c4.branching and not new_c4.conditional
    assert _paths(new_c4) == _paths(old_c4)
    assert new_c4.always == old_c4.always and new_c4.triggered == old_c4.triggered


def test_pc408_fix_is_unsafe_when_an_unmarked_part_would_start_running_on_both_paths():
    from phasec.fix import fix_text

    text = _OLD_FORM.replace('file "docs/DECISIONS.md" when triggered', 'file "docs/DECISIONS.md"')
    (d,) = [x for x in analyze(text, "t.phc").diagnostics if x.code == "PC408"]
    assert d.fix is not None and not d.fix.safe
    assert "mark them `when triggered`" in d.fix.description
    assert fix_text(text, "t.phc").text == text  # `lint --fix` applies safe fixes only
