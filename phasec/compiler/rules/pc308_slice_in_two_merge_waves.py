"""A slice is in two merge waves.

## What it does
Reports a slice named by more than one `merge_wave` (or twice in one).  The
diagnostic points at the second mention, with a note at the first.

## Why it matters
Merge waves order the merges: every slice of a wave merges before any slice
of a later wave.  A slice in two waves has two places in that order, and the
merge script merges it in the first and then finds nothing to merge (or the
orchestrator waits for it twice).

## Example
```
repo {
  merge_wave first A2
  merge_wave second A1 A2
}
```
reports `slice `A2` is in merge waves `first` and `second``.  Keep it in one wave.
"""

from __future__ import annotations

from phasec.compiler import ir
from phasec.compiler.rules.base import rule


@rule("PC308", "slice-in-two-merge-waves", "error", reads_prose=False)
def check(ctx):
    repo = ctx.rb.repo
    if repo is None:
        return
    seen: dict[str, tuple[str, ir.Ref]] = {}
    for wave in repo.merge_waves:
        for ref in wave.slices:
            if ref.id not in seen:
                seen[ref.id] = (wave.id, ref)
                continue
            first_wave, first_ref = seen[ref.id]
            where = (
                f"twice in merge wave `{wave.id}`"
                if first_wave == wave.id
                else f"in merge waves `{first_wave}` and `{wave.id}`"
            )
            yield ctx.diag(
                ref.span,
                f"slice `{ref.id}` is {where}",
                related=[(first_ref.span, f"`{ref.id}` is first placed in `{first_wave}` here")],
                help=f"keep `{ref.id}` in one merge wave",
            )
