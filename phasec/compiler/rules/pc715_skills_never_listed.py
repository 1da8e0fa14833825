"""The protocol requires agents to introspect their skills, but no agent lists any.

## What it does
Reports the `protocol { introspect "..." }` rule — or a final-document
`section` — that talks about skills (its text mentions "skill") when the
team declares agents and none of them lists a skill (`agent ID "..." skills
...`, or `skill ...` in the agent's block).

## Why it matters
"Each agent must introspect required skills before substantive work" is a
promise the runbook cannot keep if it never says which skills are required:
every agent invents its own list, the "Skills Introspected" section of each
final document cannot be checked, and the reviewer has nothing to compare
against.  Either the skills belong on the agents, or the rule should go.

## Example
```
team { max_active 2; agent P1 "Planning"; agent I1 "Runtime" }
protocol {
  introspect "Each agent must introspect required skills before substantive work."
}
```
reports ``the protocol requires introspecting skills, but none of the 2 agents lists a skill``.
List each agent's skills (`agent P1 "Planning" skills solution-design system-design`).
"""

from __future__ import annotations

from phasec.compiler.rules.base import rule


# reads_prose: reads the protocol's introspection text and section titles
@rule("PC715", "skills-never-listed", "warning", reads_prose=True)
def check(ctx):
    rb = ctx.rb
    pr = rb.protocol
    agents = rb.agents()
    if pr is None or not agents or any(a.skills for a in agents):
        return
    places = []
    if pr.introspect is not None and "skill" in pr.introspect.text.lower():
        places.append((pr.introspect.span, "the protocol requires introspecting skills"))
    for sec in pr.sections:
        if "skill" in sec.title.lower():
            places.append((sec.span, f"every final document must have a section `{sec.title}`"))
    if not places:
        return
    (span, what), rest = places[0], places[1:]
    yield ctx.diag(
        span,
        f"{what}, but none of the {len(agents)} agents lists a skill",
        related=[(sp, w) for sp, w in rest] + [(agents[0].span, f"agent `{agents[0].id}` lists no skills")],
        help='list each agent\'s skills (`agent ID "..." skills NAME...` or `skill NAME...` in its block), '
        "or drop the requirement",
    )
