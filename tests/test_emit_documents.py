"""The markdown packet emitters: acceptance gates, execution packet, implementation
spec, planning handoff and the per-agent protocol skeletons.

* the emitted acceptance gates carry every gate command and every package.json
  script (key and value) of the hand-written reference;
* goldens of every emitted document for both examples (``pytest --update-goldens``);
* ``--assume`` shows one path of a conditional slice; ``--templates`` overrides one
  template; headers; determinism; no output path escapes the output folder.
"""

from __future__ import annotations

import hashlib
import json
import os
import posixpath
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import CORPUS, EXAMPLES, GOLDENS, ROOT

from phasec.compiler.agent_files import relpath
from phasec.compiler.pipeline import analyze
from phasec.emitters import (
    EmitError,
    EmitOptions,
    acceptance_gates,
    agent_protocol,
    emit_all,
    execution_packet,
    implementation_spec,
    planning_handoff,
)
from phasec.emitters import _documents as docs

DOC_EMITTERS = (acceptance_gates, execution_packet, implementation_spec, planning_handoff, agent_protocol)
EXAMPLE_FILES = [EXAMPLES / "phase-b.phc", EXAMPLES / "phase-c.phc"]
BACKTICKED_COMMAND = re.compile(r"`((?:bun|bunx) [^`]+)`")
JSON_BLOCK = re.compile(r"```json\n(.*?)\n```", re.S)


def runbook(path: Path):
    res = analyze(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))
    assert not res.has_errors, [d.message for d in res.diagnostics]
    return res.runbook


def documents(rb, options: EmitOptions | None = None) -> dict[str, str]:
    options = options or EmitOptions()
    out: dict[str, str] = {}
    for mod in DOC_EMITTERS:
        out.update(mod.emit(rb, options))
    return out


def from_text(text: str):
    res = analyze(text, "mini.phc", rules=False)
    assert not res.has_errors, [(d.code, d.message) for d in res.diagnostics]
    return res.runbook


@pytest.fixture(scope="module")
def phase_c():
    return runbook(EXAMPLES / "phase-c.phc")


@pytest.fixture(scope="module")
def phase_b():
    return runbook(EXAMPLES / "phase-b.phc")


# ─── the hard requirement: the reference's commands and command contract ─────


def test_phase_c_acceptance_gates_carry_every_reference_command(phase_c):
    ref = (CORPUS / "phase-c" / "PHASE_C_ACCEPTANCE_GATES.md").read_text(encoding="utf-8")
    out = documents(phase_c)["PHASE_C_ACCEPTANCE_GATES.md"]
    commands = sorted(set(BACKTICKED_COMMAND.findall(ref)))
    assert len(commands) > 20  # the extraction itself works
    missing = [c for c in commands if f"`{c}`" not in out]
    assert missing == []


def test_phase_c_acceptance_gates_carry_the_reference_command_contract(phase_c):
    ref_text = (CORPUS / "phase-c" / "PHASE_C_ACCEPTANCE_GATES.md").read_text(encoding="utf-8")
    out = documents(phase_c)["PHASE_C_ACCEPTANCE_GATES.md"]
    ref = json.loads(JSON_BLOCK.search(ref_text).group(1))
    blocks = JSON_BLOCK.findall(out)
    assert len(blocks) == 1
    ours = json.loads(blocks[0])
    assert len(ref) == 19
    for key, value in ref.items():
        assert key in ours, key
        assert ours[key] == value, key
        assert json.dumps(key) in out and json.dumps(value) in out
    # Nothing beyond the contract: only gates whose script body the runbook defines.
    assert list(ours) == list(ref)


def test_phase_b_acceptance_gates_carry_every_reference_command(phase_b):
    ref = (CORPUS / "phase-b" / "PHASE_B_ACCEPTANCE_GATES.md").read_text(encoding="utf-8")
    out = documents(phase_b)["PHASE_B_ACCEPTANCE_GATES.md"]
    commands = sorted(set(BACKTICKED_COMMAND.findall(ref)))
    assert len(commands) > 10
    assert [c for c in commands if f"`{c}`" not in out] == []
    # Phase B plans no package.json scripts (its reference has no contract block):
    # scripts without a body in the runbook are pre-existing, not part of a contract.
    assert JSON_BLOCK.search(ref) is None
    assert JSON_BLOCK.search(out) is None
    assert "`bun run phase-a:gates:exit`" in out


@pytest.mark.parametrize("phase", ["b", "c"])
def test_execution_packet_carries_reference_owners_paths_and_order(phase, phase_b, phase_c):
    rb = {"b": phase_b, "c": phase_c}[phase]
    P = phase.upper()
    ref = (CORPUS / f"phase-{phase}" / f"PHASE_{P}_EXECUTION_PACKET.md").read_text(encoding="utf-8")
    out = documents(rb)[f"PHASE_{P}_EXECUTION_PACKET.md"]
    handles = set(re.findall(r"`(@[a-z-]+)`", ref))
    assert handles and {h for h in handles if f"`{h}`" not in out} == set()
    paths = set(re.findall(r"^  - `([^`*]+)`", ref, re.M))
    assert len(paths) > 20
    assert {p for p in paths if p not in out} == set()
    branches = set(re.findall(r"`(codex/[^`]+)`", ref))
    assert branches and {b for b in branches if f"`{b}`" not in out} == set()
    for heading in (
        "## Start Here",
        "## Objective",
        "## Locked Constraints",
        "## Slice Plan",
        "## Deferred",
        "## First-Failure Signals",
        "## Branch/Worktree Contract",
        "```mermaid",
    ):
        assert heading in out


def test_execution_packet_slice_order_is_topological_and_marks_the_branching_slice(phase_c):
    out = documents(phase_c)["PHASE_C_EXECUTION_PACKET.md"]
    assert "1. `C0 -> C1 -> C2 -> C3 -> C4 (branching) -> C5 -> C5A -> C6 -> C7`" in out
    # The order rule that only restates the chain is not repeated.
    assert out.count("C0 -> C1 -> C2 -> C3 -> C4 (branching) -> C5") == 1
    assert "  C4 -.->|if triggered| C5" in out
    # C4 always runs: a solid box labelled branching, not the dashed box of a conditional slice.
    assert "C4: Conditional D-009/D-010 tightening (branching)" in out and "  class C4 conditional" not in out


def test_slice_order_follows_dependencies_then_declaration_order():
    rb = from_text(
        'phase X "T" {\n}\n'
        'slice X3 "c" {\n  after X2\n}\n'
        'slice X1 "a" {\n}\n'
        'slice X2 "b" {\n  after X1\n}\n'
        'slice X0 "z" {\n}\n'
    )
    assert [s.id for s in docs.slice_order(rb)] == ["X1", "X2", "X3", "X0"]


# ─── goldens ─────────────────────────────────────────────────────────────────


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=lambda p: p.stem)
def test_document_goldens(path, golden, request):
    out = documents(runbook(path))
    base = GOLDENS / "emit" / path.stem
    for rel, text in sorted(out.items()):
        golden(base / rel, text)
    if not request.config.getoption("--update-goldens"):
        # No stale goldens for documents that are no longer emitted (other emitters
        # keep their goldens in the same folder: scripts/, the work breakdown, ...).
        on_disk = {p.relative_to(base).as_posix() for p in base.rglob("*") if p.is_file()}
        mine = {p for p in on_disk if re.fullmatch(r"PHASE_[^/]+\.md", p) or p.startswith("agents/")}
        assert mine == set(out)


# ─── conditional slices ──────────────────────────────────────────────────────

TRIGGER = "detects middleware chain depth >=3"
TRIGGERED_STEP = "Tighten D-009 and/or D-010 in `DECISIONS.md`."
NOT_TRIGGERED_STEP = "Do not mutate D-009/D-010."
DEFER_RECORD = "If not triggered, the defer disposition is recorded in"


def test_both_paths_are_shown_by_default(phase_c):
    out = documents(phase_c)
    gates, packet = out["PHASE_C_ACCEPTANCE_GATES.md"], out["PHASE_C_EXECUTION_PACKET.md"]
    assert TRIGGER in gates and DEFER_RECORD in gates
    assert TRIGGERED_STEP in packet and NOT_TRIGGERED_STEP in packet
    assert "assumed" not in packet.split("## Start Here")[0]


def test_assume_deferred_shows_only_the_deferred_path(phase_c):
    out = documents(phase_c, EmitOptions(assume={"C4": "deferred"}))
    for name, text in out.items():
        if name.startswith("PHASE_"):
            assert "`C4` assumed **deferred**" in text, name
            assert TRIGGERED_STEP not in text, name
            assert TRIGGER not in text, name
    assert NOT_TRIGGERED_STEP in out["PHASE_C_EXECUTION_PACKET.md"]
    assert DEFER_RECORD in out["PHASE_C_ACCEPTANCE_GATES.md"]
    assert "rerun_touched_slice_full_commands" not in out["PHASE_C_ACCEPTANCE_GATES.md"]
    # Gates that run on both paths stay.
    assert "`bun run phase-c:c4:assess`" in out["PHASE_C_ACCEPTANCE_GATES.md"]
    assert "`bun run phase-c:gate:c4-disposition`" in out["PHASE_C_ACCEPTANCE_GATES.md"]
    packet = out["PHASE_C_EXECUTION_PACKET.md"]
    assert "C4 (branching, assumed deferred)" in packet
    assert "C4 -.->" not in packet and "C4 --> C5" not in packet  # the if_triggered edge does not hold
    assert "C4_TRIGGER_EVIDENCE.md` (triggered path only)" not in packet


def test_assume_triggered_shows_only_the_triggered_path(phase_c):
    out = documents(phase_c, EmitOptions(assume={"C4": "triggered"}))
    for name, text in out.items():
        if name.startswith("PHASE_"):
            assert "`C4` assumed **triggered**" in text, name
            assert NOT_TRIGGERED_STEP not in text, name
            assert DEFER_RECORD not in text, name
    assert TRIGGER in out["PHASE_C_ACCEPTANCE_GATES.md"]
    assert TRIGGERED_STEP in out["PHASE_C_EXECUTION_PACKET.md"]
    packet = out["PHASE_C_EXECUTION_PACKET.md"]
    assert "  C4 --> C5" in packet and "C4 -.->" not in packet


def test_assume_through_the_cli(tmp_path):
    r = _compile(tmp_path / "out", "--assume", "C4=deferred")
    assert r.returncode == 0, r.stderr
    text = (tmp_path / "out" / "PHASE_C_ACCEPTANCE_GATES.md").read_text(encoding="utf-8")
    assert "`C4` assumed **deferred**" in text and TRIGGER not in text


# ─── templates override ──────────────────────────────────────────────────────


def _compile(out: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "phasec", "compile", "examples/phase-c.phc", "-o", str(out), *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )


def _tree(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): p.read_text(encoding="utf-8") for p in folder.rglob("*") if p.is_file()}


def test_templates_override_changes_only_that_output(tmp_path):
    tpl = tmp_path / "templates"
    tpl.mkdir()
    (tpl / "PLANNING_HANDOFF.md.j2").write_text(
        '{% import "_macros.md.j2" as m %}{{ m.header(source, sha256) }}\nCUSTOM HANDOFF {{ phase }} -> {{ names.packet }}\n',
        encoding="utf-8",
    )
    # A per-artifact template (AGENT_<ID>.md.j2) overrides only that kind of agent file.
    (tpl / "AGENT_FINAL.md.j2").write_text("FINAL {{ agent.id }} {{ objective }}\n", encoding="utf-8")
    r = _compile(tmp_path / "default")
    assert r.returncode == 0, r.stderr
    r = _compile(tmp_path / "custom", "--templates", str(tpl))
    assert r.returncode == 0, r.stderr
    default, custom = _tree(tmp_path / "default"), _tree(tmp_path / "custom")
    assert set(default) == set(custom)
    changed = sorted(p for p in default if default[p] != custom[p] and p != "manifest.json")
    finals = [p for p in default if re.search(r"/AGENT_[^/]+_FINAL_[^/]+\.md$", p)]
    assert len(finals) == 11
    assert changed == sorted(["PHASE_C_PLANNING_HANDOFF.md", *finals])
    assert custom["PHASE_C_PLANNING_HANDOFF.md"].endswith("CUSTOM HANDOFF C -> PHASE_C_EXECUTION_PACKET.md\n")
    assert custom[next(p for p in finals if "AGENT_I1_" in p)] == "FINAL I1 C1_C4_RUNTIME_IMPLEMENTATION_OWNER\n"


# ─── headers, determinism, paths ─────────────────────────────────────────────


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=lambda p: p.stem)
def test_every_document_starts_with_the_generated_header(path):
    rel = str(path.relative_to(ROOT))
    sha = hashlib.sha256(path.read_text(encoding="utf-8").encode("utf-8")).hexdigest()
    header = f"<!-- Generated by phasec from {rel} (sha256 {sha}). Do not edit. -->\n"
    out = documents(runbook(path))
    assert len(out) > 10
    for name, text in out.items():
        assert text.startswith(header), name
        assert text.endswith("\n") and not text.endswith("\n\n"), name
        assert "\n\n\n" not in text, name


EMIT_IN_SUBPROCESS = """
import json, sys
sys.path.insert(0, "tests")
from test_emit_documents import documents, runbook, EXAMPLE_FILES
from phasec.emitters import EmitOptions
out = {}
for path in EXAMPLE_FILES:
    for assume in ({}, {"C4": "deferred"}):
        rb = runbook(path)
        if assume and rb.slice("C4") is None:
            continue
        out[f"{path.stem}:{sorted(assume.items())}"] = documents(rb, EmitOptions(assume=assume))
print(json.dumps(out, sort_keys=True))
"""


def test_output_is_byte_identical_across_processes():
    """No dependence on hash-seeded set or dict order: two interpreters, two seeds, same bytes."""
    runs = []
    for seed in ("1", "2"):
        env = dict(os.environ, PYTHONHASHSEED=seed)
        r = subprocess.run(
            [sys.executable, "-c", EMIT_IN_SUBPROCESS], capture_output=True, text=True, cwd=ROOT, env=env
        )
        assert r.returncode == 0, r.stderr
        runs.append(r.stdout)
    assert runs[0] == runs[1] and len(runs[0]) > 100_000


@pytest.mark.parametrize(
    "path, assume",
    [
        (EXAMPLES / "phase-b.phc", {}),
        (EXAMPLES / "phase-c.phc", {}),
        (EXAMPLES / "phase-c.phc", {"C4": "triggered"}),
        (EXAMPLES / "phase-c.phc", {"C4": "deferred"}),
    ],
    ids=["phase-b", "phase-c", "phase-c-triggered", "phase-c-deferred"],
)
def test_no_output_path_escapes_the_output_folder(path, assume):
    rb = runbook(path)
    for rel in emit_all(rb, EmitOptions(assume=assume)):
        assert not rel.startswith("/") and "\\" not in rel, rel
        assert posixpath.normpath(rel) == rel and not rel.startswith(".."), rel


def test_agent_files_go_under_the_outputs_root_of_their_wave(phase_c, phase_b):
    c = [p for p in documents(phase_c) if p.startswith("agents/")]
    assert len(c) == 11 * 3
    planning = "agents/docs/projects/orpc-ingest-workflows-spec/_phase-c-planning-pass-01-2026-02-21/"
    runtime = "agents/docs/projects/orpc-ingest-workflows-spec/_phase-c-runtime-execution-pass-01-2026-02-21/"
    # wave `planning` (P1-P4, stages 1 and 1.5: C0) -> the planning pass; wave `runtime` (I1-I6) -> the runtime pass
    assert {p[len(planning) :].split("_")[1] for p in c if p.startswith(planning)} == {"P1", "P2", "P3", "P4"}
    assert {p[len(runtime) :].split("_")[1] for p in c if p.startswith(runtime)} == {
        "I1",
        "I2",
        "I3",
        "I4",
        "I4A",
        "I5",
        "I6",
    }
    assert planning + "AGENT_P1_PLAN_VERBATIM.md" in c and runtime + "AGENT_I1_PLAN_VERBATIM.md" in c
    # Phase B: the first slice produces no artifact, so the first outputs block is the root.
    b = [p for p in documents(phase_b) if p.startswith("agents/")]
    assert len(b) == 6 * 3
    assert all(
        p.startswith("agents/docs/projects/orpc-ingest-workflows-spec/_phase-b-runtime-execution-pass-01-2026-02-20/")
        for p in b
    )


AGENT_WAVES = """\
phase Z "T" { posture forward_only }
team {
  max_active 2
  wave plan "Planning" {
    stages 1
    agent P1 "Planner"
  }
  wave run "Runtime" {
    stages 2
    agent R1 "Runner"
  }
  agent X1 "No wave"
}
role reviewer "Reviewer"
review {
  by reviewer
  stop "READY <AGENT> <SLICE>"
  verdict approved "OK <AGENT>"
  verdict changes_requested "FIX <AGENT>"
}
protocol {
  artifact plan "AGENT_<N>_PLAN.md"
  artifact final "AGENT_<N>_FINAL_<OBJECTIVE>.md"
  section "Evidence"
}
outputs planning "docs/_planning" {
  artifact PLAN "PLAN.md" by Z0
}
outputs runtime "/home/someone/work/repo/docs/_runtime" {
  artifact REPORT "REPORT.md" by Z1
}
slice Z0 "plan" {
  owner @o
  agent P1
}
slice Z1 "run" {
  owner @o
  after Z0
  agent R1
  approval by reviewer
}
slice Z2 "extra" {
  owner @o
  after Z1
  agent X1
}
stage 1 "Plan" {
  covers Z0
}
stage 2 "Run" {
  covers Z1 Z2
}
"""


def test_agent_files_never_go_under_a_machine_path_and_carry_the_review_tokens():
    res = analyze(AGENT_WAVES, "waves.phc", rules=False)
    assert not res.has_errors, [(d.code, d.message) for d in res.diagnostics]
    out = {k: v for k, v in emit_all(res.runbook, EmitOptions()).items() if k.startswith("agents/")}
    # R1's wave produces REPORT, whose root is a machine path: its files go under the outputs id.
    assert sorted(out) == [
        "agents/docs/_planning/AGENT_P1_FINAL_PLANNER.md",
        "agents/docs/_planning/AGENT_P1_PLAN.md",
        "agents/docs/_planning/AGENT_X1_FINAL_NO_WAVE.md",  # no wave: the planning root
        "agents/docs/_planning/AGENT_X1_PLAN.md",
        "agents/runtime/AGENT_R1_FINAL_RUNNER.md",
        "agents/runtime/AGENT_R1_PLAN.md",
    ]
    assert not any("home" in k or "someone" in k for k in out)
    plan = out["agents/runtime/AGENT_R1_PLAN.md"]
    assert (
        "## Review\n- `Z1`: stop with `READY R1 Z1` when done, then wait for the verdict of `reviewer`: "
        "approved `OK R1`, changes_requested `FIX R1`." in plan
    )
    # an agent with no slice waiting for an approval gets no review section
    assert "## Review" not in out["agents/docs/_planning/AGENT_P1_PLAN.md"]


def test_final_skeleton_has_one_section_per_protocol_section(phase_c):
    out = documents(phase_c)
    final = next(t for p, t in out.items() if p.endswith("/AGENT_I4A_FINAL_STRUCTURAL_ASSESSMENT_OWNER.md"))
    assert re.findall(r"^## (.+)$", final, re.M) == [
        "Skills Introspected",
        "Evidence Map",
        "Assumptions",
        "Risks",
        "Unresolved Questions",
    ]


MINI = """
phase X "Mini" {
  posture forward_only
}
team {
  max_active 2
  agent I1 "Storage lock (runtime) owner" {
    output "AGENT_I1_FINAL_STORAGE_LOCK.md"
  }
  agent I2 "Docs + cleanup"
}
protocol {
  artifact plan "AGENT_<N>_PLAN.md"
  artifact final "AGENT_<N>_FINAL_<OBJECTIVE>.md"
  section "Evidence"
}
outputs pass "OUTROOT" {
  artifact R "R.md" by X1
}
slice X1 "One" {
  agent I1
}
"""


def test_objective_is_declared_output_or_upper_snake_responsibility():
    out = agent_protocol.emit(from_text(MINI.replace("OUTROOT", "docs/pass")), EmitOptions())
    assert sorted(out) == [
        "agents/docs/pass/AGENT_I1_FINAL_STORAGE_LOCK.md",
        "agents/docs/pass/AGENT_I1_PLAN.md",
        "agents/docs/pass/AGENT_I2_FINAL_DOCS_CLEANUP.md",
        "agents/docs/pass/AGENT_I2_PLAN.md",
    ]


@pytest.mark.parametrize(
    "root, template",
    [("../outside", "AGENT_<N>_PLAN.md"), ("docs/pass", "../../../AGENT_<N>_PLAN.md")],
)
def test_escaping_names_are_refused_even_without_the_rules(root, template):
    rb = from_text(MINI.replace("OUTROOT", root).replace("AGENT_<N>_PLAN.md", template))
    with pytest.raises(EmitError, match="leaves the output folder"):
        agent_protocol.emit(rb, EmitOptions())


def test_absolute_roots_and_inner_dotdots_stay_inside():
    rb = from_text(MINI.replace("OUTROOT", "/abs/pass").replace("AGENT_<N>_PLAN.md", "sub/../AGENT_<N>_PLAN.md"))
    out = agent_protocol.emit(rb, EmitOptions())
    # an absolute root is a machine path: the files go under the outputs id, never under /abs/pass
    assert "agents/pass/AGENT_I1_PLAN.md" in out and not any(k.startswith("agents/abs/") for k in out)
    rb = from_text(MINI.replace("OUTROOT", "rel/pass").replace("AGENT_<N>_PLAN.md", "sub/../AGENT_<N>_PLAN.md"))
    assert "agents/rel/pass/AGENT_I1_PLAN.md" in agent_protocol.emit(rb, EmitOptions())
    assert relpath("agents", "C:\\x", "y.md") == "agents/x/y.md"  # a drive prefix is dropped


def test_spec_only_when_the_runbook_declares_interfaces():
    rb = from_text(MINI.replace("OUTROOT", "docs/pass"))
    assert implementation_spec.emit(rb, EmitOptions()) == {}
    rb = from_text(MINI.replace("OUTROOT", "docs/pass") + 'interface api "API" {\n  item "x"\n}\n')
    out = implementation_spec.emit(rb, EmitOptions())
    assert list(out) == ["PHASE_X_IMPLEMENTATION_SPEC.md"]
    assert "### 2.1 API (`api`)\n1. x\n" in out["PHASE_X_IMPLEMENTATION_SPEC.md"]


def test_baseline_is_the_gate_every_quick_suite_uses():
    rb = from_text(
        'phase X "T" {\n}\n'
        'scripts {\n  runner "bun run"\n}\n'
        'cadence quick "Quick" {\n}\n'
        'gate base {\n  script "x:base"\n  run "bun a.mjs"\n}\n'
        'gate q1 {\n  script "x:q1"\n  use base\n  run "bun b.mjs"\n}\n'
        'gate q2 {\n  script "x:q2"\n  use base\n}\n'
        'slice X1 "a" {\n  gate quick q1\n}\n'
        'slice X2 "b" {\n  gate quick q2 "bun c.mjs"\n}\n'
    )
    cad, gates = docs.baseline_gates(rb)
    assert cad.id == "quick" and [g.id for g in gates] == ["base"]
    text = acceptance_gates.emit(rb, EmitOptions())["PHASE_X_ACCEPTANCE_GATES.md"]
    assert "## Baseline: base\n" in text
    contract = json.loads(JSON_BLOCK.search(text).group(1))
    assert contract == {"x:base": "bun a.mjs", "x:q1": "bun run x:base && bun b.mjs", "x:q2": "bun run x:base"}


BASELINE_MINI = (
    'phase X "T" {\n}\n'
    'scripts {\n  runner "bun run"\n}\n'
    'cadence CAD "Per commit" {\n}\n'
    'cadence nightly "Nightly" {\n}\n'
    'gate base {\n  title "Base chain"\n  script "x:base"\n  run "bun a.mjs"\n}\n'
    'gate q1 {\n  script "x:q1"\n  use base\n}\n'
    'gate q2 {\n  script "x:q2"\n  use base\n}\n'
    'slice X1 "a" {\n  gate CAD q1\n}\n'
    'slice X2 "b" {\n  gate CAD q2\n  gate nightly q1\n}\n'
)


def test_a_declared_baseline_that_is_also_computed_is_shown_once():
    rb = from_text(BASELINE_MINI.replace("CAD", "quick") + "baseline base\n")
    text = acceptance_gates.emit(rb, EmitOptions())["PHASE_X_ACCEPTANCE_GATES.md"]
    assert text.count("## Declared Baseline") == 1
    assert "## Base chain" not in text  # the computed section of the same gate
    line = next(x for x in text.splitlines() if x.startswith("- Gate `base`"))
    assert "used by the `quick` gates of every slice that has them" in line
    # without the declaration, the computed section is the one that shows it
    text = acceptance_gates.emit(from_text(BASELINE_MINI.replace("CAD", "quick")), EmitOptions())
    assert "## Base chain\n" in text["PHASE_X_ACCEPTANCE_GATES.md"]


@pytest.mark.parametrize("name", ["quick", "commit"])
def test_the_per_commit_cadence_is_quick_or_else_the_first_declared(name):
    text = BASELINE_MINI.replace("CAD", name)
    if name == "quick":  # declared second: `quick` still wins over the first declared
        text = text.replace('cadence quick "Per commit" {\n}\n', "") + 'cadence quick "Per commit" {\n}\n'
    rb = from_text(text)
    cad, gates = docs.baseline_gates(rb)
    assert cad.id == name and [g.id for g in gates] == ["base"]


def test_packet_mermaid_graphs_parse(tmp_path, phase_b, phase_c):
    """The slice graph blocks are valid Mermaid (mermaid's own parser; skipped without node tools)."""
    import nodetools

    files = []
    for name, rb, assume in (
        ("b", phase_b, {}),
        ("c", phase_c, {}),
        ("c-triggered", phase_c, {"C4": "triggered"}),
        ("c-deferred", phase_c, {"C4": "deferred"}),
    ):
        packet = next(
            t for p, t in documents(rb, EmitOptions(assume=assume)).items() if p.endswith("_EXECUTION_PACKET.md")
        )
        (block,) = re.findall(r"```mermaid\n(.*?)```", packet, re.S)
        f = tmp_path / f"{name}.mmd"
        f.write_text(block, encoding="utf-8")
        files.append(f)
    results = nodetools.mermaid_parse(files)
    assert [r for r in results if not r.get("ok")] == []
    assert len(results) == 4
