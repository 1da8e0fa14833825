"""`trigger_logic all` with fewer than two triggers.

## What it does
Reports `trigger_logic all` in a slice that has one trigger (or none).  The
diagnostic points at `trigger_logic`.

## Why it matters
`all` says that every trigger must fire before the slice takes its
triggered path; with a single trigger `all` and `any` mean the same, so the
statement says nothing — and often a second trigger was meant and lost (a
`precondition` that must also hold).  A trigger marked `precondition` that
also names `by GATE` is fine: the gate checks the condition.

## Example
```
slice C4 "Decision tightening" branching {
  trigger d009 "middleware chains without a dedupe marker" by c4_scan
  trigger_logic all
}
```
reports `` `trigger_logic all` in slice `C4`, which has a single trigger: `all` means nothing ``.
Add the missing trigger, or remove `trigger_logic`.
"""

from __future__ import annotations

from phasec.compiler.rules._values import statement_at
from phasec.compiler.rules.base import rule


@rule("PC409", "trigger-logic-all-single", "warning", reads_prose=False)
def check(ctx):
    for s in ctx.rb.slices:
        if s.trigger_logic != "all" or len(s.triggers) > 1:
            continue
        st = statement_at(ctx, s.span)
        kid = next((k for k in (st.block or []) if k.keyword == "trigger_logic"), None) if st is not None else None
        span = kid.span if kid is not None else s.span
        n = "a single trigger" if s.triggers else "no trigger"
        yield ctx.diag(
            span,
            f"`trigger_logic all` in slice `{s.id}`, which has {n}: `all` means nothing",
            related=[(t.span, f"the only trigger of `{s.id}`") for t in s.triggers],
            help="add the trigger that must also fire, or remove `trigger_logic`",
        )
