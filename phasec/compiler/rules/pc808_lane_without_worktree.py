"""A lane of a `worktrees per_slice` repo has no worktree.

## What it does
In a repo with `worktrees per_slice` and no `worktrees per_slice at
"TEMPLATE"`, reports each *lane* whose `branch` has no `worktree PATH`.  A
lane is a slice that merges: it has a `branch` or an `approval`, is in a
`merge_wave`, or another slice waits until it is merged (`after X merged`).
Slices that work on the base branch itself (an integration audit, a
promotion) are not lanes and need no worktree.  The diagnostic points at the
slice's `branch` (or its id).

## Why it matters
`worktrees per_slice` promises each lane its own checkout; a lane without one
has nowhere to work, so its agent works in another lane's checkout (or the
main one) and the isolation the runbook is built on is gone.

## Example
```
repo { tool git  base "develop"  worktrees per_slice }
slice A1 "Rust lane" { branch "feature/a1-rust" }
```
reports `lane `A1` has no worktree, in a repo with `worktrees per_slice``.
Write `branch "feature/a1-rust" worktree "../repo-wt-a1"`, or give the repo a
template (`worktrees per_slice at "../wt-<SLICE>"`).
"""

from __future__ import annotations

from phasec.compiler.rules._lanes import lanes
from phasec.compiler.rules._locate import id_span
from phasec.compiler.rules._values import child_value_span
from phasec.compiler.rules.base import rule


@rule("PC808", "lane-without-worktree", "warning", reads_prose=False)
def check(ctx):
    repo = ctx.rb.repo
    if repo is None or repo.worktrees != "per_slice" or repo.worktree_template:
        return
    decl = child_value_span(ctx, repo.span, "worktrees", "per_slice")
    for s in lanes(ctx.rb):
        if s.worktree:
            continue
        yield ctx.diag(
            s.branch_span or id_span(ctx, s.span),
            f"lane `{s.id}` has no worktree, in a repo with `worktrees per_slice`",
            related=[(decl, "each lane gets its own worktree")],
            help=f'write `branch "..." worktree "../<repo>-wt-{s.id.lower()}"` in `{s.id}`, or give the repo a '
            'template: `worktrees per_slice at "../wt-<SLICE>"`',
        )
