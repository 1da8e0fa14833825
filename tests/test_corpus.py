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
    text = (CORPUS / "phase-c-as-written.phc").read_text(encoding="utf-8").splitlines()
    binding = next(n for n, line in enumerate(text, 1) if line.strip() == "gate full c1_full")
    assert [r.span.line for r in hit.related][:1] == [binding]  # c1_full's binding, as a related location


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
    # One cause (the Phase A runbook copied), one finding naming every `A` slice.
    (hit,) = find(ds, "PC803")
    assert hit.message == (
        "slice ids " + ", ".join(f"`A{i}`" for i in range(10)) + " do not start with the phase id `B`: they carry `A`"
    )
    assert len(hit.related) == 10  # the phase, and the nine other slices


# ── issue 9 (rules-b): findings each checked against the markdown ─────────────


def test_phase_c_eleven_agents_cap_six_and_no_release_rule():
    # seed/phase-c-runbook.md "Team Design (Default Agents Only, Max 6 Active)" lists 11
    # agents (P1-P4, I1-I6, I4A); nothing says when an agent frees its slot (the stage-0
    # sweep closes *stale* agents at preflight only).
    ds = findings("phase-c-as-written.phc")
    (d,) = find(ds, "PC506", "11 agents in the roster, more than max_active 6", "no `release` rule")
    assert "can be active at once" in d.message


def test_phase_c_skills_introspection_without_skills():
    # seed "Mandatory Agent Protocol" 1: "Each agent must introspect required skills before
    # substantive work" (and a "Skills Introspected" section); the team design lists no skills.
    ds = findings("phase-c-as-written.phc")
    assert find(ds, "PC715", "requires introspecting skills", "none of the 11 agents")


def test_phase_c_composition_authority_written_two_ways():
    # PHASE_C_EXECUTION_PACKET.md locked constraint 3: `apps/hq/rawr.hq.ts` remains composition
    # authority; PHASE_C_WORKBREAKDOWN.yaml invariants: `manifest_authority: rawr.hq.ts`.
    ds = findings("phase-c-as-written.phc")
    assert find(ds, "PC813", "`rawr.hq.ts`", "`apps/hq/rawr.hq.ts`")


def test_phase_c_c4_trigger_scans_are_written_by_c4_itself():
    # PHASE_C_WORKBREAKDOWN.yaml: C4 is `conditional: true`, its trigger criteria are
    # `phase-c:gate:c4-dedupe-scan` / `-finished-hook-scan`, and its files include
    # scripts/phase-c/verify-c4-{dedupe,finished-hook}-trigger.mjs, which those scripts run
    # (PHASE_C_ACCEPTANCE_GATES.md planned command contract).
    ds = findings("phase-c-as-written.phc")
    hits = find(ds, "PC410", "slice `C4`", "a file only `C4` itself touches")
    assert {d.message.split("trigger `")[1].split("`")[0] for d in hits} == {"d009", "d010"}


def test_phase_b_machine_paths_in_invariant_and_notes():
    # phase-b/runbook-runtime.md lines 143 and 152: the composition authority and the static
    # guard's manifests are given as /Users/mateicanavra/... paths of one checkout.
    ds = findings("phase-b-as-written.phc")
    hits = find(ds, "PC805", "/Users/mateicanavra/Documents/.nosync/DEV/rawr-hq-template/")
    assert {d.message.split("`")[1].rsplit("/", 1)[-1] for d in hits} == {"rawr.hq.ts", "package.json"}
    assert len(hits) == 3


def test_voiceterm_rebase_protocol_rebases_every_lane_after_each_merge():
    # voiceterm runbook section 9 "Rebase Protocol After Each Merge" runs one rebase per lane
    # (wt-a1, wt-a2, wt-a3) after each merge; section 8 rule 3 says only "remaining active lanes".
    ds = findings("voiceterm-mp306-as-written.phc")
    assert find(ds, "PC314", "procedure `rebase`", "lanes `A1`, `A2`, `A3`", "including lanes already merged")


def test_voiceterm_worktrees_written_absolute_in_the_rebase_commands():
    # Section 9 writes /Users/jguida941/testing_upgrade/codex-voice-wt-aN; the lane table and
    # section 5 write ../codex-voice-wt-aN (relative to the checkout section 5 `cd`s into).
    ds = findings("voiceterm-mp306-as-written.phc")
    hits = find(ds, "PC805", "in a command", "written absolute")
    assert sorted(d.message.split("slice `")[1][:2] for d in hits) == ["A1", "A2", "A3"]


def test_voiceterm_lanes_append_to_the_shared_ledger_without_a_merge_rule():
    # Section 0: "Each agent posts progress and handoff entries in Section 15" (append-only, in
    # dev/active/MULTI_AGENT_WORKTREE_RUNBOOK.md, inside AGENT-3's `dev/active/**` boundary); its
    # rows' Actor column names AGENT-1..3; nothing says how the lanes' appends merge.
    ds = findings("voiceterm-mp306-as-written.phc")
    assert find(ds, "PC609", "`dev/active/MULTI_AGENT_WORKTREE_RUNBOOK.md`", "(`A1`, `A2`, `A3`)")
    # One cause, one finding: the shared ledger file is not also reported as a file overlap.
    assert not [d for d in ds if d.code == "PC605" and "MULTI_AGENT_WORKTREE_RUNBOOK" in d.message]


def test_voiceterm_as_written_has_exactly_these_findings():
    """Every finding on the as-written voiceterm runbook is one of the true ones above."""
    ds = findings("voiceterm-mp306-as-written.phc")
    assert sorted(d.code for d in ds) == ["PC314", "PC609", "PC805", "PC805", "PC805"]


@pytest.mark.parametrize("name", ["phase-c-as-written.phc", "phase-b-as-written.phc", "voiceterm-mp306-as-written.phc"])
def test_corpus_findings_golden(name, golden):
    ds = findings(name)
    text = "".join(f"{d.span.line}:{d.span.column} {d.code} {d.severity.value} {d.message}\n" for d in ds)
    golden(GOLDENS / "corpus" / (name.replace(".phc", ".txt")), text)


# ─── issue 9: findings of the new checks, each true of the corpus documents ──


def test_phase_b_preflight_checks_the_worktree_step_2_creates():
    # runbook-runtime.md, stage 0: "1. Verify clean status ... in repo root and execution worktree.
    # 2. Create child branch/worktree." (K7)
    ds = findings("phase-b-as-written.phc")
    assert find(ds, "PC811", "branch `implementation`", "the run creates them (`create`)")


def test_phase_b_static_guard_gate_is_bound_nowhere():
    # "Gate contract additions: deterministic hard-delete static guard ..." -- no slice runs it (K6).
    ds = findings("phase-b-as-written.phc")
    assert find(ds, "PC713", "gate `hard_delete_static_guard`", "nothing uses it")


def test_phase_b_runtime_slices_lack_files_branches_and_suites():
    # The runbook names no files, no slice branches and no quick/full suites for A0..A6 (K6).
    ds = findings("phase-b-as-written.phc")
    (hit,) = find(ds, "PC714", "runtime slices")
    assert hit.message.startswith("runtime slices `A0`, `A1`, `A2`, `A3`, `A4`, `A5`, `A6` lack touched files")
    assert "a branch" in hit.message and "`quick` gate" in hit.message and "`full` gate" in hit.message


def test_phase_b_has_no_owner_anywhere_one_finding():
    ds = findings("phase-b-as-written.phc")
    (hit,) = find(ds, "PC601")
    assert hit.message.startswith("no slice has an owner: `A0`, `A1`") and "`B4A`" in hit.message


def test_phase_c_runtime_root_branch_has_no_parent():
    # Seed: "4. Implementation root branch: `codex/phase-c-runtime-implementation`" -- no parent stated (K12).
    ds = findings("phase-c-as-written.phc")
    assert find(ds, "PC810", "branch `runtime`", "no parent and no run-time rule")


def test_phase_c_seed_gate_baseline_is_bound_to_no_slice():
    # Seed "Required gate baseline" (phase-a:gates:completion, phase-a:gates:exit, server matrix) (K8).
    ds = findings("phase-c-as-written.phc")
    (hit,) = find(ds, "PC713")
    assert hit.message.startswith("gate `seed_baseline` is declared but nothing uses it")
    assert "`pa_gates_completion`" in hit.message and "`server_matrix_targeted`" in hit.message


def test_phase_c_c4_misses_both_suites_in_one_finding():
    ds = findings("phase-c-as-written.phc")
    (hit,) = find(ds, "PC704", "slice `C4`")
    assert "no `quick` or `full` gate" in hit.message
