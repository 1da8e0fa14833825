"""Slice branches stack on a branch that is opened only after their stage.

## What it does
When `repo { slice_base B }` names a branch declared with
`opens_after STAGE`, reports each slice with a `branch` whose first stage
runs before STAGE ends (its stage is STAGE or an earlier one).  The
diagnostic points at the slice's branch, with notes at `opens_after` and at
`slice_base`.  A slice whose branch is itself a declared repo branch (a
planning slice carried on the planning branch) stacks on nothing and is not
reported.

## Why it matters
Slice branches are created on top of the slice base.  A base that is opened
only after a stage cannot carry the branches of slices that work in or before
that stage: at their start there is nothing to stack on, and the agent
branches from whatever is checked out.

## Example
```
repo {
  branch next "codex/phase-d" opens_after 2
  slice_base next
}
stage 1 "Planning" { covers D0 }
stage 2 "Drift check" { covers D1 }
slice D0 "Planning" { branch "codex/phase-d-d0" }
```
reports `slice `D0` works in stage `1`, but its branch stacks on `next`,
which is opened only after stage `2``.  Open the base earlier, or move the
slice to a later stage.
"""

from __future__ import annotations

from phasec.compiler.rules._locate import id_span
from phasec.compiler.rules.base import rule


@rule("PC312", "branch-opens-after-slice-stage", "error", reads_prose=False)
def check(ctx):
    rb = ctx.rb
    repo = rb.repo
    if repo is None or repo.slice_base is None:
        return
    base = next((b for b in repo.branches if b.id == repo.slice_base.id), None)
    if base is None or base.opens_after is None:
        return
    index = ctx.graph.stage_index
    opens = base.opens_after.id
    if opens not in index:
        return
    spans = ctx.graph.slice_stage_span
    repo_names = {b.name for b in repo.branches}
    for s in rb.slices:
        if not s.branch or s.id not in spans or s.branch in repo_names:
            continue  # a slice whose branch is a declared repo branch (the planning branch) stacks on nothing
        first = spans[s.id][0]
        if index[first] > index[opens]:
            continue
        yield ctx.diag(
            s.branch_span or id_span(ctx, s.span),
            f"slice `{s.id}` works in stage `{first}`, but its branch stacks on `{base.id}`, which is opened "
            f"only after stage `{opens}`",
            related=[
                (base.opens_after.span, f"`{base.id}` opens after stage `{opens}`"),
                (repo.slice_base.span, "slice branches stack on it"),
            ],
            help=f"open `{base.id}` earlier, stack `{s.id}` on another branch, or move `{s.id}` to a stage after "
            f"`{opens}`",
        )
