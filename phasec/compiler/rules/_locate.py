"""Precise spans for rules: the id or a flag word of a declaration.

The IR keeps one span per declaration (the whole statement); a diagnostic
reads better when its caret sits under the offending word.  These helpers
look the statement up in the syntax tree (when the rule context has one) and
fall back to the declaration's span otherwise.  Not a rule module (the name
does not match ``pcNNN_*``), so the registry skips it.
"""

from __future__ import annotations

from bisect import bisect_right

from phasec.source import Span


def statement_at(doc, span: Span):
    """``doc.statement_at(span)``: the statement whose span starts where ``span`` starts.

    With a statement memo (the language server's, :class:`phasec.compiler.facts.StatementMemo`),
    the top-level statement holding that position is found by bisection and only its own
    statements are indexed, once per statement object: an edit re-indexes the statements it
    touched, not the document.  Top-level statements do not overlap, so the answer is the same.
    """
    if doc is None:
        return None
    from phasec.compiler.facts import statement_memo

    memo = statement_memo(doc)
    if memo is None:
        return doc.statement_at(span)
    starts = doc.__dict__.get("_top_starts")
    if starts is None:
        starts = doc.__dict__["_top_starts"] = [(st.span.line, st.span.column) for st in doc.statements]
    k = bisect_right(starts, (span.line, span.column)) - 1
    if k < 0:
        return None
    return memo.get(doc.statements[k], "by_start", _index_by_start).get((span.line, span.column))


def _index_by_start(top) -> dict:
    index: dict = {}
    stack = [top]
    while stack:
        st = stack.pop()
        index.setdefault((st.span.line, st.span.column), st)
        if st.block:
            stack.extend(reversed(st.block))
    return index


def _statement(ctx, span: Span):
    return statement_at(getattr(ctx, "doc", None), span)


def id_span(ctx, span: Span) -> Span:
    """The span of the id (first value) of the statement declared at ``span``."""
    st = _statement(ctx, span)
    if st is not None and st.values:
        return st.values[0].span
    return span


def word_span(ctx, span: Span, word: str) -> Span | None:
    """The span of a bare word (a flag such as ``conditional``) of the statement at ``span``."""
    st = _statement(ctx, span)
    if st is None:
        return None
    for v in st.values[1:]:
        if v.kind == "name" and v.value == word:
            return v.span
    return None


def value_statement(ctx, span: Span):
    """The syntax-tree statement one of whose values is at ``span``, and the value's index (or None)."""
    doc = getattr(ctx, "doc", None)
    return doc.value_at(span) if doc is not None else None
