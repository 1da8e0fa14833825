"""The phase exit does not cover every slice.

## What it does
When the runbook has an `exit` block, checks that every slice is covered by
the phase exit, in one of two ways:

* it is listed in `exit { covers ... }`, or
* at least one gate it binds (`gate <cadence> ...`), or any gate those use,
  is run by the exit: it is in the composition closure of the `exit { gate ... }`
  gates (the exit gates and every gate they use, transitively).

Each uncovered slice is reported once, at the `exit` block, with a note at
the slice.  Runbooks without an `exit` block are not checked.

## Why it matters
The phase exit is the last proof that the phase as a whole holds.  A slice
that the exit neither names nor re-runs can regress after it closed (a later
slice breaks it) and the phase still exits green.  Adding a slice to a
runbook and forgetting the exit is the usual way this happens.

## Example
```
slice C3 "Distribution" { gate full c3_full }
gate c3_full   { run "bun scripts/phase-c/verify-distribution-instance-lifecycle.mjs" }
gate gates_exit { use c1_full c2_full }
exit { gate gates_exit  covers C1 C2 }
```
reports `the phase exit does not cover slice `C3`: it is not in `exit { covers }`
and none of its gates is run by exit gate `gates_exit``.  List it in `covers`,
or make the exit gate `use` one of its gates.
"""

from __future__ import annotations

from phasec.compiler.rules.base import rule


@rule("PC705", "exit-does-not-cover", reads_prose=False)
def check(ctx):
    rb = ctx.rb
    ex = rb.exit
    if ex is None:
        return
    graph = ctx.graph
    covered = {r.id for r in ex.covers}
    run_by_exit: set[str] = set()
    for ref in ex.gates:
        run_by_exit |= graph.gate_closure(ref.id)
    exit_gates = [r.id for r in ex.gates]
    if len(exit_gates) == 1:
        by = f"run by exit gate `{exit_gates[0]}`"
    elif exit_gates:
        by = "run by the exit gates " + ", ".join(f"`{g}`" for g in exit_gates)
    else:
        by = "run by the exit (it names no gate)"
    closures: dict[str, set[str]] = {}

    def closure(gid: str) -> set[str]:
        if gid not in closures:
            closures[gid] = graph.gate_closure(gid)
        return closures[gid]

    for s in rb.slices:
        if s.id in covered:
            continue
        bound = {item.gate.id for b in s.gates for item in b.items if item.gate is not None}
        if any(not closure(gid).isdisjoint(run_by_exit) for gid in sorted(bound)):
            continue
        yield ctx.diag(
            ex.span,
            f"the phase exit does not cover slice `{s.id}`: it is not in `exit {{ covers }}` and none of its gates is {by}",
            related=[(s.span, f"slice `{s.id}` is declared here")],
            help=f"list `{s.id}` in `exit {{ covers ... }}`, or make an exit gate `use` one of the slice's gates",
        )
