"""A gate script that is both existing and added by a slice.

## What it does
Reports a gate whose `script` is declared existing — `script "S" existing`,
or `S` listed in `scripts { existing ... }` — and is also `added_by` a slice.
The diagnostic points at the `added_by` slice, with a note where the script
is declared existing.

## Why it matters
A script is either already in the manifest or added during the phase; it
cannot be both.  The two readings lead to different plans: an existing
script may be run from the first slice on, a planned one only once its slice
is done (PC701).  One of the two declarations is stale.

## Example
```
scripts { runner "bun run"  existing "phase-a:gate:metadata-contract" }
gate metadata { script "phase-a:gate:metadata-contract" added_by C0 }
```
reports `script `phase-a:gate:metadata-contract` of gate `metadata` is
declared existing, and also added by slice `C0``.  Drop `added_by` if the
script is already there, or remove it from the existing scripts.
"""

from __future__ import annotations

from phasec.compiler.rules._locate import word_span
from phasec.compiler.rules._values import child_value_span, statement_at
from phasec.compiler.rules.base import rule


@rule("PC709", "script-existing-and-planned", "error", reads_prose=False)
def check(ctx):
    rb = ctx.rb
    listed = set(rb.scripts.existing) if rb.scripts is not None else set()
    for g in rb.gates:
        if not g.script or g.script_added_by is None:
            continue
        related = []
        if g.script_origin == "existing":
            gst = statement_at(ctx, g.span)
            sst = next((k for k in (gst.block or []) if k.keyword == "script"), None) if gst is not None else None
            where = word_span(ctx, sst.span, "existing") if sst is not None else None
            related.append((where or child_value_span(ctx, g.span, "script", g.script), "declared existing here"))
        if g.script in listed:
            related.append(
                (
                    child_value_span(ctx, rb.scripts.span, "existing", g.script),
                    "listed in `scripts { existing ... }` here",
                )
            )
        if not related:
            continue
        yield ctx.diag(
            g.script_added_by.span,
            f"script `{g.script}` of gate `{g.id}` is declared existing, and also added by slice "
            f"`{g.script_added_by.id}`",
            related=related,
            help="drop `added_by` if the script is already in the manifest, or stop declaring it existing",
        )
