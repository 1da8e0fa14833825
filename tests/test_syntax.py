"""Syntax errors: positions, wording, recovery (several errors per run)."""

from __future__ import annotations

import pytest

from helpers import concise, diags
from conftest import FIXTURES, GOLDENS
from phasec.compiler.pipeline import parse

SYNTAX = FIXTURES / "syntax"


def test_three_independent_errors_give_three_diagnostics():
    text = (SYNTAX / "three_errors.phc").read_text()
    ds = diags(text, "three_errors.phc")
    assert concise(ds) == [
        "6:1 PC001 a statement must start with a keyword, found a string",
        "9:28 PC003 unexpected character `=`",
        "12:10 PC002 unterminated string",
    ]


def test_parsing_continues_after_errors():
    doc, ds = parse((SYNTAX / "three_errors.phc").read_text(), "t.phc")
    assert [d.code for d in ds] == ["PC001", "PC003", "PC002"]
    # Both slices are still in the tree, with their blocks.
    slices = [s for s in doc.statements if s.keyword == "slice"]
    assert [s.values[0].value for s in slices] == ["C1", "C2"]
    assert all(s.block is not None for s in slices)


def test_unclosed_block_points_at_the_opener_and_names_the_line():
    ds = diags((SYNTAX / "unclosed_block.phc").read_text())
    assert len(ds) == 1
    d = ds[0]
    assert (d.code, d.span.line, d.span.column) == ("PC004", 1, 20)
    assert "line 4" in d.help


def test_unclosed_block_at_end_of_file():
    ds = diags('phase C "x" {\n  posture forward_only\n')
    assert concise(ds) == ["1:13 PC004 this block is never closed"]


def test_unmatched_closing_brace():
    ds = diags((SYNTAX / "unmatched_brace.phc").read_text())
    assert concise(ds) == ["4:1 PC005 unmatched `}`"]


def test_brace_on_next_line_is_one_error_and_the_block_is_kept():
    text = (SYNTAX / "brace_on_next_line.phc").read_text()
    ds = diags(text)
    assert concise(ds) == ["5:1 PC001 a block's `{` must be on the same line as its statement"]
    doc, _ = parse(text)
    assert doc.statements[1].block is not None


def test_expected_tokens_are_described_in_words():
    ds = diags((SYNTAX / "value_then_block_twice.phc").read_text())
    assert len(ds) == 1
    assert ds[0].message == "unexpected `{`; expected the end of the file or the end of the line"
    assert "_NL" not in ds[0].message and "RBRACE" not in ds[0].message


def test_unknown_escape():
    ds = diags((SYNTAX / "bad_escape.phc").read_text())
    assert concise(ds) == ["2:25 PC006 unknown escape `\\d` in string"]


def test_unterminated_long_string_is_reported_once():
    ds = diags((SYNTAX / "unterminated_long.phc").read_text())
    assert concise(ds) == ["2:11 PC002 unterminated multi-line string"]


def test_strings_escapes_and_long_strings_decode():
    doc, ds = parse('note "a \\"q\\" \\\\ b\\tc"\nnote """\n    first\n      second\n    """\n')
    assert ds == []
    assert doc.statements[0].values[0].value == 'a "q" \\ b\tc'
    assert doc.statements[1].values[0].value == "first\n  second"


def test_comments_are_kept_with_positions():
    doc, _ = parse("# head\nphase C \"x\" { # trailing\n  # own line\n}\n")
    assert [(c.text, c.span.line, c.span.column) for c in doc.comments] == [
        ("# head", 1, 1),
        ("# trailing", 2, 15),
        ("# own line", 3, 3),
    ]


@pytest.mark.parametrize("path", sorted(SYNTAX.glob("*.phc")), ids=lambda p: p.stem)
def test_syntax_fixture_goldens(path, golden):
    ds = diags(path.read_text(), path.name)
    assert ds, "every syntax fixture must produce a diagnostic"
    text = "".join(f"{line}\n" for line in concise(ds))
    golden(GOLDENS / "syntax" / (path.stem + ".txt"), text)
