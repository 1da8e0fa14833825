"""A baseline gate is missing from some slices' quick gates.

## What it does
For each gate named in `baseline GATE...`, reports the slices that have a
binding of the per-commit cadence (`gate quick ...`: the cadence named `quick`,
or the first cadence declared when none is) whose gates do not include it —
directly or, transitively, through a composite's `use`.  The diagnostic points
at the gate in `baseline` and names the slices, with a note at each slice's
binding.  Slices with no binding of that cadence are not concerned.

## Why it matters
The baseline is the always-on chain (e.g. the drift core): it runs with every
quick gate and must never be computed away.  A slice whose quick suite leaves
it out can close with the baseline red, and the packet then claims a chain
that the slice never ran.

## Example
```
cadence quick "Quick suite"
baseline drift_core
gate drift_core { run "bun run phase-c:gate:drift-core" }
gate c1_static { run "bun scripts/phase-c/verify-c1.mjs" }
slice C1 "Storage lock" { gate quick c1_static }
```
reports `baseline gate `drift_core` is not in the quick gates of slice `C1``.
Add it to the binding (`gate quick drift_core c1_static`) or have the slice's
suite `use` it.
"""

from __future__ import annotations

from phasec.compiler.rules.base import rule


def _ticks(ids) -> str:
    return ", ".join(f"`{i}`" for i in ids)


@rule("PC710", "baseline-not-in-quick", "warning", reads_prose=False)
def check(ctx):
    rb = ctx.rb
    cadence = ctx.facts.per_commit_cadence
    if rb.baseline is None or not rb.baseline.gates or cadence is None:
        return
    quick: dict[str, tuple[set[str], list]] = {}
    for s in rb.slices:
        bindings = [b for b in s.gates if b.cadence.id == cadence.id]
        if not bindings:
            continue
        covered: set[str] = set()
        for b in bindings:
            for item in b.items:
                if item.gate is not None:
                    covered |= ctx.graph.gate_closure(item.gate.id)
        quick[s.id] = (covered, bindings)
    for ref in rb.baseline.gates:
        missing = [sid for sid, (covered, _) in quick.items() if ref.id not in covered]
        if not missing:
            continue
        noun = "slice" if len(missing) == 1 else "slices"
        yield ctx.diag(
            ref.span,
            f"baseline gate `{ref.id}` is not in the {cadence.id} gates of {noun} {_ticks(missing)}",
            related=[(quick[sid][1][0].span, f"the {cadence.id} gates of `{sid}`") for sid in missing[:5]],
            help=f"add `{ref.id}` to each of these `gate {cadence.id} ...` bindings, or have their suites `use {ref.id}`",
        )
