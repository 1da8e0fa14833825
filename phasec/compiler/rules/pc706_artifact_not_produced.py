"""An artifact is produced by nothing.

## What it does
Reports an artifact declared in an `outputs` block that has no producer:
no `by SLICE|STAGE` on its declaration, and no stage step that `produces` it.

When slices `requires` such an artifact, the finding is reported at each of
those `requires` references (the slice cannot start); otherwise it is
reported at the artifact's declaration.

## Why it matters
An output nobody is assigned to write is not written: the phase closes with
a hole where the report, the disposition or the handoff should be, and a
slice that requires it waits forever (or starts without it).  Runbooks list
their outputs in one section and their steps in another, so the two drift:
the Phase C runbook lists orchestrator outputs (`ORCHESTRATOR_PLAN_VERBATIM.md`,
`PHASE_C_EXECUTION_REPORT.md`, ...) that no step of its execution flow
produces.

## Example
```
outputs runtime "docs/_phase-c-runtime-pass" {
  artifact C5_REVIEW_DISPOSITION "C5_REVIEW_DISPOSITION.md"
}
```
reports `artifact `C5_REVIEW_DISPOSITION` (`C5_REVIEW_DISPOSITION.md`) is produced by nothing: it has no `by` and no step `produces` it`.
Name its producer (`... by C5`) or add `produces C5_REVIEW_DISPOSITION` to the step that writes it.
"""

from __future__ import annotations

from phasec.compiler.rules.base import rule


@rule("PC706", "artifact-not-produced")
def check(ctx):
    rb = ctx.rb
    produced = {r.id for st in rb.stages for step in st.steps for r in step.produces}
    required: dict[str, list] = {}
    for s in rb.slices:
        for r in s.requires:
            required.setdefault(r.id, []).append((s, r))
    help_for = lambda a: (  # noqa: E731
        f"name its producer (`artifact {a.id} \"{a.name}\" by SLICE|STAGE`) "
        f"or add `produces {a.id}` to the step that writes it"
    )
    for a in rb.artifacts():
        if a.producer is not None or a.id in produced:
            continue
        users = required.get(a.id)
        if not users:
            yield ctx.diag(
                a.span,
                f"artifact `{a.id}` (`{a.name}`) is produced by nothing: it has no `by` and no step `produces` it",
                help=help_for(a),
            )
            continue
        for s, r in users:
            yield ctx.diag(
                r.span,
                f"slice `{s.id}` requires artifact `{a.id}` (`{a.name}`), which nothing produces",
                related=[(a.span, f"artifact `{a.id}` is declared here, with no `by` and no step that `produces` it")],
                help=help_for(a),
            )
