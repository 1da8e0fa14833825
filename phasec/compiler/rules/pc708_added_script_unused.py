"""A slice adds a script to the manifest that no gate runs.

## What it does
Reports each script named in a slice's `file "..." adds "SCRIPT"` that no
gate declares as its `script`.  The diagnostic points at the script name in
the `file` statement.

## Why it matters
A script added to `package.json` (or whatever the manifest is) and run by no
gate is dead weight: nobody proves anything with it, and usually a gate
names it differently (a typo, a renamed script) — so the gate runs a script
that nobody adds.

## Example
```
scripts { runner "bun run"  manifest "package.json" }
slice C0 "Planning" { file "package.json" adds "phase-c:gate:drift-core" "phase-c:gate:c9" }
gate drift_core { script "phase-c:gate:drift-core" added_by C0 }
```
reports `slice `C0` adds script `phase-c:gate:c9`, which no gate runs`.
Bind the script to a gate, or stop adding it.
"""

from __future__ import annotations

from phasec.compiler.rules._values import value_span
from phasec.compiler.rules.base import rule


@rule("PC708", "added-script-unused", "warning", reads_prose=False)
def check(ctx):
    rb = ctx.rb
    used = {g.script for g in rb.gates if g.script}
    for s in rb.slices:
        for f in s.files:
            for name in f.adds:
                if name in used:
                    continue
                yield ctx.diag(
                    value_span(ctx, f.span, text=name),
                    f"slice `{s.id}` adds script `{name}`, which no gate runs",
                    help=f'declare a gate that runs it (`gate ID {{ script "{name}" added_by {s.id} }}`), '
                    "or stop adding it",
                )
