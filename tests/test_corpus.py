"""The real runbooks, as their authors wrote them: the linter finds their contradictions.

tests/corpus/*-as-written.phc express the corpus documents without corrections
(each file's header lists the contradictions it preserves).  The findings are
pinned in goldens (regenerated with --update-goldens and reviewed); the ones the
product must catch are also asserted by hand below.
"""

from __future__ import annotations

import pytest

from conftest import GOLDENS, ROOT
from phasec.compiler.pipeline import analyze

CORPUS = ROOT / "tests" / "corpus"


def findings(name: str):
    path = CORPUS / name
    res = analyze(path.read_text(), f"tests/corpus/{name}")
    front = [d for d in res.diagnostics if d.code[:3] in ("PC0", "PC1", "PC2")]
    assert front == [], "the as-written runbooks must parse and resolve"
    return res.diagnostics


def find(diags, code: str, *fragments: str):
    return [d for d in diags if d.code == code and all(f in d.message for f in fragments)]


def test_phase_c_c1_gates_depend_on_package_json_wiring_of_c2_c3():
    ds = findings("phase-c-as-written.phc")
    # One cause (`scripts { added_in C2 C3 }`), one finding naming both gates.
    (hit,) = find(ds, "PC701", "slice `C1`", "added in slices `C2`, `C3`")
    assert "gates `c1_quick`, `c1_full`" in hit.message
    assert [r.span.line for r in hit.related][:1] == [397]  # c1_full's binding, as a related location


def test_phase_c_c4_disposition_required_before_c5_although_c4_is_conditional():
    ds = findings("phase-c-as-written.phc")
    assert find(ds, "PC404", "slice `C5`", "`C4_DISPOSITION`", "conditional slice `C4`")


def test_phase_c_orchestrator_outputs_that_no_step_produces():
    ds = findings("phase-c-as-written.phc")
    unproduced = {d.message.split("`")[1] for d in find(ds, "PC706", "produced by nothing")}
    assert unproduced >= {
        "ORCHESTRATOR_PLAN_VERBATIM",
        "ORCHESTRATOR_SCRATCHPAD",
        "PHASE_C_EXECUTION_REPORT",
        "C5_REVIEW_DISPOSITION",
        "FINAL_PHASE_C_HANDOFF",
    }


def test_phase_b_names_phase_a_branches_and_slices():
    ds = findings("phase-b-as-written.phc")
    assert find(ds, "PC802", "codex/phase-a-runtime-implementation", "phase B")
    wrong_ids = {d.message.split("`")[1] for d in find(ds, "PC803")}
    assert wrong_ids == {f"A{i}" for i in range(10)}


@pytest.mark.parametrize("name", ["phase-c-as-written.phc", "phase-b-as-written.phc"])
def test_corpus_findings_golden(name, golden):
    ds = findings(name)
    text = "".join(f"{d.span.line}:{d.span.column} {d.code} {d.severity.value} {d.message}\n" for d in ds)
    golden(GOLDENS / "corpus" / (name.replace(".phc", ".txt")), text)
