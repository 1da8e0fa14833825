"""A slice has no accountable owner.

## What it does
Reports every slice without an `owner` statement.  Owners are the accountable
handles (`@rawr-runtime-host`, like CODEOWNERS); agents (`agent I1`) only
execute the work.  A slice needs an owner whatever agents it has.

## Why it matters
An unowned slice has nobody to answer for it: nobody approves its closure,
triages its first-failure signals, or takes the review findings routed to it.
Hand-written packets lose owners when slices are added late or split, and the
gap only shows when something goes wrong.

## Example
```
slice C2 "Telemetry" {
  agent I2
  after C1
}
```
reports ``slice `C2` has no owner``.  Add `owner @rawr-verification-gates backup @rawr-runtime-host`.
When no slice at all has an owner (one cause: the runbook names none), it is
one finding, `no slice has an owner: `A0`, `A1`, ...`, at the first slice,
with the others as related locations.
"""

from __future__ import annotations

from phasec.compiler.rules._values import value_span
from phasec.compiler.rules.base import rule


@rule("PC601", "slice-without-owner", "error", reads_prose=False)
def check(ctx):
    slices = ctx.rb.slices
    unowned = [s for s in slices if s.owner is None]
    if len(unowned) > 1 and len(unowned) == len(slices):
        # One cause, one finding: the runbook names no owner at all.
        first = unowned[0]
        yield ctx.diag(
            value_span(ctx, first.span, index=0),
            f"no slice has an owner: {', '.join(f'`{s.id}`' for s in unowned)}",
            help="add `owner @handle backup @handle` to each slice: the accountable owner (agents only execute the slice)",
            related=[(value_span(ctx, s.span, index=0), f"slice `{s.id}` has no owner") for s in unowned[1:]],
        )
        return
    for s in unowned:
        yield ctx.diag(
            value_span(ctx, s.span, index=0),
            f"slice `{s.id}` has no owner",
            help="add `owner @handle backup @handle`: the accountable owner (agents only execute the slice)",
        )
