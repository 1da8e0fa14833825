"""An agent acts in a stage outside its wave.

## What it does
When a `wave` lists the stages it works in (`stages 2 3 4`), every agent
declared in that wave may act only in those stages.  This rule reports each
place where such an agent acts elsewhere:

* a slice it executes (`agent ...` in the slice) whose stage — the stage that
  `covers` the slice — is not one of the wave's stages;
* a stage step, checkpoint or guard it executes (`by ...`) in a stage that is
  not one of the wave's stages.

Slices covered by no stage, agents outside waves and waves without `stages`
are not checked.

## Why it matters
Waves are how a runbook stages its team: the planning wave is released
before the runtime wave spins up, and the concurrency cap is reasoned about
wave by wave.  An agent that shows up outside its wave's stages breaks that
reasoning: it is either kept alive longer than the plan says, or the
assignment is a copy-paste slip and the real owner is another agent.

## Example
```
team { max_active 6
  wave planning { stages 1  agent P4 "Steward" }
}
stage 1 "Planning" { covers C0 }
stage 3 "Review"   { step "re-review" by P4 }
```
reports `agent `P4` of wave `planning` acts in stage 3 step 1, but wave `planning` works only in stage 1`.
Give the work to an agent of a wave that works in that stage, or add the stage to the wave.
"""

from __future__ import annotations

from phasec.compiler import ir
from phasec.compiler.rules.base import rule


def _stages(ids) -> str:
    return ("stage " if len(ids) == 1 else "stages ") + ", ".join(ids)


@rule("PC504", "agent-outside-wave", reads_prose=False)
def check(ctx):
    rb = ctx.rb
    if rb.team is None:
        return
    waves = {w.id: w for w in rb.team.waves if w.stages}
    home: dict[str, tuple[ir.Agent, ir.Wave]] = {}  # agent id -> (agent, wave)
    for a in rb.team.agents:
        if a.wave in waves:
            home.setdefault(a.id, (a, waves[a.wave]))
    if not home:
        return
    slice_stage = ctx.graph.slice_stage

    def report(ref, stage, what):
        agent, wave = home[ref.id]
        allowed = [r.id for r in wave.stages]
        if stage in allowed:
            return None
        return ctx.diag(
            ref.span,
            f"agent `{ref.id}` of wave `{wave.id}` acts in {what}, "
            f"but wave `{wave.id}` works only in {_stages(allowed)}",
            related=[
                (wave.span, f"wave `{wave.id}` works in {_stages(allowed)}"),
                (agent.span, f"agent `{ref.id}` is declared in wave `{wave.id}` here"),
            ],
            help=f"give this to an agent of a wave that works in stage {stage}, "
            f"or add stage {stage} to `stages` of wave `{wave.id}`",
        )

    found = []
    for s in rb.slices:
        stage = slice_stage.get(s.id)
        if stage is None:
            continue
        for ref in s.agents:
            if ref.id in home:
                found.append(report(ref, stage, f"slice `{s.id}` (stage {stage})"))
    for st in rb.stages:
        for step in st.steps:
            for ref in step.agents:
                if ref.id in home:
                    found.append(report(ref, st.id, f"stage {st.id} step {step.number}"))
    for d in found:
        if d is not None:
            yield d
