"""Helpers for the ownership (PC6xx) and names-and-paths (PC8xx) rules.

The IR keeps a span per statement; some statements' individual values (a
file path, an artifact name, a slice id) have no span of their own there.
These helpers find the value in the syntax tree so that diagnostics point at
the offending value, and fall back to the statement's span without a tree.
"""

from __future__ import annotations

import re

from phasec.source import Span


def statement_at(ctx, span: Span):
    """The syntax-tree statement an IR node was lowered from (None without a tree)."""
    from phasec.compiler.rules._locate import statement_at as _at

    return _at(ctx.doc, span)


def value_span(ctx, span: Span, text: str | None = None, index: int | None = None) -> Span:
    """The span of a statement's value: the one whose decoded value is ``text``, or the
    ``index``-th one; the statement's span when it cannot be found."""
    st = statement_at(ctx, span)
    if st is None:
        return span
    if text is not None:
        for v in st.values:
            if v.value == text:
                return v.span
    if index is not None and index < len(st.values):
        return st.values[index].span
    return span


def child_value_span(ctx, span: Span, keyword: str, text: str | None = None) -> Span:
    """The span of the value of a child statement ``keyword`` of the block at ``span``."""
    st = statement_at(ctx, span)
    if st is None or not st.block:
        return span
    for kid in st.block:
        if kid.keyword == keyword and kid.values:
            for v in kid.values:
                if text is None or v.value == text:
                    return v.span
            return kid.span
    return span


_WINDOWS = re.compile(r"^[A-Za-z]:[\\/]")


def machine_path(path: str) -> str | None:
    """Why ``path`` is absolute or tied to one machine (None when it is relative)."""
    p = path.strip()
    if p.startswith("~"):
        return "a home-directory path"
    if p.startswith(("$HOME", "${HOME}")):
        return "a home-directory path"
    if _WINDOWS.match(p):
        return "an absolute Windows path"
    if p.startswith("\\\\"):
        return "a network (UNC) path"
    if p.startswith("/"):
        for prefix in ("/Users/", "/home/", "/root/", "/private/", "/var/folders/", "/tmp/", "/mnt/", "/Volumes/"):
            if p.startswith(prefix):
                return f"an absolute path under `{prefix}`"
        return "an absolute path"
    return None
