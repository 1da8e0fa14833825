"""The shipped examples: complete, clean, and stable (IR goldens)."""

from __future__ import annotations

import json
import re

import pytest
from conftest import CORPUS, EXAMPLES, GOLDENS, ROOT

from phasec.compiler.pipeline import analyze

EXAMPLE_FILES = sorted(EXAMPLES.glob("*.phc"))


def test_there_are_examples_for_two_differently_shaped_phases():
    assert {p.name for p in EXAMPLE_FILES} >= {"phase-c.phc", "phase-b.phc", "voiceterm-mp306.phc"}


def test_nothing_of_the_seed_is_lost():
    seed = (CORPUS / "seed" / "phase-c-runbook.md").read_text()
    phc = (EXAMPLES / "phase-c.phc").read_text()
    spans = re.findall(r"`([^`\n]+)`", seed)
    assert len(spans) > 100  # the extraction itself works
    missing = sorted({s for s in spans if s not in phc})
    assert missing == []


def test_nothing_of_the_plain_git_runbook_is_lost():
    """Every inline code span of the second team's runbook is in the example, written as is or as a review
    token template (`REVIEW-OK <AGENT>` stands for `REVIEW-OK AGENT-1` ... for each agent)."""
    source = (CORPUS / "other" / "voiceterm-mp306-worktree-runbook.md").read_text()
    path = EXAMPLES / "voiceterm-mp306.phc"
    phc = path.read_text()
    rb = analyze(phc, str(path.relative_to(ROOT)), rules=False).runbook
    assert rb is not None and rb.review is not None
    tokens = rb.review.stop + [v.token for v in rb.review.verdicts]
    expanded = {t.replace("<AGENT>", a.id) for t in tokens for a in rb.agents()}
    spans = set(re.findall(r"`([^`\n]+)`", source))
    assert len(spans) > 90  # the extraction itself works
    missing = sorted(s for s in spans if s not in phc and s not in expanded)
    assert missing == []
    assert "READY FOR REVIEW AGENT-2" in expanded and "REVIEW-CHANGES AGENT-3" in expanded


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=lambda p: p.stem)
def test_examples_lint_clean(path):
    res = analyze(path.read_text(), str(path.relative_to(ROOT)))
    assert [(d.code, d.span.line, d.message) for d in res.diagnostics] == []


def _ir_json(path) -> str:
    rel = str(path.relative_to(ROOT))
    res = analyze(path.read_text(), rel, rules=False)
    assert not res.has_errors
    return json.dumps(json.loads(res.runbook.model_dump_json()), indent=1, sort_keys=True) + "\n"


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=lambda p: p.stem)
def test_ir_goldens(path, golden):
    golden(GOLDENS / "ir" / (path.stem + ".json"), _ir_json(path))


def test_phase_c_example_carries_the_planning_detail():
    rb = analyze((EXAMPLES / "phase-c.phc").read_text(), "phase-c.phc").runbook
    c1 = rb.slice("C1")
    assert (c1.owner.id, c1.backup.id) == ("@rawr-runtime-host", "@rawr-platform-duty")
    assert "packages/state/src/repo-state.ts" in {f.path for f in c1.files}
    c4 = rb.slice("C4")
    # C4 always runs (assessment and disposition); only its tightening is conditional.
    assert c4.branching and not c4.conditional and c4.triggers and c4.defer_records
    assert {f.path for f in c4.files if f.when == "triggered"} >= {
        "docs/projects/orpc-ingest-workflows-spec/DECISIONS.md"
    }
    c0_stages = {st.id for st in rb.stages if any(r.id == "C0" for step in st.steps for r in step.slices)}
    assert c0_stages == {"1", "1.5"}  # the planning slice is closed by the stage 1.5 drift check
    c5 = rb.slice("C5")
    assert [(d.slice.id, d.if_triggered) for d in c5.after] == [("C3", False), ("C4", True)]
    assert {d.id for d in rb.deferred} >= {"full_d016_productized_ux_control_plane"}
    assert any(s.signals for s in rb.slices)
    assert rb.invariants and rb.owners
    scripts = {g.script for g in rb.gates if g.script}
    assert {"phase-c:gate:drift-core", "phase-c:c1:quick", "phase-c:gates:exit"} <= scripts
