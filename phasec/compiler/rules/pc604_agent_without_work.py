"""A declared agent executes no slice and no step.

## What it does
Reports an agent of the team that no slice names (`agent ...`) and no stage
step, checkpoint or guard names (`by ...`).  Being listed in an `introspect`
block is not work: such an agent is still reported, and the message says it
is only named there.

## Why it matters
Every agent on the roster counts against attention and, in the runbook's
own lifecycle rules, has to be swept, compacted and closed.  An agent with
no work is usually a leftover of an earlier plan (a role that was merged
into another), or work was assigned to it only in prose that phasec cannot
see — in both cases the team table and the order of work disagree.

## Example
```
team {
  max_active 4
  agent P1 "Planning architecture"
  agent P5 "Spare reviewer"
}
introspect P1 P5 { doc "docs/workflow.md" }
slice C0 "Planning packet" { agent P1 }
```
reports ``agent `P5` executes no slice and no step (it is only named in `introspect`)``.
Give it work (`by P5` on a step, `agent P5` on a slice) or remove it.
"""

from __future__ import annotations

from phasec.compiler.rules._values import value_span
from phasec.compiler.rules.base import rule


@rule("PC604", "agent-without-work", "warning", reads_prose=False)
def check(ctx):
    rb = ctx.rb
    working = ctx.facts.working_agents  # the activities the agent-cap analysis (PC501) counts
    introspected: dict[str, object] = {}
    for dl in rb.introspections:
        for ref in dl.agents:
            introspected.setdefault(ref.id, ref.span)
    for a in rb.agents():
        if a.id in working:
            continue
        span = value_span(ctx, a.span, index=0)
        if a.id in introspected:
            yield ctx.diag(
                span,
                f"agent `{a.id}` executes no slice and no step (it is only named in `introspect`)",
                related=[(introspected[a.id], f"`{a.id}` is named here; introspection is not work")],
                help=f"give it work (`agent {a.id}` on a slice, `by {a.id}` on a step) or remove it from the team",
            )
        else:
            yield ctx.diag(
                span,
                f"agent `{a.id}` executes no slice and no step",
                help=f"give it work (`agent {a.id}` on a slice, `by {a.id}` on a step) or remove it from the team",
            )
