"""`phasec status` against a phase driven end to end by the generated scripts.

The two scenario tests take a phase through its steps with the same helpers as
tests/test_scenario_graphite.py (Phase C, a stand-in `gt`) and
tests/test_scenario_plain_git.py (MP-306, a local bare origin), and after each
step check that `phasec status --format json` reports the expected state of
every slice, the expected startable slices, and no drift; the output is checked
against the published schema (phasec/status/status.schema.json) every time.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import jsonschema
import pytest
from conftest import EXAMPLES, ROOT
from typer.testing import CliRunner

from phasec.cli.main import app

pytestmark = pytest.mark.skipif(shutil.which("git") is None or shutil.which("bash") is None, reason="git/bash missing")

SCHEMA = json.loads((ROOT / "phasec" / "status" / "status.schema.json").read_text(encoding="utf-8"))


def status(runbook: Path, repo: Path, env: dict, fmt: str = "json", expect: int = 0) -> dict | str:
    """`phasec status RUNBOOK --repo REPO --format FMT`, run in process (the typer app itself) with the
    test's git environment; the exit status must be ``expect``."""
    r = CliRunner().invoke(
        app, ["status", str(runbook), "--repo", str(repo), "--format", fmt], env=env, catch_exceptions=False
    )
    assert r.exit_code == expect, f"exit {r.exit_code}\n{r.stdout}\n{r.stderr}"
    if fmt != "json":
        return r.stdout
    report = json.loads(r.stdout)
    jsonschema.validate(report, SCHEMA)
    return report


def states(report: dict) -> dict[str, str]:
    return {s["id"]: s["state"] for s in report["slices"]}


def slice_of(report: dict, sid: str) -> dict:
    return next(s for s in report["slices"] if s["id"] == sid)


# ─── Graphite: Phase C ────────────────────────────────────────────────────────

import test_scenario_graphite as g  # noqa: E402


def graphite_phase(tmp: Path):
    phase = g.Phase(tmp)
    text = (EXAMPLES / "phase-c.phc").read_text(encoding="utf-8").replace(g.AUTHOR_WORKTREES, str(phase.wt))
    runbook = tmp / "phase-c.phc"
    runbook.write_text(text, encoding="utf-8")
    return phase, runbook


LATER = {
    "C2": "blocked",
    "C3": "blocked",
    "C4": "blocked",
    "C5": "blocked",
    "C5A": "blocked",
    "C6": "blocked",
    "C7": "blocked",
}


def test_status_through_a_graphite_phase(tmp_path):
    phase, runbook = graphite_phase(tmp_path)

    def report():
        return status(runbook, phase.root, phase.env)

    # Nothing yet: C0 (carried out on the planning branch) can start; the rest wait in order.
    r = report()
    assert r["tool"] == "graphite" and r["drift"] == []
    assert states(r) == {"C0": "not started", "C1": "blocked", **LATER}
    assert r["phase"]["startable"] == ["C0"]
    assert slice_of(r, "C1")["why"] == ["waits for C0 (not started)"]
    assert slice_of(r, "C0")["branch"]["exists"] is False

    # stack.sh, planning pass: the planning branch and its worktree exist, no work on them yet.
    phase.ok("stack.sh")
    r = report()
    c0 = slice_of(r, "C0")
    assert c0["branch"]["exists"] and c0["branch"]["ahead"] == 0
    assert c0["worktree"]["present"] and c0["worktree"]["clean"] is True and c0["worktree"]["declared"]
    assert states(r)["C0"] == "not started" and r["phase"]["startable"] == ["C0"]

    # C0's work committed in the planning worktree: C0 binds no gates, so it is ready for review; C1 may start.
    planning = phase.wt / "wt-agent-codex-phase-c-planning-packet"
    (planning / "packet.md").write_text("packet\n", encoding="utf-8")
    phase.git("add", "packet.md", cwd=planning)
    phase.git("commit", "-q", "-m", "packet", cwd=planning)
    r = report()
    assert states(r) == {"C0": "ready for review", "C1": "not started", **LATER}
    assert r["phase"]["startable"] == ["C1"]
    assert r["phase"]["active_agents"] == ["P1", "P2", "P3", "P4"] and r["phase"]["max_active"] == 6

    # An uncommitted change: C0 is back in progress (a dirty worktree is not ready for review).
    (planning / "scratch.md").write_text("x\n", encoding="utf-8")
    r = report()
    assert states(r)["C0"] == "in progress" and slice_of(r, "C0")["worktree"]["dirty"] == ["?? scratch.md"]
    (planning / "scratch.md").unlink()

    # Stage 1.5 reached: the runtime branch and the slice stack; C1 is on the runtime branch, no work yet.
    phase.ok("stack.sh", "--after-stage", "1.5")
    r = report()
    assert states(r) == {"C0": "ready for review", "C1": "not started", **LATER}
    c1 = slice_of(r, "C1")
    assert c1["branch"]["exists"] and c1["branch"]["parent"] == g.RUNTIME and c1["branch"]["ahead"] == 0
    assert slice_of(r, "C2")["branch"]["parent"] == g.C1

    # C1's work in the main checkout: in progress, its gates not passed; I1 is at work.
    phase.git("checkout", "-q", g.C1)
    (phase.root / "c1.txt").write_text("c1\n", encoding="utf-8")
    phase.git("add", "c1.txt")
    phase.git("commit", "-q", "-m", "c1")
    r = report()
    assert states(r) == {"C0": "ready for review", "C1": "in progress", **LATER}
    assert r["phase"]["startable"] == []
    assert "I1" in r["phase"]["active_agents"]
    gates = {x["name"]: x for x in slice_of(r, "C1")["gates"]}
    assert gates["full"]["status"] == "missing" and gates["full"]["required"] is True
    assert slice_of(r, "C1")["worktree"] == {
        "path": str(phase.root),
        "declared": False,
        "present": True,
        "branch": g.C1,
        "clean": True,
        "dirty": [],
    }

    # gates.sh C1 full records a pass at HEAD: C1 is ready for review and C2 can start.
    phase.ok("gates.sh", "C1", "full")
    head = phase.git("rev-parse", "HEAD")
    r = report()
    assert states(r) == {"C0": "ready for review", "C1": "ready for review", **LATER, "C2": "not started"}
    assert r["phase"]["startable"] == ["C2"]
    full = {x["name"]: x for x in slice_of(r, "C1")["gates"]}["full"]
    assert full["status"] == "passed" and full["commit"] == head and full["at"]

    # submit.sh (gt submit): submitting changes nothing in the repository's state.
    phase.ok("submit.sh", "C1")
    assert states(report())["C1"] == "ready for review"

    # A new commit on C1 after the pass: the pass is stale (an ancestor: not drift), C1 in progress again.
    (phase.root / "c1.txt").write_text("c1 fix\n", encoding="utf-8")
    phase.git("commit", "-q", "-am", "c1 fix")
    r = report()
    assert states(r)["C1"] == "in progress" and r["drift"] == []
    assert {x["name"]: x for x in slice_of(r, "C1")["gates"]}["full"]["status"] == "stale"
    phase.ok("gates.sh", "C1", "full")

    # C1's pull request merged into the runtime branch (its stack parent): merged.
    runtime_wt = phase.wt / "wt-agent-codex-phase-c-runtime-implementation"
    phase.git("merge", "-q", "--no-ff", "-m", "merge C1", g.C1, cwd=runtime_wt)
    r = report()
    assert states(r) == {"C0": "ready for review", "C1": "merged", **LATER, "C2": "not started"}
    assert slice_of(r, "C1")["branch"]["merged_into"] == g.RUNTIME
    assert "I1" not in r["phase"]["active_agents"]

    # C4 (branching) records its disposition in C4_DISPOSITION.md on its branch: deferred.
    assert r["phase"]["conditional"] == [{"slice": "C4", "disposition": "undecided", "evidence": None}]
    phase.git("checkout", "-q", g.C4)
    disp = phase.root / "docs/projects/orpc-ingest-workflows-spec/_phase-c-runtime-execution-pass-01-2026-02-21"
    disp.mkdir(parents=True)
    (disp / "C4_DISPOSITION.md").write_text("# C4 disposition\n\nState: `deferred`\n", encoding="utf-8")
    phase.git("add", ".")
    phase.git("commit", "-q", "-m", "c4 disposition")
    r = report()
    (c4,) = r["phase"]["conditional"]
    assert c4["disposition"] == "deferred" and "C4_DISPOSITION.md" in c4["evidence"]
    assert slice_of(r, "C4")["disposition"] == "deferred"
    # deferred: the triggered-path gates no longer apply, C5 no longer waits for C4's disposition
    assert "full_if_triggered" not in {x["name"] for x in slice_of(r, "C4")["gates"]}
    assert not any("C4" in w for w in slice_of(r, "C5")["why"])
    assert r["phase"]["exit_gate"]["can_run"] is False and r["drift"] == []


# ─── plain git: MP-306 ────────────────────────────────────────────────────────

import test_scenario_plain_git as p  # noqa: E402


def test_status_through_a_plain_git_phase(tmp_path):
    phase = p.Phase(tmp_path)
    runbook = p.RUNBOOK

    def report():
        return status(runbook, phase.root, phase.env)

    r = report()
    assert r["tool"] == "git" and r["base"] == "develop" and r["drift"] == []
    start = {"A2": "not started", "A1": "blocked", "A3": "not started", "AUDIT": "blocked", "PROMOTE": "blocked"}
    assert states(r) == start
    assert r["phase"]["startable"] == ["A2", "A3"]
    assert slice_of(r, "A1")["why"] == ["waits for A2 to be merged (not started)"]

    # stack.sh: a worktree per lane, each clean, no work yet.
    phase.ok("stack.sh")
    r = report()
    assert states(r) == start
    for sid in p.LANES:
        s = slice_of(r, sid)
        assert s["worktree"]["path"] == str(phase.lane_dir(sid)) and s["worktree"]["clean"] is True
        assert s["branch"]["parent"] == "origin/develop" and s["branch"]["ahead"] == 0

    # Each lane does its work: all three in progress (A1 waits for A2's merge), three agents of three.
    heads = {sid: phase.commit(phase.lane_dir(sid), f"{sid.lower()}.txt") for sid in p.LANES}
    r = report()
    assert states(r) == {**start, "A2": "in progress", "A1": "in progress", "A3": "in progress"}
    assert slice_of(r, "A1")["why"] == ["waits for A2 to be merged (in progress)"]
    assert r["phase"]["active_agents"] == ["AGENT-1", "AGENT-2", "AGENT-3"] and r["phase"]["max_active"] == 3
    assert r["phase"]["startable"] == []

    # A2's gates: the check attested (who and when), then the quick pass: ready for review.
    phase.ok("gates.sh", "A2", "a2_addons", "--attest", "reviewer: ran the devctl unit tests")
    phase.ok("gates.sh", "A2", "quick")
    r = report()
    assert states(r)["A2"] == "ready for review"
    gates = {x["name"]: x for x in slice_of(r, "A2")["gates"]}
    assert gates["quick"]["status"] == "passed" and gates["quick"]["commit"] == heads["A2"]
    assert gates["a2_addons"]["kind"] == "check" and gates["a2_addons"]["by"] == "reviewer: ran the devctl unit tests"
    assert gates["a2_addons"]["at"]

    # review.sh: changes requested, then approved.
    phase.ok("review.sh", "A2", "changes_requested", "--by", "reviewer")
    r = report()
    assert states(r)["A2"] == "ready for review"
    assert slice_of(r, "A2")["approval"]["status"] == "changes_requested"
    phase.ok("review.sh", "A2", "approved", "--by", "reviewer")
    r = report()
    assert states(r)["A2"] == "approved"
    assert slice_of(r, "A2")["approval"] == {
        "required": True,
        "status": "approved",
        "commit": heads["A2"],
        "by": "reviewer",
        "at": slice_of(r, "A2")["approval"]["at"],
    }

    # submit.sh --merge: A2 merged into develop; A1 and A3 were rebased (their gates must run again).
    phase.ok("submit.sh", "A2", "--merge")
    r = report()
    assert states(r) == {**start, "A2": "merged", "A1": "in progress", "A3": "in progress"}
    assert slice_of(r, "A1")["why"] == []
    assert slice_of(r, "A2")["branch"]["merged_into"] == "develop"
    assert r["phase"]["active_agents"] == ["AGENT-1", "AGENT-3"]

    # A1 and A3 through gates, review and merge, in the runbook's order.
    for sid, check in (("A1", None), ("A3", "a3_addons")):
        if check:
            phase.ok("gates.sh", sid, check, "--attest", "orchestrator: evidence read")
        phase.ok("gates.sh", sid, "quick")
        phase.ok("review.sh", sid, "approved", "--by", "reviewer")
        assert states(report())[sid] == "approved"
        phase.ok("submit.sh", sid, "--merge")
    r = report()
    assert states(r) == {"A2": "merged", "A1": "merged", "A3": "merged", "AUDIT": "not started", "PROMOTE": "blocked"}
    assert r["phase"]["startable"] == ["AUDIT"] and r["phase"]["active_agents"] == []
    assert r["phase"]["exit_gate"]["can_run"] is False

    # AUDIT has no branch: gates.sh runs it in the top of the checkout, and records the pass at HEAD.
    phase.ok("gates.sh", "AUDIT", "full")
    r = report()
    assert states(r)["AUDIT"] == "ready for review" and states(r)["PROMOTE"] == "not started"
    audit = {x["name"]: x for x in slice_of(r, "AUDIT")["gates"]}["full"]
    assert audit["status"] == "passed" and audit["commit"] == phase.git("rev-parse", "HEAD")
    assert r["phase"]["startable"] == ["PROMOTE"]

    # cleanup.sh removes the merged lanes: still merged (the merge records), branches and worktrees absent.
    phase.ok("cleanup.sh")
    r = report()
    assert states(r)["A1"] == "merged" and states(r)["A2"] == "merged" and states(r)["A3"] == "merged"
    a1 = slice_of(r, "A1")
    assert a1["branch"]["exists"] is False and a1["worktree"]["present"] is False
    assert r["drift"] == []
