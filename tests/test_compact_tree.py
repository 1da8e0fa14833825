"""The compact syntax tree (phasec/grammar/compact.py) answers every lookup as the full tree does.

`phasec lint` and `compile` (``pipeline.analyze``) keep the syntax tree as one array of
ints and rebuild statements on demand (docs/performance.md, *Memory*, round 3).  These
tests compare it with the full tree the parser builds (``pipeline.parse``): the same
statements, comments, walk, statement and value at every position, the same IR, and the
same diagnostics and fixes from the whole analysis, for every example, fixture and corpus
runbook.  They also check the other round-3 changes: the parser's pieces freed without the
cycle collector, and the emitters' normalisation a chunk at a time.
"""

from __future__ import annotations

import gc
import random
import re
from pathlib import Path

import pytest

from phasec.compiler import pipeline
from phasec.grammar.compact import CompactDocument, compact
from phasec.grammar.tree import Document, Statement
from phasec.source import Span

ROOT = Path(__file__).resolve().parent.parent
FILES = sorted(
    p.relative_to(ROOT)
    for p in [
        *ROOT.glob("examples/**/*.phc"),
        *ROOT.glob("tests/corpus/**/*.phc"),
        *ROOT.glob("tests/fixtures/**/*.phc"),
    ]
    if "node_modules" not in p.parts
)


def _read(path: Path) -> str:
    return (ROOT / path).read_bytes().decode("utf-8", errors="replace").removeprefix("\ufeff")


def _both(path: Path) -> tuple[Document, Document, list]:
    text = _read(path)
    full, diags = pipeline.parse(text, str(path))
    small, diags2 = pipeline.parse(text, str(path), compact=True)
    assert diags2 == diags
    return full, small, diags


def test_the_files_are_many_and_most_parse_compact():
    compacted = [p for p in FILES if isinstance(_both(p)[1], CompactDocument)]
    assert len(FILES) > 100 and len(compacted) > 0.8 * len(FILES)


@pytest.mark.parametrize("path", FILES, ids=str)
def test_every_lookup_is_the_full_trees(path):
    full, small, diags = _both(path)
    if not isinstance(small, CompactDocument):
        assert diags  # only a text with a syntax error is parsed whole, into an ordinary document
        small = compact(full) if not diags else full
    assert small.source.text == full.source.text and small.comments == full.comments
    assert small.statements == full.statements and full.statements == list(small.statements)
    assert len(small.statements) == len(full.statements)
    assert [small.statements[i] for i in range(len(full.statements))] == full.statements
    walked = list(full.walk())
    assert list(small.walk()) == walked
    for st in walked:
        assert small.statement_at(st.span) == full.statement_at(st.span)
        for v in st.values:
            assert small.value_at(v.span) == full.value_at(v.span)
            # a span that starts at a value but ends elsewhere is no value's
            other = v.span.replace(end_column=v.span.end_column + 1)
            assert small.value_at(other) == full.value_at(other)
        between = st.span.replace(column=st.span.column + 1)
        assert small.statement_at(between) == full.statement_at(between)
    assert small.statement_at(Span(str(path), 10**6, 1, 10**6, 2)) is None
    assert small.value_at(Span(str(path), 10**6, 1, 10**6, 2)) is None


@pytest.mark.parametrize("path", FILES, ids=str)
def test_the_ir_and_every_diagnostic_and_fix_are_the_full_trees(path):
    """The lowering from rebuilt statements, the rules' lookups and their fixes: as from the full tree
    (``analyze_document`` keeps the tree as parsed; ``analyze`` compacts it)."""
    text = _read(path)
    full, diags = pipeline.parse(text, str(path))
    before = pipeline.analyze_document(full, diags, compiling=True)
    after = pipeline.analyze(text, str(path), compiling=True, compact=True)
    assert after.diagnostics == before.diagnostics
    assert (after.runbook is None) == (before.runbook is None)
    if before.runbook is not None:
        # (the runbooks' private attributes hold the facts each analysis derived: objects of their own)
        assert after.runbook.__dict__ == before.runbook.__dict__
        assert after.runbook.model_dump() == before.runbook.model_dump()
    if not diags:
        assert isinstance(after.document, CompactDocument)


def test_some_findings_carry_fixes_built_from_the_compact_tree():
    """The fixes that read the tree (``after_fix``, ``remove_clause_fix``, suppressions) come out as from the
    full tree: at least some of the compared findings carry one."""
    fixed = 0
    for path in FILES:
        res = pipeline.analyze(_read(path), str(path), compact=True)
        if isinstance(res.document, CompactDocument):
            fixed += sum(1 for d in res.diagnostics if d.fix is not None)
    assert fixed > 10


def test_rebuilt_statements_are_as_the_parser_builds_them():
    text = _read(Path("examples/phase-c.phc"))
    full, _ = pipeline.parse(text, "p.phc")
    small, _ = pipeline.parse(text, "p.phc", compact=True)
    assert isinstance(small, CompactDocument)
    for a, b in zip(full.walk(), small.walk(), strict=True):
        assert b._kw is None and b.keyword_span == a.keyword_span
        assert b.keyword is a.keyword  # interned
        for va, vb in zip(a.values, b.values, strict=True):
            assert (vb.kind, vb.text, vb.value, vb.span, vb.long) == (va.kind, va.text, va.value, va.span, va.long)
            if vb.kind in ("name", "handle"):
                assert vb.value is va.value  # interned, as the parser's
        for v in b.values:  # one int object per line in a rebuilt statement's spans (the IR keeps them)
            if v.span.line == b.span.line:
                assert v.span.line is b.span.line
    # a new object each time, equal to the first
    st = full.statements[0]
    assert small.statement_at(st.span) == st and small.statement_at(st.span) is not small.statement_at(st.span)


def test_strings_decode_as_the_parser_decodes_them():
    text = (
        'phase X "esc \\"q\\" \\\\ \\n \\t end" {\n'
        '  summary """\n'
        "    first line \\\n"
        '    joined \\"quoted\\"\n'
        "      indented\n"
        '    """\n'
        "}\n"
    )
    full, diags = pipeline.parse(text, "s.phc")
    assert not diags
    small, _ = pipeline.parse(text, "s.phc", compact=True)
    assert isinstance(small, CompactDocument)
    assert small.statements == full.statements
    values = [v for st in small.walk() for v in st.values]
    assert any(v.long for v in values) and any("\\" in v.text and not v.long for v in values)


def test_a_statement_that_does_not_fit_keeps_the_tree():
    text = 'phase X "t" {\n  summary "s"\n}\n'
    doc, _ = pipeline.parse(text, "f.phc")
    odd = doc.statements[0]
    doc.statements[0] = Statement(
        odd.keyword, Span("f.phc", 9, 1, 9, 4), odd.values, odd.block, odd.span, odd.block_span
    )
    assert compact(doc) is doc
    other = pipeline.parse(text, "f.phc")[0]
    other.statements[0].values[0].span = Span("elsewhere.phc", 1, 7, 1, 8)
    assert compact(other) is other
    c = compact(pipeline.parse(text, "f.phc")[0])
    assert isinstance(c, CompactDocument) and compact(c) is c


def test_a_syntax_error_parses_whole_into_an_ordinary_document():
    text = 'phase X "t" {\n  summary "s\n}\nslice A1 "x" {\n'
    small, diags = pipeline.parse(text, "e.phc", compact=True)
    full, diags2 = pipeline.parse(text, "e.phc")
    assert diags and diags == diags2
    assert not isinstance(small, CompactDocument) and small == full


def test_statements_out_of_source_order_are_found_as_the_full_tree_finds_them():
    text = 'phase X "t" {\n  summary "s"\n}\nslice A1 "a" {\n  kind code\n}\nslice A2 "b" {\n}\n'
    doc, _ = pipeline.parse(text, "o.phc")
    doc.statements.reverse()
    c = compact(doc)
    assert isinstance(c, CompactDocument)
    for st in doc.walk():
        assert c.statement_at(st.span) == doc.statement_at(st.span)
        for v in st.values:
            assert c.value_at(v.span) == doc.value_at(v.span)


def test_the_parser_frees_its_pieces_without_the_cycle_collector():
    """A parsed piece (its text and line numbers) is freed by reference counting: the parser's recursive
    statement builder no longer keeps it in a cycle (``_build`` empties its closure cell)."""
    from phasec.grammar.blocks import _Piece

    text = _read(Path("examples/phase-c.phc"))
    pipeline.parse(text, "warm.phc", compact=True)
    gc.collect()
    enabled = gc.isenabled()
    gc.disable()
    try:
        doc, _ = pipeline.parse(text, "p.phc", compact=True)
        assert isinstance(doc, CompactDocument)
        assert not [o for o in gc.get_objects() if isinstance(o, _Piece)]
        assert gc.collect() == 0  # and no other cyclic garbage
    finally:
        if enabled:
            gc.enable()


def test_lowering_keeps_no_statement_of_a_slice_or_gate():
    """The batch lowering keeps, for each top-level slice and gate, a bound stub (keyword and span) rather
    than the statement, so that a statement rebuilt for binding is freed once its node is built."""
    from phasec.compiler.bind import Bound

    text = _read(Path("examples/phase-c.phc"))
    doc, _ = pipeline.parse(text, "p.phc", compact=True)
    kept: list[Bound] = []
    real = Bound.__init__

    def spy(self, *args, **kwargs):
        real(self, *args, **kwargs)
        kept.append(self)

    Bound.__init__ = spy  # type: ignore[method-assign]
    try:
        rb, _ = pipeline.lower(doc)
    finally:
        Bound.__init__ = real  # type: ignore[method-assign]
    stubs = [b for b in kept if b.stmt.keyword in ("slice", "gate") and not b.stmt.values]
    assert len(stubs) == len(rb.slices) + sum(1 for g in rb.gates if g.kind != "check") > 5
    assert all(b.stmt.block is None and b.stmt.span == doc.statement_at(b.stmt.span).span for b in stubs)


def _normalised_whole(text: str) -> str:
    text = re.sub(r"[ \t]+\n", "\n", text)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip("\n") + "\n"


def test_the_emitters_normalise_a_chunk_at_a_time_as_the_whole_text():
    from phasec.emitters._documents import normalised

    rnd = random.Random(12)
    for _ in range(3000):
        text = "".join(rnd.choice(["a", "b", " ", "\t", "\n", "\n\n", "  \n", "é"]) for _ in range(rnd.randint(0, 60)))
        pieces, i = [], 0
        while i < len(text):
            j = i + rnd.randint(1, 6)
            pieces.append(text[i:j])
            i = j
        for chunk in (1, 2, 5, 16, 1 << 16):
            assert normalised(iter(pieces), chunk) == _normalised_whole(text), (text, chunk)


def test_the_emitters_leave_no_cyclic_garbage():
    """emit_all collects each emitter's young cyclic garbage (its templates' data) before the next runs."""
    from phasec.emitters import emit_all

    res = pipeline.analyze(_read(Path("examples/phase-c.phc")), "phase-c.phc")
    emit_all(res.runbook)  # templates loaded and compiled
    gc.collect()
    enabled = gc.isenabled()
    gc.disable()
    try:
        outputs = emit_all(res.runbook)
        left = gc.collect()
    finally:
        if enabled:
            gc.enable()
    assert outputs and left < 50, left


def test_compile_collects_the_rules_cyclic_garbage_before_the_emitters(monkeypatch, tmp_path):
    """The rules' graphs are cyclic garbage after the analysis; `phasec compile` collects it before emitting."""
    from typer.testing import CliRunner

    import phasec.emitters
    from phasec.cli.main import app

    real_emit = phasec.emitters.emit_all
    found: list[int] = []

    def emit_all(rb, *args, **kwargs):
        found.append(gc.collect())
        return real_emit(rb, *args, **kwargs)

    monkeypatch.setattr(phasec.emitters, "emit_all", emit_all)
    enabled = gc.isenabled()
    gc.collect()
    gc.disable()
    try:
        r = CliRunner().invoke(app, ["compile", str(ROOT / "examples" / "phase-c.phc"), "--out", str(tmp_path / "o")])
    finally:
        if enabled:
            gc.enable()
    assert r.exit_code == 0, r.output
    assert len(found) == 1 and found[0] < 50, found


def test_only_a_very_large_runbook_is_kept_compact_by_default(monkeypatch):
    """The compact tree saves memory on a very large runbook and costs CPU on every other: by default
    ``analyze`` keeps it only from ``COMPACT_FROM`` characters on."""
    text = _read(Path("examples/phase-c.phc"))
    assert len(text) < pipeline.COMPACT_FROM
    assert not isinstance(pipeline.analyze(text, "phase-c.phc").document, CompactDocument)
    monkeypatch.setattr(pipeline, "COMPACT_FROM", len(text))
    assert isinstance(pipeline.analyze(text, "phase-c.phc").document, CompactDocument)
