"""More agents can be active at once than the team's cap allows.

## What it does
Computes, from the order of the work, the largest set of agents that can be
active at the same time, and reports it when it exceeds `team { max_active N }`,
naming one such set and the point where they overlap.

Semantics, exactly:

* **Activities** are slices (executed by their `agent`s) and stage steps,
  checkpoints and guards (executed by their `by` agents).  A step written
  `for C1` carries out slice C1: it runs after C1 starts and before it ends.
  In a stage that `covers` exactly one slice, every step carries out that
  slice unless it says otherwise.
* **Order.** Stages run in sequence: every activity of a stage finishes before
  any activity of the next stage starts.  Within a stage, steps run in order,
  except that the steps of one `parallel` group are unordered among
  themselves; the slices a stage `covers` are ordered only by their
  dependencies (`after`, including `after ... if_triggered`), and are
  unordered with respect to the stage's steps (unless a step is `for` them).  Slices covered by no stage
  are ordered only by their dependencies.
* **Active.** An agent is active from the start of its first activity until
  the end of its last one, whatever it does in between — unless the agent
  declares `release_after POINT` (a stage or slice), in which case it is
  active until POINT ends.
* With `team { release at_phase_end }` every agent is active until the end,
  so the question is the size of the roster: PC505 reports it and this rule
  stays silent.
* Agent A **finishes before** agent B when every activity of A (or A's
  release point) must end before any activity of B may start.  Two agents
  can be active at once exactly when neither finishes before the other, and
  a whole set can be active at once when that holds pairwise (a schedule
  exists that starts every agent's first activity before any of their last
  activities ends).  The largest such set is the width of the
  "finishes before" order, found with Dilworth's theorem by a bipartite
  matching over the agents.

The order is computed in one topological pass that carries a bitset of the
agents' activities; no transitive closure of the activity graph is built, so
runbooks with tens of thousands of slices are checked in seconds.  When the
slice graph has a cycle (PC301) this rule stays silent.

## Why it matters
A cap that the plan itself overruns is a cap nobody can honour: either the
plan must release agents earlier, serialise work, or the cap must change.
Counting the roster does not answer the question (eleven agents under a cap
of six can be fine when the work is sequential); the order of the work does.

## Example
```
team { max_active 2; agent P1 "a"; agent P2 "b"; agent P3 "c" }
stage 1 "Planning" {
  parallel {
    step "draft" by P1
    step "types" by P2
    step "gates" by P3
  }
}
```
reports `up to 3 agents can be active at once, more than max_active 2: P1, P2, P3`.
Serialise the steps, release agents earlier, or raise the cap.
"""

from __future__ import annotations

from phasec.compiler.rules.base import rule


def activity_span(rb, node):
    if node[0] in ("slice", "begin"):
        s = rb.slice(node[1])
        return s.span if s else None
    if node[0] == "step":
        for st in rb.stages:
            if st.id == node[1]:
                for step in st.steps:
                    if step.number == node[2]:
                        return step.span
    if node[0] in ("start", "end"):
        for st in rb.stages:
            if st.id == node[1]:
                return st.span
    return None


@rule("PC501", "agent-cap-exceeded", reads_prose=False)
def check(ctx):
    rb = ctx.rb
    team = rb.team
    if team is None or team.max_active is None or team.release == "at_phase_end":
        return  # at_phase_end: every agent is held to the end (PC505)
    result = ctx.graph.agent_overlap()
    if result is None or result.width <= team.max_active:
        return
    from phasec.compiler.graph import node_label

    where = ", ".join(node_label(rb, n) for n in result.point[:3])
    agents = {a.id: a for a in rb.agents()}
    related = []
    for n in result.point[:3]:
        sp = activity_span(rb, n)
        if sp is not None:
            related.append((sp, f"they can all be active while {node_label(rb, n)} runs"))
    for a in result.agents:
        if a in agents:
            related.append((agents[a].span, f"agent `{a}`"))
    yield ctx.diag(
        team.max_active_span or team.span,
        f"up to {result.width} agents can be active at once, more than max_active {team.max_active}: "
        f"{', '.join(result.agents)} (they overlap at {where})",
        related=related,
        help="serialise their work, release agents earlier (`release_after`), or raise `max_active`",
    )
