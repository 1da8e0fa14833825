"""Tests written against the survivors of a random sample of the rest of the compiler's mutants.

`python benchmarks/mutation.py 'phasec.compiler.bind*' 'phasec.compiler.lower*' ... --sample 150 --seed 1`
(bind, lower, render, resolve, schema, ir, pipeline, diagnostics, rules/_* and
rules/base); docs/testing.md ("The rest of the compiler: a random sample") lists
which mutant each one kills.  They assert what a user sees: the IR a runbook
lowers to, the diagnostics with their positions, and the rendered reports.
"""

from __future__ import annotations

import sys
import types
import xml.etree.ElementTree as ET

from phasec.compiler.diagnostics import Diagnostic, Severity
from phasec.compiler.pipeline import analyze
from phasec.compiler.render import render_concise, render_junit, render_text, summary
from phasec.compiler.rules.base import rule
from phasec.source import SourceFile, Span

PHASE = 'phase M "M" {\n  posture forward_only\n}\n'


def _analyze(text: str, rules: bool = False):
    return analyze(text, "t.phc", rules=rules)


def _clean(text: str):
    res = _analyze(text)
    assert not res.has_errors, [f"{d.span.line}: {d.code} {d.message}" for d in res.diagnostics]
    return res.runbook


# ─── bind: a stray value is dropped with its arguments, not the clauses after it ──


def test_a_stray_value_drops_its_arguments_but_keeps_the_clause_after_it():
    res = _analyze(PHASE + 'input I1 "spec" bogus "v" from "P0"\n')
    stray = [d for d in res.diagnostics if d.code == "PC105"]
    assert [(d.span.line, d.span.column) for d in stray] == [(4, 17)]
    (art,) = res.runbook.inputs
    assert (art.id, art.name, art.source_phase) == ("I1", "spec", "P0")


def test_a_stray_value_is_reported_once_with_the_names_that_follow_it():
    res = _analyze(PHASE + 'input I1 "spec" bogus other "v"\n')
    assert [(d.code, d.span.column) for d in res.diagnostics] == [("PC105", 17)]


# ─── lower: what the statements carry into the IR ──────────────────────────────


def test_an_empty_phase_title_stays_empty():
    rb = _clean('phase M "" {\n  posture forward_only\n}\n')
    assert (rb.phase.id, rb.phase.title) == ("M", "")


def test_baseline_keeps_its_items():
    rb = _clean(PHASE + 'gate g1 "make test"\nbaseline g1 {\n  item "drift core first"\n  item "then docs"\n}\n')
    assert [r.id for r in rb.baseline.gates] == ["g1"]
    assert [(p.text, p.span.line) for p in rb.baseline.items] == [("drift core first", 6), ("then docs", 7)]


def test_top_level_notes_are_lowered():
    rb = _clean(PHASE + 'note "keep the ledger short"\nnote "ask before a restack"\n')
    assert [(n.text, n.span.line, n.span.column) for n in rb.notes] == [
        ("keep the ledger short", 4, 1),
        ("ask before a restack", 5, 1),
    ]


# ─── render: text snippets, concise output, the summary line, JUnit text ───────


def _diag(line: int, col: int, end_col: int, message: str = "bad") -> Diagnostic:
    span = Span(file="t.phc", line=line, column=col, end_line=line, end_column=end_col)
    return Diagnostic(code="PC105", severity=Severity.ERROR, message=message, span=span)


def test_caret_under_a_token_after_tabs_keeps_the_tabs():
    text = "phase M {\n\t\tbogus x\n}\n"
    out = render_text([_diag(2, 3, 8)], {"t.phc": SourceFile("t.phc", text)})
    lines = out.splitlines()
    source_line = next(ln for ln in lines if ln.startswith("2 |"))
    caret_line = lines[lines.index(source_line) + 1]
    assert source_line == "2 | \t\tbogus x"
    assert caret_line == "  | \t\t^^^^^"


def test_concise_output_of_no_findings_is_empty():
    assert render_concise([], {}) == ""
    assert render_concise([_diag(1, 2, 3, "m")], {}) == "t.phc:1:2: PC105 m\n"


def test_summary_counts_one_file_in_the_singular():
    warn = _diag(1, 1, 2).model_copy(update={"severity": Severity.WARNING})
    assert summary([_diag(1, 1, 2)], 1) == "1 file checked: 1 error, 0 warnings"
    assert summary([_diag(1, 1, 2), warn], 2) == "2 files checked: 1 error, 1 warning"
    assert summary([], 1) == "1 file checked: no problems"


def test_junit_escapes_the_xml_non_characters():
    d = _diag(1, 1, 2, "a\ufffeb\uffffc\ufffdd")
    fail = ET.fromstring(render_junit([d], {})).find("testsuite/testcase/failure")
    assert "a\\ufffeb\\uffffc\ufffdd" in fail.text


# ─── rules/_paths: globs with literal endings (PC605) ─────────────────────────


def test_globs_with_one_literal_ending_may_overlap():
    """`docs/*.md` and `docs/*-guide.md` can both name `docs/a-guide.md`: concurrent slices overlap;
    `docs/*.rs` names none of their files."""
    text = PHASE + (
        'slice S1 "a" {\n  owner @o\n  file "docs/*.md"\n}\n'
        'slice S2 "b" {\n  owner @o\n  file "docs/*-guide.md"\n}\n'
        'slice S3 "c" {\n  owner @o\n  file "docs/*.rs"\n}\n'
    )
    res = _analyze(text, rules=True)
    overlaps = [d for d in res.diagnostics if d.code == "PC605"]
    assert [(d.span.line, "`S1` and `S2`" in d.message) for d in overlaps] == [(10, True)]


# ─── rules/base: a rule module without a docstring ────────────────────────────


def test_a_rule_without_a_module_docstring_is_summarised_by_its_name():
    mod = types.ModuleType("phasec_test_undocumented_rule")
    sys.modules[mod.__name__] = mod
    try:

        def check(ctx):
            return []

        check.__module__ = mod.__name__
        r = rule("PC999", "undocumented-thing", "warning")(check)
    finally:
        del sys.modules[mod.__name__]
    assert (r.code, r.summary, r.doc) == ("PC999", "undocumented-thing", "")
    assert r.severity is Severity.WARNING


# ─── resolve: a duplicate declaration names its kind and says what to do ───────


def test_a_duplicate_outputs_root_is_named_with_its_first_declaration_and_advice():
    text = PHASE + 'outputs O ".out" {\n  artifact A1 "a.md"\n}\noutputs O ".out2" {\n  artifact A2 "b.md"\n}\n'
    (d,) = _analyze(text).diagnostics
    assert (d.code, d.message, d.span.line, d.span.column) == ("PC201", "duplicate outputs root `O`", 7, 1)
    assert [(r.span.line, r.message) for r in d.related] == [(4, "`O` first declared here")]
    assert d.help == "give each declaration its own id"
