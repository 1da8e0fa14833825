"""The packet documents carry the language v2 constructs: nothing the runbook says is lost.

* every quoted string of each example and of every fixture runbook that compiles
  reaches at least one emitted file (exceptions would be listed with their reason);
* acceptance gates: script provenance (existing / planned / undefined), the declared
  baseline expanded, assertions, invariants, no npm wording without a manifest;
* execution packet: review tokens per lane, roles, procedures, orchestrator checks,
  ledgers (summarised by count, never silently), merge policy and waves, plain-git
  repo, slice worktree/approval/`merged`/`starts_after`, statuses, inputs, the team's
  stage steps, stages without slices in the graph;
* work breakdown: statuses, per-file `optional`/`when`, `requires ... when`, signals
  with ids (valid against the JSON Schema);
* implementation spec: `implement` items with `last` marked, file deltas;
* planning handoff: branching and conditional slices as they are, checkpoints, outputs;
* goldens of the voiceterm documents (``pytest --update-goldens``).
"""

from __future__ import annotations

import json
import re
from importlib import resources
from pathlib import Path

import pytest
import yaml
from conftest import EXAMPLES, FIXTURES, GOLDENS, ROOT

from phasec.compiler.pipeline import analyze
from phasec.emitters import EmitOptions, emit_all
from phasec.grammar.parser import parse
from phasec.grammar.tree import STRING

# Strings that reach no output on purpose, per runbook (path relative to the repository): {line: reason}.
# Empty today: every string of every example and every fixture that compiles reaches an output.
EXCEPTIONS: dict[str, dict[int, str]] = {}


def _compiling_runbooks() -> list[Path]:
    """The examples and every fixture runbook (tests/fixtures/**.phc) that compiles (no error)."""
    out = sorted(EXAMPLES.glob("*.phc"))
    for p in sorted(FIXTURES.rglob("*.phc")):
        res = analyze(p.read_text(encoding="utf-8"), str(p.relative_to(ROOT)))
        if not res.has_errors:
            out.append(p)
    return out


RUNBOOKS = _compiling_runbooks()


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def compiled(path: Path, options: EmitOptions | None = None):
    text = path.read_text(encoding="utf-8")
    res = analyze(text, str(path.relative_to(ROOT)))
    assert not res.has_errors, [d.message for d in res.diagnostics if d.severity.value == "error"]
    return res.runbook, emit_all(res.runbook, options)


def from_text(text: str):
    res = analyze(text, "mini.phc", rules=False)
    assert not res.has_errors, [(d.code, d.message) for d in res.diagnostics]
    return res.runbook, emit_all(res.runbook)


def doc(out: dict[str, str], suffix: str) -> str:
    (name,) = [p for p in out if p.endswith(suffix)]
    return out[name]


def string_coverage(path: Path) -> tuple[list[tuple[int, str]], int]:
    """The quoted strings of the runbook that reach no output (line, value), and the count of all strings."""
    text = path.read_text(encoding="utf-8")
    document, _ = parse(text, str(path))
    strings = [(v.span.line, v.value) for st in document.walk() for v in st.values if v.kind == STRING]
    _, out = compiled(path)
    blob = _norm("\n".join(out.values()))
    return [(line, s) for line, s in strings if _norm(s) not in blob], len(strings)


# ─── 6. every quoted string reaches an output ────────────────────────────────


def test_the_coverage_runs_over_examples_and_fixtures():
    rels = {p.relative_to(ROOT).as_posix() for p in RUNBOOKS}
    assert {"examples/phase-b.phc", "examples/phase-c.phc", "examples/voiceterm-mp306.phc"} <= rels
    assert sum(r.startswith("tests/fixtures/") for r in rels) >= 20
    # a fixture that uses every statement carrying a string (wave/protocol/grounding/introspect notes ...)
    assert "tests/fixtures/emit/every_string.phc" in rels
    assert set(EXCEPTIONS) <= rels, "an exception names a runbook that no longer compiles"


@pytest.mark.parametrize("path", RUNBOOKS, ids=[p.relative_to(ROOT).as_posix() for p in RUNBOOKS])
def test_every_quoted_string_reaches_an_output(path):
    rel = path.relative_to(ROOT).as_posix()
    missing, total = string_coverage(path)
    allowed = EXCEPTIONS.get(rel, {})
    unexpected = [(line, s[:80]) for line, s in missing if line not in allowed]
    assert not unexpected, f"{rel}: {total - len(missing)}/{total} strings reach an output; lost: {unexpected}"
    # an exception that no longer applies must be removed from the list
    stale = set(allowed) - {line for line, _ in missing}
    assert not stale, f"{rel}: exceptions no longer needed: {sorted(stale)}"


def test_the_order_line_that_restates_the_chain_is_shown_as_written():
    """phase-b's first `order` line says what the computed chain says: the packet shows the runbook's words."""
    _, out = compiled(EXAMPLES / "phase-b.phc")
    packet = doc(out, "EXECUTION_PACKET.md")
    assert "1. `B0` -> `B1` -> `B2` -> `B3` -> `B4` -> `B4A` -> `B5` -> `B6`." in packet
    assert "`B0 -> B1 -> B2" not in packet  # not twice
    # a runbook whose order line does not restate the chain keeps the computed chain first
    _, out = compiled(EXAMPLES / "phase-c.phc")
    assert "1. `C0 -> C1 -> C2 -> C3 -> C4 (branching) -> C5 -> C5A -> C6 -> C7`" in doc(out, "EXECUTION_PACKET.md")


def test_the_coverage_check_sees_a_lost_string(monkeypatch):
    """The check itself can fail: ledger rules an emitter drops are reported, line by line."""
    from phasec.emitters import execution_packet

    real = execution_packet.ledger_view

    def without_rules(lg):
        return dict(real(lg), rules=[])

    monkeypatch.setattr(execution_packet, "ledger_view", without_rules)
    missing, total = string_coverage(EXAMPLES / "voiceterm-mp306.phc")
    assert total == 207
    assert (285, "`Instruction ID` must be unique and immutable.") in missing
    assert all(line in range(285, 331) for line, _ in missing)


# ─── 1. acceptance gates ─────────────────────────────────────────────────────

PROVENANCE = """
phase Z "T" { posture forward_only }
scripts {
  runner "make"
  existing "lint"
}
slice A "a" {
  owner @o
  file "Makefile" adds "check-a"
  gate quick g_existing g_planned g_undefined g_body
}
cadence quick
gate g_existing { script "lint" }
gate g_planned { script "check-a" added_by A runs "python3 tools/check_a.py" }
gate g_undefined { script "mystery" }
gate g_body {
  script "suite"
  run "echo one"
  defined_by A
}
baseline g_body
"""


def test_gate_scripts_say_where_they_come_from():
    _, out = from_text(PROVENANCE)
    gates = doc(out, "ACCEPTANCE_GATES.md")
    rows = {m.group(1): m.group(2) for m in re.finditer(r"^\| `(g_\w+)` \| `[^`]+` \| (.+) \|$", gates, re.M)}
    assert rows["g_existing"] == "existing (in the repository)"
    assert rows["g_planned"] == "planned, added by `A`, runs `python3 tools/check_a.py`"
    assert rows["g_undefined"].startswith("**undefined**")
    assert rows["g_body"] == "planned, added by `A`"
    existing_line = next(ln for ln in gates.splitlines() if ln.startswith("Existing scripts used as they are"))
    assert "`make lint`" in existing_line
    assert "mystery" not in existing_line and "check-a" not in existing_line and "suite" not in existing_line
    assert "(**undefined**): `make mystery`" in gates
    # wherever the gate is run, the undefined script is marked, never shown as a plain script
    assert "- `make mystery` (**undefined** script: neither existing nor planned by the runbook)" in gates
    assert "- `make lint`\n" in gates  # an existing one is not marked
    _, out = from_text(PROVENANCE + "exit {\n  gate g_undefined\n}\n")
    assert (
        "Exit gate `g_undefined`: `make mystery` (**undefined** script: neither existing nor planned by the runbook)"
        in doc(out, "ACCEPTANCE_GATES.md")
    )
    # no npm wording: the runner is make and no manifest is declared
    assert "npm" not in gates and "package.json" not in gates
    assert "the project's script manifest" in gates


def test_declared_baseline_is_shown_expanded():
    _, out = compiled(EXAMPLES / "phase-c.phc")
    gates = doc(out, "ACCEPTANCE_GATES.md")
    section = gates.split("## Declared Baseline (always on)", 1)[1].split("\n## ", 1)[0]
    assert "Gate `drift_core`" in section and "run as `bun run phase-c:gate:drift-core`" in section
    for script in ("metadata-contract", "import-boundary", "legacy-metadata-hard-delete-static-guard"):
        assert f"`bun run phase-a:gate:{script}`" in section


def test_assertions_and_invariants_in_the_gates():
    _, out = compiled(EXAMPLES / "voiceterm-mp306.phc")
    gates = doc(out, "ACCEPTANCE_GATES.md")
    assert "Phase assertions (hold at every gate):\n- Hard rule: anything not behind `--dev`" in gates
    assert "- `non_interference`: Non-Interference Guard Contract\n  - No new default-mode code paths" in gates
    # voiceterm declares no scripts: neither npm nor package.json
    assert "npm" not in gates and "package.json" not in gates
    assert "The gates run their commands directly" in gates


# ─── 2. execution packet ─────────────────────────────────────────────────────


@pytest.fixture(scope="module")
def voiceterm():
    return compiled(EXAMPLES / "voiceterm-mp306.phc")


def test_review_tokens_filled_in_per_lane(voiceterm):
    packet = doc(voiceterm[1], "EXECUTION_PACKET.md")
    assert "- Stop token (worker, when done): `READY FOR REVIEW <AGENT>`" in packet
    assert (
        "| `A1` | `AGENT-1` | `READY FOR REVIEW AGENT-1` | approved: `REVIEW-OK AGENT-1`, "
        "changes_requested: `REVIEW-CHANGES AGENT-1` |" in packet
    )
    # only the lanes that wait for an approval; the orchestrator's slices have none
    assert "| `AUDIT` |" not in packet


def test_roles_procedures_orchestrator(voiceterm):
    packet = doc(voiceterm[1], "EXECUTION_PACKET.md")
    assert (
        "- `reviewer`: Reviewer\n  - Executes: `procedure lane step 2`\n  - Duty: Answer each worker stop token"
        in packet
    )
    assert "- `orchestrator`: ORCHESTRATOR\n  - Executes: `AUDIT`, `PROMOTE`, `stage setup step 1`" in packet
    assert "### Procedure `rebase`: Rebase Protocol After Each Merge\nOn each merge." in packet
    assert "— run `git -C <WORKTREE> fetch origin && git -C <WORKTREE> rebase origin/develop`" in packet
    assert "- Check: `python3 dev/scripts/devctl.py orchestrate-status --format md` — every 30 minutes" in packet


def test_ledgers_with_counts(voiceterm):
    packet = doc(voiceterm[1], "EXECUTION_PACKET.md")
    assert "File: `dev/active/MULTI_AGENT_WORKTREE_RUNBOOK.md` (append-only)." in packet
    assert "- States: `pending`, `acked`, `completed`, `cancelled`" in packet
    assert "- Entries: 8:" in packet and "- Entries: 3:" in packet and "- Entries: 4:" in packet


def test_long_ledger_is_summarised_not_dropped():
    entries = "".join(f'  entry "row {n:02d}"\n' for n in range(1, 21))
    text = (
        'phase Z "T" { posture forward_only }\nledger log "Log" in "LOG.md" append_only {\n  field "When"\n'
        + entries
        + "}\n"
    )
    _, out = from_text(text)
    packet = doc(out, "EXECUTION_PACKET.md")
    assert "- Entries: 20 (15 earlier entries not shown here; the last 5 follow):" in packet
    assert "row 20" in packet and "row 16" in packet
    assert "row 15" not in packet and "row 01" not in packet


def test_repo_merge_and_slice_v2(voiceterm):
    packet = doc(voiceterm[1], "EXECUTION_PACKET.md")
    assert "- Base branch: `develop` on remote `origin`" in packet
    assert "- Worktrees: one per slice" in packet
    assert "- Merge into `develop`, only after approval; after each merge the unmerged branches rebase." in packet
    assert "- Merge waves, in order: `first` (`A2`); `second` (`A1`); `third` (`A3`)." in packet
    a1 = packet.split("### A1 - ", 1)[1].split("\n### ", 1)[0]
    assert "- Depends on: `A2` merged" in a1
    assert "- Worktree: `../codex-voice-wt-a1`" in a1
    assert "- Approval before merge: by `reviewer`" in a1
    promote = packet.split("### PROMOTE - ", 1)[1].split("\n## ", 1)[0]
    assert "- Starts after (precondition gates hold): `integration_audit`" in promote


def test_branch_rules_statuses_inputs():
    _, out = compiled(EXAMPLES / "phase-c.phc")
    packet = doc(out, "EXECUTION_PACKET.md")
    assert (
        "`runtime` branch: `codex/phase-c-runtime-implementation`, from `planning`, opened after stage `1.5`" in packet
    )
    text = (
        'phase Z "T" {\n  posture forward_only\n  status planned for planning\n  status open for runtime\n}\n'
        'input prev "B6_READINESS.md" from "Phase B" note "the readiness verdict"\n'
        'repo {\n  tool git\n  base "main"\n  branch next "next" from "develop" choose "the newest release branch"\n}\n'
    )
    _, out = from_text(text)
    packet = doc(out, "EXECUTION_PACKET.md")
    assert "- Status (planning): `planned`\n- Status (runtime): `open`" in packet
    assert "- `prev`: `B6_READINESS.md` (from phase Phase B) — the readiness verdict" in packet
    assert "from `develop` (outside the runbook)" in packet
    assert "   - Parent chosen at run time: the newest release branch" in packet
    handoff = doc(out, "PLANNING_HANDOFF.md")
    assert "- Packet status (planning): `planned`\n- Packet status (runtime): `open`" in handoff
    wb = yaml.safe_load(doc(out, "WORKBREAKDOWN.yaml"))
    assert wb["status"] == "planned"
    assert wb["statuses"] == [{"value": "planned", "aspect": "planning"}, {"value": "open", "aspect": "runtime"}]


def test_team_shows_stage_steps_and_graph_keeps_empty_stages():
    _, out = compiled(EXAMPLES / "phase-c.phc")
    packet = doc(out, "EXECUTION_PACKET.md")
    assert re.search(r"^\| `P4` \| .* \| `C0`, `stage 1 step 5`, `stage 1\.5 step 2` \|$", packet, re.M)
    graph = packet.split("```mermaid", 1)[1].split("```", 1)[0]
    assert 'stage_0{{"Stage 0: Preflight + Agent Sweep"}}' in graph
    assert "stage_1_5{{" in graph
    assert "stage_0 --> C0" in graph and "C0 --> stage_1_5" in graph and "stage_1_5 --> C1" in graph


def test_paths_are_repo_relative_once_a_root_is_known():
    """Files and outputs roots written under a declared worktree are shown repo-relative; the machine path
    appears only as "written in the runbook as" (never as the path to use), and never in the work breakdown."""
    _, out = compiled(EXAMPLES / "phase-c.phc")
    machine = "/Users/mateicanavra/Documents/.nosync/DEV/worktrees/wt-agent-codex-phase-c-runtime-implementation/"
    spec = doc(out, "IMPLEMENTATION_SPEC.md")
    assert (
        f"1. `packages/state/src/repo-state.ts`\n   - Written in the runbook as `{machine}packages/state/src/repo-state.ts`."
        in spec
    )
    packet = doc(out, "EXECUTION_PACKET.md")
    assert (
        "### `runtime`: `docs/projects/orpc-ingest-workflows-spec/_phase-c-runtime-execution-pass-01-2026-02-21`\n"
        f"Written in the runbook as `{machine}docs/projects/" in packet
    )
    for line in (packet + spec).splitlines():
        if machine in line:
            assert "Written in the runbook as" in line or line.lstrip().startswith("- Worktree:"), line
    wb = doc(out, "WORKBREAKDOWN.yaml")
    assert "/Users/" not in wb and "path: packages/state/src/repo-state.ts" in wb


def test_packet_keeps_notes_orchestrator_procedures_and_scenarios_without_interfaces():
    text = (
        'phase Z "T" {\n  posture forward_only\n  note "Top-level note about the phase." {\n    item "nested point"\n  }\n}\n'
        'scenario happy "Happy path" "Everything works on the first try." {\n  item "even twice"\n}\n'
        'orchestrator {\n  duty "Keep the ledger."\n  check "make status" at "hourly"\n}\n'
        'procedure per "Per slice" on slice {\n  step "Run the gates." run "make gates"\n}\n'
        'slice Z1 "a" {\n  owner @o\n}\n'
    )
    _, out = from_text(text)
    assert not any(k.endswith("IMPLEMENTATION_SPEC.md") for k in out)
    packet = doc(out, "EXECUTION_PACKET.md")
    assert "## Notes\n- Top-level note about the phase.\n  - nested point" in packet
    assert "## Test Scenarios\n" in packet
    assert "1. **Happy path** (`happy`): Everything works on the first try.\n   1. even twice" in packet
    assert "- Duty: Keep the ledger." in packet and "- Check: `make status` — hourly" in packet
    assert "### Procedure `per`: Per slice" in packet and "1. Run the gates. — run `make gates`" in packet
    # with an interface, the scenarios are in the implementation spec instead (not twice)
    _, out = from_text(text + 'interface api "The API"\n')
    assert "## Test Scenarios" not in doc(out, "EXECUTION_PACKET.md")
    assert "**Happy path** (`happy`): Everything works on the first try." in doc(out, "IMPLEMENTATION_SPEC.md")


def test_agent_working_only_through_steps_is_not_idle():
    text = (
        'phase Z "T" { posture forward_only }\n'
        'team {\n  max_active 2\n  agent helper "Helps"\n  agent doer "Does"\n}\n'
        'slice A "a" {\n  owner @o\n  agent doer\n}\n'
        'stage 0 "Prep" {\n  step "Prepare the checkout." by helper\n}\n'
        'stage 1 "Work" {\n  covers A\n}\n'
    )
    _, out = from_text(text)
    packet = doc(out, "EXECUTION_PACKET.md")
    assert re.search(r"^\| `helper` \| Helps \|  \| `stage 0 step 1` \|$", packet, re.M)
    assert 'stage_0{{"Stage 0: Prep"}}' in packet and "stage_0 --> A" in packet


# ─── 3. work breakdown ───────────────────────────────────────────────────────


def schema() -> dict:
    return json.loads(resources.files("phasec.emitters").joinpath("schemas/workbreakdown.schema.json").read_text())


def test_workbreakdown_files_requirements_signals():
    import jsonschema

    text = (
        'phase Z "T" { posture forward_only }\n'
        'outputs run "out" {\n  artifact ev "EVIDENCE.md" by C conditional\n}\n'
        'slice C "c" conditional {\n  owner @o\n  trigger t "x"\n'
        '  file "a.ts"\n  file "b.ts" optional when triggered\n'
        '  signal s1 "It broke." response "Fix it."\n  signal "Plain."\n}\n'
        'slice D "d" {\n  owner @o\n  after C if_triggered\n  requires ev when triggered\n}\n'
    )
    _, out = from_text(text)
    wb = yaml.safe_load(doc(out, "WORKBREAKDOWN.yaml"))
    jsonschema.validate(wb, schema(), cls=jsonschema.Draft202012Validator)
    c, d = wb["slices"]
    assert c["files"] == [{"path": "a.ts"}, {"path": "b.ts", "optional": True, "when": "triggered"}]
    assert c["failure_triggers"] == [{"text": "It broke.", "id": "s1", "response": "Fix it."}, "Plain."]
    assert d["requires_artifacts"] == [{"path": "out/EVIDENCE.md", "when": "triggered"}]
    assert "statuses" not in wb


def test_invariant_keeps_its_own_text_beside_a_nested_note_or_items():
    import jsonschema

    text = (
        'phase Z "T" { posture forward_only }\n'
        'invariant noted "Keep A intact." {\n  note "Why: A is shared."\n}\n'
        'invariant listed "Keep B intact." {\n  item "first"\n  item "second" {\n    item "nested"\n  }\n}\n'
        'invariant bare_list {\n  item "only items"\n}\n'
        'invariant plain "Keep C."\n'
    )
    _, out = from_text(text)
    wb = yaml.safe_load(doc(out, "WORKBREAKDOWN.yaml"))
    jsonschema.validate(wb, schema(), cls=jsonschema.Draft202012Validator)
    assert wb["invariants"] == [
        {"noted": {"text": "Keep A intact.", "items": ["Why: A is shared."]}},
        {"listed": {"text": "Keep B intact.", "items": ["first", "second", "nested"]}},
        {"bare_list": ["only items"]},
        {"plain": "Keep C."},
    ]
    gates = doc(out, "ACCEPTANCE_GATES.md")
    assert "- `noted`: Keep A intact.\n  - Why: A is shared." in gates


def test_schema_rejects_a_bad_when():
    import jsonschema

    bad = {
        "phase": "Z",
        "slices": [{"id": "A", "title": "a", "depends_on": [], "files": [{"path": "x", "when": "maybe"}]}],
    }
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, schema(), cls=jsonschema.Draft202012Validator)


# ─── 4. implementation spec ──────────────────────────────────────────────────


def test_spec_carries_implement_with_last_and_deltas():
    text = (
        'phase Z "T" { posture forward_only }\ninterface api "The API"\n'
        'slice A "a" {\n  owner @o\n  file "package.json" adds "z:check"\n  file "src/x.ts" optional\n'
        '  implement "Write the check."\n  implement "Flip the default." last\n}\n'
    )
    _, out = from_text(text)
    spec = doc(out, "IMPLEMENTATION_SPEC.md")
    assert "Implement:\n1. Write the check.\n2. Flip the default. (lands last)" in spec
    assert "   - Adds the scripts `z:check`." in spec
    packet = doc(out, "EXECUTION_PACKET.md")
    assert "Flip the default. (lands last)" in packet


# ─── 5. planning handoff ─────────────────────────────────────────────────────


def test_handoff_keeps_branching_slices_checkpoints_and_outputs():
    _, out = compiled(EXAMPLES / "phase-c.phc")
    handoff = doc(out, "PLANNING_HANDOFF.md")
    assert "no conditional" not in handoff
    assert "- `C4` (Conditional D-009/D-010 tightening; branching: always runs, its outcome branches): open" in handoff
    assert "## Checkpoints\n- Stage `1` step 6: Fix planning-level blocking/high findings" in handoff
    assert "## Outputs (written at run time)" in handoff
    assert "`C4_TRIGGER_EVIDENCE.md` (triggered path only)" in handoff


CONDITIONAL = (
    'phase Z "T" { posture forward_only }\n'
    'outputs run "out" {\n  artifact ev "EVIDENCE.md" by Z1 conditional\n  artifact disp "DISPOSITION.md" by Z1 either_path\n}\n'
    'slice Z1 "Tighten" conditional {\n  owner @o\n  trigger t1 "Depth over three."\n  trigger t2 "A hook with side effects."\n'
    "  trigger_logic LOGIC\n}\n"
    'slice Z2 "Close" {\n  owner @o\n  after Z1 if_triggered\n  requires ev when triggered\n}\n'
)


@pytest.mark.parametrize("logic", ["any", "all"])
def test_handoff_and_gates_keep_a_conditional_slice_and_its_trigger_logic(logic):
    _, out = from_text(CONDITIONAL.replace("LOGIC", logic))
    handoff = doc(out, "PLANNING_HANDOFF.md")
    assert "no conditional" not in handoff
    assert (
        "- `Z1` (Tighten; conditional: runs only if triggered): open; decided when its triggers are assessed."
        in handoff
    )
    head = "all must hold to trigger it" if logic == "all" else "any one triggers it"
    assert f"  - Triggers ({head}):\n    - `t1`: Depth over three.\n    - `t2`: A hook with side effects.\n" in handoff
    assert "  - If triggered, `Z2` also waits for it." in handoff
    assert "`EVIDENCE.md` (triggered path only), `DISPOSITION.md` (on either path)." in handoff
    gates = doc(out, "ACCEPTANCE_GATES.md")
    word = "all must hold to trigger" if logic == "all" else "any one triggers"
    assert f"Trigger criteria ({word} `Z1`):" in gates


def test_handoff_without_conditional_slices_says_so():
    _, out = from_text('phase Z "T" { posture forward_only }\nslice Z1 "a" {\n  owner @o\n}\n')
    assert "None: the runbook has no conditional or branching slices." in doc(out, "PLANNING_HANDOFF.md")


# ─── goldens ─────────────────────────────────────────────────────────────────


def test_voiceterm_document_goldens(voiceterm, golden):
    base = GOLDENS / "emit" / "voiceterm-mp306"
    for rel, text in sorted(voiceterm[1].items()):
        if rel.endswith(".md"):
            golden(base / rel, text)


def test_documents_are_deterministic():
    a = compiled(EXAMPLES / "voiceterm-mp306.phc")[1]
    b = compiled(EXAMPLES / "voiceterm-mp306.phc")[1]
    assert a == b


def test_start_order_shows_parallel_waves_not_a_false_chain():
    """MP-306: A2 and A3 wait for nothing (they may run in parallel), A1 waits for A2 merged; the start order
    says so instead of a chain that puts A3 after A1. A totally ordered phase keeps its plain chain."""
    from phasec.compiler.pipeline import analyze
    from phasec.emitters import EmitOptions
    from phasec.emitters import _documents as d

    vt = analyze((EXAMPLES / "voiceterm-mp306.phc").read_text(), "voiceterm-mp306.phc").runbook
    chain = d.order_chain(vt, EmitOptions())
    assert d.chain_text(chain) == "{A2, A3} -> A1 -> AUDIT -> PROMOTE"
    assert d.chain_note(chain).startswith("in braces: slices that may run in parallel")
    pc = analyze((EXAMPLES / "phase-c.phc").read_text(), "phase-c.phc").runbook
    chain = d.order_chain(pc, EmitOptions())
    assert d.chain_text(chain) == "C0 -> C1 -> C2 -> C3 -> C4 (branching) -> C5 -> C5A -> C6 -> C7"
    assert d.chain_note(chain) is None


def test_the_braces_note_stays_outside_the_chain_code_span():
    """The chain is a code span; what its braces mean is prose after it, and a runbook `order` line
    that writes the same waves is recognised as restating it."""
    from phasec.compiler.pipeline import analyze
    from phasec.emitters import EmitOptions, execution_packet
    from phasec.emitters import _documents as d

    text = (EXAMPLES / "voiceterm-mp306.phc").read_text()
    vt = analyze(text, "voiceterm-mp306.phc").runbook
    packet = next(iter(execution_packet.emit(vt, EmitOptions()).values()))
    assert "`{A2, A3} -> A1 -> AUDIT -> PROMOTE` (in braces: slices" in packet
    with_order = text.replace(
        '  order "`AGENT-2`', '  order "`{A2, A3} -> A1 -> AUDIT -> PROMOTE`"\n  order "`AGENT-2`', 1
    )
    vt2 = analyze(with_order, "voiceterm-mp306.phc").runbook
    assert d.restated_order(vt2) is not None and d.restated_order(vt2).text.startswith("`{A2, A3}")
