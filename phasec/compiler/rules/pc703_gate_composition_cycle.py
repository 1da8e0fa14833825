"""Composite gates use each other in a cycle.

## What it does
Finds cycles in gate composition (`use` inside a `gate` block) and reports
each one once, listing every edge of the cycle with the place where that
`use` is written.  A gate that uses itself is a cycle of one edge.

## Why it matters
A composite suite that (transitively) runs itself never finishes when it is
expanded into a script, and the generated acceptance gates cannot list its
commands.  Cycles appear when suites are reorganised by hand: a full suite
starts using a quick suite that was changed to use the full one.  Every edge
is shown because any one of them may be the wrong one.

`phasec compile` always runs this check, as an error, whatever the
configuration or suppressions say: the scripts, the CI workflow and the
documents cannot expand a suite that runs itself.

## Example
```
gate c1_quick { use drift_core c1_full }
gate c1_full  { use c1_quick }
```
reports `gate composition cycle: c1_full -> c1_quick -> c1_full (each uses the next)`
with a note at each `use`.  Remove one of the `use` references.
"""

from __future__ import annotations

from phasec.compiler.rules.base import rule


@rule("PC703", "gate-composition-cycle", reads_prose=False)
def check(ctx):
    for edges in ctx.graph.gate_cycles():
        # Edges run composite -> used gate: reading order already.
        path = " -> ".join([e.before for e in edges] + [edges[0].before])
        related = [(e.span, f"`{e.before}` uses `{e.after}` here") for e in edges]
        yield ctx.diag(
            edges[0].span,
            f"gate composition cycle: {path} (each uses the next)",
            related=related,
            help="a suite cannot run a suite that runs it; remove one of these `use` references",
        )
