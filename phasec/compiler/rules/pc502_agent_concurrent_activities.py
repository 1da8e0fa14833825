"""An agent is bound to two activities that can run at the same time.

## What it does
Reports an agent whose slices or steps are not totally ordered: two of them
have no order between them (see PC501 for how order is computed), so the
runbook asks one agent to do both at once.

## Why it matters
An agent works on one thing at a time.  If two of its slices may run
concurrently, either one waits silently (the plan is slower than it reads) or
the agent is split across both (context bleed, exactly what the agent protocol
forbids).  Make one depend on the other, or give one to another agent.

## Example
```
slice C2 "Telemetry" { agent I2; after C1 }
slice C3 "Distribution" { agent I2; after C1 }
```
reports that `I2` is bound to C2 and C3, which can run concurrently.
"""

from __future__ import annotations

from phasec.compiler.rules.base import rule
from phasec.compiler.rules.pc501_agent_cap_exceeded import activity_span


@rule("PC502", "agent-concurrent-activities", reads_prose=False)
def check(ctx):
    result = ctx.graph.agent_overlap()
    if result is None:
        return
    from phasec.compiler.graph import node_label

    rb = ctx.rb
    for agent, pairs in sorted(result.concurrent_pairs.items()):
        seen = set()
        for a, b in pairs:
            # The start and the end of a slice are one activity for the reader.
            a = ("slice", a[1]) if a[0] == "begin" else a
            b = ("slice", b[1]) if b[0] == "begin" else b
            if a == b or frozenset((a, b)) in seen:
                continue
            seen.add(frozenset((a, b)))
            sa, sb = activity_span(rb, a), activity_span(rb, b)
            if sb is None:
                continue
            yield ctx.diag(
                sb,
                f"agent `{agent}` is bound to {node_label(rb, a)} and {node_label(rb, b)}, which can run concurrently",
                related=[(sa, f"{node_label(rb, a)} is also `{agent}`'s")] if sa else None,
                help="order them (`after`, or `for SLICE` on a step that carries out the slice), "
                "or give one of them to another agent",
            )
