"""A slice is covered by two stages, or twice by one.

## What it does
Reports every `covers` entry that names a slice already covered by an
earlier `covers` entry — in another stage, or in the same stage — with a note
at the first one.

## Why it matters
A slice is carried out in exactly one stage.  Covered by two, it has two
places in the order: the stage it really runs in is a guess (phasec uses the
first one; readers may pick either), dependencies are checked against that
guess, and the emitted packet lists the slice twice.  A slice listed twice in
one stage is harmless but is usually a typo for another slice id.

## Example
```
stage 2 "Runtime" { covers C1 C2 }
stage 3 "Review"  { covers C2 C5 }
```
reports `slice `C2` is covered by stage 3 and already by stage 2`.
Remove it from one of the `covers` lists.
"""

from __future__ import annotations

from phasec.compiler import ir
from phasec.compiler.rules.base import rule


@rule("PC304", "slice-in-two-stages", reads_prose=False)
def check(ctx):
    first: dict[str, tuple[str, ir.Ref]] = {}  # slice id -> (stage id, covers ref)
    for st in ctx.rb.stages:
        for ref in st.covers:
            if ref.id not in first:
                first[ref.id] = (st.id, ref)
                continue
            where, prev = first[ref.id]
            if where == st.id:
                message = f"slice `{ref.id}` is covered twice by stage {st.id}"
                help = f"remove the second `{ref.id}`; if another slice was meant, name that one"
            else:
                message = f"slice `{ref.id}` is covered by stage {st.id} and already by stage {where}"
                help = (
                    f"a slice runs in exactly one stage; remove `{ref.id}` from the `covers` of "
                    f"stage {where} or of stage {st.id} (split the slice if both stages carry part of it)"
                )
            yield ctx.diag(
                ref.span,
                message,
                related=[(prev.span, f"stage {where} covers `{ref.id}` here first")],
                help=help,
            )
