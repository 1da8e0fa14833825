"""Slices depend on each other in a cycle (or repo branches are created from each other in one).

## What it does
Finds cycles in the slice dependency graph (`after`, including
`after ... if_triggered`) and reports each one once, listing every edge of the
cycle with the place where that dependency is written.  Cycles among the repo
branches (`branch ID "name" from PARENT`) are reported the same way.

## Why it matters
A cycle means no slice of it can ever start: each waits for another.  Runbooks
kept by hand grow cycles when a dependency is added in one section and the
reverse order is assumed in another.  Every edge is shown because any one of
them may be the wrong one.  A branch cycle means the branch stack cannot be
created: each branch would be cut from one that does not exist yet.

`phasec compile` always runs this check, as an error, whatever the
configuration or suppressions say: the packet's order, the CI workflow's
`needs:` and the branch stack cannot be written for a cycle.

## Example
```
slice C1 "Storage lock" { after C2 }
slice C2 "Telemetry"    { after C1 }
```
reports `dependency cycle: C1 -> C2 -> C1 (each waits for the next)` with a note at each `after`.
Remove or reverse one of the dependencies.
"""

from __future__ import annotations

from phasec.compiler.rules.base import rule


@rule("PC301", "dependency-cycle", reads_prose=False)
def check(ctx):
    for edges in ctx.graph.slice_cycles():
        # Edges run dep -> dependent; say it in reading order: X is after Y.
        names = [e.after for e in reversed(edges)] + [edges[-1].after]
        path = " -> ".join(names)
        related = [(e.span, f"`{e.after}` is after `{e.before}` here") for e in reversed(edges)]
        first = edges[-1]
        yield ctx.diag(
            first.span,
            f"dependency cycle: {path} (each waits for the next)",
            related=related,
            help="no slice in a cycle can start; remove or reverse one of these dependencies",
        )
    for edges in ctx.graph.branch_cycles():
        # Edges run parent -> branch: X is created from Y.
        names = [e.after for e in reversed(edges)] + [edges[-1].after]
        related = [(e.span, f"`{e.after}` is created from `{e.before}` here") for e in reversed(edges)]
        yield ctx.diag(
            edges[-1].span,
            f"branch cycle: {' -> '.join(names)} (each is created from the next)",
            related=related,
            help="the branch stack cannot be created; remove or change one of these `from` parents",
        )
