"""A trigger has no gate that can evaluate it.

## What it does
Reports a `trigger` of a slice that cannot be evaluated by running
something:

* it has no `by GATE` (unless it is a `precondition`: a condition that holds
  or not, not a scan — it may name the gate that checks it, and need not); or
* its gate runs nothing — a `check` (a symbolic closure check), or a `gate`
  with no `run`, no `script`, and no `use` of a gate that runs something.

The diagnostic points at the trigger (or at its gate reference), with a note
at the gate's declaration.

## Why it matters
Whether a conditional slice runs is decided by its triggers.  A trigger that
only exists as prose is decided by judgement, differently by different
agents, and leaves no evidence; a trigger tied to a gate command is decided
the same way every time, and the command's output is the trigger evidence.

## Example
```
check c4_review "reviewer judges middleware depth"
slice C4 "Conditional tightening" conditional {
  trigger d009 "middleware chains without dedupe markers" by c4_review
  defer_record C7
}
```
reports `trigger `d009` of slice `C4` is evaluated by `c4_review`, a check that runs no command`.
Give the trigger a gate that runs the detection script, e.g.
`gate c4_dedupe_scan { run "bun scripts/phase-c/verify-c4-dedupe-trigger.mjs" }`.
"""

from __future__ import annotations

from phasec.compiler.rules.base import rule


def runs_something(ctx, gid: str) -> bool:
    """True when the gate, or a gate it uses (transitively), runs a command or script."""
    for g in ctx.graph.gate_closure(gid):
        gate = ctx.facts.gates.get(g)
        if gate is None or gate.kind != "gate":
            continue
        if gate.script or any(step.kind == "run" and step.command for step in gate.steps):
            return True
    return False


@rule("PC405", "trigger-without-gate", "warning", reads_prose=False)
def check(ctx):
    rb = ctx.rb
    for s in rb.slices:
        for t in s.triggers:
            if t.gate is None:
                if t.precondition:
                    continue  # a condition that holds or not, not a scan
                yield ctx.diag(
                    t.span,
                    f"trigger `{t.id}` of slice `{s.id}` names no gate: it cannot be evaluated mechanically",
                    help=f"add `by GATE` to trigger `{t.id}`, naming a gate whose command detects the condition",
                )
                continue
            gate = ctx.facts.gates.get(t.gate.id)
            if gate is None or runs_something(ctx, gate.id):
                continue
            if gate.kind == "check":
                what = "a check that runs no command"
            elif any(step.kind == "use" for step in gate.steps):
                what = "a gate whose suite runs no command (no `run` or `script` in it or the gates it uses)"
            else:
                what = "a gate that runs nothing (no `run`, `use` or `script`)"
            if gate.kind == "check":
                fix = f"declare `{gate.id}` as a `gate` with a `run` command or `script` that detects the condition"
            else:
                fix = f"give `{gate.id}` a `run` command or `script` that detects the condition"
            yield ctx.diag(
                t.gate.span,
                f"trigger `{t.id}` of slice `{s.id}` is evaluated by `{gate.id}`, {what}",
                related=[(gate.span, f"`{gate.id}` is declared here")],
                help=f"{fix}, or name such a gate in `by`",
            )
