"""Fixes carried by diagnostics and `phasec lint --fix`.

Each fix: a fixture, the exact fixed text, and the fixed text lints clean for
that code.  Unsafe fixes are carried (for editors) but never applied by --fix.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from conftest import FIXTURES, ROOT

from phasec.compiler.diagnostics import Diagnostic, Edit, Fix, Severity
from phasec.compiler.pipeline import analyze
from phasec.fix import apply_fixes, fix_text
from phasec.source import Span

RULES = FIXTURES / "rules"


def codes(text: str) -> list[str]:
    return [d.code for d in analyze(text, "t.phc").diagnostics]


def fixed(text: str) -> str:
    res = fix_text(text, "t.phc")
    assert not res.refused
    return res.text


def _replace(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, old
    return text.replace(old, new)


# ─── PC403: add if_triggered ─────────────────────────────────────────────────


def test_pc403_splits_a_mixed_after():
    text = (RULES / "PC403_hard_dependency.phc").read_text()
    res = fix_text(text, "t.phc")
    assert res.fixed == 1
    assert res.text == _replace(text, "  after C3 C4\n", "  after C3\n  after C4 if_triggered\n")
    assert "PC403" not in codes(res.text) and "PC406" not in codes(res.text)


def test_pc403_adds_if_triggered_when_every_dependency_is_conditional():
    text = (RULES / "PC403_no_either_path_artifact.phc").read_text()
    res = fix_text(text, "t.phc")
    assert res.fixed == 2
    assert res.text == _replace(
        _replace(text, "  after C4\n", "  after C4 if_triggered\n"), "  after C6\n", "  after C6 if_triggered\n"
    )
    assert "PC403" not in codes(res.text)


def test_pc403_on_a_shared_line_joins_with_a_semicolon():
    text = (RULES / "PC403_hard_dependency.phc").read_text()
    text = _replace(text, 'slice C5 "Review" {\n  after C3 C4\n}', 'slice C5 "Review" { after C3 C4 }')
    out = fixed(text)
    assert 'slice C5 "Review" { after C3; after C4 if_triggered }' in out
    assert "PC403" not in codes(out)


def test_pc403_two_conditional_dependencies_in_one_statement_share_one_fix():
    text = (RULES / "PC403_hard_dependency.phc").read_text()
    text = _replace(
        text,
        'slice C5 "Review" {',
        'slice C6 "Other" conditional {\n  trigger t "x" by c4_scan\n  defer_record C4_DISPOSITION\n}\nslice C5 "Review" {',
    )
    text = _replace(text, "  after C3 C4\n", "  after C4 C3 C6\n")
    res = fix_text(text, "t.phc")
    assert res.fixed == 2  # both findings, one edit
    assert "  after C4 C6 if_triggered\n  after C3\n" in res.text  # groups in order of first appearance
    assert "PC403" not in codes(res.text)


# ─── PC406: remove if_triggered ──────────────────────────────────────────────


def test_pc406_splits_so_the_conditional_dependency_keeps_it():
    text = (RULES / "PC406_unconditional.phc").read_text()
    out = fixed(text)
    assert out == _replace(text, "  after C3 C4 if_triggered\n", "  after C3\n  after C4 if_triggered\n")
    assert "PC406" not in codes(out) and "PC403" not in codes(out)


def test_pc406_removes_the_flag():
    text = (RULES / "PC406_unconditional.phc").read_text()
    text = _replace(text, "  after C3 C4 if_triggered\n", "  after C3 if_triggered  # why\n")
    out = fixed(text)
    assert "  after C3  # why\n" in out
    assert "PC406" not in codes(out)


# ─── PC901: unused suppressions ──────────────────────────────────────────────


def test_pc901_removes_a_trailing_suppression():
    text = (RULES / "PC901_stale.phc").read_text()
    out = fixed(text)
    assert out == _replace(
        text, "  max_active 4  # phasec: ignore[PC501] -- nothing overlaps any more\n", "  max_active 4\n"
    )
    assert "PC901" not in codes(out)


def test_pc901_removes_an_own_line_suppression_with_its_line():
    text = (RULES / "PC901_stale.phc").read_text()
    text = _replace(
        text,
        "  max_active 4  # phasec: ignore[PC501] -- nothing overlaps any more\n",
        "  # phasec: ignore[PC501] -- nothing overlaps any more\n  max_active 4\n",
    )
    out = fixed(text)
    assert out == _replace(text, "  # phasec: ignore[PC501] -- nothing overlaps any more\n", "")
    assert "PC901" not in codes(out)


def test_pc901_removes_only_the_unused_codes():
    text = (RULES / "PC901_clean_used.phc").read_text()
    text = _replace(text, "ignore[PC501]", "ignore[PC605, PC501,PC602]")
    assert codes(text).count("PC901") == 2
    res = fix_text(text, "t.phc")
    assert res.fixed == 2
    assert "  max_active 1  # phasec: ignore[PC501] -- the two planners" in res.text
    assert "PC901" not in codes(res.text) and "PC501" not in codes(res.text)


def test_pc901_keeps_prose_before_the_suppression():
    text = (RULES / "PC901_stale.phc").read_text()
    text = _replace(text, "# phasec: ignore", "# cap # phasec: ignore")
    out = fixed(text)
    assert "  max_active 4  # cap\n" in out


# ─── unsafe fixes: carried, never applied by --fix ───────────────────────────


def _only(text: str, code: str) -> Diagnostic:
    ds = [d for d in analyze(text, "t.phc").diagnostics if d.code == code]
    assert len(ds) == 1
    return ds[0]


def test_pc101_offers_the_one_close_keyword_as_an_unsafe_fix():
    text = 'phase C "T" {\n  posture forward_only\n}\nslice C1 "x" {\n  ownr @a\n}\n'
    d = _only(text, "PC101")
    assert d.fix is not None and not d.fix.safe
    assert [(e.span.line, e.span.column, e.replacement) for e in d.fix.edits] == [(5, 3, "owner")]
    assert fix_text(text, "t.phc").text == text  # not applied in bulk
    out, n = apply_fixes(text, [d], "t.phc", unsafe=True)
    assert n == 1 and "  owner @a\n" in out and "PC101" not in codes(out)


def test_pc101_offers_no_fix_when_several_keywords_are_close():
    text = 'phase C "T" {\n  posture forward_only\n}\nslice C1 "x" {\n  triggerd "y"\n}\n'
    from phasec.compiler.diagnostics import close_matches
    from phasec.compiler.schema import CONTEXTS

    assert len(close_matches("triggerd", CONTEXTS["slice"].statements)) > 1
    assert _only(text, "PC101").fix is None


def test_pc202_offers_the_one_close_declaration_as_an_unsafe_fix():
    text = 'phase C "T" {\n  posture forward_only\n}\nslice C1 "x" {\n  after Cx_zero\n}\nslice Cx_zero_ "y" {}\n'
    d = _only(text, "PC202")
    assert d.fix is not None and not d.fix.safe
    out, _ = apply_fixes(text, [d], "t.phc", unsafe=True)
    assert "after Cx_zero_\n" in out and "PC202" not in codes(out)


def test_pc606_offers_removing_the_backup_as_an_unsafe_fix():
    text = (RULES / "PC606_backup_is_owner.phc").read_text()
    ds = [d for d in analyze(text, "t.phc").diagnostics if d.code == "PC606"]
    assert len(ds) == 2 and all(d.fix is not None and not d.fix.safe for d in ds)
    assert fix_text(text, "t.phc").text == text
    out, n = apply_fixes(text, ds, "t.phc", unsafe=True)
    assert n == 2
    assert 'owner @rawr-runtime-host "Runtime host"\n' in out and "  owner @rawr-platform-duty\n}" in out
    assert "PC606" not in codes(out)


# ─── the engine ──────────────────────────────────────────────────────────────


def _diag(line: int, col: int, end: int, new: str, safe: bool = True) -> Diagnostic:
    span = Span(file="t.phc", line=line, column=col, end_line=line, end_column=end)
    return Diagnostic(
        code="PC999",
        severity=Severity.WARNING,
        message="m",
        span=span,
        fix=Fix(description="d", edits=[Edit(span=span, replacement=new)], safe=safe),
    )


def test_overlapping_fixes_are_left_for_the_next_round_and_edits_apply_back_to_front():
    text = "abcdef\n"
    out, n = apply_fixes(
        text, [_diag(1, 2, 4, "X"), _diag(1, 3, 5, "Y"), _diag(1, 5, 7, "Z"), _diag(1, 1, 1, ">")], "t.phc"
    )
    assert (out, n) == (">aXdZ\n", 3)
    out, n = apply_fixes(text, [_diag(1, 2, 4, "X"), _diag(1, 2, 4, "X")], "t.phc")
    assert (out, n) == ("aXdef\n", 2)  # the same fix from two findings: applied once, counted twice
    out, n = apply_fixes(text, [_diag(1, 2, 4, "X", safe=False)], "t.phc")
    assert (out, n) == (text, 0)


@pytest.mark.parametrize("path", sorted(RULES.glob("PC*.phc")), ids=lambda p: p.stem)
def test_fixing_any_fixture_reaches_a_fixpoint_without_breaking_it(path):
    text = path.read_text()
    res = fix_text(text, path.name)
    assert not res.refused
    assert not any(d.code.startswith("PC0") for d in res.diagnostics)
    assert not [d.code for d in res.diagnostics if d.fix is not None and d.fix.safe]
    before = analyze(text, path.name).diagnostics
    fixable = {d.code for d in before if d.fix is not None and d.fix.safe}
    after = [d.code for d in res.diagnostics]
    for code in fixable:
        assert code not in after
    if res.fixed == 0:
        assert res.text == text


# ─── the command ─────────────────────────────────────────────────────────────


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "phasec", *args], capture_output=True, text=True, cwd=ROOT)


def test_lint_fix_rewrites_and_reports(tmp_path):
    f = tmp_path / "dep.phc"
    f.write_text((RULES / "PC403_hard_dependency.phc").read_text())
    r = run("lint", "--fix", str(f))
    assert f"{f}: fixed 1 problem" in r.stderr
    assert "PC403" not in r.stderr  # the remaining report is of the fixed text
    assert "  after C4 if_triggered\n" in f.read_text()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]
    r = run("lint", "--fix", str(f))
    assert "fixed" not in r.stderr


def test_lint_fix_keeps_machine_output_clean(tmp_path):
    f = tmp_path / "stale.phc"
    f.write_text((RULES / "PC901_stale.phc").read_text())
    r = run("lint", "--fix", "--format", "json", str(f))
    data = json.loads(r.stdout)
    assert "PC901" not in [d["code"] for d in data["diagnostics"]]
    assert "fixed 1 problem" in r.stderr


def test_lint_fix_never_touches_a_file_with_syntax_errors(tmp_path):
    f = tmp_path / "bad.phc"
    text = (FIXTURES / "syntax" / "three_errors.phc").read_text() + 'slice C9 "x" {\n  after C3 C4\n}\n'
    f.write_text(text)
    os.utime(f, (1_000_000, 1_000_000))
    r = run("lint", "--fix", str(f))
    assert r.returncode == 1
    assert "not fixed: it has syntax errors" in r.stderr
    assert f.read_text() == text and os.stat(f).st_mtime == 1_000_000
    assert fix_text(text, "bad.phc").refused


def test_lint_fix_leaves_unsafe_fixes_alone(tmp_path):
    f = tmp_path / "kw.phc"
    text = 'phase C "T" {\n  posture forward_only\n}\nslice C1 "x" {\n  ownr @a\n}\n'
    f.write_text(text)
    r = run("lint", "--fix", str(f))
    assert r.returncode == 1 and "PC101" in r.stdout
    assert f.read_text() == text


def test_pre_commit_hooks_name_existing_commands():
    import shlex

    import typer.main
    import yaml

    from phasec.cli.main import app

    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    by_id = {h["id"]: h for h in hooks}
    assert set(by_id) == {"phasec-lint", "phasec-fmt"}
    commands = set(typer.main.get_command(app).commands)
    for hook_id, sub in (("phasec-lint", "lint"), ("phasec-fmt", "fmt")):
        h = by_id[hook_id]
        assert h["language"] == "python"
        argv = shlex.split(h["entry"])
        assert argv[0] == "phasec" and argv[1] == sub and sub in commands
        assert h["files"] == r"\.phc$"
        assert h["name"]
