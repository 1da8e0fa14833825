"""A slice has no gate for a cadence that its kind requires.

## What it does
`cadence X "..." for KIND...` makes cadence X required for every slice whose
`kind` is one of KINDS.  This rule reports each such slice that has no
`gate X ...` binding.  Any binding counts, on a conditional slice too
(whether or not it is marked `always`).  Cadences without `for` are optional
and never reported; slices without a `kind` are not checked.

## Why it matters
The cadence contract is what makes a slice provable: the quick suite on every
commit, the full suite at the slice's end and before review.  A runtime slice
with no quick or full gate closes on the author's word, and the generated
acceptance gates silently omit it.

## Example
```
cadence quick "Quick suite" for runtime
cadence full  "Full suite"  for runtime
slice C3 "Distribution" {
  kind runtime
  gate quick c3_quick
}
```
reports `slice `C3` (kind `runtime`) has no `full` gate, which cadence `full` requires for `runtime` slices`.
A slice that misses several required cadences is one finding that names
them all (`has no `quick` or `full` gate, which cadences `quick`, `full`
require ...`).
Bind one (`gate full c3_full`), or change the cadence's `for` kinds.
"""

from __future__ import annotations

from phasec.compiler.rules.base import rule


@rule("PC704", "missing-cadence-gate", reads_prose=False)
def check(ctx):
    rb = ctx.rb
    required = [c for c in rb.cadences if c.for_kinds]
    if not required:
        return
    for s in rb.slices:
        if s.kind is None:
            continue
        bound = {b.cadence.id for b in s.gates}
        missing = [c for c in required if s.kind in c.for_kinds and c.id not in bound]
        if not missing:
            continue
        related = [
            (c.span, f"cadence `{c.id}` is required for kinds {', '.join(f'`{k}`' for k in c.for_kinds)} here")
            for c in missing
        ]
        if len(missing) == 1:
            (c,) = missing
            yield ctx.diag(
                s.span,
                f"slice `{s.id}` (kind `{s.kind}`) has no `{c.id}` gate, "
                f"which cadence `{c.id}` requires for `{s.kind}` slices",
                related=related,
                help=f"bind the slice's {c.id} gates (`gate {c.id} GATE...` in slice `{s.id}`), "
                f"or change the kinds after `for` in cadence `{c.id}`",
            )
            continue
        # One slice, one finding: every required cadence it binds nothing to.
        names = [f"`{c.id}`" for c in missing]
        listed = ", ".join(names[:-1]) + " or " + names[-1]
        yield ctx.diag(
            s.span,
            f"slice `{s.id}` (kind `{s.kind}`) has no {listed} gate, "
            f"which cadences {', '.join(names)} require for `{s.kind}` slices",
            related=related,
            help=f"bind the slice's gates of each (`gate {missing[0].id} GATE...` in slice `{s.id}`), "
            "or change the kinds after `for` in those cadences",
        )
