"""More agents in the roster than `max_active`, and nothing says when an agent frees its slot.

## What it does
Reports `team { max_active N }` when the team declares more than N agents,
has no `release` rule (`release after_last_activity` or `release
at_phase_end`) and no agent has a `release_after` point.  The message says
which agents can be active together if each frees its slot after its last
activity (the analysis of PC501), so the reader sees whether the cap can
hold at all.  Agents with no work still count: they are on the roster.
When even that overlap exceeds the cap, PC501 reports it and this rule stays
silent (one finding for one cause).

## Why it matters
A roster larger than the cap is fine only if agents are closed as the work
moves on — and then the runbook must say when.  Without a release rule or
release points, "max N active" is a promise nobody can check: one reader
keeps every agent alive to the end (and breaks the cap), another closes
agents as they finish (and loses context the plan meant to keep).  Phase
runbooks with eleven agents under a cap of six read exactly like this.

## Example
```
team {
  max_active 2
  agent P1 "planning"; agent I1 "runtime"; agent R1 "review"
}
```
reports ``3 agents in the roster, more than max_active 2, and nothing says when an agent frees its slot (no `release` rule, no `release_after`)``.
Add `release after_last_activity` (PC501 then checks the order of the work),
give agents `release_after` points, or raise the cap.
"""

from __future__ import annotations

from phasec.compiler.rules.base import rule


@rule("PC506", "roster-over-cap-without-release", "warning", reads_prose=False)
def check(ctx):
    rb = ctx.rb
    team = rb.team
    if team is None or team.max_active is None or team.release is not None:
        return  # a release rule: PC501 (after_last_activity) or PC505 (at_phase_end) decides
    agents = rb.agents()
    if len(agents) <= team.max_active or any(a.release_after is not None for a in agents):
        return
    result = ctx.graph.agent_overlap()
    if result is not None and result.width > team.max_active:
        return  # PC501 reports the overlap itself: one finding
    if result is None:
        together = "the order of the work has a cycle, so which of them can be active together is unknown (PC507)"
    else:
        from phasec.compiler.graph import node_label

        where = ", ".join(node_label(rb, n) for n in result.point[:3])
        together = (
            f"if each frees its slot after its last activity, up to {result.width} can be active at once: "
            f"{', '.join(result.agents)}" + (f" (at {where})" if where else "")
        )
    busy = {a for a, acts in ctx.graph.agent_activities().items() if acts}
    related = []
    for a in agents[:5]:
        related.append((a.span, f"agent `{a.id}`" + ("" if a.id in busy else " (no work: on the roster only)")))
    if len(agents) > 5:
        related.append((agents[5].span, f"and {len(agents) - 5} more agents"))
    yield ctx.diag(
        team.max_active_span or team.span,
        f"{len(agents)} agents in the roster, more than max_active {team.max_active}, and nothing says when an agent "
        f"frees its slot (no `release` rule, no `release_after`); {together}",
        related=related,
        help="add `release after_last_activity` to `team` (PC501 then checks the order of the work), "
        "give agents `release_after` points, or raise `max_active`",
    )
