"""A conditional slice does not say where its not-triggered disposition is recorded.

## What it does
Reports a slice declared `conditional` or `branching` that has no
`defer_record` statement (`defer_record SLICE_OR_ARTIFACT [artifact A]`: the
slice or artifact where the decision not to run it, or not to take its
triggered path, is written down).  The diagnostic points at the word
`conditional` or `branching`.

## Why it matters
When a conditional slice is not triggered, "nothing happened" must still be
visible: reviewers, the phase exit and the next phase need an explicit defer
disposition with its evidence.  Without a declared place for it, the
no-trigger path leaves no trace, and nobody can tell a deliberate defer from a
slice that was forgotten.

## Example
```
slice C4 "Conditional tightening" conditional {
  trigger d009 "middleware chains without dedupe markers" by c4_dedupe_scan
}
```
reports `conditional slice `C4` has no `defer_record`: nothing says where its defer disposition is recorded when it is not triggered`.
Add e.g. `defer_record C7 artifact C7_PHASE_D_READINESS`.
"""

from __future__ import annotations

from phasec.compiler.rules.base import rule
from phasec.compiler.rules.pc401_conditional_without_trigger import conditional_span


@rule("PC402", "conditional-without-defer-record", reads_prose=False)
def check(ctx):
    for s in ctx.rb.slices:
        if s.outcome_conditional and not s.defer_records:
            word = "conditional" if s.conditional else "branching"
            yield ctx.diag(
                conditional_span(ctx, s),
                f"{word} slice `{s.id}` has no `defer_record`: "
                "nothing says where its defer disposition is recorded when it is not triggered",
                help=f"add `defer_record SLICE [artifact ARTIFACT]` (or `defer_record ARTIFACT`) to `{s.id}`, "
                "naming where the defer decision and its evidence are written when it is not triggered",
            )
