"""`after X if_triggered` where X is neither conditional nor branching.

## What it does
Reports a dependency written `after X if_triggered` where `X` is a slice that
is declared neither `conditional` nor `branching` (for a branching slice,
`if_triggered` means "wait for its triggered work only when it is triggered").  The diagnostic points at `X` in the `after`,
with a note at `X`'s declaration.

## Why it matters
`if_triggered` means "wait for X only if it runs"; a slice that is not
conditional always runs, so the qualifier changes nothing — and suggests to
readers that `X` is optional.  Usually either the qualifier is left over from
an earlier plan, or `X` was meant to be `conditional` and the declaration
lost it.

## Example
```
slice C3 "Distribution" { objective "ship" }
slice C5 "Review" { after C3 if_triggered }
```
reports `slice `C5` depends on `C3` if triggered, but `C3` is not conditional: it always runs`.
Write `after C3`, or declare `C3` conditional.

## Fix
Safe (applied by `phasec lint --fix`): removes `if_triggered` — it changes
nothing today, since the slice always runs.  When the same `after` also names
conditional slices (`after C3 C4 if_triggered` with `C4` conditional), the
statement is split so they keep it: `after C3` and `after C4 if_triggered`.
If `C3` was meant to be conditional, declare it so instead of applying the fix.
"""

from __future__ import annotations

from phasec.compiler.rules._fixes import after_fix
from phasec.compiler.rules._locate import id_span
from phasec.compiler.rules.base import rule


@rule("PC406", "if-triggered-on-unconditional", "warning", reads_prose=False)
def check(ctx):
    rb = ctx.rb
    for s in rb.slices:
        for dep in s.after:
            target = ctx.facts.slices.get(dep.slice.id)
            if target is None or target.outcome_conditional or not dep.if_triggered:
                continue
            yield ctx.diag(
                dep.span,
                f"slice `{s.id}` depends on `{target.id}` if triggered, but `{target.id}` is neither conditional "
                "nor branching: it always runs, with one outcome",
                related=[(id_span(ctx, target.span), f"`{target.id}` is declared here, without `conditional`")],
                help=f"write `after {target.id}` (put it on its own `after` line if other slices there are "
                f"conditional), or declare `{target.id}` conditional if it runs only when triggered",
                fix=after_fix(ctx, dep.span),
            )
