"""Building fixes for rules: text edits over the syntax tree.

Not a rule module (the name does not match ``pcNNN_*``), so the registry skips
it.  Every helper returns ``None`` when the rule context has no syntax tree.
"""

from __future__ import annotations

from phasec.compiler.diagnostics import Edit, Fix
from phasec.compiler.rules._locate import value_statement
from phasec.source import Span


def _point(span: Span, at_end: bool = True) -> Span:
    line, col = (span.end_line, span.end_column) if at_end else (span.line, span.column)
    return Span(file=span.file, line=line, column=col, end_line=line, end_column=col)


def _between(a: Span, b: Span) -> Span:
    """From the end of ``a`` to the end of ``b``."""
    return Span(file=a.file, line=a.end_line, column=a.end_column, end_line=b.end_line, end_column=b.end_column)


def _starts_line(ctx, span: Span) -> str | None:
    """The indentation before ``span`` when nothing else precedes it on its line, else None."""
    before = ctx.doc.source.line_text(span.line)[: span.column - 1]
    return before if before.strip() == "" else None


def after_fix(ctx, dep_span: Span) -> Fix | None:
    """Rewrite the `after` statement holding ``dep_span`` so each dependency is qualified correctly.

    Dependencies on conditional slices get `if_triggered`, the others lose it;
    when a statement mixes both, it is split in two (on two lines, or joined
    with `;` when the statement shares its line with other code), keeping the
    order of first appearance.  The fix is the same whichever dependency of the
    statement was reported, so several findings on one statement share it.
    """
    found = value_statement(ctx, dep_span)
    if found is None:
        return None
    st, _ = found
    if st.keyword != "after" or not st.values:
        return None
    flag = st.values[-1] if st.values[-1].kind == "name" and st.values[-1].value == "if_triggered" else None
    deps = st.values[:-1] if flag is not None else st.values
    if not deps:
        return None
    groups: dict[bool, list[str]] = {}
    for v in deps:
        target = ctx.rb.slice(v.value)
        groups.setdefault(bool(target is not None and target.conditional), []).append(v.text)
    last = deps[-1]
    if len(groups) == 1:
        conditional = next(iter(groups))
        if conditional and flag is None:
            return Fix(
                description="add `if_triggered`: wait for the conditional slice only when it runs",
                edits=[Edit(span=_point(last.span), replacement=" if_triggered")],
            )
        if not conditional and flag is not None:
            return Fix(
                description="remove `if_triggered`: the slice always runs",
                edits=[Edit(span=_between(last.span, flag.span), replacement="")],
            )
        return None
    indent = _starts_line(ctx, st.keyword_span)
    sep = "; " if indent is None else "\n" + indent
    text = sep.join(
        f"after {' '.join(ids)}" + (" if_triggered" if conditional else "") for conditional, ids in groups.items()
    )
    end = (flag or last).span
    whole = Span(
        file=end.file,
        line=st.keyword_span.line,
        column=st.keyword_span.column,
        end_line=end.end_line,
        end_column=end.end_column,
    )
    return Fix(
        description="split the dependencies: `if_triggered` for the conditional slices only",
        edits=[Edit(span=whole, replacement=text)],
    )


def remove_clause_fix(ctx, value_span: Span, word: str, description: str, *, safe: bool) -> Fix | None:
    """Remove the clause ``word VALUE`` whose value is at ``value_span`` (and the space before it)."""
    found = value_statement(ctx, value_span)
    if found is None:
        return None
    st, i = found
    if i < 1 or st.values[i - 1].kind != "name" or st.values[i - 1].value != word:
        return None
    prev = st.values[i - 2].span if i >= 2 else st.keyword_span
    return Fix(description=description, edits=[Edit(span=_between(prev, st.values[i].span), replacement="")], safe=safe)
