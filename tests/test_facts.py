"""Derived facts (phasec/compiler/facts.py): one gate expansion, one slice order, one view of who works.

The point of the facts module is that the outputs cannot disagree; the first
tests read each output the way a person would (the hover text, the acceptance
gates document, the work breakdown YAML, and the emitted gates.sh run in a
throw-away git repository) and check they name the same commands.
"""

from __future__ import annotations

import random
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from conftest import EXAMPLES
from helpers import git_env

from phasec.compiler.facts import facts, topo_order
from phasec.compiler.pipeline import analyze
from phasec.emitters import EmitOptions, emit_all
from phasec.emitters import workbreakdown as wb
from phasec.lsp.hover import gate_hover

needs_git = pytest.mark.skipif(shutil.which("git") is None or shutil.which("bash") is None, reason="git/bash missing")

#: A runbook without `scripts { runner }`: scripts run as `npm run <script>`.
NO_RUNNER = """\
phase Z "No runner" {
  posture forward_only
}
team {
  max_active 2
  agent A1 "Worker"
}
owners {
  owner @z-owner "Owner"
}
cadence quick "Per commit"
cadence full "Before submit"
gate check_all {
  script "check:all"
}
gate lint_and_types {
  run "eslint ."
  use check_all
}
check manual_review "A human reads the diff"
gate suite {
  script "gate:suite"
  use lint_and_types manual_review
}
slice Z1 "First" {
  owner @z-owner
  agent A1
  gate quick check_all
  gate full lint_and_types suite
}
slice Z2 "Second" {
  owner @z-owner
  agent A1
  after Z1
  gate quick "echo inline-one"
}
exit {
  covers Z1 Z2
  gate suite
}
"""


def _runbooks():
    out = [pytest.param(p.read_text(encoding="utf-8"), p.name, id=p.stem) for p in sorted(EXAMPLES.glob("*.phc"))]
    out.append(pytest.param(NO_RUNNER, "no-runner.phc", id="no-runner"))
    return out


def _compile(text: str, name: str):
    res = analyze(text, name)
    assert not res.has_errors, [d.message for d in res.diagnostics if d.severity.value == "error"]
    return res.runbook, emit_all(res.runbook, EmitOptions())


def _commands(rb, gate_id: str) -> list[str]:
    return [st.text for st in facts(rb).expand_gate(gate_id) if st.kind == "run"]


def _git_repo(tmp: Path) -> dict[str, str]:
    env = git_env(tmp)
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=tmp, env=env, check=True)
    subprocess.run(["git", "commit", "-q", "--allow-empty", "-m", "init"], cwd=tmp, env=env, check=True)
    return env


@needs_git
@pytest.mark.parametrize("text,name", _runbooks())
def test_every_gate_shows_the_same_commands_everywhere(text, name, tmp_path):
    rb, outputs = _compile(text, name)
    gates_doc = next(t for p, t in outputs.items() if p.endswith("_ACCEPTANCE_GATES.md"))
    breakdown = yaml.safe_load(next(t for p, t in outputs.items() if p.endswith("_WORKBREAKDOWN.yaml")))
    script = tmp_path / "gates.sh"
    script.write_text(outputs["scripts/gates.sh"], encoding="utf-8")
    repo = tmp_path / "repo"
    repo.mkdir()
    env = _git_repo(repo)

    def run(*args: str) -> str:
        r = subprocess.run(["bash", str(script), *args], cwd=repo, env=env, capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
        return r.stdout

    # gates.sh: --list names the targets; a dry run prints each command it would run as "+ command".
    dry: dict[str, list[str]] = {}
    for line in run("--list").splitlines():
        key = "exit" if line == "exit" else line.replace(" ", "/")
        dry[key] = [ln[2:] for ln in run("--dry-run", *line.split()).splitlines() if ln.startswith("+ ")]
    # The work breakdown: per slice and cadence, the listed commands (in the slice, or in the top-level map).
    listed: dict[str, list[str]] = {}
    for s in breakdown["slices"]:
        for cadence, cmds in (s.get("gates") or {}).items():
            listed[f"{s['id']}/{cadence}"] = cmds
    for entry in breakdown.get("gates") or {}:
        for cadence, cmds in breakdown["gates"][entry].items():
            listed["exit" if entry == "phase_exit" else f"{entry}/{cadence}"] = cmds

    bound: list[tuple[str, str]] = []  # (target key, gate id)
    for s in rb.slices:
        for b in s.gates:
            bound += [(f"{s.id}/{b.cadence.id}", i.gate.id) for i in b.items if i.gate is not None]
    bound += [("exit", r.id) for r in (rb.exit.gates if rb.exit else [])]
    assert bound, "the runbook binds no named gates"
    checked = 0
    for key, gid in bound:
        cmds = _commands(rb, gid)
        hover = "\n".join(gate_hover(rb, rb.gate(gid)))
        for cmd in cmds:
            assert cmd in dry[key], (gid, key, cmd, dry[key])
            assert cmd in listed[key], (gid, key, cmd, listed[key])
            assert f"`{cmd}`" in gates_doc or f"\n{cmd}\n" in gates_doc or f"{cmd} &&" in gates_doc, (gid, cmd)
            assert f"`{cmd}`" in hover or f"\n{cmd}\n" in hover, (gid, cmd, hover)
            checked += 1
        if rb.gate(gid).script:
            # One command, named the same way by all four.
            (cmd,) = cmds
            assert f"runs as `{cmd}`" in hover
    assert checked >= len(bound) // 2


def test_a_script_without_a_declared_runner_runs_with_npm_run_in_hover_and_scripts():
    rb, outputs = _compile(NO_RUNNER, "no-runner.phc")
    hover = "\n".join(gate_hover(rb, rb.gate("check_all")))
    assert "runs as `npm run check:all`" in hover
    assert "step 'run' 'check_all' 'npm run check:all'" in outputs["scripts/gates.sh"]
    # The suite's definition (command contract) and its expansion agree on the nested script.
    body = [(st.kind, st.text) for st in facts(rb).gate_body(rb.gate("suite"))]
    assert body == [("run", "eslint ."), ("run", "npm run check:all"), ("check", "A human reads the diff")]


# ─── the cycle guard ─────────────────────────────────────────────────────────

CYCLE = NO_RUNNER.replace('gate check_all {\n  script "check:all"\n}', "gate check_all {\n  use suite\n}")


def test_gate_expansion_stops_at_a_composition_cycle():
    rb = analyze(CYCLE, "cycle.phc", rules=False).runbook
    f = facts(rb)
    steps = f.expand_gate("lint_and_types")
    # lint_and_types -> check_all -> suite (scripted: runs as its invocation, no recursion there)
    assert [(s.kind, s.text) for s in steps] == [("run", "eslint ."), ("run", "npm run gate:suite")]
    # Through the suite's definition the composition comes back to lint_and_types: the cycle is a step, once.
    flat = f.flatten_gate(rb.gate("lint_and_types"))
    assert [s.kind for s in flat] == ["run", "cycle", "check"]
    assert flat[1].text == "lint_and_types -> check_all -> suite -> lint_and_types"
    hover = "\n".join(gate_hover(rb, rb.gate("check_all")))
    assert "# cycle: check_all -> suite -> lint_and_types -> check_all" in hover


def test_a_gate_using_itself_expands_to_one_cycle_step():
    rb = analyze(
        NO_RUNNER.replace('  run "eslint ."\n', '  run "eslint ."\n  use lint_and_types\n'), "self.phc", rules=False
    ).runbook
    steps = facts(rb).expand_gate("lint_and_types")
    assert [(s.kind, s.text) for s in steps] == [
        ("run", "eslint ."),
        ("cycle", "lint_and_types -> lint_and_types"),
        ("run", "npm run check:all"),
    ]
    # The work breakdown and the documents render it without recursing.
    ctx = wb.workbreakdown_context(rb)
    assert ctx["gates"]


# ─── slice order ─────────────────────────────────────────────────────────────


def _reference_order(items, deps):
    """The specification, naively: repeatedly take the first item (in source order) whose
    dependencies are all taken; when none is, take the first remaining one."""
    keys = [k for k, _ in items]
    left = list(items)
    done: set = set()
    out = []
    while left:
        pick = next(((k, v) for k, v in left if all(d in done or d not in keys or d == k for d in deps[k])), left[0])
        left.remove(pick)
        done.add(pick[0])
        out.append(pick[0])
    return out


@pytest.mark.parametrize("seed", range(40))
def test_topological_order_matches_the_specification(seed):
    rnd = random.Random(seed)
    n = rnd.randint(1, 25)
    keys = [f"S{i}" for i in rnd.sample(range(100), n)]
    deps = {k: [rnd.choice(keys + ["missing"]) for _ in range(rnd.randint(0, 3))] for k in keys}
    items = [(k, deps[k]) for k in keys]
    got = [k for k, _ in topo_order(items, lambda i: i[0], lambda i: i[1])]
    assert got == _reference_order(items, deps)


def test_slice_order_is_dependency_order_with_cycles_last_in_source_order():
    text = NO_RUNNER.replace("  after Z1\n", "  after Z1 Z3\n") + (
        'slice Z3 "Third" {\n  owner @z-owner\n  agent A1\n}\n'
        'slice Z4 "Fourth" {\n  owner @z-owner\n  agent A1\n  after Z5\n}\n'
        'slice Z5 "Fifth" {\n  owner @z-owner\n  agent A1\n  after Z4\n}\n'
    )
    rb = analyze(text, "order.phc", rules=False).runbook
    assert [s.id for s in facts(rb).slice_order] == ["Z1", "Z3", "Z2", "Z4", "Z5"]
    assert facts(rb) is facts(rb)  # computed once per runbook


# ─── who works on what ───────────────────────────────────────────────────────


def test_agent_facts_feed_the_graph_and_the_rules():
    rb = analyze(EXAMPLES.joinpath("phase-c.phc").read_text(encoding="utf-8"), "phase-c.phc").runbook
    from phasec.compiler.graph import RunbookGraph

    f = facts(rb)
    assert RunbookGraph(rb).agent_activities() is f.agent_activities
    assert f.working_agents == {a for a, acts in f.agent_activities.items() if acts}
    # A slice is staffed when it names agents or an agent step carries it out (the activity-graph edges).
    g = RunbookGraph(rb).activity_graph
    for s in rb.slices:
        by_step = any(
            n[0] == "step"
            and any(
                r for st in rb.stages if st.id == n[1] for step in st.steps if step.number == n[2] for r in step.agents
            )
            for n in g.predecessors(("slice", s.id))
        )
        assert (s.id in f.staffed_slices) == bool(s.agents or by_step), s.id


# ─── one environment, never mutated ──────────────────────────────────────────


def test_rendering_documents_and_scripts_in_either_order_gives_the_same_output(tmp_path):
    from phasec.emitters import acceptance_gates, scripts
    from phasec.emitters.env import environment

    rb = analyze(EXAMPLES.joinpath("phase-c.phc").read_text(encoding="utf-8"), "phase-c.phc").runbook
    opts = EmitOptions(templates=str(tmp_path))  # a fresh (uncached) environment for this test

    environment.cache_clear()
    docs_then_scripts = (acceptance_gates.emit(rb, opts), scripts.emit(rb, opts))
    environment.cache_clear()
    later_scripts = scripts.emit(rb, opts)
    later_docs = acceptance_gates.emit(rb, opts)
    assert (later_docs, later_scripts) == docs_then_scripts
    # Rendering everything changes nothing in the shared environment.
    filters = dict(environment(str(tmp_path)).filters)
    globals_ = dict(environment(str(tmp_path)).globals)
    emit_all(rb, opts)
    assert dict(environment(str(tmp_path)).filters) == filters
    assert dict(environment(str(tmp_path)).globals) == globals_
    environment.cache_clear()


# ─── scale: no recursion, no per-slice scans ─────────────────────────────────


def test_a_long_chain_of_slices_without_branches_compiles(tmp_path):
    """stack.sh looks through slices without a branch to the latest one with a branch:
    over a 3,000-slice chain (deeper than Python's recursion limit)."""
    n = 3000
    out = [
        'phase Z "Chain" {',
        "  posture forward_only",
        "}",
        "repo {",
        "  tool graphite",
        '  branch root "codex/phase-z-root"',
        "  slice_base root",
        "}",
        "team {",
        "  max_active 1",
        '  agent A1 "Worker"',
        "}",
        "owners {",
        '  owner @z-owner "Owner"',
        "}",
    ]
    for i in range(n):
        out.append(f'slice Z{i} "Slice {i}" {{')
        out += ["  owner @z-owner", "  agent A1"]
        if i:
            out.append(f"  after Z{i - 1}")
        if i in (0, n - 1):
            out.append(f'  branch "codex/phase-z-s{i}"')
        out.append("}")
    out += ["exit {", "  covers " + " ".join(f"Z{i}" for i in range(n)), "}"]
    rb, outputs = _compile("\n".join(out) + "\n", "chain.phc")
    assert [s.id for s in facts(rb).slice_order] == [f"Z{i}" for i in range(n)]
    stack_sh = outputs["scripts/stack.sh"]
    # The last slice's branch is cut from the first one's, through 2,998 slices without a branch.
    assert "ensure_slice 'codex/phase-z-s2999' '' 'codex/phase-z-s0'" in stack_sh  # (no worktree)


def test_descendants_of_many_slices_in_one_pass_equal_the_union():
    from phasec.compiler.graph import RunbookGraph

    rb = analyze(EXAMPLES.joinpath("phase-c.phc").read_text(encoding="utf-8"), "phase-c.phc").runbook
    g = RunbookGraph(rb)
    ids = [s.id for s in rb.slices]
    for k in range(len(ids)):
        some = ids[k::3]
        assert g.slice_descendants_of(some) == set().union(*(g.slice_descendants(i) for i in some))


# ─── YAML scalars ────────────────────────────────────────────────────────────

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=3000, deadline=None)
@given(st.text(alphabet="aZz09_./ +<>*()=,:-eExXoObBtTnNyY~#'\"", max_size=12))
def test_yaml_scalars_read_back_as_the_same_string(text):
    from phasec.emitters.env import yaml_flow, yaml_scalar

    assert yaml.safe_load(f"k: {yaml_scalar(text)}\n") == {"k": text}
    assert yaml.safe_load(f"k: {yaml_flow([text, 'x'])}\n") == {"k": [text, "x"]}
