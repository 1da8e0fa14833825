"""The same branch name is used twice.

## What it does
Reports a branch name used by two repo branches (`repo { branch ... }`), by
two slices (`branch "..."`), or by a slice and the repo's `slice_base`
branch, at the second use, with a note at the first.

A slice may be carried out on another declared repo branch (for instance the
planning slice on the planning branch); that is not reported.  The slice base
is different: slice branches stack on it, so no slice can be it.

## Why it matters
Two slices on one branch land, are reviewed and are submitted as one, so
neither can close on its own and the per-slice gates prove nothing about
either.  Two repo branches with one name are one branch with two meanings
(two worktrees cannot even check it out at once).  Both usually come from
copying a slice or branch line and not renaming it.

## Example
```
slice C2 "Telemetry" { branch "codex/phase-c-c2-telemetry" }
slice C3 "Distribution" { branch "codex/phase-c-c2-telemetry" }
```
reports `` slice `C3` reuses the branch name `codex/phase-c-c2-telemetry` of slice `C2` ``.
Give C3 its own branch, e.g. `codex/phase-c-c3-distribution`.
"""

from __future__ import annotations

from phasec.compiler import ir
from phasec.compiler.rules.base import rule
from phasec.compiler.rules.pc801_invalid_branch_name import branch_names


@rule("PC804", "duplicate-branch", "error", reads_prose=False)
def check(ctx):
    rb = ctx.rb
    base = rb.repo.slice_base.id if rb.repo is not None and rb.repo.slice_base is not None else None

    def conflict(a, b) -> bool:
        ra, rb_ = isinstance(a, ir.Branch), isinstance(b, ir.Branch)
        if ra == rb_:
            return True
        branch = a if ra else b
        return base is not None and branch.id == base

    seen: dict[str, list] = {}
    for name, span, what, node in branch_names(rb):
        earlier = seen.setdefault(name, [])
        first = next((e for e in earlier if conflict(e[3], node)), None)
        earlier.append((name, span, what, node))
        if first is None:
            continue
        _, fspan, fwhat, fnode = first
        if isinstance(fnode, ir.Branch) != isinstance(node, ir.Branch):
            bid = (fnode if isinstance(fnode, ir.Branch) else node).id
            msg = f"{what} reuses the branch name `{name}` of {fwhat}, the slice base (`slice_base {bid}`)"
            help = "slice branches stack on the slice base, so no slice can be it; give the slice its own branch"
        else:
            msg = f"{what} reuses the branch name `{name}` of {fwhat}"
            help = (
                "two slices on one branch land and submit as one; give each slice its own branch"
                if not isinstance(node, ir.Branch)
                else "two repo branches with one name are one branch; rename one or remove it"
            )
        yield ctx.diag(span, msg, related=[(fspan, f"`{name}` is first used here, by {fwhat}")], help=help)
