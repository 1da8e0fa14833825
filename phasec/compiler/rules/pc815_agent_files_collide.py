"""Two agent protocol files would be written to the same path.

## What it does
Computes the path of every agent protocol file — one per agent and
`protocol { artifact ID "TEMPLATE" }`, named by filling in `<N>` (the agent
id) and `<OBJECTIVE>`, placed under `agents/<root>/` of the output folder —
with the same function `phasec compile` uses, and reports a protocol artifact
whose file lands on a path an earlier file already takes.  The usual cause is
a template without `<N>` in a runbook with two or more agents: every agent's
file gets the same name.  The agents involved are shown as related notes.

## Why it matters
`phasec compile` refuses to write such a runbook (exit 2, "two agent
protocol files would be written to …", nothing written): one agent's file
would silently overwrite another's.  Reported here, the collision has a
location and is caught by `phasec lint` before the compile.

## Example
```
protocol {
  artifact plan "AGENT_PLAN.md"
}
agent I1 "Runtime owner"
agent I2 "Review owner"
```
reports ``protocol artifact `plan` file `agents/…/AGENT_PLAN.md` of agent `I2` is also the file of agent `I1```.
Put `<N>` in the template: `AGENT_<N>_PLAN.md`.
"""

from __future__ import annotations

from phasec.compiler.rules._values import value_span
from phasec.compiler.rules.base import rule


@rule("PC815", "agent-files-collide", "error", reads_prose=False)
def check(ctx):
    # A function of the protocol, the team, the stages, the outputs blocks and the first slice in
    # dependency order (the planning root): reused while those are the same (the language server).
    rb = ctx.rb
    if ctx.memo is None:
        return list(_check(ctx))
    nodes = (rb.protocol, rb.team, *rb.stages, *rb.outputs)
    return ctx.across_versions("all", nodes, ctx.graph._slices_key, lambda: list(_check(ctx)))


def _check(ctx):
    from phasec.compiler.agent_files import agent_files

    # One finding per path (one cause): the first agent whose file it is, and every other.
    on_path: dict[str, list[tuple]] = {}
    for agent, pa, rel in agent_files(ctx.rb):
        if rel is None:  # leaves the folder: PC806
            continue
        on_path.setdefault(rel, []).append((agent, pa))
    for rel, entries in on_path.items():
        if len(entries) < 2:
            continue
        (o_agent, o_pa), others = entries[0], entries[1:]
        agent, pa = others[0]
        same = " (the same artifact)" if all(p.id == o_pa.id for _, p in others) else f" (artifact `{o_pa.id}`)"
        related = [(a.span, f"agent `{a.id}`") for a, _ in others] + [(o_agent.span, f"agent `{o_agent.id}`")]
        templates = {p.id: p for _, p in entries if p.id != pa.id}
        related += [
            (value_span(ctx, p.span, text=p.template, index=1), f"artifact `{p.id}` template")
            for p in templates.values()
        ]
        names = ", ".join(f"`{a.id}`" for a, _ in others)
        yield ctx.diag(
            value_span(ctx, pa.span, text=pa.template, index=1),
            f"protocol artifact `{pa.id}` file `{rel}` of agent{'s' if len(others) > 1 else ''} {names} is also "
            f"the file of agent `{o_agent.id}`{same}",
            related=related,
            help="put `<N>` (the agent id) in the template, e.g. `AGENT_<N>_...md`, so each agent gets its own file"
            if "<N>" not in pa.template
            else "give each protocol artifact a template of its own",
        )
