"""The agent-cap analysis (PC501): hand-checked cases and scale (the oracle: test_agent_cap_oracle.py)."""

from __future__ import annotations

import sys

from conftest import EXAMPLES, ROOT

from phasec.compiler.graph import RunbookGraph
from phasec.compiler.pipeline import analyze

sys.path.insert(0, str(ROOT / "benchmarks"))
import generate

HEAD = 'phase C "T" {\n  posture forward_only\n}\n'


def overlap(text: str):
    res = analyze(text, rules=False)
    assert not res.diagnostics, [(d.code, d.message) for d in res.diagnostics]
    return RunbookGraph(res.runbook).agent_overlap()


def runbook(agents: list[str], stages: str, slices: str = "", cap: int = 9) -> str:
    team = f"team {{\n  max_active {cap}\n" + "".join(f'  agent {a} "{a}"\n' for a in agents) + "}\n"
    return HEAD + team + stages + slices


def test_sequential_roster_larger_than_cap_is_fine():
    # Eleven agents, one after another: width 1 whatever the roster size.
    agents = [f"I{i}" for i in range(11)]
    slices = "".join(
        f'slice C{i} "s" {{\n  agent I{i}\n' + (f"  after C{i - 1}\n" if i else "") + "}\n" for i in range(11)
    )
    stages = 'stage 2 "run" {\n  covers ' + " ".join(f"C{i}" for i in range(11)) + "\n}\n"
    o = overlap(runbook(agents, stages, slices))
    assert o.width == 1


def test_parallel_group_counts_every_member():
    stages = 'stage 1 "p" {\n  parallel {\n    step "a" by P1\n    step "b" by P2\n    step "c" by P3\n  }\n  step "d" by P4\n}\n'
    o = overlap(runbook(["P1", "P2", "P3", "P4"], stages))
    assert o.width == 3
    assert o.agents == ["P1", "P2", "P3"]


def test_agent_stays_active_between_its_first_and_last_activity():
    # P1 works in stage 1 and again in stage 3, so it is active during stage 2 too.
    stages = (
        'stage 1 "a" {\n  step "x" by P1\n}\n'
        'stage 2 "b" {\n  parallel {\n    step "y" by P2\n    step "z" by P3\n  }\n}\n'
        'stage 3 "c" {\n  step "w" by P1\n}\n'
    )
    o = overlap(runbook(["P1", "P2", "P3"], stages))
    assert o.width == 3
    assert o.agents == ["P1", "P2", "P3"]
    assert set(o.point) <= {("step", "2", 1), ("step", "2", 2)} and o.point


def test_release_shortens_the_active_period():
    text = runbook(
        ["P1", "P2", "P3"],
        'stage 1 "a" {\n  step "x" by P1\n}\n'
        'stage 2 "b" {\n  parallel {\n    step "y" by P2\n    step "z" by P3\n  }\n}\n'
        'stage 3 "c" {\n  step "w"\n}\n',
    )
    assert overlap(text).width == 2
    # Without work in stage 3, an explicit release after stage 1 changes nothing...
    released = text.replace('agent P1 "P1"', 'agent P1 "P1" release_after 1')
    assert overlap(released).width == 2
    # ...but holding P1 until stage 3 makes it overlap with P2 and P3.
    held = text.replace('agent P1 "P1"', 'agent P1 "P1" release_after 3')
    assert overlap(held).width == 3


def test_unordered_slices_in_a_stage_overlap():
    slices = (
        'slice C1 "a" {\n  agent I1\n}\nslice C2 "b" {\n  agent I2\n}\nslice C3 "c" {\n  agent I3\n  after C1 C2\n}\n'
    )
    stages = 'stage 2 "run" {\n  covers C1 C2 C3\n}\n'
    o = overlap(runbook(["I1", "I2", "I3"], stages, slices))
    assert o.width == 2 and o.agents == ["I1", "I2"]


def test_phase_c_example_fits_its_cap():
    res = analyze((EXAMPLES / "phase-c.phc").read_text(), "phase-c.phc", rules=False)
    rb = res.runbook
    o = RunbookGraph(rb).agent_overlap()
    assert len(rb.agents()) == 11 and rb.team.max_active == 6
    # Planning: P1-P4 all carry out C0; nothing else runs then.
    assert o.width == 4 and o.agents == ["P1", "P2", "P3", "P4"]


def test_a_slice_closed_in_a_later_stage_spans_both_stages():
    """A step `for X` in a stage after the one that covers X extends X to that stage. Before language v2
    this made the activity order cyclic, and the agent-cap analysis went silent (None)."""
    stages = (
        'stage 1 "plan" {\n  covers C0\n  step "draft" by P1 for C0\n}\n'
        'stage 1.5 "drift check" {\n  parallel {\n    step "readout" by P2 for C0\n    step "regrounding" by P3\n  }\n}\n'
        'stage 2 "run" {\n  covers C1\n}\n'
    )
    slices = 'slice C0 "plan" {\n  agent P1\n}\nslice C1 "run" {\n  agent I1\n  after C0\n}\n'
    text = runbook(["P1", "P2", "P3", "I1"], stages, slices, cap=2)
    o = overlap(text)
    assert o is not None  # the order is acyclic: the analysis runs
    # P1 holds C0 from stage 1 until its closing step in stage 1.5, where P2 and P3 work in parallel.
    assert o.width == 3 and o.agents == ["P1", "P2", "P3"]
    res = analyze(text)
    assert [d.code for d in res.diagnostics if d.code.startswith("PC5")] == ["PC501"]
    # C1 waits for the end of C0, which is now in stage 1.5: ordering checks see it there.
    from phasec.compiler.graph import RunbookGraph as G

    assert G(res.runbook).slice_stage_span == {"C0": ("1", "1.5"), "C1": ("2", "2")}


# The brute-force comparison lives in test_agent_cap_oracle.py: an oracle that
# does not use the graph layer, over generated runbooks with steps, parallel
# groups, `for`, `release_after` and overlapping work.


def test_ten_thousand_slices(benchmark=None):
    text = generate.lanes(10_000, 50)
    res = analyze(text, "big.phc")
    caps = [d for d in res.diagnostics if d.code == "PC501"]
    assert len(caps) == 1
    assert caps[0].message.startswith("up to 50 agents can be active at once, more than max_active 6")
