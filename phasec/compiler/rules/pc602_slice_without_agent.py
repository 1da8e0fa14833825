"""A slice has no agent to execute it.

## What it does
Reports a slice that names no executing `agent` and that no stage step
carries out with agents (`step "..." by I1 for C1`; in a stage that covers
exactly one slice, every step carries out that slice).

## Why it matters
Owners are accountable, agents do the work.  A slice nobody is assigned to
execute is either forgotten in the team plan or silently absorbed by whoever
is free, which defeats the agent cap and the concurrency analysis (PC501,
PC502): the slice's work is invisible to them.

## Example
```
slice C6 "Docs and cleanup" {
  owner @rawr-docs-maintainer
  after C5
}
```
reports ``slice `C6` has no agent: no `agent`, and no stage step with `by` agents carries it out``.
Add `agent I5`, or a stage step `step "..." by I5 for C6`.
When the runbook declares no agent at all (one cause: it says nothing about
who executes the work), it is one finding, `no slice has an agent: `C1`,
`C2`, ...`, at the first slice, with the others as related locations.
"""

from __future__ import annotations

from phasec.compiler.rules._values import value_span
from phasec.compiler.rules.base import rule


@rule("PC602", "slice-without-agent", "warning", reads_prose=False)
def check(ctx):
    staffed = ctx.facts.staffed_slices  # the same "carries out" as the order of work (PC501)
    slices = ctx.rb.slices
    unstaffed = [s for s in slices if s.id not in staffed]
    if len(unstaffed) > 1 and len(unstaffed) == len(slices) and not ctx.rb.agents():
        # One cause, one finding: the runbook declares no agent at all.
        first = unstaffed[0]
        yield ctx.diag(
            value_span(ctx, first.span, index=0),
            f"no slice has an agent: {', '.join(f'`{s.id}`' for s in unstaffed)}",
            help="name each slice's executing agents (`agent ID ...`), or carry the slices out in stage steps "
            'with agents (`step "..." by ID for SLICE`)',
            related=[(value_span(ctx, s.span, index=0), f"slice `{s.id}` has no agent") for s in unstaffed[1:]],
        )
        return
    for s in unstaffed:
        yield ctx.diag(
            value_span(ctx, s.span, index=0),
            f"slice `{s.id}` has no agent: no `agent`, and no stage step with `by` agents carries it out",
            help=f"name the executing agents (`agent ID ...`), or carry the slice out in a stage step "
            f'with agents (`step "..." by ID for {s.id}`)',
        )
