"""Two implementation items of one slice are both marked `last`.

## What it does
Reports every `implement "..." last` of a slice after the first one.  The
diagnostic points at the second `last`, with a note at the first.

## Why it matters
`last` marks the item that must land after every other item of the slice
(the switch-over, the removal of the old path).  Two items cannot both land
last: whichever lands second breaks the promise made for the first, and
agents resolve it differently.

## Example
```
slice C2 "Telemetry" {
  implement "Switch the exporter." last
  implement "Remove the old exporter." last
}
```
reports `slice `C2` has more than one implementation item marked `last``.
Keep `last` on the one item that must land last and order the others.
"""

from __future__ import annotations

from phasec.compiler.rules._locate import word_span
from phasec.compiler.rules.base import rule


@rule("PC311", "two-last-implements", "error", reads_prose=False)
def check(ctx):
    for s in ctx.rb.slices:
        last = [i for i in s.implement if i.last]
        for item in last[1:]:
            yield ctx.diag(
                word_span(ctx, item.span, "last") or item.span,
                f"slice `{s.id}` has more than one implementation item marked `last`",
                related=[(word_span(ctx, last[0].span, "last") or last[0].span, "the first item marked `last`")],
                help="keep `last` on the one item that must land after all the others",
            )
