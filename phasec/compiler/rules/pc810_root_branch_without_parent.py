"""A branch the run creates has no parent and no rule for choosing one.

## What it does
Looks at the `repo` branches with no parent: no `from BRANCH`, no
`from "name"`, and no run-time rule `choose "..."`.  The first of them is
the stack's starting point, a branch that already exists, and is fine.
Such a root is reported when the run must create it:

* it has a `create` command, or opens only after a stage (`opens_after`); or
* it is not the first root and it has a worktree or is the `slice_base`:
  a second stack bottom that the phase works on.

A plain-git runbook with a `base` branch is not checked: its branches start
from the base.  The diagnostic points at the branch's id.

## Why it matters
To create a branch, git and Graphite need the commit it starts from.  A
root branch with no parent leaves that to whoever runs the phase: the
generated stack script can only refuse to go on until the branch exists,
and the agent picks whatever happens to be checked out — often the
previous phase's tip, sometimes `main`, and the stack is wrong from its
first commit.  The Phase C runbook names its implementation root branch
and its worktree, but not what it starts from.

## Example
```
repo {
  tool graphite
  branch parent "codex/phase-c-prep"
  branch runtime "codex/phase-c-runtime" worktree "../wt-runtime"
}
```
reports `branch `runtime` (`codex/phase-c-runtime`) is created by the run but
has no parent and no run-time rule for choosing one`.  Say where it starts
(`from parent`, or `from "develop"`), or how to choose its parent when the
phase runs (`choose "main if Phase B merged, else the top of its stack"`).
"""

from __future__ import annotations

from phasec.compiler.rules._locate import id_span
from phasec.compiler.rules.base import rule


@rule("PC810", "root-branch-without-parent", reads_prose=False)
def check(ctx):
    repo = ctx.rb.repo
    if repo is None or repo.base:
        return
    roots = [b for b in repo.branches if b.parent is None and not b.parent_name and not b.choose]
    if not roots:
        return
    first = roots[0]
    slice_base = repo.slice_base.id if repo.slice_base is not None else None
    for b in roots:
        if b.create:
            why = "it has a `create` command"
        elif b.opens_after is not None:
            why = f"it opens after stage {b.opens_after.id}"
        elif b is not first and b.worktree:
            why = f"it has a worktree, and `{first.id}` is the stack's starting point"
        elif b is not first and b.id == slice_base:
            why = f"the slices stack on it, and `{first.id}` is the stack's starting point"
        else:
            continue
        related = [] if b is first else [(first.span, f"`{first.id}` is the first root: a branch that already exists")]
        yield ctx.diag(
            id_span(ctx, b.span),
            f"branch `{b.id}` (`{b.name}`) is created by the run ({why}) but has no parent and no run-time rule "
            "for choosing one",
            help=(
                f'say where it starts (`from {first.id if b is not first else "BRANCH"}`, or `from "NAME"` for a branch '
                'outside the runbook), or how to choose its parent when the phase runs (`choose "..."`)'
            ),
            related=related,
        )
