"""An artifact is produced by nothing.

## What it does
Reports an artifact declared in an `outputs` block that nothing produces:

* it has no `by SLICE|STAGE` and no stage step `produces` it; or
* it is declared `by STAGE`, but no step (of that stage or any other)
  `produces` it.  A stage is its steps: naming a stage as the producer says
  *when* the artifact is written, and one of its steps must say *which* step
  writes it.  (A slice named with `by` is itself the unit of work that
  produces it.)

When slices `requires` such an artifact, the finding is reported at each of
those `requires` references (the slice cannot start); otherwise it is
reported at the artifact's declaration.

## Why it matters
An output nobody is assigned to write is not written: the phase closes with
a hole where the report, the disposition or the handoff should be, and a
slice that requires it waits forever (or starts without it).  Runbooks list
their outputs in one section and their steps in another, so the two drift:
the Phase C runbook lists orchestrator outputs (`ORCHESTRATOR_PLAN_VERBATIM.md`,
`ORCHESTRATOR_SCRATCHPAD.md`) that no step of its execution flow produces.

## Example
```
outputs planning "docs/_phase-c-planning-pass" {
  artifact ORCHESTRATOR_PLAN_VERBATIM "ORCHESTRATOR_PLAN_VERBATIM.md"
  artifact ORCHESTRATOR_SCRATCHPAD "ORCHESTRATOR_SCRATCHPAD.md" by 1
}
stage 1 "Planning" { step "Integrate into one packet draft." }
```
reports `artifact `ORCHESTRATOR_PLAN_VERBATIM` (`ORCHESTRATOR_PLAN_VERBATIM.md`) is produced by nothing: it has no `by` and no step `produces` it`
and `artifact `ORCHESTRATOR_SCRATCHPAD` (`ORCHESTRATOR_SCRATCHPAD.md`) is declared `by` stage 1, but no step `produces` it`.
Name the producing slice (`... by C0`), or add `produces ORCHESTRATOR_SCRATCHPAD` to the step that writes it.
"""

from __future__ import annotations

from phasec.compiler.rules.base import rule


@rule("PC706", "artifact-not-produced", reads_prose=False)
def check(ctx):
    rb = ctx.rb
    slice_ids = {s.id for s in rb.slices}
    stages = {st.id: st for st in rb.stages}
    produced = {r.id for st in rb.stages for step in st.steps for r in step.produces}
    required: dict[str, list] = {}
    for s in rb.slices:
        for r in s.requires:
            required.setdefault(r.id, []).append((s, r))
    for a in rb.artifacts():
        if a.id in produced:
            continue
        p = a.producer
        if p is None:
            why = "it has no `by` and no step `produces` it"
            help = (
                f'name its producer (`artifact {a.id} "{a.name}" by SLICE|STAGE`) '
                f"or add `produces {a.id}` to the step that writes it"
            )
            related = []
        elif p.id in slice_ids or p.id not in stages:
            continue
        else:
            why = f"it is declared `by` stage {p.id}, but no step `produces` it"
            help = (
                f"add `produces {a.id}` to the step of stage {p.id} that writes it "
                f"(or a new step), or name the slice that produces it (`by SLICE`)"
            )
            related = [(stages[p.id].span, f"no step of stage {p.id} `produces` `{a.id}`")]
        users = required.get(a.id)
        if not users:
            if p is None:
                message = f"artifact `{a.id}` (`{a.name}`) is produced by nothing: {why}"
            else:
                message = f"artifact `{a.id}` (`{a.name}`) is declared `by` stage {p.id}, but no step `produces` it"
            yield ctx.diag(p.span if p is not None else a.span, message, help=help, related=related)
            continue
        for s, r in users:
            yield ctx.diag(
                r.span,
                f"slice `{s.id}` requires artifact `{a.id}` (`{a.name}`), which nothing produces: {why}",
                related=[(a.span, f"artifact `{a.id}` is declared here")] + related,
                help=help,
            )
