"""End to end: a Graphite phase (examples/phase-c.phc) run with the generated
scripts in a temporary repository, with a stand-in `gt` that records its calls
and a stand-in `bun` (the runbook's runner) that records where it ran.

phase-c declares its worktrees under the author's absolute folder
(/Users/mateicanavra/...); the test compiles the runbook with that folder
replaced by a temporary one, so nothing is written outside the test's folder.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import EXAMPLES
from helpers import ScriptPhase, git_env

from phasec.compiler.pipeline import analyze
from phasec.emitters import EmitOptions
from phasec.emitters import scripts as scripts_emitter

pytestmark = pytest.mark.skipif(shutil.which("git") is None or shutil.which("bash") is None, reason="git/bash missing")

AUTHOR_WORKTREES = "/Users/mateicanavra/Documents/.nosync/DEV/worktrees"
PARENT = "codex/phase-c-prep-grounding-runbook"
PLANNING = "codex/phase-c-planning-packet"
RUNTIME = "codex/phase-c-runtime-implementation"
C1 = "codex/phase-c-c1-storage-lock-redesign"
C2 = "codex/phase-c-c2-telemetry-contract-expansion"
C3 = "codex/phase-c-c3-distribution-lifecycle-mechanics"
C4 = "codex/phase-c-c4-decision-tightening"
C5 = "codex/phase-c-c5-review-fix-closure"
C5A = "codex/phase-c-c5a-structural-assessment"
C6 = "codex/phase-c-c6-docs-cleanup"
C7 = "codex/phase-c-c7-phase-d-readiness"
# C4 is branching (it always runs), so its branch is in the stack; the runtime branch
# and everything on it open only after stage 1.5.
STACK = [
    (PLANNING, PARENT),
    (RUNTIME, PLANNING),
    (C1, RUNTIME),
    (C2, C1),
    (C3, C2),
    (C4, C3),
    (C5, C4),
    (C5A, C5),
    (C6, C5A),
    (C7, C6),
]

RECORDER = """#!/usr/bin/env bash
printf '%s|%s\\n' "$PWD" "$*" >> "$LOG_DIR/$(basename "$0").log"
"""


class Phase(ScriptPhase):
    def __init__(self, tmp: Path, drop_submit: bool = False):
        self.tmp = tmp
        self.wt = tmp / "worktrees"
        text = (EXAMPLES / "phase-c.phc").read_text(encoding="utf-8").replace(AUTHOR_WORKTREES, str(self.wt))
        if drop_submit:
            text = text.replace('  submit "gt submit --ai" per_slice\n', "")
        res = analyze(text, "examples/phase-c.phc")
        assert not res.has_errors, [d.message for d in res.diagnostics if d.severity.name == "ERROR"]
        self.scripts = tmp / "out" / "scripts"
        self.scripts.mkdir(parents=True)
        for rel, body in scripts_emitter.emit(res.runbook, EmitOptions()).items():
            (tmp / "out" / rel).write_text(body, encoding="utf-8")
        bin_dir = tmp / "bin"
        bin_dir.mkdir()
        for name in ("gt", "bun"):
            (bin_dir / name).write_text(RECORDER, encoding="utf-8")
            (bin_dir / name).chmod(0o755)
        home = tmp / "home"
        home.mkdir()
        self.env = git_env(home, bin_dir, LOG_DIR=str(tmp))
        self.root = tmp / "repo"
        self.root.mkdir()
        self.git("init", "-q", "-b", "main")
        self.git("commit", "-q", "--allow-empty", "-m", "init")
        self.git("checkout", "-q", "-b", PARENT)
        self.git("commit", "-q", "--allow-empty", "-m", "grounding")
        self.git("checkout", "-q", "main")

    def run(self, script: str, *args: str, trace: Path | None = None) -> subprocess.CompletedProcess:
        env = dict(self.env)
        if trace is not None:
            env["PHASEC_TRACE"] = str(trace)
        return subprocess.run(
            ["bash", str(self.scripts / script), *args], cwd=self.root, env=env, capture_output=True, text=True
        )

    def calls(self, tool: str) -> list[tuple[str, str]]:
        log = self.tmp / f"{tool}.log"
        if not log.exists():
            return []
        return [tuple(line.split("|", 1)) for line in log.read_text(encoding="utf-8").splitlines()]


def test_the_graphite_phase(tmp_path):
    phase = Phase(tmp_path)

    # ── stack, planning pass: the runtime branch opens only after stage 1.5 ──
    before = phase.branches()
    dry = phase.ok("stack.sh", "--dry-run")
    assert phase.branches() == before and phase.calls("gt") == []
    first = phase.dry_vs_real("stack.sh")
    assert "opens after stage 1.5" in first.stdout
    refs = phase.branches()
    assert PLANNING in refs and RUNTIME not in refs and C1 not in refs
    assert [args for _, args in phase.calls("gt")] == [f"track {b} -p {p}" for b, p in STACK[:1]]
    # ── stage 1.5 reached: every branch tracked with gt on its parent, in order ──
    phase.dry_vs_real("stack.sh", "--after-stage", "1.5")
    refs = phase.branches()
    tracked = [args for _, args in phase.calls("gt")]
    assert tracked == [f"track {b} -p {p}" for b, p in STACK]
    for branch, parent in STACK:
        assert phase.git("merge-base", branch, parent) == refs[parent]
    assert C4 in refs  # branching: it always runs, so its branch is part of the stack
    assert "+ git worktree add -b codex/phase-c-planning-packet -- " in dry.stdout
    planning_wt = phase.wt / "wt-agent-codex-phase-c-planning-packet"
    assert phase.git("symbolic-ref", "--short", "HEAD", cwd=planning_wt) == PLANNING
    assert "nothing to do" in phase.ok("stack.sh", "--after-stage", "1.5").stdout
    assert len(phase.calls("gt")) == len(STACK)

    # ── gates: C1 in the checkout that has its branch ──
    phase.git("checkout", "-q", C1)
    (phase.root / "c1.txt").write_text("c1\n", encoding="utf-8")
    phase.git("add", "c1.txt")
    phase.git("commit", "-q", "-m", "c1")
    phase.dry_vs_real("gates.sh", "C1", "full")
    bun = phase.calls("bun")
    assert bun and {cwd for cwd, _ in bun} == {str(phase.root)}
    assert all(args.startswith("run ") for _, args in bun)
    head = phase.git("rev-parse", "HEAD")
    assert (phase.root / ".git" / "phasec" / "gates" / "C1-full.ok").read_text(encoding="utf-8").splitlines()[0] == head

    # ── submit: the runbook's `gt submit --ai`, never git push ──
    phase.dry_vs_real("submit.sh", "C1")
    assert phase.calls("gt")[-1][1] == "submit --ai"
    assert phase.calls("gt")[-1][0] == str(phase.root)

    # The branching slice C4: its assessment gates run (it always runs).
    phase.git("checkout", "-q", C4)
    n = len(phase.calls("bun"))
    phase.ok("gates.sh", "C4", "assess")
    assert len(phase.calls("bun")) > n

    # Plain-git scripts refuse a Graphite runbook.
    r = phase.run("sync.sh")
    assert r.returncode == 1 and "gt sync --no-restack" in r.stderr
    r = phase.run("submit.sh", "C1", "--merge")
    assert r.returncode == 2 and "Graphite" in r.stderr


def test_graphite_submits_with_gt_when_no_submit_command_is_written(tmp_path):
    phase = Phase(tmp_path, drop_submit=True)
    phase.ok("stack.sh", "--after-stage", "1.5")
    phase.git("checkout", "-q", C1)
    phase.ok("gates.sh", "C1", "full")
    r = phase.dry_vs_real("submit.sh", "C1")
    assert "git push" not in r.stdout
    assert phase.calls("gt")[-1][1] == "submit --no-interactive"


def test_graphite_closure_checks_are_attested_then_submitted(tmp_path):
    """C5's closure gates are two checks (a review verdict, a re-review): no command runs them, so the
    closure is recorded only once each is attested (who, when, commit); then submit uses gt. Merging,
    syncing and cleaning up are Graphite's (`gt sync`): the plain-git scripts refuse and say so."""
    phase = Phase(tmp_path)
    phase.ok("stack.sh", "--after-stage", "1.5")
    phase.git("checkout", "-q", C5)
    (phase.root / "c5.txt").write_text("c5\n", encoding="utf-8")
    phase.git("add", "c5.txt")
    phase.git("commit", "-q", "-m", "c5")
    head = phase.git("rev-parse", "HEAD")
    gates = phase.root / ".git" / "phasec" / "gates"
    r = phase.ok("gates.sh", "C5", "closure")
    assert "not recorded" in r.stdout and not (gates / "C5-closure.ok").exists()
    r = phase.run("submit.sh", "C5")
    assert r.returncode == 1 and "refused: C5's closure gates have not passed" in r.stderr
    assert not [a for _, a in phase.calls("gt") if a.startswith("submit")]
    phase.dry_vs_real(
        "gates.sh", "C5", "blocking_high_findings_closed", "--attest", "P4: blocking/high findings closed"
    )
    phase.ok("gates.sh", "C5", "re_review_green", "--attest", "I4: re-review green")
    record = (gates / "C5-check-blocking_high_findings_closed.ok").read_text(encoding="utf-8").splitlines()
    assert record[0] == head and record[1] == "by: P4: blocking/high findings closed" and record[2].startswith("at: ")
    phase.ok("gates.sh", "C5", "closure")
    assert (gates / "C5-closure.ok").read_text(encoding="utf-8").splitlines()[0] == head
    phase.dry_vs_real("submit.sh", "C5")
    assert phase.calls("gt")[-1] == (str(phase.root), "submit --ai")
    r = phase.run("cleanup.sh")
    assert r.returncode != 0 and "gt sync" in r.stderr
    assert C5 in phase.branches()
