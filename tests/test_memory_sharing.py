"""What the memory work of issue 12 shares or stops storing, and why it is safe.

* The IR's empty list fields all hold one shared list, ``ir.EMPTY``, which
  refuses to change: nothing in the pipeline (lowering, resolution, the rules,
  the emitters, the language server) mutates one, or these tests and the suite
  would raise; copies of it are ordinary lists.
* A statement's ``keyword_span`` is made from its span and keyword, not stored;
  it is the keyword's place in the text.
* ``Document.statement_at``'s index (two arrays searched by bisection) finds what
  a search of every statement finds, in the parser's order or not.
"""

from __future__ import annotations

import copy
import pickle
from pathlib import Path

import pytest
from pydantic import BaseModel

from phasec.compiler import ir, pipeline
from phasec.grammar.tree import Document, Statement, Value
from phasec.source import SourceFile, Span

ROOT = Path(__file__).resolve().parent.parent
FILES = sorted(
    p.relative_to(ROOT)
    for p in [*ROOT.glob("examples/**/*.phc"), *ROOT.glob("tests/corpus/**/*.phc")]
    if "node_modules" not in p.parts
)


def _read(path: Path) -> str:
    return (ROOT / path).read_bytes().decode("utf-8", errors="replace").removeprefix("\ufeff")


def _lists(root):
    """(owner node, field name, list) for every list field of the IR under ``root``."""
    stack = [root]
    while stack:
        x = stack.pop()
        if isinstance(x, list):
            stack.extend(x)
        elif isinstance(x, BaseModel):
            for name, v in x.__dict__.items():
                if isinstance(v, list):
                    yield x, name, v
                stack.append(v)


def test_the_shared_empty_list_refuses_every_change():
    e = ir.EMPTY
    for change in (
        lambda: e.append(1),
        lambda: e.extend([1]),
        lambda: e.insert(0, 1),
        lambda: e.remove(1),
        lambda: e.pop(),
        lambda: e.clear(),
        lambda: e.__setitem__(slice(0, 0), [1]),
        lambda: e.__delitem__(slice(0, 0)),
        lambda: e.__iadd__([1]),
        lambda: e.__imul__(2),
    ):
        with pytest.raises(TypeError, match="shared"):
            change()
    e.sort()
    e.reverse()
    assert e == [] and len(e) == 0 and not e and repr(e) == "[]"
    # Copies are lists of their own, that can change.
    for c in (e.copy(), copy.copy(e), copy.deepcopy(e), pickle.loads(pickle.dumps(e)), e + [], list(e)):
        assert type(c) is list and c == [] and c is not e
        c.append(1)
    assert e == []


def test_the_ir_has_every_empty_list_shared_and_serialises_as_before():
    text = _read(Path("examples/phase-c.phc"))
    result = pipeline.analyze(text, "phase-c.phc")
    rb = result.runbook
    fields = list(_lists(rb))
    empty = [lst for _, _, lst in fields if not lst]
    assert len(empty) > 100 and all(lst is ir.EMPTY for lst in empty)
    assert all(type(lst) is list for _, _, lst in fields if lst)
    # Serialised, validated and deep-copied as plain lists.
    dumped = rb.model_dump(mode="json")
    again = ir.Runbook.model_validate(dumped)
    assert again.model_dump(mode="json") == dumped
    assert all(type(lst) is list for _, _, lst in _lists(again))
    twin = rb.model_copy(deep=True)
    assert twin.model_dump(mode="json") == dumped and all(type(lst) is list for _, _, lst in _lists(twin))
    # A node whose empty field gets a value assigns a new list: the others stay empty.
    owner, name, _ = next((o, n, lst) for o, n, lst in fields if not lst and n == "items")
    setattr(owner, name, [*getattr(owner, name), "x"])
    assert ir.EMPTY == [] and getattr(owner, name) == ["x"]


@pytest.mark.parametrize("path", FILES, ids=str)
def test_lint_and_compile_never_change_a_shared_empty_list(path, tmp_path):
    from phasec.emitters import emit_all

    text = _read(path)
    result = pipeline.analyze(text, str(path), compiling=True)
    if result.runbook is not None and not result.has_errors:
        emit_all(result.runbook)  # would raise TypeError on a change
    assert ir.EMPTY == []


@pytest.mark.parametrize("path", FILES, ids=str)
def test_keyword_span_is_not_stored_and_is_the_keywords_place(path):
    text = _read(path)
    doc, _ = pipeline.parse(text, str(path))
    src = doc.source
    n = 0
    for st in doc.walk():
        ks = st.keyword_span
        assert st._kw is None  # made on access
        assert ks.line == ks.end_line == st.span.line and ks.column == st.span.column
        assert src.line_text(ks.line)[ks.column - 1 : ks.end_column - 1] == st.keyword
        n += 1
    assert n > 5


def test_a_statement_keeps_a_keyword_span_elsewhere_and_compares_as_before():
    sp = Span("f", 3, 5, 4, 2)
    odd = Span("f", 9, 1, 9, 4)
    a = Statement("task", odd, [], None, sp)
    assert a.keyword_span == odd and a._kw is odd
    b = Statement("task", Span("f", 3, 5, 3, 9), [], None, sp)
    assert b._kw is None and b.keyword_span == Span("f", 3, 5, 3, 9)
    assert a != b and b == Statement("task", Span("f", 3, 5, 3, 9), [], None, sp)
    assert pickle.loads(pickle.dumps(a)) == a and copy.deepcopy(b) == b
    assert "keyword_span=Span(file='f', line=9" in repr(a)
    with pytest.raises(TypeError):
        hash(a)


def _brute(doc: Document, span: Span):
    return next((s for s in doc.walk() if (s.span.line, s.span.column) == (span.line, span.column)), None)


def test_statement_at_in_any_order_finds_the_first_in_source_order():
    src = SourceFile("f", "x\n" * 20)

    def st(line, col, block=None):
        return Statement("k", Span("f", line, col, line, col + 1), [], block, Span("f", line, col, line, col + 1))

    first, twin = st(5, 3), st(5, 3)
    # Not in position order (the parser's trees always are; a hand-built one need not be).
    doc = Document(src, [st(9, 1), st(2, 1, [st(3, 2), first]), twin, st(1, 4)])
    for s in doc.walk():
        assert doc.statement_at(s.span) is _brute(doc, s.span)
    assert doc.statement_at(first.span) is first
    assert doc.statement_at(Span("f", 5, 4, 5, 5)) is None
    assert doc.statement_at(Span("f", 30, 1, 30, 1)) is None
    assert doc.statement_at(Span("f", 1, 1, 1, 1)) is None


def test_values_lists_are_not_over_allocated():
    import sys

    doc, _ = pipeline.parse(_read(Path("examples/phase-c.phc")), "phase-c.phc")
    vals = [st.values for st in doc.walk() if st.values]
    assert vals and all(sys.getsizeof(v) == sys.getsizeof([None] * len(v)) for v in vals)
    assert all(isinstance(x, Value) for v in vals for x in v)


@pytest.mark.parametrize("path", FILES, ids=str)
def test_a_strings_text_is_its_source_text_stored_or_not(path):
    text = _read(path)
    doc, _ = pipeline.parse(text, str(path))
    src = doc.source
    made = 0
    for st in doc.walk():
        for v in st.values:
            sp = v.span
            if sp.line == sp.end_line:
                assert src.line_text(sp.line)[sp.column - 1 : sp.end_column - 1] == v.text
            made += v._text is None
            assert v._text is None or v.kind != "string" or v.long or v.text != f'"{v.value}"'
    assert made > 0 or "syntax" in str(path)


def test_a_value_compares_and_pickles_by_its_text():
    sp = Span("f", 1, 5, 1, 10)
    plain = Value("string", '"abc"', "abc", sp)
    escaped = Value("string", '"a\\tc"', "a\tc", sp)
    assert plain._text is None and plain.text == '"abc"' and escaped.text == '"a\\tc"'
    assert plain == Value("string", '"abc"', "abc", sp) and plain != Value("string", "'abc'", "abc", sp)
    assert pickle.loads(pickle.dumps(escaped)) == escaped and copy.deepcopy(plain) == plain
    assert repr(plain) == "Value(kind='string', text='\"abc\"', value='abc', span=" + repr(sp) + ", long=False)"
    assert plain.noun() == "string" and Value("name", "x", "x", sp).describe() == "the name `x`"


def test_compile_frees_the_syntax_tree_before_the_emitters(monkeypatch, tmp_path):
    import gc
    import weakref

    from typer.testing import CliRunner

    import phasec.emitters
    from phasec.cli.main import app

    docs: list = []
    seen: list = []
    real_analyze, real_emit = pipeline.analyze, phasec.emitters.emit_all

    def analyze(*args, **kwargs):
        res = real_analyze(*args, **kwargs)
        docs.append(weakref.ref(res.document))
        return res

    def emit_all(rb, *args, **kwargs):
        gc.collect()
        seen.append([d() for d in docs])
        return real_emit(rb, *args, **kwargs)

    monkeypatch.setattr(pipeline, "analyze", analyze)
    monkeypatch.setattr(phasec.emitters, "emit_all", emit_all)
    out = tmp_path / "out"
    r = CliRunner().invoke(app, ["compile", str(ROOT / "examples" / "phase-c.phc"), "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert len(docs) == 1 and seen == [[None]]  # analysed once, its tree gone when the emitters ran
    assert any(out.iterdir())
