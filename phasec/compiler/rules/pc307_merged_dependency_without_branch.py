"""`after X merged` where X has no branch.

## What it does
Reports a dependency `after X merged` when slice X has no `branch`.  The
diagnostic points at X in the `after`, with a note at X's declaration.

## Why it matters
`merged` waits until X's branch is merged into the base, not only until X is
done.  A slice without a branch is never merged, so the wait never ends (or
is silently read as a plain `after X`, which is not what was written).

## Example
```
slice A2 "Control plane" { objective "primitives" }
slice A1 "Rust lane" { after A2 merged }
```
reports `slice `A1` waits until `A2` is merged, but `A2` has no branch: it is never merged`.
Give `A2` a `branch`, or write `after A2`.
"""

from __future__ import annotations

from phasec.compiler.rules._locate import id_span
from phasec.compiler.rules.base import rule


@rule("PC307", "merged-dependency-without-branch", "error", reads_prose=False)
def check(ctx):
    rb = ctx.rb
    for s in rb.slices:
        for dep in s.after:
            if not dep.merged:
                continue
            target = ctx.facts.slices.get(dep.slice.id)
            if target is None or target.branch:
                continue
            yield ctx.diag(
                dep.slice.span,
                f"slice `{s.id}` waits until `{target.id}` is merged, but `{target.id}` has no branch: "
                "it is never merged",
                related=[(id_span(ctx, target.span), f"`{target.id}` is declared here, without `branch`")],
                help=f'give `{target.id}` a branch (`branch "..."`), or write `after {target.id}` to wait '
                "only until it is done",
            )
