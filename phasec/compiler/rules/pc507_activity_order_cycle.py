"""The order of the work has a cycle, so the agent analyses cannot run.

## What it does
PC501 (agent cap), PC502 (one agent on concurrent activities) and PC503
(work after release) all read the *activity order*: stages in sequence,
steps in order, slices by their dependencies, the stage that covers each
slice and the steps that carry it out.  When that order has a cycle there is
no schedule to analyse, and those rules cannot say anything.  Instead of
going quiet, this rule reports the cycle — the activities on it, in order —
at the first dependency on it (or the first stage), when the team has agents
with work.

Typical causes: a dependency cycle between slices (PC301 reports it too);
a slice covered by an early stage that depends on a slice of a later stage
(PC302); a step `for` a slice in a stage before the one whose slices it
depends on.

## Why it matters
A linter that silently skips a check reads as "no finding".  The cap and
the agent lifecycle are exactly what a runbook with an impossible order gets
wrong, so the reader must know the answer is "unknown", and why.

## Example
```
team { max_active 2; agent A "a"; agent B "b" }
stage 1 "First" { covers S1 }
stage 2 "Second" { covers S2 }
slice S1 "One" { agent A; after S2 }
slice S2 "Two" { agent B }
```
reports ``the order of the work has a cycle (slice S2 -> the start of slice S1 -> slice S1 -> the end of stage 1 -> the start of stage 2 -> the start of slice S2 -> slice S2): the agent analyses (PC501, PC502, PC503) cannot run``
at `S2` in `after S2`.  Break the cycle (here: move `S2` to an earlier stage, or
drop the dependency).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from phasec.compiler.rules.base import rule

if TYPE_CHECKING:
    from phasec.source import Span


def _edge_span(rb, u, v):
    """The statement that puts edge u -> v in the activity order, if it is a dependency; else None."""
    if u[0] == "slice" and v[0] == "begin":
        s = rb.slice(v[1])
        if s is not None:
            for d in s.after:
                if d.slice.id == u[1]:
                    return d.span
            return s.span
    return None


def _stage_span(rb, node):
    for st in rb.stages:
        if len(node) > 1 and st.id == node[1] and node[0] in ("start", "end", "step", "join"):
            return st.span
    return None


@rule("PC507", "activity-order-cycle", "warning", reads_prose=False)
def check(ctx):
    rb = ctx.rb
    if not any(ctx.graph.agent_activities().values()):
        return  # no agent has work: no agent analysis would run
    if ctx.graph.agent_overlap() is not None:
        return  # the order exists
    import networkx as nx

    from phasec.compiler.graph import node_label

    g = ctx.graph.activity_graph
    try:
        edges = nx.find_cycle(g)
    except nx.NetworkXNoCycle:  # pragma: no cover - agent_overlap is None only on a cycle
        edges = []
    # Start the cycle at its first dependency edge, so that the message reads from the statement it points at.
    k = next((i for i, (u, v) in enumerate(edges) if _edge_span(rb, u, v) is not None), 0)
    edges = edges[k:] + edges[:k]
    nodes = [u for u, _ in edges] + ([edges[0][0]] if edges else [])
    span = None
    related: list[tuple[Span, str]] = []
    for u, v in edges:
        sp = _edge_span(rb, u, v)
        if sp is not None:
            if span is None:
                span = sp
            elif len(related) < 4:
                related.append((sp, f"{node_label(rb, v)} waits for {node_label(rb, u)} here"))
    if span is None:
        span = next((sp for n in nodes if (sp := _stage_span(rb, n)) is not None), None)
    if span is None:
        span = rb.team.span if rb.team is not None else rb.span
    path = " -> ".join(node_label(rb, n) for n in nodes) if nodes else "unknown"
    yield ctx.diag(
        span,
        f"the order of the work has a cycle ({path}): the agent analyses (PC501, PC502, PC503) cannot run",
        related=related,
        help="break the cycle: drop or reverse a dependency, or move a slice to the stage where its "
        "dependencies are done",
    )
