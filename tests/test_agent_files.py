"""PC815 and the agent protocol emitter compute agent file paths with one function."""

from __future__ import annotations

from pathlib import Path

import pytest

from phasec.compiler.agent_files import agent_files
from phasec.compiler.pipeline import analyze
from phasec.emitters import EmitError, EmitOptions, agent_protocol

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "rules"


@pytest.mark.parametrize("name", sorted(p.name for p in (ROOT / "examples").glob("*.phc")))
def test_the_emitter_writes_exactly_the_paths_agent_files_computes(name):
    rb = analyze((ROOT / "examples" / name).read_text(), name).runbook
    written = sorted(agent_protocol.emit(rb, EmitOptions()))
    assert written == sorted(rel for _, _, rel in agent_files(rb))


def test_the_collision_pc815_reports_is_the_one_compile_refuses():
    path = FIXTURES / "PC815_template_without_agent.phc"
    res = analyze(path.read_text(), path.name)
    flagged = [d for d in res.diagnostics if d.code == "PC815"]
    assert len(flagged) == 1 and res.has_errors
    rel = "agents/docs/_phase-c-runtime-pass/AGENT_PLAN.md"
    assert f"`{rel}`" in flagged[0].message
    with pytest.raises(EmitError, match=f"two agent protocol files would be written to {rel}"):
        agent_protocol.emit(res.runbook, EmitOptions())


def test_the_clean_fixture_compiles_its_agent_files():
    path = FIXTURES / "PC815_clean_one_file_per_agent.phc"
    rb = analyze(path.read_text(), path.name).runbook
    assert sorted(agent_protocol.emit(rb, EmitOptions())) == [
        "agents/docs/_phase-c-runtime-pass/AGENT_I1_PLAN.md",
        "agents/docs/_phase-c-runtime-pass/AGENT_I2_PLAN.md",
        "agents/docs/_phase-c-runtime-pass/reviews/I1/FINAL.md",
        "agents/docs/_phase-c-runtime-pass/reviews/I2/FINAL.md",
    ]
