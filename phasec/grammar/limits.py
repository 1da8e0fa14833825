"""Limits that keep every stage of the pipeline bounded on hostile input.

Blocks may nest at most :data:`MAX_DEPTH` deep.  Real runbooks nest a few
levels (an item list inside a step inside a stage); the stages after the
parser (binding, lowering, the formatter, the emitters) walk the tree
recursively, so a file with thousands of nested blocks would exhaust Python's
stack.  :func:`too_deep` finds the first `{` past the limit with a cheap scan
that skips strings and comments, before anything else is built; the parser
then reports it as PC009 and parses nothing (one clear diagnostic instead of a
crash, in time linear in the size of the file).
"""

from __future__ import annotations

import re

#: The deepest nesting of blocks accepted (the file's top level is depth 0).
MAX_DEPTH = 100

# What can hide a brace: multi-line strings (closed or not), one-line strings, comments.
_SKIP = re.compile(r'"""[\s\S]*?(?:"""|\Z)|"(?:\\.|[^"\\\n])*"?|#[^\n]*|[{}]')


def too_deep(text: str, limit: int = MAX_DEPTH) -> int | None:
    """The offset of the first `{` that opens a block deeper than ``limit``, or None."""
    if text.count("{") <= limit:
        return None
    depth = 0
    for m in _SKIP.finditer(text):
        ch = m.group(0)
        if ch == "{":
            depth += 1
            if depth > limit:
                return m.start()
        elif ch == "}":
            depth = max(0, depth - 1)
    return None
