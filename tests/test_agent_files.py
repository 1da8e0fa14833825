"""PC815 and the agent protocol emitter compute agent file paths with one function."""

from __future__ import annotations

import re
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


def _plan_of(rb, agent_id: str) -> str:
    """The agent's plan file (the artifact of role ``plan``, which holds the assignment) as compiled."""
    files = agent_protocol.emit(rb, EmitOptions())
    role = agent_protocol.roles(rb.protocol)
    (rel,) = [rel for agent, art, rel in agent_files(rb) if agent.id == agent_id and role[art.id] == "plan"]
    return files[rel]


def _role_variant() -> str:
    """every_string.phc with slice K2 given to the role `rev` (bound to K_B) instead of K_B, and
    the parallel step to `rev` instead of K_A."""
    text = (ROOT / "tests" / "fixtures" / "emit" / "every_string.phc").read_text()
    text = text.replace("  agent K_B\n  owner @k-owner\n  after K1", "  agent rev\n  owner @k-owner\n  after K1", 1)
    return text.replace('step "Parallel step text." by K_A', 'step "Parallel step text." by rev', 1)


def test_a_slice_and_a_step_given_to_a_role_are_in_the_bound_agents_assignment():
    # Slice K2 names the role `rev` (bound to K_B) instead of K_B, and the parallel step is given
    # to `rev`: the agent cap counts both as K_B's work, so K_B's plan must list them, with the role.
    res = analyze(_role_variant(), "every_string.phc")
    assert not res.has_errors, [d.message for d in res.diagnostics if d.severity == "error"]
    plan = _plan_of(res.runbook, "K_B")
    assert "- Executes: `K2` (Slice two title) as `rev`." in plan
    assert "- Stage 1 (Stage one title), as `rev`: Parallel step text." in plan
    plan_a = _plan_of(res.runbook, "K_A")
    assert "`K2`" not in plan_a.split("## Protocol")[0]
    assert "Parallel step text." not in plan_a


def _runbooks():
    paths = sorted((ROOT / "examples").glob("*.phc")) + sorted((ROOT / "tests" / "fixtures").rglob("*.phc"))
    texts = [(p.name, p.read_text(encoding="utf-8")) for p in paths] + [("every_string.phc, roles", _role_variant())]
    for name, text in texts:
        res = analyze(text, name)
        protocol = res.runbook.protocol
        if (
            not res.has_errors
            and protocol
            and res.runbook.agents()
            and "plan" in agent_protocol.roles(protocol).values()
        ):
            yield name, res.runbook


def test_every_agents_assignment_lists_the_slices_the_agent_cap_counts_as_its_work():
    # One fact, two readers: the slices the agent files say an agent executes are the slices the
    # agent-cap analysis (PC501) gives that agent, for every example and fixture with agent files.
    from phasec.compiler.facts import facts

    seen = 0
    for name, rb in _runbooks():
        activities = facts(rb).agent_activities
        for agent in rb.agents():
            plan = _plan_of(rb, agent.id)
            line = next((ln for ln in plan.splitlines() if ln.startswith("- Executes: ")), "")
            listed = set(re.findall(r"`([^`]+)` \(", line))
            counted = {a[1] for a in activities.get(agent.id, []) if a[0] == "slice"}
            assert listed == counted, (name, agent.id, listed, counted)
            seen += bool(counted)
    assert seen >= 5


def test_a_slice_naming_the_agent_and_its_role_is_listed_once_as_the_agents_own():
    text = _role_variant().replace(
        "  agent rev\n  owner @k-owner\n  after K1", "  agent rev K_B\n  owner @k-owner\n  after K1", 1
    )
    res = analyze(text, "every_string.phc")
    assert not res.has_errors, [d.message for d in res.diagnostics if d.severity == "error"]
    assert "- Executes: `K2` (Slice two title).\n" in _plan_of(res.runbook, "K_B")


def test_an_agents_plan_states_its_release_point_and_its_charter_as_bullets():
    # Kills agent_protocol.agent_context 83 (release_after dropped) and 91 (the charter numbered),
    # survivors of the emitters' full mutation run (docs/testing.md).
    text = _role_variant().replace(
        '    agent K_A "Agent A responsibility" skills typescript {',
        '    agent K_A "Agent A responsibility" skills typescript release_after 1 {',
        1,
    )
    text = text.replace(
        '      charter "Charter text."\n', '      charter "Charter text."\n      charter "Second charter text."\n', 1
    )
    res = analyze(text, "every_string.phc")
    assert not res.has_errors, [d.message for d in res.diagnostics if d.severity == "error"]
    plan = _plan_of(res.runbook, "K_A")
    assert "- Released after `1`.\n" in plan
    assert "\n- Charter text.\n- Second charter text.\n" in plan
    assert "Released after" not in _plan_of(res.runbook, "K_B")
