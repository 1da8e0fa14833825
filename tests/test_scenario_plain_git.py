"""End to end: a whole plain-git phase (examples/voiceterm-mp306.phc) run with the
generated scripts, in a temporary clone of a local bare `origin`.

Stand-ins on PATH: `python3`, `markdownlint` and `cargo` record where and how
they were called and succeed; `gt` fails loudly (a plain-git runbook must never
call it).  After each step the repository state (branches, worktrees, records)
is checked, not only the exit status, and `--dry-run` is compared with a trace
of the real run (PHASEC_TRACE).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import EXAMPLES, ROOT
from helpers import ScriptPhase, git_env

from phasec.compiler.pipeline import analyze
from phasec.emitters import EmitOptions
from phasec.emitters import scripts as scripts_emitter

pytestmark = pytest.mark.skipif(shutil.which("git") is None or shutil.which("bash") is None, reason="git/bash missing")

RUNBOOK = EXAMPLES / "voiceterm-mp306.phc"
A1, A2, A3 = "feature/a1-mp306-rust-dev-bridge", "feature/a2-mp306-control-plane", "feature/a3-mp306-governance-safety"
LANES = {"A1": A1, "A2": A2, "A3": A3}

STUB = """#!/usr/bin/env bash
printf '%s|%s|%s\\n' "$PWD" "$(basename "$0")" "$*" >> "$STUB_LOG"
"""
FAILING_GT = """#!/usr/bin/env bash
printf 'gt %s\\n' "$*" >> "$GT_LOG"
echo "gt must not be called by a plain-git runbook's scripts" >&2
exit 99
"""


class Phase(ScriptPhase):
    def __init__(self, tmp: Path):
        self.tmp = tmp
        res = analyze(RUNBOOK.read_text(encoding="utf-8"), RUNBOOK.relative_to(ROOT).as_posix())
        assert not res.has_errors
        self.scripts = tmp / "out" / "scripts"
        self.scripts.mkdir(parents=True)
        for rel, text in scripts_emitter.emit(res.runbook, EmitOptions()).items():
            (tmp / "out" / rel).write_text(text, encoding="utf-8")
        bin_dir = tmp / "bin"
        bin_dir.mkdir()
        for name in ("python3", "markdownlint", "cargo"):
            (bin_dir / name).write_text(STUB, encoding="utf-8")
            (bin_dir / name).chmod(0o755)
        (bin_dir / "gt").write_text(FAILING_GT, encoding="utf-8")
        (bin_dir / "gt").chmod(0o755)
        home = tmp / "home"
        home.mkdir()
        self.stub_log = tmp / "stub.log"
        self.gt_log = tmp / "gt.log"
        self.env = git_env(home, bin_dir, STUB_LOG=str(self.stub_log), GT_LOG=str(self.gt_log))
        # origin: a bare repository with develop and master; a seed clone pushes to it.
        self.origin = tmp / "origin.git"
        self.git("init", "-q", "--bare", "-b", "develop", str(self.origin), cwd=tmp)
        self.seed = tmp / "seed"
        self.git("clone", "-q", str(self.origin), str(self.seed), cwd=tmp)
        self.git("checkout", "-q", "-b", "develop", cwd=self.seed)
        (self.seed / "src").mkdir()
        (self.seed / "src" / "lib.rs").write_text("// lib\n", encoding="utf-8")
        self.git("add", "src", cwd=self.seed)
        self.commit(self.seed, "README.md")
        self.git("push", "-q", "origin", "develop", cwd=self.seed)
        self.git("push", "-q", "origin", "develop:master", cwd=self.seed)
        # The team's checkout (the runbook's root); lanes go next to it (../codex-voice-wt-a1 ...).
        self.root = tmp / "codex-voice"
        self.git("clone", "-q", "-b", "develop", str(self.origin), str(self.root), cwd=tmp)

    # helpers
    def run(self, script: str, *args: str, trace: Path | None = None, cwd: Path | None = None):
        env = dict(self.env)
        if trace is not None:
            env["PHASEC_TRACE"] = str(trace)
        return subprocess.run(
            ["bash", str(self.scripts / script), *args], cwd=cwd or self.root, env=env, capture_output=True, text=True
        )

    def commit(self, cwd: Path, name: str, text: str | None = None) -> str:
        (cwd / name).write_text(text if text is not None else name + "\n", encoding="utf-8")
        self.git("add", name, cwd=cwd)
        self.git("commit", "-q", "-m", name, cwd=cwd)
        return self.git("rev-parse", "HEAD", cwd=cwd)

    def worktrees(self) -> dict[str, str]:
        """path -> branch of every worktree of the repository."""
        out, path = {}, None
        for line in self.git("worktree", "list", "--porcelain").splitlines():
            if line.startswith("worktree "):
                path = line[len("worktree ") :]
            elif line.startswith("branch refs/heads/"):
                out[path] = line[len("branch refs/heads/") :]
        return out

    def lane_dir(self, sid: str) -> Path:
        return (self.tmp / f"codex-voice-wt-{sid.lower()}").resolve()

    def contains(self, ancestor: str, ref: str) -> bool:
        r = subprocess.run(
            ["git", "merge-base", "--is-ancestor", ancestor, ref], cwd=self.root, env=self.env, capture_output=True
        )
        return r.returncode == 0

    def stub_calls(self) -> list[tuple[str, str, str]]:
        if not self.stub_log.exists():
            return []
        return [tuple(line.split("|", 2)) for line in self.stub_log.read_text(encoding="utf-8").splitlines()]

    def records(self) -> Path:
        return self.root / ".git" / "phasec"


@pytest.fixture
def phase(tmp_path):
    return Phase(tmp_path)


def test_the_whole_plain_git_phase(phase):
    # origin/develop moves after the clone: the local develop is stale.
    fresh = phase.commit(phase.seed, "upstream.txt")
    phase.git("push", "-q", "origin", "develop", cwd=phase.seed)
    stale = phase.branches()["develop"]
    assert stale != fresh

    # ── stack: a worktree per lane, from origin/develop (fetched first) ──
    before = phase.branches()
    r = phase.dry_vs_real("stack.sh")
    refs = phase.branches()
    for sid, branch in LANES.items():
        assert refs[branch] == fresh, f"{sid} must start from origin/develop, not the stale local develop"
        assert phase.worktrees()[str(phase.lane_dir(sid))] == branch
    assert refs["develop"] == before["develop"] == stale  # never moved
    assert refs["master"] == phase.git("rev-parse", "origin/master")  # from origin/master, not from develop
    trace = (phase.tmp / "trace-stack.sh-.log").read_text(encoding="utf-8")
    assert "+ git fetch --quiet origin" in trace.splitlines()[0]
    assert f"+ git worktree add --no-track -b {A2} -- ../codex-voice-wt-a2 origin/develop" in trace
    again = phase.ok("stack.sh")
    assert "nothing to do" in again.stdout and phase.branches() == refs

    # Each lane does its work.
    heads = {sid: phase.commit(phase.lane_dir(sid), f"{sid.lower()}.txt") for sid in LANES}

    # ── gates: the lane commands run inside the lane's worktree ──
    r = phase.ok("gates.sh", "A2", "quick")
    calls = phase.stub_calls()
    assert calls and {c[0] for c in calls} == {str(phase.lane_dir("A2"))}
    assert ("python3", "dev/scripts/devctl.py docs-check --strict-tooling") in {(c[1], c[2]) for c in calls}
    assert any(c[1] == "markdownlint" for c in calls)
    # a2_addons is a check: the pass is not recorded until it is attested.
    assert "MANUAL   a2_addons" in r.stdout and "not recorded" in r.stdout
    assert not (phase.records() / "gates" / "A2-quick.ok").exists()
    phase.ok("gates.sh", "A2", "a2_addons", "--attest", "reviewer: ran the devctl unit tests and smoke checks")
    attest = (phase.records() / "gates" / "A2-check-a2_addons.ok").read_text(encoding="utf-8").splitlines()
    assert attest[0] == heads["A2"] and attest[1] == "by: reviewer: ran the devctl unit tests and smoke checks"
    phase.ok("gates.sh", "A2", "quick")
    assert (phase.records() / "gates" / "A2-quick.ok").read_text(encoding="utf-8").splitlines()[0] == heads["A2"]

    phase.stub_log.unlink()
    phase.dry_vs_real("gates.sh", "A1", "quick")
    calls = phase.stub_calls()
    assert ("cargo", "test --bin voiceterm") in {(c[1], c[2]) for c in calls}
    cargo = next(c for c in calls if c[1] == "cargo")
    assert cargo[0] == str(phase.lane_dir("A1") / "src")  # `cd src && cargo test` in the lane
    assert {c[0] for c in calls if c[1] != "cargo"} == {str(phase.lane_dir("A1"))}
    phase.ok("gates.sh", "A3", "a3_addons", "--attest", "orchestrator: evidence bundle read")
    phase.ok("gates.sh", "A3", "quick")

    # ── submit (push for review) ──
    phase.dry_vs_real("submit.sh", "A2")
    assert phase.git("rev-parse", f"refs/heads/{A2}", cwd=phase.origin) == heads["A2"]

    # ── merge order and approval ──
    r = phase.run("submit.sh", "A1", "--merge")
    assert r.returncode == 1 and "A1 comes after A2 merged, and A2" in r.stderr and "not merged" in r.stderr
    r = phase.run("submit.sh", "A2", "--merge")
    assert r.returncode == 1 and "A2 needs an approval before it merges" in r.stderr
    r = phase.ok("review.sh", "A3", "approved", "--by", "reviewer")
    r = phase.run("submit.sh", "A3", "--merge")
    assert r.returncode == 1 and "A3 is in merge wave third, and A2, of an earlier wave, is not merged" in r.stderr
    assert phase.branches()["develop"] == stale  # nothing merged by a refusal
    assert not (phase.records() / "merges").exists()

    phase.ok("review.sh", "A2", "changes_requested", "--by", "reviewer")
    r = phase.run("submit.sh", "A2", "--merge")
    assert r.returncode == 1 and "A2's last review is not an approval (changes_requested)" in r.stderr
    r = phase.ok("review.sh", "A2", "approved", "--by", "reviewer")
    assert "worker stop token: READY FOR REVIEW AGENT-2" in r.stdout
    assert "verdict token: REVIEW-OK AGENT-2" in r.stdout
    review = (phase.records() / "reviews" / "A2").read_text(encoding="utf-8").splitlines()
    assert review[:3] == [heads["A2"], "verdict: approved", "by: reviewer"] and review[3].startswith("at: ")

    r = phase.dry_vs_real("submit.sh", "A2", "--merge")
    develop = phase.git("rev-parse", "develop")
    assert phase.git("rev-parse", "refs/heads/develop", cwd=phase.origin) == develop  # pushed
    assert phase.contains(heads["A2"], "develop") and phase.contains(fresh, "develop")
    assert (phase.records() / "merges" / "A2").read_text(encoding="utf-8").splitlines()[0] == heads["A2"]
    # on merge: the lanes not yet merged were rebased onto the new origin/develop; A2 was not touched.
    refs = phase.branches()
    assert refs[A2] == heads["A2"]
    for sid in ("A1", "A3"):
        assert phase.contains("develop", LANES[sid]) and refs[LANES[sid]] != heads[sid], sid

    # A1: rebased, so its gates and approval are stale until run again.
    r = phase.ok("review.sh", "A1", "approved", "--by", "reviewer")
    r = phase.run("submit.sh", "A1", "--merge")
    assert r.returncode == 1 and "A1's quick gates passed at" in r.stderr and "not at HEAD" in r.stderr
    phase.ok("gates.sh", "A1", "quick")
    r = phase.dry_vs_real("submit.sh", "A1", "--merge")
    assert "on merge: A2 is merged: not touched" in r.stdout
    assert phase.branches()[A2] == heads["A2"]
    assert phase.contains(LANES["A1"], "develop")
    assert phase.contains("develop", A3)

    # ── sync: after another upstream commit, only the unmerged lane moves ──
    phase.git("pull", "-q", "origin", "develop", cwd=phase.seed)
    upstream = phase.commit(phase.seed, "hotfix.txt")
    phase.git("push", "-q", "origin", "develop", cwd=phase.seed)
    before = phase.branches()
    r = phase.dry_vs_real("sync.sh")
    after = phase.branches()
    assert phase.contains(upstream, A3) and after[A3] != before[A3]
    assert after[A1] == before[A1] and after[A2] == before[A2]
    assert "merged:  A1" in r.stdout and "merged:  A2" in r.stdout
    assert "done: 0 lane(s) rebased" in phase.ok("sync.sh").stdout
    assert phase.branches() == after  # a second sync changes nothing

    # ── cleanup: merged lanes only ──
    r = phase.run("cleanup.sh", "A3")
    assert r.returncode == 1 and "refused: A3" in r.stderr
    assert phase.branches()[A3] == after[A3]
    phase.dry_vs_real("cleanup.sh")
    refs = phase.branches()
    wts = phase.worktrees()
    assert A1 not in refs and A2 not in refs and refs[A3] == after[A3]
    assert str(phase.lane_dir("A1")) not in wts and str(phase.lane_dir("A2")) not in wts
    assert wts[str(phase.lane_dir("A3"))] == A3
    assert not phase.lane_dir("A1").exists() and phase.lane_dir("A3").exists()

    # ── never gt ──
    assert not phase.gt_log.exists()


def test_sync_stops_on_a_conflict_with_how_to_continue(phase):
    phase.ok("stack.sh")
    lane = phase.lane_dir("A3")
    phase.commit(lane, "shared.txt", "lane\n")
    phase.commit(phase.seed, "shared.txt", "upstream\n")
    phase.git("push", "-q", "origin", "develop", cwd=phase.seed)
    r = phase.run("sync.sh")
    assert r.returncode == 1
    assert f"CONFLICT rebasing lane A3 ({A3})" in r.stderr
    assert "rebase --continue" in r.stderr and "rebase --abort" in r.stderr
    # A1 and A2 come first and were rebased; A3 is left mid-rebase for the person to finish.
    assert phase.contains("origin/develop", A1) and phase.contains("origin/develop", A2)
    assert (lane / phase.git("rev-parse", "--git-path", "rebase-merge", cwd=lane)).is_dir()


def test_stack_without_a_remote_uses_the_local_base(tmp_path):
    phase = Phase(tmp_path)
    phase.git("remote", "remove", "origin")
    r = phase.ok("stack.sh")
    assert "fetch" not in r.stdout
    refs = phase.branches()
    for branch in LANES.values():
        assert refs[branch] == refs["develop"]
    assert not phase.gt_log.exists()


def test_preflight_checks_that_lanes_are_rebased(phase):
    phase.ok("stack.sh")
    r = phase.ok("preflight.sh")
    for sid in LANES:
        assert f"ok    lane {sid} ({LANES[sid]}) is rebased on origin/develop" in r.stdout
    phase.commit(phase.seed, "later.txt")
    phase.git("push", "-q", "origin", "develop", cwd=phase.seed)
    phase.git("fetch", "-q", "origin")
    r = phase.run("preflight.sh")
    assert r.returncode == 1
    assert f"FAIL  lane A1 ({A1}) is not rebased on origin/develop" in r.stdout
    phase.ok("sync.sh")
    assert phase.ok("preflight.sh").returncode == 0


def test_review_tokens_dry_run_and_bad_input(phase):
    phase.ok("stack.sh")
    r = phase.ok("review.sh", "A1")
    assert "worker stop token: READY FOR REVIEW AGENT-1" in r.stdout
    assert "approval token:    REVIEW-OK AGENT-1" in r.stdout
    assert "changes token:     REVIEW-CHANGES AGENT-1" in r.stdout
    assert "no verdict recorded for A1" in r.stdout
    r = phase.ok("review.sh", "--dry-run", "A1", "approved", "--by", "reviewer")
    assert "would record A1 approved by reviewer" in r.stdout
    assert not (phase.records() / "reviews").exists()
    assert phase.run("review.sh", "A1", "maybe", "--by", "x").returncode == 2
    assert phase.run("review.sh", "A1", "approved").returncode == 2  # --by is required
    r = phase.run("gates.sh", "A1", "a2_addons", "--attest", "me: yes")
    assert r.returncode == 2 and "A1 binds no check `a2_addons`" in r.stderr
    assert phase.run("gates.sh", "A2", "a2_addons", "--attest", "no reason given").returncode == 2


def test_cleanup_keeps_a_dirty_merged_worktree(phase):
    phase.ok("stack.sh")
    lane = phase.lane_dir("A2")
    head = phase.commit(lane, "a2.txt")
    phase.ok("gates.sh", "A2", "a2_addons", "--attest", "reviewer: ok")
    phase.ok("gates.sh", "A2", "quick")
    phase.ok("review.sh", "A2", "approved", "--by", "reviewer")
    phase.ok("submit.sh", "A2", "--merge")
    assert phase.contains(head, "origin/develop")
    (lane / "scratch.txt").write_text("x", encoding="utf-8")
    r = phase.run("cleanup.sh")
    assert r.returncode == 1 and "has uncommitted or untracked changes" in r.stderr
    assert A2 in phase.branches() and lane.exists()
    assert "kept:    A1" in r.stdout
    (lane / "scratch.txt").unlink()
    phase.ok("cleanup.sh", "A2")
    assert A2 not in phase.branches() and not lane.exists()
    assert A1 in phase.branches() and phase.lane_dir("A1").exists()


def test_submit_for_review_refuses_a_lane_whose_dependency_is_not_merged(phase):
    """A1 comes after A2 merged: even pushing A1 for review is refused until A2 is merged; nothing is pushed."""
    phase.ok("stack.sh")
    phase.commit(phase.lane_dir("A1"), "a1.txt")
    phase.ok("gates.sh", "A1", "quick")
    for args in (("A1",), ("--dry-run", "A1"), ("A1", "--merge")):
        r = phase.run("submit.sh", *args)
        assert r.returncode == 1, args
        assert "refused: A1 comes after A2 merged, and A2 (feature/a2-mp306-control-plane) is not merged" in r.stderr
    heads = subprocess.run(
        ["git", "for-each-ref", "--format=%(refname:short)", "refs/heads/"],
        cwd=phase.origin,
        env=phase.env,
        capture_output=True,
        text=True,
    ).stdout.split()
    assert A1 not in heads and sorted(heads) == ["develop", "master"]
    assert not (phase.records() / "merges").exists()
