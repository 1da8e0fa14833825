"""A conditional slice has no trigger.

## What it does
Reports a slice declared `conditional` (it runs only when triggered) or
`branching` (it always runs and its outcome branches) that has no `trigger`
statement.  The diagnostic points at the word `conditional` or `branching`.

## Why it matters
A conditional slice runs only when something happens.  Without a trigger the
runbook never says what that something is, so whether the slice runs is
decided ad hoc by whoever reaches it — the drift phasec exists to prevent
(one document treats the slice as mandatory, another as optional).  A
trigger names the condition, and with `by GATE` the gate that detects it.

## Example
```
slice C4 "Conditional tightening" conditional {
  defer_record C7
}
```
reports `conditional slice `C4` has no `trigger`: nothing says when it runs`.
Add `trigger d009 "middleware chains of depth >= 3 without dedupe markers" by c4_dedupe_scan`,
or drop `conditional` if the slice always runs.
"""

from __future__ import annotations

from phasec.compiler.rules._locate import id_span, word_span
from phasec.compiler.rules.base import rule


def conditional_span(ctx, s):
    """Where a slice is declared conditional or branching: that word, else its id."""
    word = "conditional" if s.conditional else "branching"
    return word_span(ctx, s.span, word) or id_span(ctx, s.span)


@rule("PC401", "conditional-without-trigger", reads_prose=False)
def check(ctx):
    for s in ctx.rb.slices:
        if s.outcome_conditional and not s.triggers:
            what = "when it runs" if s.conditional else "which outcome it takes"
            word = "conditional" if s.conditional else "branching"
            yield ctx.diag(
                conditional_span(ctx, s),
                f"{word} slice `{s.id}` has no `trigger`: nothing says {what}",
                help=f'add `trigger ID "condition" by GATE` to `{s.id}` for each condition that triggers it, '
                f"or drop `{word}` if it has one outcome",
            )
