"""`worktrees per_slice` without a `base` branch.

## What it does
Reports `repo { worktrees per_slice }` when the repo declares no
`base "BRANCH"`.  The diagnostic points at `per_slice`.

## Why it matters
In a plain-git runbook every slice worktree is created from the base branch
and merged back into it (`git worktree add -b <branch> <worktree> origin/<base>`).
Without a base the generated scripts do not know where the lanes start, and
each agent picks whatever branch its checkout happens to be on.

## Example
```
repo { tool git  worktrees per_slice }
```
reports `` `worktrees per_slice` without `base`: the slice worktrees have no branch to start from ``.
Add `base "develop" remote origin`.
"""

from __future__ import annotations

from phasec.compiler.rules._values import child_value_span
from phasec.compiler.rules.base import rule


@rule("PC807", "worktrees-without-base", "error", reads_prose=False)
def check(ctx):
    repo = ctx.rb.repo
    if repo is None or repo.worktrees != "per_slice" or repo.base:
        return
    yield ctx.diag(
        child_value_span(ctx, repo.span, "worktrees", "per_slice"),
        "`worktrees per_slice` without `base`: the slice worktrees have no branch to start from",
        help='declare the base branch the worktrees are created from and merged into: `base "develop" remote origin`',
    )
