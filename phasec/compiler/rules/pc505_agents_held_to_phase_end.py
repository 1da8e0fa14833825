"""`release at_phase_end` with more agents at work than `max_active`.

## What it does
When the team declares `release at_phase_end`, every agent with work (a
slice it executes or a stage step it is `by`, directly or through a role
bound to it) stays active until the phase ends, so all of them are active
at once at the end.  Reports the team's `max_active` when that roster is
larger, naming the agents.  (With `release after_last_activity`, or no
release rule, PC501 computes the real overlap from the order of the work.)

## Why it matters
Holding every agent to the end is a choice with a cost: the cap must fit the
whole roster.  A plan that holds more agents than the cap allows is a plan
nobody can follow — agents must be closed early (losing the context the rule
was meant to keep), or the cap broken.

## Example
```
team {
  max_active 2
  release at_phase_end
  agent A1 "lane 1"; agent A2 "lane 2"; agent A3 "lane 3"
}
slice S1 "One" { agent A1 }
slice S2 "Two" { agent A2; after S1 }
slice S3 "Three" { agent A3; after S2 }
```
reports `` `release at_phase_end` keeps all 3 agents with work active until the end, more than max_active 2: A1, A2, A3 ``
— even though the work is sequential.  Release agents after their last
activity, or raise the cap.
"""

from __future__ import annotations

from phasec.compiler.rules.base import rule


@rule("PC505", "agents-held-to-phase-end", "error", reads_prose=False)
def check(ctx):
    team = ctx.rb.team
    if team is None or team.max_active is None or team.release != "at_phase_end":
        return
    busy = sorted(a for a, acts in ctx.graph.agent_activities().items() if acts)
    if len(busy) <= team.max_active:
        return
    related = [(team.release_span, "every agent stays active until the phase ends")] if team.release_span else []
    yield ctx.diag(
        team.max_active_span or team.span,
        f"`release at_phase_end` keeps all {len(busy)} agents with work active until the end, more than "
        f"max_active {team.max_active}: {', '.join(busy)}",
        related=related,
        help="release agents after their last activity (`release after_last_activity`), or raise `max_active`",
    )
