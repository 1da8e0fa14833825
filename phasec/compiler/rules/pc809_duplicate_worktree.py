"""Two slices share one worktree path.

## What it does
Reports a slice whose `branch ... worktree PATH` names the same path as an
earlier slice's (compared after normalising `./`, `..` and trailing
slashes).  The diagnostic points at the later slice's worktree, with a note
at the first.

## Why it matters
A git worktree holds one branch at a time.  Two lanes in one worktree either
fail to create it (`git worktree add` refuses an existing path) or overwrite
each other's uncommitted work when one switches branches — the isolation the
plain-git runbook promises is gone.

## Example
```
slice A1 "Rust lane" { branch "feature/a1" worktree "../wt-a" }
slice A2 "Control plane" { branch "feature/a2" worktree "../wt-a" }
```
reports `slice `A2` uses worktree `../wt-a`, which slice `A1` already uses`.
Give each lane its own worktree.
"""

from __future__ import annotations

import posixpath

from phasec.compiler import ir
from phasec.compiler.rules.base import rule


def _worktree_span(ctx, s):
    found = ctx.doc.value_at(s.branch_span) if ctx.doc is not None and s.branch_span is not None else None
    if found is None:
        return s.branch_span or s.span
    st, _ = found
    for v in st.values:
        if v.kind == "string" and v.value == s.worktree and v.span != s.branch_span:
            return v.span
    return s.branch_span


@rule("PC809", "duplicate-worktree", "error", reads_prose=False)
def check(ctx):
    first: dict[str, ir.Slice] = {}
    for s in ctx.rb.slices:
        if not s.worktree:
            continue
        key = posixpath.normpath(s.worktree.replace("\\", "/"))
        other = first.get(key)
        if other is None:
            first[key] = s
            continue
        yield ctx.diag(
            _worktree_span(ctx, s),
            f"slice `{s.id}` uses worktree `{s.worktree}`, which slice `{other.id}` already uses",
            related=[(_worktree_span(ctx, other), f"`{other.id}` uses it here")],
            help="give each lane its own worktree (one branch per checkout)",
        )
