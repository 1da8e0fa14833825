"""`phasec status` on a small Graphite runbook (tests/fixtures/status/mini.phc) in a hand-made repository:
artifacts and the protocol's final sections, the misplaced-artifact drift, the three output formats,
colour only on a terminal, and that status never changes the repository."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import FIXTURES, ROOT
from helpers import git_env

from phasec.compiler.pipeline import analyze
from phasec.status import collect
from phasec.status.render import render_markdown, render_text

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git missing")

MINI = FIXTURES / "status" / "mini.phc"
X1, X2 = "x/x1-first", "x/x2-second"


class Repo:
    def __init__(self, tmp: Path):
        home = tmp / "home"
        home.mkdir()
        self.env = git_env(home)
        self.root = tmp / "repo"
        self.root.mkdir()
        self.git("init", "-q", "-b", "main")
        self.git("commit", "-q", "--allow-empty", "-m", "init")
        self.git("branch", "x/base")

    def git(self, *args: str) -> str:
        r = subprocess.run(["git", *args], cwd=self.root, env=self.env, capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
        return r.stdout.strip()

    def commit(self, name: str, text: str) -> str:
        path = self.root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        self.git("add", name)
        self.git("commit", "-q", "-m", name)
        return self.git("rev-parse", "HEAD")


@pytest.fixture
def repo(tmp_path, monkeypatch):
    r = Repo(tmp_path)
    for k, v in r.env.items():
        monkeypatch.setenv(k, v)
    return r


def report_of(repo: Repo):
    res = analyze(MINI.read_text(encoding="utf-8"), str(MINI))
    assert not res.has_errors
    return collect(res.runbook, repo.root)


def line_of(text: str) -> int:
    return next(n for n, line in enumerate(MINI.read_text(encoding="utf-8").splitlines(), 1) if text in line)


def test_final_report_sections_and_a_misplaced_artifact(repo):
    repo.git("checkout", "-q", "-b", X1, "x/base")
    repo.commit("AGENT_W1_FINAL_storage.md", "# Final\n\n## Evidence Map\n\nsee x\n")
    repo.git("checkout", "-q", "-b", X2, X1)
    repo.commit("out/REPORT_A.md", "report\n")  # X1's artifact, committed on X2's branch
    r = report_of(repo)
    x1 = r.slice("X1")
    final = [a for a in x1.artifacts if a.kind == "final"]
    assert [(a.path, a.missing_sections) for a in final] == [("AGENT_W1_FINAL_storage.md", ["Risks"])]
    report_a = next(a for a in x1.artifacts if a.id == "REPORT_A")
    assert report_a.present is False  # not on X1's branch
    (d,) = r.drift
    assert (d.code, d.line) == ("PS401", line_of('artifact REPORT_A "REPORT_A.md" by X1'))
    assert "produced by X1, but was committed on X2's branch" in d.message

    # The same artifact committed on X1 (and so in X2's stack too): present, no drift.
    repo.git("checkout", "-q", X1)
    repo.commit("AGENT_W1_FINAL_storage.md", "# Final\n\n## Evidence Map\n\n## Risks\n")
    repo.commit("out/REPORT_A.md", "report\n")
    repo.git("branch", "-f", X2, X1)
    r = report_of(repo)
    assert r.drift == []
    x1 = r.slice("X1")
    assert next(a for a in x1.artifacts if a.id == "REPORT_A").present
    assert [a.missing_sections for a in x1.artifacts if a.kind == "final"] == [[]]


def test_formats_and_colour(repo):
    repo.git("checkout", "-q", "-b", X1, "x/base")
    repo.commit("a.txt", "a\n")
    r = report_of(repo)
    text = render_text(r)
    assert "\x1b[" not in text
    header = next(line for line in text.splitlines() if line.startswith("slice"))
    assert header.split() == ["slice", "state", "branch", "worktree", "gates", "approval", "artifacts"]
    row = next(line for line in text.splitlines() if line.startswith("X1 "))
    assert "in progress" in row and "+1/-0 vs x/base" in row
    assert "startable now: none" in text and "active agents: 1 of max_active 2 (W1)" in text
    assert "\x1b[33min progress" in render_text(r, colour=True)
    md = render_markdown(r)
    assert "| slice | state | branch | worktree | gates | approval | artifacts |" in md
    assert "| X1 | in progress |" in md and "No drift." in md

    def cli(*extra: str, **env: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "phasec", "status", str(MINI), "--repo", str(repo.root), *extra],
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONPATH": str(ROOT), **env},
        )

    plain = cli()
    assert plain.returncode == 0 and "\x1b[" not in plain.stdout  # a pipe: no colour
    assert "\x1b[" in cli(FORCE_COLOR="1").stdout
    assert json.loads(cli("--format", "json").stdout)["slices"][0]["state"] == "in progress"
    assert cli("--format", "markdown").stdout == md


def test_status_never_changes_the_repository(repo):
    repo.git("checkout", "-q", "-b", X1, "x/base")
    repo.commit("a.txt", "a\n")
    (repo.root / "a.txt").write_text("changed\n", encoding="utf-8")  # a dirty worktree: git status is read

    def snapshot() -> dict:
        git_dir = repo.root / ".git"
        files = {
            str(p.relative_to(git_dir)): (p.stat().st_mtime_ns, p.stat().st_size)
            for p in sorted(git_dir.rglob("*"))
            if p.is_file()
        }
        return {"files": files, "refs": repo.git("for-each-ref"), "status": repo.git("status", "--porcelain")}

    repo.env["GIT_OPTIONAL_LOCKS"] = "0"  # the test's own `git status` must not refresh the index either
    before = snapshot()
    report_of(repo)
    report_of(repo)
    assert snapshot() == before


def record(repo: Repo, name: str, commit: str, *lines: str) -> None:
    """A record as gates.sh writes it (docs/scripts.md, *Records*: they can be written by hand)."""
    path = repo.root / ".git" / "phasec" / "gates" / f"{name}.ok"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join([commit, *lines, "at: 2026-01-01T00:00:00Z"]) + "\n", encoding="utf-8")


def test_gate_records_drive_the_states_and_the_exit_gate(repo):
    repo.git("checkout", "-q", "-b", X1, "x/base")
    head = repo.commit("a.txt", "a\n")
    r = report_of(repo)
    assert [(s.id, s.state) for s in r.slices] == [("X1", "in progress"), ("X2", "blocked")]
    assert r.phase.exit_gate.can_run is False and r.phase.exit_gate.record is None
    assert r.phase.exit_gate.why == ["X1 is in progress", "X2 is blocked"]
    record(repo, "X1-quick", head)
    r = report_of(repo)
    assert [(s.id, s.state) for s in r.slices] == [("X1", "ready for review"), ("X2", "not started")]
    assert r.phase.startable == ["X2"] and r.phase.active_agents == ["W1"]
    repo.git("checkout", "-q", "-b", X2, X1)
    head2 = repo.commit("b.txt", "b\n")
    record(repo, "X2-quick", head2)
    r = report_of(repo)
    assert [(s.id, s.state) for s in r.slices] == [("X1", "ready for review"), ("X2", "ready for review")]
    assert r.phase.exit_gate.can_run is True and r.phase.exit_gate.why == []
    assert r.phase.active_agents == ["W1", "W2"] and r.phase.max_active == 2
    # X2 is stacked on X1: its parent is X1's branch, one commit ahead
    x2 = r.slice("X2").branch
    assert (x2.parent, x2.ahead, x2.behind) == (X1, 1, 0)
    # X1 merged into the slice base (its pull request): merged, no longer active
    repo.git("checkout", "-q", "x/base")
    repo.git("merge", "-q", "--no-ff", "-m", "merge X1", X1)
    r = report_of(repo)
    assert r.slice("X1").state == "merged" and r.slice("X1").branch.merged_into == "x/base"
    assert r.phase.active_agents == ["W2"] and r.drift == []


@pytest.mark.parametrize("how", ["squash", "rebase"])
def test_a_slice_merged_by_squash_or_rebase_is_merged(repo, how):
    """A pull request merged by squash or rebase leaves the branch's tip out of the base; its work is there."""
    repo.git("checkout", "-q", "-b", X1, "x/base")
    repo.commit("a.txt", "a\n")
    repo.commit("b.txt", "b\n")
    repo.git("checkout", "-q", "-b", X2, X1)
    repo.commit("c.txt", "c\n")
    repo.git("checkout", "-q", "x/base")
    repo.commit("other.txt", "someone else's work\n")  # the base moved on meanwhile
    assert report_of(repo).slice("X1").state != "merged"
    if how == "squash":
        repo.git("merge", "-q", "--squash", X1)
        repo.git("commit", "-q", "-m", "X1 (#1)")
    else:
        repo.git("cherry-pick", f"x/base..{X1}")
    before = repo.git("rev-parse", "x/base")
    r = report_of(repo)
    assert r.slice("X1").state == "merged" and r.slice("X1").branch.merged_into == "x/base"
    assert r.slice("X2").state != "merged"  # stacked on X1: X1's patches plus its own, not in the base
    assert repo.git("rev-parse", "x/base") == before
    # a squash that is not the branch's work (one file of two) is not taken for a merge
    repo.git("reset", "-q", "--hard", "HEAD~1" if how == "squash" else "HEAD~2")
    repo.git("checkout", "-q", X1, "--", "a.txt")
    repo.git("commit", "-q", "-m", "part of X1")
    assert report_of(repo).slice("X1").state != "merged"


def test_the_json_schema_is_a_valid_schema():
    import jsonschema

    schema = json.loads((ROOT / "phasec" / "status" / "status.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)


def test_drift_codes_are_one_catalogue_that_explain_and_the_docs_share():
    """The codes `collect` reports, the catalogue (`phasec rules`, `explain`) and docs/status.md's table agree."""
    import importlib
    import re

    from phasec.compiler.rules import STATUS
    from phasec.compiler.rules.catalog import catalog, explain

    module = importlib.import_module("phasec.status.collect")
    reported = {v for k, v in vars(module).items() if k.isupper() and isinstance(v, str) and v.startswith("PS")}
    assert reported == set(STATUS)
    table = (ROOT / "docs" / "status.md").read_text(encoding="utf-8")
    assert set(re.findall(r"^\| `(PS\d{3})` \|", table, re.M)) == set(STATUS)
    assert {r["code"] for r in catalog() if r["family"] == "status"} == set(STATUS)
    for code in STATUS:
        text = explain(code.lower())
        assert text is not None and text.startswith(f"# {code} status-") and "phasec status" in text
