"""An agent has work after the point where the runbook releases it.

## What it does
Reports an activity of an agent that comes after the agent's
`release_after` point.

## Why it matters
`release_after` tells the orchestrator it may close the agent and reuse its
slot (PC501 counts it as inactive from then on).  Work assigned after that
point either resurrects a closed agent without the lifecycle rules (sweep,
`/compact`) or silently exceeds the cap.

## Example
```
team { max_active 4; agent P4 "Steward" release_after 1.5 }
stage 3 "Review" { step "re-review" by P4 }
```
reports that `P4` works in stage 3 after its release at stage 1.5.
"""

from __future__ import annotations

from phasec.compiler.rules.base import rule
from phasec.compiler.rules.pc501_agent_cap_exceeded import activity_span


@rule("PC503", "agent-after-release", reads_prose=False)
def check(ctx):
    result = ctx.graph.agent_overlap()
    if result is None:
        return
    from phasec.compiler.graph import node_label

    rb = ctx.rb
    agents = {a.id: a for a in rb.agents()}
    for agent, nodes in sorted(result.after_release.items()):
        rel = agents[agent].release_after
        # A slice is two activity nodes (its start and its end): one finding per slice.
        slices_seen = {n[1] for n in nodes if n[0] == "slice"}
        for n in nodes:
            if n[0] == "begin" and n[1] in slices_seen:
                continue
            sp = activity_span(rb, n)
            if sp is None:
                continue
            yield ctx.diag(
                sp,
                f"agent `{agent}` works on {node_label(rb, n)} after its release at `{rel.id}`",
                related=[(rel.span, "released here")],
                help="move the release point after this work, or give the work to another agent",
            )
