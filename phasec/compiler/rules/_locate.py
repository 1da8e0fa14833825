"""Precise spans for rules: the id or a flag word of a declaration.

The IR keeps one span per declaration (the whole statement); a diagnostic
reads better when its caret sits under the offending word.  These helpers
look the statement up in the syntax tree (when the rule context has one) and
fall back to the declaration's span otherwise.  Not a rule module (the name
does not match ``pcNNN_*``), so the registry skips it.
"""

from __future__ import annotations

from phasec.source import Span


def _statement(ctx, span: Span):
    doc = getattr(ctx, "doc", None)
    return doc.statement_at(span) if doc is not None else None


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
