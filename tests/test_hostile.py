"""Hostile values: every field a runbook author writes, filled with payloads that would create
a sentinel file if any generated script evaluated them.

Each payload in each field is either rejected with a diagnostic (a code, file:line:col; no
traceback) or compiled; a compiled runbook's scripts are run with --dry-run and for real in a
temporary git repository (plain git and Graphite, with a stand-in `gt`), and the sentinel must
never appear.  Gate commands are commands by design (only gates.sh runs them), so they are the
one field not filled here; tests/test_emit_scripts.py checks they run as written.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import tooling
from helpers import git_env

from phasec.compiler.pipeline import analyze
from phasec.emitters import EmitOptions, emit_all
from phasec.format import render_string

needs_git = tooling.needs("git", "bash")

#: ``{S}`` is the sentinel's absolute path.
PAYLOADS = {
    "dollar-paren": "x$(touch {S})",
    "backticks": "x`touch {S}`",
    "double-quote": 'x"; touch {S}; echo "',
    "single-quote": "x'; touch {S}; echo '",
    "semicolon": "x; touch {S}",
    "newline": "x\ntouch {S}\n",
    "leading-dash": "--upload-pack=touch {S}",
    "dash-exec": "-c core.sshCommand=touch {S}",
    "lookalikes": "codex/phase-h-\u0441\u200b\u202e\uff1btouch {S}",  # Cyrillic с, zero-width space, RTL override, fullwidth ;
    "10kB": "A" * 10_240 + "$(touch {S})",
}

#: The fields a payload goes into: where the placeholder stands in the template.
STRING_FIELDS = ("TITLE", "BRANCH", "WORKTREE", "FILEPATH", "ARTIFACT", "OWNER", "NOTE", "ROOT")
RAW_FIELDS = ("ID", "HANDLE")

TEMPLATE = """\
phase H {TITLE} {
  posture forward_only
  summary {NOTE}
}
repo {
  tool {TOOL}
  {REPO_EXTRA}
}
team {
  max_active 2
  agent A1 {TITLE}
}
owners {
  owner @team-h {OWNER} backup @team-{HANDLE}
  owner @team-{HANDLE}
}
scripts {
  runner "echo runner:"
}
outputs out {ROOT} {
  artifact A_ONE {ARTIFACT} by H1
}
cadence quick "Quick" for runtime
slice H1 {TITLE} {
  kind runtime
  agent A1
  owner @team-h backup @team-{HANDLE}
  branch {BRANCH} worktree {WORKTREE}
  file {FILEPATH}
  note {NOTE}
  gate quick "true"
}
slice H{ID} "Second" {
  kind runtime
  agent A1
  owner @team-h backup @team-{HANDLE}
  after H1
  requires A_ONE
  branch "codex/phase-h-h2" worktree "../wt-h2"
  gate quick "true"
}
exit {
  covers H1 H{ID}
}
"""

SAFE = {
    "TITLE": '"A title"',
    "BRANCH": '"codex/phase-h-h1"',
    "WORKTREE": '"../wt-h1"',
    "FILEPATH": '"src/a.txt"',
    "ARTIFACT": '"A_ONE.md"',
    "OWNER": '"The team"',
    "NOTE": '"a note"',
    "ROOT": '"docs/out"',
    "ID": "2",
    "HANDLE": "i",
}
REPO_EXTRA = {"git": 'base "main"', "graphite": 'branch root "main"\n  slice_base root'}


def runbook(tool: str, fields: dict[str, str]) -> str:
    text = TEMPLATE.replace("{TOOL}", tool).replace("{REPO_EXTRA}", REPO_EXTRA[tool])
    for key, value in {**SAFE, **fields}.items():
        text = text.replace("{" + key + "}", value)
    return text


def filled(field: str, payload: str) -> dict[str, str]:
    return {field: render_string(payload) if field in STRING_FIELDS else payload}


def compiled(text: str):
    """(outputs, None) when the runbook compiles, else (None, the error diagnostics)."""
    res = analyze(text, "hostile.phc", compiling=True)
    errors = [d for d in res.diagnostics if d.severity.value == "error"]
    if errors:
        return None, errors
    return emit_all(res.runbook, EmitOptions()), None


def test_the_safe_runbook_compiles_in_both_modes():
    for tool in ("git", "graphite"):
        outputs, errors = compiled(runbook(tool, {}))
        assert errors is None and "scripts/stack.sh" in outputs, errors


@pytest.mark.parametrize("payload", sorted(PAYLOADS))
@pytest.mark.parametrize("field", STRING_FIELDS + RAW_FIELDS)
def test_each_payload_in_each_field_is_rejected_or_inert_text(field, payload, tmp_path):
    """Rejected with located diagnostics, or compiled with the payload only inside quoted data."""
    value = PAYLOADS[payload].replace("{S}", str(tmp_path / "SENTINEL"))
    text = runbook("git", filled(field, value))
    outputs, errors = compiled(text)
    if errors is not None:
        for d in errors:
            assert d.code.startswith("PC") and d.span.file == "hostile.phc" and d.span.line >= 1, d
        return
    scripts = {k: v for k, v in outputs.items() if k.endswith(".sh")}
    for name, script in scripts.items():
        r = subprocess.run(["bash", "-n"], input=script, capture_output=True, text=True)
        assert r.returncode == 0, (name, r.stderr)
        for line in script.splitlines():
            # a payload's command substitution never appears outside single quotes or a heredoc's data
            if "touch " in line and line.lstrip().startswith("touch "):
                raise AssertionError(f"{name}: the payload became a command line: {line[:200]}")


def _sentinels(root: Path) -> list[Path]:
    """Files `touch` would have made.  (A worktree path holding the payload makes *folders* with
    that name: the path taken as data, as it should be.)"""
    return [p for p in root.rglob("*") if p.name == "SENTINEL" and p.is_file()]


class _Repo:
    def __init__(self, tmp: Path, outputs: dict[str, str]):
        self.tmp = tmp
        self.root = tmp / "repo"
        self.scripts = tmp / "out" / "scripts"
        for rel, text in outputs.items():
            p = tmp / "out" / rel
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_text(text, encoding="utf-8")
        bin_dir = tmp / "bin"
        bin_dir.mkdir()
        (bin_dir / "gt").write_text('#!/usr/bin/env bash\nprintf \'%s\\n\' "$*" >> "$GT_LOG"\n', encoding="utf-8")
        (bin_dir / "gt").chmod(0o755)
        home = tmp / "home"
        home.mkdir()
        self.env = git_env(home, bin_dir, GT_LOG=str(tmp / "gt.log"))
        self.root.mkdir()
        for args in (("init", "-q", "-b", "main"), ("commit", "-q", "--allow-empty", "-m", "init")):
            subprocess.run(["git", *args], cwd=self.root, env=self.env, check=True, capture_output=True)

    def run(self, script: str, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            ["bash", str(self.scripts / script), *args],
            cwd=self.root,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
        )


#: Every script, dry run and real, with arguments that reach the slice carrying the payloads.
RUNS = [
    ("stack.sh",),
    ("preflight.sh",),
    ("gates.sh", "H1", "quick"),
    ("review.sh", "H1"),
    ("review.sh", "H1", "approved", "--by", "x$(touch SENTINEL)"),
    ("submit.sh", "H1"),
    ("submit.sh", "H1", "--merge"),
    ("sync.sh",),
    ("cleanup.sh",),
    ("gates.sh", "exit"),
]


#: Graphite mode runs the same scripts with `gt` instead of git commands: a subset of the payloads.
REAL_RUNS = [(p, "git") for p in sorted(PAYLOADS)] + [
    (p, "graphite") for p in ("backticks", "dollar-paren", "leading-dash", "newline", "single-quote")
]


@needs_git
@pytest.mark.parametrize(("payload", "tool"), REAL_RUNS)
def test_scripts_run_for_real_and_dry_never_evaluate_a_payload(tool, payload, tmp_path):
    sentinel = tmp_path / "SENTINEL"
    value = PAYLOADS[payload].replace("{S}", str(sentinel))
    # every field that accepts this payload on its own gets it, all at once
    fields: dict[str, str] = {}
    for field in STRING_FIELDS:
        if compiled(runbook(tool, {**fields, **filled(field, value)}))[1] is None:
            fields.update(filled(field, value))
    outputs, errors = compiled(runbook(tool, fields))
    assert errors is None
    assert fields, "no field accepted the payload: nothing reaches the scripts"
    repo = _Repo(tmp_path, outputs)
    ran = []
    for dry in (True, False):
        for run in RUNS:
            args = (run[0], "--dry-run", *run[1:]) if dry else run
            r = repo.run(*args)
            ran.append((args, r.returncode))
            for bad in ("command not found", "syntax error", "unbound variable"):
                assert bad not in r.stderr, (args, r.stderr[-2000:])
            assert not _sentinels(tmp_path) and not sentinel.is_file(), (args, sorted(fields), r.stdout[-1000:])
    assert any(code == 0 for _, code in ran), ran  # the scripts did run


def test_hostile_values_in_ids_and_handles_are_syntax_errors_not_crashes():
    for payload in PAYLOADS.values():
        for field in RAW_FIELDS:
            text = runbook("git", filled(field, payload.replace("{S}", "/nonexistent/SENTINEL")))
            res = analyze(text, "hostile.phc")
            codes = {d.code for d in res.diagnostics if d.severity.value == "error"}
            # rejected by the front end (syntax, schema or names): never reaches lint or the emitters
            assert any(c[:3] in ("PC0", "PC1", "PC2") for c in codes), (field, payload[:40], codes)
    # and through the command: located diagnostics on stdout, exit 1, no traceback
    text = runbook("git", filled("ID", PAYLOADS["dollar-paren"].replace("{S}", "/nonexistent/SENTINEL")))
    r = subprocess.run(
        [sys.executable, "-m", "phasec", "lint", "-f", "concise", "-"], input=text, capture_output=True, text=True
    )
    assert r.returncode == 1, r.stderr
    assert "Traceback" not in r.stderr and r.stdout.startswith("<stdin>:"), r.stdout[:300]


def test_which_fields_reject_which_payloads():
    """Branch names must be valid git ref names (PC801): every payload is rejected there.
    Every other string field takes every payload, as data."""
    for name, payload in PAYLOADS.items():
        value = payload.replace("{S}", "/nonexistent/SENTINEL")
        for field in STRING_FIELDS:
            _, errors = compiled(runbook("git", filled(field, value)))
            if field == "BRANCH":
                assert errors and {d.code for d in errors} == {"PC801"}, (name, errors)
            else:
                assert errors is None, (name, field, [f"{d.code} {d.message}" for d in errors or []])
