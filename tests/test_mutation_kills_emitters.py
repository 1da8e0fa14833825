"""Tests written against the survivors of a random sample of the emitters' mutants.

`python benchmarks/mutation.py 'phasec.emitters*' --sample 250 --seed 1`; each test
names the behaviour it pins, and docs/testing.md ("Emitters: a random sample")
lists which mutant each one kills.  They assert what the emitted files say or do:
the CI workflow's setup steps, the packet's text, where agent files go, and the
commands the plain-git and Graphite scripts run.
"""

from __future__ import annotations

import yaml
from conftest import EXAMPLES

from phasec.compiler.pipeline import analyze
from phasec.emitters import EmitOptions, agent_protocol, ci, execution_packet
from phasec.emitters import scripts as scripts_emitter


def _runbook(text: str, path: str = "t.phc"):
    res = analyze(text, path, rules=False)
    assert not res.has_errors, [f"{d.span.line}: {d.code} {d.message}" for d in res.diagnostics]
    return res.runbook


def _one(outputs: dict[str, str], suffix: str) -> str:
    (name,) = [n for n in outputs if n.endswith(suffix)]
    return outputs[name]


# ─── CI workflow: the toolchain set up for the commands' tools ──────────────


def _setup_steps(command: str) -> list[dict]:
    text = (
        'phase M "M" {\n  posture forward_only\n}\ncadence quick\n'
        f'slice M1 "x" {{\n  owner @o\n  gate quick "{command}"\n}}\n'
    )
    out = ci.emit(_runbook(text), EmitOptions(extras=frozenset({"ci"})))
    steps = yaml.safe_load(_one(out, ".yml"))["jobs"]["M1"]["steps"]
    assert steps[0]["uses"].startswith("actions/checkout@")
    assert steps[-1]["run"] == command
    return steps[1:-1]


def test_npm_commands_get_node_with_the_npm_cache_and_a_clean_install():
    setup = _setup_steps("npm test")
    assert [s.get("uses", "").split("@")[0] for s in setup] == ["actions/setup-node", ""]
    assert setup[0]["with"] == {"node-version": "lts/*", "cache": "npm"}
    assert setup[1]["run"] == "npm ci"


def test_yarn_commands_get_node_lts_with_the_yarn_cache():
    setup = _setup_steps("yarn test")
    assert setup[0]["uses"].startswith("actions/setup-node@")
    assert setup[0]["with"] == {"node-version": "lts/*", "cache": "yarn"}
    assert setup[1]["run"] == "yarn install --frozen-lockfile"


def test_setup_serves_the_slices_commands_as_well_as_the_exit_gates():
    """One toolchain for the workflow: npm in a slice gate, make in the exit gate."""
    text = (
        'phase M "M" {\n  posture forward_only\n}\ncadence quick\n'
        'slice M1 "x" {\n  owner @o\n  gate quick "npm test"\n}\n'
        'gate closing "make check"\nexit {\n  gate closing\n}\n'
    )
    wf = yaml.safe_load(_one(ci.emit(_runbook(text), EmitOptions(extras=frozenset({"ci"}))), ".yml"))
    assert set(wf["jobs"]) == {"M1", "phase-exit"}
    for job in wf["jobs"].values():
        uses = [s.get("uses", "").split("@")[0] for s in job["steps"]]
        assert "actions/setup-node" in uses
        assert {"name": "Install dependencies", "run": "npm ci"} in job["steps"]


# ─── execution packet ───────────────────────────────────────────────────────


def _voiceterm_packet(text: str | None = None) -> str:
    path = EXAMPLES / "voiceterm-mp306.phc"
    rb = _runbook(text if text is not None else path.read_text(encoding="utf-8"), "examples/voiceterm-mp306.phc")
    return _one(execution_packet.emit(rb, EmitOptions()), "_EXECUTION_PACKET.md")


def test_packet_states_who_approves_a_slice_before_merge():
    packet = _voiceterm_packet()
    a2 = packet[packet.index("### A2") :]
    a2 = a2[: a2.index("\n### ", 1)] if "\n### " in a2[1:] else a2
    assert "- Approval before merge: by `reviewer`" in a2


def test_review_lanes_are_listed_when_the_tokens_name_the_slice():
    """A `<SLICE>` placeholder (without `<AGENT>`) still calls for the per-lane token table."""
    text = (EXAMPLES / "voiceterm-mp306.phc").read_text(encoding="utf-8")
    for token in ("READY FOR REVIEW", "REVIEW-OK", "REVIEW-CHANGES"):
        text = text.replace(f'"{token} <AGENT>"', f'"{token} <SLICE>"')
    assert "<AGENT>" not in text.split("review {", 1)[1].split("}", 1)[0]
    packet = _voiceterm_packet(text)
    assert "| `A2` | `AGENT-2` | `READY FOR REVIEW A2` | approved: `REVIEW-OK A2`" in packet


def test_multi_line_protocol_rule_continues_under_its_bullet():
    text = 'phase P "P" {\n  posture forward_only\n}\nprotocol {\n  rule "first line\\nsecond line"\n}\n'
    packet = _one(execution_packet.emit(_runbook(text), EmitOptions()), "_EXECUTION_PACKET.md")
    # A "- " bullet: the continuation is indented by two spaces, the bullet's width.
    assert "\n- Rule: first line\n  second line\n" in packet


# ─── agent protocol files: the planning root ───────────────────────────────

PLANNING_ROOT = """\
phase P "P" {
  posture forward_only
}
team {
  max_active 2
  agent W1 "Worker"
}
protocol {
  artifact plan "AGENT_<N>_PLAN.md"
}
outputs early "docs/early" {
  artifact NOTES "NOTES.md" by S2
}
outputs late "docs/late" {
  artifact REPORT "REPORT.md" by S1
}
slice S1 "First" {
  agent W1
}
slice S2 "Second" {
  after S1
  agent W1
}
"""


def test_agent_files_go_under_the_outputs_of_the_first_slices_artifacts():
    """Not the first outputs block: the one holding what the first slice (S1) produces."""
    out = agent_protocol.emit(_runbook(PLANNING_ROOT), EmitOptions())
    assert list(out) == ["agents/docs/late/AGENT_W1_PLAN.md"]


# ─── scripts: plain git ─────────────────────────────────────────────────────

PLAIN = """\
phase P "Plain" {
  posture forward_only
}
repo {
  branch trunk "develop"
  branch integ "feature/p-integration" from trunk
  worktrees per_slice at "../wt-<SLICE>"
  clean trunk
}
cadence quick
slice P1 "First" {
  branch "feature/p-p1"
  gate quick "true"
}
"""


def _plain_scripts() -> dict[str, str]:
    return scripts_emitter.emit(_runbook(PLAIN, "plain.phc"), EmitOptions())


def test_plain_git_lane_gets_its_per_slice_worktree_from_the_last_repo_branch():
    """No `base`, `merge into` or `slice_base`: lanes start from the last repo branch,
    each in the worktree the `worktrees per_slice at` template names."""
    out = _plain_scripts()
    # ensure_slice BRANCH WORKTREE PARENT-CANDIDATES...
    assert "\nensure_slice 'feature/p-p1' '../wt-P1' 'feature/p-integration'\n" in out["scripts/stack.sh"]
    assert "check_lane 'P1' 'feature/p-p1' '../wt-P1'" in out["scripts/preflight.sh"]
    assert "into='feature/p-integration'" in out["scripts/submit.sh"]


def test_plain_git_preflight_says_a_missing_clean_root_comes_from_the_remote():
    pre = _plain_scripts()["scripts/preflight.sh"]
    advice = "it is a stack root: create it first (stack.sh creates it only from the remote's copy)"
    assert any("'develop'" in line and advice in line for line in pre.splitlines())


# ─── scripts: Graphite ──────────────────────────────────────────────────────

GRAPHITE = """\
phase G "Graphite" {
  posture forward_only
}
repo {
  tool graphite
  branch trunk "x/trunk" from "main"
  branch integ "x/integ" from trunk
}
slice G1 "Conditional" conditional {
  trigger t "x" by g_scan
  branch "x/g1"
}
slice G2 "Independent" {
  branch "x/g2"
}
gate g_scan "true"
"""


def _graphite_stack() -> list[str]:
    out = scripts_emitter.emit(_runbook(GRAPHITE, "graphite.phc"), EmitOptions())
    return [line.strip() for line in out["scripts/stack.sh"].splitlines() if line.strip().startswith("ensure_slice ")]


def test_graphite_slices_without_a_slice_base_stack_on_the_last_repo_branch():
    assert "ensure_slice 'x/g1' '' 'x/integ'" in _graphite_stack()


def test_include_conditional_stacks_on_a_conditional_slice_first_in_the_order():
    """G1 (conditional, first in slice order) goes under G2 when included, even with
    no dependency between them; without it G2 starts from the base."""
    lines = _graphite_stack()
    assert "ensure_slice 'x/g2' '' 'x/g1' 'x/integ'" in lines
    assert "ensure_slice 'x/g2' '' 'x/integ'" in lines


# ─── `phasec graph`: the slice graph (render is what the command prints) ────

GRAPH = 'phase G "Graph title" {\n  posture forward_only\n}\nslice A "two\\nlines" {\n}\n'


def _graph(fmt: str) -> str:
    from phasec.emitters.slicegraph import render

    return render(_runbook(GRAPH, "g.phc"), fmt)


def test_dot_graph_is_labelled_with_the_phase_title_and_laid_out_top_down():
    head = _graph("dot").splitlines()[:4]
    assert head[0] == 'digraph "phase G" {'
    assert '  label="Graph title";' in head
    assert "  rankdir=TB;" in head


def test_mermaid_label_puts_a_title_on_one_line():
    """Mermaid node labels cannot hold a raw newline: it becomes one space."""
    assert '  s_A["A: two lines"]' in _graph("mermaid").splitlines()
