"""The runbook has stages, but a slice is covered by none of them.

## What it does
When a runbook declares at least one stage, reports every slice that no
stage lists in its `covers`.  When a stage has a step `for` the slice, the
note points at that step: it carries the slice out, so that stage is probably
the one that should cover it.  Runbooks without stages are not checked.

## Why it matters
Stages are the execution order people follow.  A slice outside every stage
is ordered only by its own dependencies: nothing says when in the flow it
runs, which agents are around at that point, or which stage checkpoint it
must pass.  It is usually a slice that was added to the breakdown and never
placed in the flow.

## Example
```
stage 2 "Runtime" { covers C1 C2 }
slice C1 "Storage lock" { objective "lock" }
slice C2 "Telemetry" { after C1 }
slice C3 "Distribution" { after C2 }
```
reports `slice `C3` is not covered by any stage`.
Add it to the `covers` of the stage that carries it out.
"""

from __future__ import annotations

from phasec.compiler.rules._locate import id_span
from phasec.compiler.rules.base import rule


@rule("PC305", "slice-without-stage", "warning", reads_prose=False)
def check(ctx):
    rb = ctx.rb
    if not rb.stages:
        return
    covered = {ref.id for st in rb.stages for ref in st.covers}
    carriers: dict[str, list] = {}  # slice id -> the steps `for` it, in order
    for st in rb.stages:
        for step in st.steps:
            for ref in step.slices:
                if ref.id not in covered:
                    carriers.setdefault(ref.id, []).append((st, step))
    for s in rb.slices:
        if s.id in covered:
            continue
        carried = carriers.get(s.id, [])
        if carried:
            st = carried[0][0]
            help = f"stage {st.id} has a step `for {s.id}`; add `{s.id}` to that stage's `covers`"
        else:
            help = f"add `{s.id}` to the `covers` of the stage that carries it out ({_stage_list(rb)})"
        yield ctx.diag(
            id_span(ctx, s.span),
            f"slice `{s.id}` is not covered by any stage",
            related=[(step.span, f"stage {st.id} step {step.number} is `for {s.id}`") for st, step in carried] or None,
            help=help,
        )


def _stage_list(rb) -> str:
    ids = [st.id for st in rb.stages]
    shown = ", ".join(ids[:8]) + (", ..." if len(ids) > 8 else "")
    return f"stage{'s' if len(ids) > 1 else ''} {shown}"
