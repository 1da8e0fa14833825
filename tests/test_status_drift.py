"""`phasec status` drift fixtures: each drift is a diagnostic at the runbook's location, and the exit status is 1.

The fixtures are the MP-306 plain-git phase (tests/test_scenario_plain_git.py's helpers) with one thing done
outside the plan: an unexpected branch and worktree, a merge out of dependency order, a gate record made at a
commit that is no longer an ancestor of the slice's branch.  Plus the usage errors (exit 2).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import test_scenario_plain_git as p
from conftest import ROOT
from typer.testing import CliRunner

from phasec.cli.main import app

pytestmark = pytest.mark.skipif(shutil.which("git") is None or shutil.which("bash") is None, reason="git/bash missing")

RUNBOOK = p.RUNBOOK
LINES = RUNBOOK.read_text(encoding="utf-8").splitlines()


def where(text: str, start: str | None = None) -> tuple[int, int]:
    """(line, column) of ``text`` in the runbook (after the line starting with ``start``), 1-based."""
    after = next(n for n, line in enumerate(LINES) if start is None or line.startswith(start))
    for n in range(after, len(LINES)):
        col = LINES[n].find(text)
        if col >= 0:
            return n + 1, col + 1
    raise AssertionError(text)


def run_status(phase, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "phasec", "status", str(RUNBOOK), "--repo", str(phase.root), *extra],
        capture_output=True,
        text=True,
        env={**phase.env, "PYTHONPATH": str(ROOT)},
    )


def drift(phase) -> list[tuple[str, int, int, str]]:
    """The drift `phasec status --format json` reports (run in process), checked against the exit status."""
    r = CliRunner().invoke(
        app,
        ["status", str(RUNBOOK), "--repo", str(phase.root), "--format", "json"],
        env=phase.env,
        catch_exceptions=False,
    )
    report = json.loads(r.stdout)
    assert r.exit_code == (1 if report["drift"] else 0), r.stderr
    return [(d["code"], d["line"], d["column"], d["message"]) for d in report["drift"]]


@pytest.fixture
def phase(tmp_path):
    ph = p.Phase(tmp_path)
    ph.ok("stack.sh")
    return ph


def test_no_drift_after_stack(phase):
    assert drift(phase) == []
    assert run_status(phase).returncode == 0


def test_an_unexpected_branch_and_worktree(phase):
    rel = RUNBOOK.relative_to(ROOT).as_posix()
    phase.git("branch", "feature/a4-mp306-side-quest", "develop")
    repo_at = where("repo {")
    assert drift(phase) == [
        (
            "PS101",
            *repo_at,
            "branch feature/a4-mp306-side-quest looks like part of the phase (feature/*), but the runbook names no such branch",
        )
    ]
    # a worktree next to the lanes' (the runbook's `codex-voice-wt-` names), on a branch of its own
    extra = phase.tmp / "codex-voice-wt-a9"
    phase.git("worktree", "add", "-q", "-b", "scratch", str(extra), "develop")
    found = drift(phase)
    assert ("PS102", *repo_at, f"worktree {extra.resolve()} (scratch) is not one the runbook declares") in found
    assert any(c == "PS101" and "branch scratch" in m for c, *_, m in found)
    # the text output names the location as file:line:col
    r = run_status(phase)
    assert r.returncode == 1
    assert f"{RUNBOOK}:{repo_at[0]}:{repo_at[1]}: warning PS101: branch feature/a4-mp306-side-quest" in r.stdout
    assert rel.endswith("voiceterm-mp306.phc")


def test_an_out_of_order_merge(phase):
    # A1 comes after A2 merged (and in a later merge wave); someone merges A1 into develop by hand first.
    phase.commit(phase.lane_dir("A1"), "a1.txt")
    phase.commit(phase.lane_dir("A2"), "a2.txt")
    phase.git("merge", "-q", "--no-ff", "-m", "merge A1 early", p.A1)
    found = drift(phase)
    assert found == sorted(
        [
            (
                "PS201",
                *where("A2 merged", "slice A1"),
                "A1 is merged, but it comes after A2, which is not merged (in progress)",
            ),
            (
                "PS201",
                *where("A1", "  merge_wave second"),
                "A1 (merge wave second) is merged before A2 of the earlier wave first",
            ),
        ],
        key=lambda d: (d[1], d[2]),
    )


def test_in_order_merges_are_not_drift(phase):
    phase.commit(phase.lane_dir("A2"), "a2.txt")
    phase.ok("gates.sh", "A2", "a2_addons", "--attest", "reviewer: ok")
    phase.ok("gates.sh", "A2", "quick")
    phase.ok("review.sh", "A2", "approved", "--by", "reviewer")
    phase.ok("submit.sh", "A2", "--merge")
    assert drift(phase) == []


def test_a_stale_gate_record(phase):
    lane = phase.lane_dir("A2")
    phase.commit(lane, "a2.txt")
    phase.ok("gates.sh", "A2", "a2_addons", "--attest", "reviewer: ok")
    phase.ok("gates.sh", "A2", "quick")
    assert drift(phase) == []
    text = run_status(phase).stdout
    assert "attested:\n  A2 a2_addons: reviewer: ok at " in text
    # A new commit on top: the records are stale (not at the tip) but still on the branch: no drift.
    phase.commit(lane, "more.txt")
    assert drift(phase) == []
    # The lane's history rewritten: the records' commit is no longer an ancestor of the branch.
    phase.git("reset", "-q", "--hard", "HEAD~2", cwd=lane)
    phase.commit(lane, "redone.txt")
    gate_at = where("gate quick", "slice A2")
    found = drift(phase)
    assert [(c, line, col) for c, line, col, _ in found] == [("PS301", *gate_at)] * 2
    assert {m.split(":")[1].strip().split(" ")[1] for *_, m in found} == {"quick", "a2_addons"}
    assert all("not an ancestor of" in m for *_, m in found)


def test_usage_errors_exit_2(tmp_path, phase):
    r = subprocess.run(
        [sys.executable, "-m", "phasec", "status", str(RUNBOOK), "--repo", str(tmp_path / "home")],
        capture_output=True,
        text=True,
        env={**phase.env, "PYTHONPATH": str(ROOT)},
    )
    assert r.returncode == 2 and "not a git repository" in r.stderr and "Traceback" not in r.stderr
    bad = tmp_path / "bad.phc"
    bad.write_text('slice A "x" {\n  after NOPE\n}\n', encoding="utf-8")
    r = run_status_file(phase, bad)
    assert r.returncode == 2 and "PC202" in r.stderr and "Traceback" not in r.stderr
    r = run_status(phase, "--format", "yaml")
    assert r.returncode == 2
    # a lint finding that is not a parse or name error (here an agent-cap error) does not stop status
    capped = tmp_path / "capped.phc"
    capped.write_text(RUNBOOK.read_text(encoding="utf-8").replace("max_active 3", "max_active 1"), encoding="utf-8")
    from phasec.compiler.pipeline import analyze

    assert "PC501" in {d.code for d in analyze(capped.read_text(encoding="utf-8"), str(capped)).diagnostics}
    r = run_status_file(phase, capped)
    assert r.returncode == 0 and "active agents: 0 of max_active 1" in r.stdout, r.stderr


def run_status_file(phase, path: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "phasec", "status", str(path), "--repo", str(phase.root)],
        capture_output=True,
        text=True,
        env={**phase.env, "PYTHONPATH": str(ROOT)},
    )
