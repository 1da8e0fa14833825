"""Parsing block by block (phasec/grammar/blocks.py) gives what parsing the whole file gives.

``phasec lint``/``compile`` and the language server parse a file one top-level
block at a time and lower slices and gates as soon as they are bound, to bound
their memory.  These tests compare that with the whole-file parse
(``phasec.grammar.parser.parse``, the recovering parser on a syntax error) and
the whole-tree binding, on every example, fixture and corpus runbook and on
random texts made of awkward lines: syntax tree, comments, diagnostics and IR
must be equal.
"""

from __future__ import annotations

import itertools
import pickle
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from phasec.compiler import pipeline
from phasec.compiler.bind import Binder
from phasec.compiler.schema import top_level_only
from phasec.grammar import blocks, parser
from phasec.grammar.blocks import block_starts, parse_blocks, parse_chunks
from phasec.source import Span

ROOT = Path(__file__).resolve().parent.parent
FILES = sorted(
    p.relative_to(ROOT)
    for p in [*ROOT.glob("examples/**/*.phc"), *ROOT.glob("tests/**/*.phc")]
    if "node_modules" not in p.parts
)
TOP = top_level_only()


def _read(path: Path) -> str:
    return (ROOT / path).read_bytes().decode("utf-8", errors="replace").removeprefix("\ufeff")


def test_the_files_compared_include_examples_fixtures_corpus_and_syntax_errors():
    names = {str(p) for p in FILES}
    assert "examples/phase-c.phc" in names and any(n.startswith("tests/corpus/") for n in names)
    assert any(n.startswith("tests/fixtures/syntax/") for n in names)
    with_errors = [p for p in FILES if parse_blocks(_read(p), str(p), top_level=TOP)[2] is None]
    assert len(with_errors) >= 5  # the whole-file path is exercised too


@pytest.mark.parametrize("path", FILES, ids=str)
def test_block_wise_analysis_equals_the_whole_file_analysis(path):
    text = _read(path)
    whole_doc, whole_diags = parser.parse(text, str(path), top_level=TOP)
    doc, diags, chunks = parse_blocks(text, str(path), top_level=TOP)
    assert doc.statements == whole_doc.statements
    assert doc.comments == whole_doc.comments
    assert diags == whole_diags
    assert (chunks is None) == bool(whole_diags)
    # The whole analysis: the whole bound tree lowered at once (binder given) against
    # slices and gates lowered as they are bound (what analyze does).
    before = pipeline.analyze_document(whole_doc, list(whole_diags), binder=Binder)
    after = pipeline.analyze(text, str(path))
    assert [d.model_dump() for d in after.diagnostics] == [d.model_dump() for d in before.diagnostics]
    assert after.runbook.model_dump_json() == before.runbook.model_dump_json()


@pytest.mark.parametrize("path", ["examples/phase-c.phc", "examples/voiceterm-mp306.phc"])
def test_chunks_are_the_top_level_statements_with_what_follows_them(path):
    text = _read(Path(path))
    doc, _, chunks = parse_blocks(text, path, top_level=TOP)
    assert chunks is not None and len(chunks) > 5
    assert chunks[0].start == 0 and chunks[-1].end == len(text)
    line_of = doc.source.position
    for a, b in itertools.pairwise(chunks):
        assert a.end == b.start and text[b.start - 1] == "\n"
        # A new chunk starts on the line of its first statement, never on a line of the previous one.
        assert line_of(b.start)[0] == b.statements[0].span.line > a.statements[-1].span.end_line
        # Only blank lines and comments between the previous chunk's last statement and it.
        gap = list(text[a.start : b.start].splitlines()[a.statements[-1].span.end_line - line_of(a.start)[0] + 1 :])
        assert all(not ln.strip() or ln.strip().startswith("#") for ln in gap)
    assert [s for c in chunks for s in c.statements] == doc.statements
    assert [x for c in chunks for x in c.comments] == doc.comments


def test_lark_builds_the_tree_of_one_block_at_a_time(monkeypatch):
    text = _read(Path("examples/phase-c.phc"))
    lark = parser._lark()
    sizes: list[int] = []
    real = type(lark).parse

    def spy(self, t, *a, **kw):
        sizes.append(len(t))
        return real(self, t, *a, **kw)

    monkeypatch.setattr(type(lark), "parse", spy)
    _, diags = pipeline.parse(text, "phase-c.phc")
    starts = block_starts(text)
    largest = max(b - a for a, b in zip(starts, [*starts[1:], len(text)], strict=True))
    assert not diags and len(sizes) >= 3 and sum(sizes) == len(text)
    assert max(sizes) <= max(blocks.GROUP_CHARS, largest) < len(text) / 2
    # Block by block (no grouping): one call per block.
    sizes.clear()
    monkeypatch.setattr(blocks, "GROUP_CHARS", 0)
    pipeline.parse(text, "phase-c.phc")
    assert len(sizes) == len(starts) > 20 and max(sizes) == largest
    # With a syntax error the whole file is parsed as one (the recovering parser's diagnostics).
    broken = text + '\nslice Z9 "unclosed {\n'
    _, diags = pipeline.parse(broken, "phase-c.phc")
    assert diags == parser.parse(broken, "phase-c.phc", top_level=TOP)[1] and diags


@pytest.mark.parametrize("path", ["examples/phase-c.phc", "tests/corpus/voiceterm-mp306-as-written.phc"])
def test_grouping_blocks_changes_nothing(path, monkeypatch):
    text = _read(Path(path))
    grouped = parse_chunks(text, path, TOP)
    monkeypatch.setattr(blocks, "GROUP_CHARS", 0)
    alone = parse_chunks(text, path, TOP)
    assert grouped is not None and grouped == alone and len(alone) > 20


def test_a_fragment_gets_the_positions_it_has_in_its_file():
    text = 'phase P "t"\n\n# c\nslice A "a" {\n  owner @x\n}\n'
    start = text.index("# c")
    got = parse_chunks(text[start:], "f.phc", TOP, line0=2, offset=start)
    whole, _ = parser.parse(text, "f.phc", top_level=TOP)
    assert got is not None
    assert [s for c in got for s in c.statements] == whole.statements[1:]
    assert [x for c in got for x in c.comments] == whole.comments
    assert got[0].start == start and got[-1].end == len(text)


# -- random texts of awkward lines: strings hiding braces and keywords, comments, `;`, CRLF ----------

LINES = [
    'phase P "title"',
    'slice A "a" {',
    "slice B {",
    "  owner @team",
    "  after A",
    "}",
    "};",
    "  note {",
    '  note """',
    '"""',
    'slice X """ with { brace',
    'text \\""" not closed',
    '  """ }',
    'note "has { and } and # inside"',
    'note "escaped \\" quote {"',
    '# a comment with { and "',
    "  # indented comment }",
    "a; b {}",
    "x {};",
    "",
    "   ",
    '\tgate G1 "g"',
    'slice C "unterminated {',
    "bad ~ char",
    "@handle first",
    '"string first"',
    "{",
    "phase",
]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.sampled_from(LINES), max_size=14),
    st.sampled_from(["\n", "\r\n"]),
    st.booleans(),
)
def test_random_texts_parse_block_wise_as_whole(lines, newline, final_newline):
    text = newline.join(lines) + (newline if final_newline else "")
    whole_doc, whole_diags = parser.parse(text, "r.phc", top_level=TOP)
    doc, diags, chunks = parse_blocks(text, "r.phc", top_level=TOP)
    assert doc.statements == whole_doc.statements
    assert doc.comments == whole_doc.comments
    assert diags == whole_diags
    if chunks is not None:
        assert "".join(text[c.start : c.end] for c in chunks) == text


# -- Span: a compact value type that pydantic models hold ---------------------------------------


def test_span_is_a_small_immutable_value():
    a = Span(file="f", line=1, column=2, end_line=3, end_column=4)
    assert not hasattr(a, "__dict__") and sys.getsizeof(a) <= 80
    assert a == Span("f", 1, 2, 3, 4) and hash(a) == hash(Span("f", 1, 2, 3, 4))
    assert a != Span("f", 1, 2, 3, 5) and a != Span("g", 1, 2, 3, 4) and a != (1, 2)
    assert len({a, Span("f", 1, 2, 3, 4)}) == 1
    with pytest.raises(AttributeError):
        a.line = 5
    assert pickle.loads(pickle.dumps(a)) == a
    assert a.moved(2) == Span("f", 3, 2, 5, 4) and a.replace(end_column=9).end_column == 9
    assert repr(a) == "Span(file='f', line=1, column=2, end_line=3, end_column=4)"


def test_pydantic_models_take_a_span_and_keep_its_json_form():
    class M(BaseModel):
        span: Span
        other: Span | None = None

    a = Span("f", 1, 2, 3, 4)
    m = M(span=a)
    assert m.span is a
    assert m.model_dump() == {
        "span": {"file": "f", "line": 1, "column": 2, "end_line": 3, "end_column": 4},
        "other": None,
    }
    assert m.model_dump_json() == '{"span":{"file":"f","line":1,"column":2,"end_line":3,"end_column":4},"other":null}'
    assert M.model_validate_json(m.model_dump_json()) == m
    for bad in ({"file": "f", "line": 1}, {"file": 1, "line": 1, "column": 1, "end_line": 1, "end_column": 1}, "f:1:2"):
        with pytest.raises(ValidationError):
            M(span=bad)


def test_ir_nodes_built_with_the_same_fields_share_one_fields_set():
    from pydantic import BaseModel

    result = pipeline.analyze(_read(Path("examples/phase-c.phc")), "phase-c.phc")
    nodes, stack = [], [result.runbook]
    while stack:
        x = stack.pop()
        if isinstance(x, list):
            stack.extend(x)
        elif isinstance(x, BaseModel):
            nodes.append(x)
            stack.extend(x.__dict__.values())
    sets = {id(n.__pydantic_fields_set__) for n in nodes}
    kinds = {(type(n), frozenset(n.__pydantic_fields_set__)) for n in nodes}
    assert len(nodes) > 500 and len(sets) <= len(kinds) + 50  # one set per class and fields (a few written later)
    # The IR still takes writes (name resolution's, a user's) and compares and dumps by value.
    s = result.runbook.slices[0]
    twin = s.model_copy(deep=True)
    s.title = "changed"
    assert s.title == "changed" and twin != s and twin.model_dump()["title"] != "changed"


@pytest.mark.parametrize("path", ["examples/phase-c.phc", "tests/corpus/voiceterm-mp306-as-written.phc"])
def test_statement_at_finds_the_first_statement_starting_there(path):
    text = _read(Path(path)) + "\na 1; b 2; c { d; e }\n"
    doc, _ = pipeline.parse(text, path)
    walked = list(doc.walk())
    for stmt in walked:
        first = next(s for s in walked if (s.span.line, s.span.column) == (stmt.span.line, stmt.span.column))
        assert doc.statement_at(stmt.span) is first
    last = walked[-1].span
    assert doc.statement_at(last.replace(column=last.column + 1)) is None
    assert doc.statement_at(last.replace(line=last.line + 5)) is None
