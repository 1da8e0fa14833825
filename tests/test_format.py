"""`phasec fmt`: the canonical layout, meaning preserved, idempotent, comments kept."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from conftest import EXAMPLES, FIXTURES, ROOT
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from phasec.compiler.pipeline import analyze, parse
from phasec.format import FormatError, format_text, render_string, runbook_fingerprint

CORPUS_RUNBOOKS = ROOT / "tests" / "corpus"


def _parses(path: Path) -> bool:
    _, diags = parse(path.read_text(), str(path))
    return not any(d.severity.value == "error" for d in diags)


SHIPPED = sorted(EXAMPLES.glob("*.phc")) + sorted(CORPUS_RUNBOOKS.glob("*.phc"))
ALL = SHIPPED + sorted(p for p in FIXTURES.rglob("*.phc") if _parses(p))


def _id(p: Path) -> str:
    return str(p.relative_to(ROOT))


def comments(text: str) -> Counter:
    doc, _ = parse(text)
    return Counter(c.text.rstrip() for c in doc.comments)


def shape(stmts) -> list:
    """The syntax tree without positions: what a layout change must not touch."""
    return [
        (s.keyword, [(v.kind, v.value, v.long) for v in s.values], None if s.block is None else shape(s.block))
        for s in stmts
    ]


# ─── every runbook we ship or test with ──────────────────────────────────────


@pytest.mark.parametrize("path", ALL, ids=_id)
def test_formatting_keeps_the_ir_and_is_idempotent(path):
    text = path.read_text()
    rel = _id(path)
    once = format_text(text, rel)
    assert format_text(once, rel) == once, "formatting is not idempotent"
    before, after = analyze(text, rel), analyze(once, rel)
    assert runbook_fingerprint(before.runbook) == runbook_fingerprint(after.runbook)
    assert comments(once) == comments(text)
    assert shape(parse(once)[0].statements) == shape(parse(text)[0].statements)
    # The same findings (positions aside): suppressions still apply where they did.
    assert Counter(d.code for d in after.diagnostics) == Counter(d.code for d in before.diagnostics)


@pytest.mark.parametrize("path", ALL, ids=_id)
def test_formatted_text_follows_the_layout(path):
    out = format_text(path.read_text(), _id(path))
    assert out.endswith("\n") and not out.endswith("\n\n")
    lines = out.split("\n")[:-1]
    assert all(line == line.rstrip() for line in lines)  # no trailing whitespace (no long strings here)
    assert "\n\n\n" not in out
    assert all((len(line) - len(line.lstrip(" "))) % 2 == 0 for line in lines)
    assert "\t" not in "".join(line[: len(line) - len(line.lstrip())] for line in lines)


@pytest.mark.parametrize("path", SHIPPED, ids=_id)
def test_shipped_runbooks_are_formatted(path):
    text = path.read_text()
    assert format_text(text, _id(path)) == text, f"run `phasec fmt {_id(path)}`"


# ─── the layout, rule by rule ────────────────────────────────────────────────


def fmt(text: str) -> str:
    return format_text(text, "t.phc")


def test_indentation_semicolons_and_single_spaces():
    src = 'slice   C1  "x" {\n      after C0 ;  agent   P1\n\tgate quick a b\n}\n'
    assert fmt(src) == 'slice C1 "x" {\n  after C0\n  agent P1\n  gate quick a b\n}\n'


def test_one_line_blocks_are_opened_and_braces_placed():
    src = 'gate g { script "s"; use a }\nslice C1 "x" { owner @a\n  after C0 }\n'
    assert fmt(src) == ('gate g {\n  script "s"\n  use a\n}\n\nslice C1 "x" {\n  owner @a\n  after C0\n}\n')


def test_empty_blocks_stay_empty_on_one_line():
    assert fmt("exit {\n\n}\nowners {}\n") == "exit {}\nowners {}\n"
    # ... unless a comment lives inside
    assert fmt("exit {\n# later\n}\n") == "exit {\n  # later\n}\n"
    assert fmt("exit { # later\n}\n") == "exit {  # later\n}\n"


def test_blank_lines_between_top_level_blocks_and_kept_inside():
    src = (
        'phase C "t" {\n\n\n  posture a\n\n\n\n  pass b\n  status c\n\n}\n'
        'check a "x"\ncheck b "y"\n\n\n\ncheck c "z"\n'
        "team {\n  max_active 1\n}\n"
    )
    assert fmt(src) == (
        'phase C "t" {\n  posture a\n\n  pass b\n  status c\n}\n\n'
        'check a "x"\ncheck b "y"\n\ncheck c "z"\n\n'
        "team {\n  max_active 1\n}\n"
    )


def test_leading_and_trailing_blank_lines_and_final_newline():
    assert fmt('\n\n\ncheck a "x"   \n\n\n') == 'check a "x"\n'
    assert fmt('check a "x"') == 'check a "x"\n'
    assert fmt("") == ""
    assert fmt("\n# only a comment   \n\n") == "# only a comment\n"


def test_trailing_comments_stay_on_their_line_two_spaces_before():
    src = "team {\n  max_active 6          # cap\n  target 3 4 # range\n}   # end\n"
    assert fmt(src) == "team {\n  max_active 6  # cap\n  target 3 4  # range\n}  # end\n"


def test_trailing_comment_follows_the_code_it_followed_when_a_line_splits():
    assert fmt("a 1; b 2  # after b\n") == "a 1\nb 2  # after b\n"
    assert fmt('slice C1 "x" {  # opens\n  after C0 }  # closes\n') == (
        'slice C1 "x" {  # opens\n  after C0\n}  # closes\n'
    )


def test_own_line_comments_take_the_indentation_of_their_place():
    src = (
        "# file header\n\n"
        'slice C1 "x" {\n'
        "# about after\n"
        "        after C0\n"
        "\n"
        "   # trailing remark in the block\n"
        "}\n"
        "      # at the end\n"
    )
    assert fmt(src) == (
        "# file header\n\n"
        'slice C1 "x" {\n'
        "  # about after\n"
        "  after C0\n"
        "\n"
        "  # trailing remark in the block\n"
        "}\n"
        "# at the end\n"
    )


def test_the_blank_line_after_a_block_goes_before_the_next_statements_comments():
    src = 'gate a {\n  run "x"\n}\n# about b\ngate b {\n  run "y"\n}\n'
    assert fmt(src) == 'gate a {\n  run "x"\n}\n\n# about b\ngate b {\n  run "y"\n}\n'


def test_strings_are_rendered_canonically():
    src = 'note "tab\there" "back\\\\slash" "q\\"uote" "nl\\nx" "#{};"\n'
    out = fmt(src)
    assert out == 'note "tab\\there" "back\\\\slash" "q\\"uote" "nl\\nx" "#{};"\n'
    values = [v.value for v in parse(out)[0].statements[0].values]
    assert values == ["tab\there", "back\\slash", 'q"uote', "nl\nx", "#{};"]


def test_render_string_prefers_plain_text():
    assert render_string("plain `code` and 'quotes'") == "\"plain `code` and 'quotes'\""


def test_long_strings_are_reindented_and_keep_their_value():
    src = (
        'phase C "t" {\n'
        '        summary """\n'
        "              first line\n"
        "                indented more\n"
        "\n"
        "              joined \\\n"
        '              here \\"q\\" \\\\\n'
        '    """\n'
        '  note """one line"""  # c\n'
        "}\n"
    )
    out = fmt(src)
    assert out == (
        'phase C "t" {\n'
        '  summary """\n'
        "    first line\n"
        "      indented more\n"
        "\n"
        "    joined \\\n"
        '    here \\"q\\" \\\\\n'
        '  """\n'
        '  note """\n'
        "    one line\n"
        '  """  # c\n'
        "}\n"
    )
    before = [v.value for s in parse(src)[0].walk() for v in s.values]
    after = [v.value for s in parse(out)[0].walk() for v in s.values]
    assert before == after
    assert after[2] == 'first line\n  indented more\n\njoined here "q" \\'
    assert fmt(out) == out


def test_values_after_a_long_string_stay_on_its_closing_line():
    src = 'note """\n  a\n""" { item "x" }\n'
    assert fmt(src) == 'note """\n  a\n""" {\n  item "x"\n}\n'


def test_syntax_errors_are_refused():
    with pytest.raises(FormatError) as exc:
        format_text((FIXTURES / "syntax" / "three_errors.phc").read_text(), "three_errors.phc")
    assert [d.code for d in exc.value.diagnostics] == ["PC001", "PC003", "PC002"]


def test_formatting_does_not_need_a_valid_runbook():
    # Schema errors are not syntax errors: the text is still laid out.
    assert fmt("ownr @a;   flurb 1 2 {x}\n") == "ownr @a\n\nflurb 1 2 {\n  x\n}\n"


# ─── random documents ────────────────────────────────────────────────────────

KEYWORDS = st.sampled_from(["kA", "kb", "item", "run", "note", "x-y", "k_1"])
NAMES = st.from_regex(r"[a-z][a-z0-9_\-]{0,6}", fullmatch=True)
SHORT = st.text(alphabet=st.sampled_from(list("ab #{};\"\\\t\n`'@")), max_size=8)
LONG_LINE = st.text(alphabet=st.sampled_from(list("ab cd-.")), max_size=10)


@st.composite
def values(draw):
    kind = draw(st.sampled_from(["name", "number", "handle", "short", "long"]))
    if kind == "name":
        return ("name", draw(NAMES))
    if kind == "number":
        return ("number", str(draw(st.integers(0, 99))) + draw(st.sampled_from(["", ".5", "a"])))
    if kind == "handle":
        return ("handle", "@" + draw(NAMES).lstrip("-_") + "x")
    if kind == "short":
        return ("short", draw(SHORT))
    return ("long", draw(st.lists(LONG_LINE, min_size=0, max_size=3)))


def statements(depth: int):
    block = st.none() if depth == 0 else st.one_of(st.none(), st.deferred(lambda: statements(depth - 1)))
    return st.lists(st.tuples(KEYWORDS, st.lists(values(), max_size=3), block), max_size=3)


def render_values(vals, pad: str, draw) -> str:
    out = []
    for kind, v in vals:
        if kind == "short":
            out.append(render_string(v))
        elif kind == "long":
            extra = " " * draw(st.integers(0, 6))
            body = "".join(f"\n{extra}{pad}{line}" if line.strip() else "\n" for line in v)
            out.append('"""' + body + "\n" + pad + '"""')
        else:
            out.append(v)
    sep = " " * draw(st.integers(1, 3))
    return sep.join(out)


def render_random(stmts, level: int, draw, inline: bool = False) -> str:
    """Source text for ``stmts`` with a random (valid) layout and comments."""
    pad = " " * draw(st.integers(0, 3)) * level
    parts = []
    for kw, vals, block in stmts:
        head = kw + (" " + render_values(vals, pad, draw) if vals else "")
        if block is not None:
            if inline or (draw(st.booleans()) and not any(b is not None for _, _, b in block)):
                inner = render_random(block, level + 1, draw, inline=True)
                head += " { " + inner + " }"
            else:
                inner = render_random(block, level + 1, draw)
                head += " {" + ("  # open" if draw(st.booleans()) else "") + "\n" + inner + pad + "}"
        if inline:
            parts.append(head)
            continue
        if draw(st.booleans()):
            parts.append(pad + "# before " + kw + "\n")
        if draw(st.booleans()):
            parts.append("\n" * draw(st.integers(1, 3)))
        parts.append(pad + head + ("  # after" if draw(st.booleans()) else "") + "\n")
    if inline:
        return "; ".join(parts)
    return "".join(parts)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_random_documents_round_trip(data):
    tree = data.draw(statements(2))
    src = render_random(tree, 0, data.draw)
    doc, diags = parse(src)
    assert not diags, (src, diags)
    out = fmt(src)
    doc2, diags2 = parse(out)
    assert not diags2, (out, diags2)
    assert shape(doc2.statements) == shape(doc.statements)
    assert comments(out) == comments(src)
    assert fmt(out) == out
    assert out == "" or (out.endswith("\n") and not out.endswith("\n\n"))


# ─── the command ─────────────────────────────────────────────────────────────

MESSY = 'phase C "T" { posture forward_only }\nslice C1 "x" {  owner @team ; agent P1\n objective "y" }\n'


def run(*args: str, cwd: Path | None = None, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "phasec", *args], capture_output=True, text=True, cwd=cwd or ROOT, input=stdin
    )


def test_fmt_rewrites_changed_files_only(tmp_path):
    messy, tidy = tmp_path / "messy.phc", tmp_path / "tidy.phc"
    messy.write_text(MESSY)
    tidy.write_text(fmt(MESSY))
    os.utime(tidy, (1_000_000, 1_000_000))
    r = run("fmt", str(messy), str(tidy))
    assert r.returncode == 0, r.stderr
    assert messy.read_text() == fmt(MESSY)
    assert f"reformatted {messy.as_posix()}" in r.stderr and "tidy" not in r.stderr
    assert os.stat(tidy).st_mtime == 1_000_000  # untouched
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temp files left


def test_fmt_check_lists_files_and_writes_nothing(tmp_path):
    messy, tidy = tmp_path / "messy.phc", tmp_path / "tidy.phc"
    messy.write_text(MESSY)
    tidy.write_text(fmt(MESSY))
    r = run("fmt", "--check", str(tmp_path))
    assert r.returncode == 1
    assert r.stdout == f"would reformat {messy.as_posix()}\n"
    assert messy.read_text() == MESSY
    r = run("fmt", "--check", str(tidy))
    assert (r.returncode, r.stdout, r.stderr) == (0, "", "")


def test_fmt_diff_prints_a_unified_diff(tmp_path):
    messy = tmp_path / "messy.phc"
    messy.write_text(MESSY)
    r = run("fmt", "--diff", "messy.phc", cwd=tmp_path)
    assert r.returncode == 0
    assert r.stdout.startswith("--- a/messy.phc\n+++ b/messy.phc\n@@")
    assert "+  posture forward_only\n" in r.stdout
    assert messy.read_text() == MESSY
    r = run("fmt", "--diff", "--check", "messy.phc", cwd=tmp_path)
    assert r.returncode == 1 and "would reformat messy.phc" in r.stderr


def test_fmt_refuses_files_with_syntax_errors(tmp_path):
    bad = tmp_path / "bad.phc"
    text = (FIXTURES / "syntax" / "three_errors.phc").read_text()
    bad.write_text(text)
    r = run("fmt", str(bad))
    assert r.returncode == 1
    assert "PC001" in r.stderr and "not formatted" in r.stderr
    assert bad.read_text() == text
    assert "Traceback" not in r.stderr


def test_fmt_stdin_to_stdout():
    r = run("fmt", "-", stdin="a 1;b 2")
    assert (r.returncode, r.stdout) == (0, "a 1\nb 2\n")


def test_fmt_missing_file_exits_2_after_the_others(tmp_path):
    messy = tmp_path / "messy.phc"
    messy.write_text(MESSY)
    r = run("fmt", str(tmp_path / "missing.phc"), str(messy))
    assert r.returncode == 2 and "no such file" in r.stderr
    assert messy.read_text() == fmt(MESSY)


def test_fmt_check_passes_on_the_shipped_runbooks():
    r = run("fmt", "--check", "examples", "tests/corpus")
    assert (r.returncode, r.stdout) == (0, ""), r.stdout + r.stderr


def test_fmt_refuses_to_move_a_suppression_away_from_what_it_suppresses(tmp_path):
    f = tmp_path / "sup.phc"
    text = (FIXTURES / "rules" / "PC403_hard_dependency.phc").read_text()
    text = text.replace(
        'slice C5 "Review" {\n  after C3 C4\n}',
        'slice C5 "Review" { after C3 C4 }  # phasec: ignore[PC403] -- accepted',
    )
    f.write_text(text)
    r = run("fmt", str(f))
    assert r.returncode == 1 and "suppress" in r.stderr
    assert f.read_text() == text
