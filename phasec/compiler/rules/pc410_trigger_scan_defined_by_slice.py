"""A trigger is evaluated by a gate that only the conditional slice itself brings into existence.

## What it does
For each `trigger ... by GATE` of a `conditional` slice `X`,
looks at `GATE` and every gate it `use`s.  Reports the trigger when one of
them exists only through `X` itself:

* the gate is `defined_by X`, or its script is `added_by X`; or
* one of its `run` commands runs a file that `X` lists in its `file`s and no
  slice that finishes before `X` lists (the scan's own source is `X`'s work).

The diagnostic points at the trigger's gate, with a note at what makes the
gate `X`'s own.  A `branching` slice always runs, so it may write its own
scan before deciding its outcome (its `always` part); it is not reported.

## Why it matters
A trigger decides whether `X` runs at all.  The scan that
evaluates it has to exist *before* that decision: if the slice being decided
is the one that writes the scan, the scan cannot run until the slice has
already started — the decision feeds on its own result.  Real runbooks list
the trigger verifier among the conditional slice's files; whoever executes
the plan then either runs the slice unconditionally to get the scan, or
skips the scan and decides by hand.

## Example
```
gate c4_dedupe_scan { run "bun scripts/phase-c/verify-c4-dedupe-trigger.mjs" }
slice C4 "Decision tightening" conditional {
  trigger d009 "chains of depth >= 3 without a dedupe marker" by c4_dedupe_scan
  file "scripts/phase-c/verify-c4-dedupe-trigger.mjs"
}
```
reports ``trigger `d009` of slice `C4` is evaluated by gate `c4_dedupe_scan`, which runs `scripts/phase-c/verify-c4-dedupe-trigger.mjs`, a file only `C4` itself touches: the scan cannot run before the decision it feeds``.
Move the scan's files (or its `defined_by`) to a slice that finishes before
`C4`, e.g. the planning slice.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from phasec.compiler.rules._paths import norm
from phasec.compiler.rules.base import rule

if TYPE_CHECKING:
    from phasec.compiler import ir

_TOKEN = re.compile(r"[^\s'\"`;&|<>()]+")


def _command_paths(command: str) -> set[str]:
    """The path-like words of a command (normalised, without a leading `./`)."""
    out = set()
    for tok in _TOKEN.findall(command):
        if "/" in tok or "." in tok:
            out.add(norm(tok, False)[0])
    return out


@rule("PC410", "trigger-scan-defined-by-slice", reads_prose=False)
def check(ctx):
    rb = ctx.rb
    deciding = [s for s in rb.slices if s.conditional and not s.branching and any(t.gate for t in s.triggers)]
    if not deciding:
        return  # no trigger names a gate
    gates: dict[str, ir.Gate] = {}
    for g in rb.gates:
        gates.setdefault(g.id, g)
    bit, before, _ = ctx.graph.slice_precedence
    listers: dict[str, list[str]] = {}  # path -> the slices that list it
    for o in rb.slices:
        for f in o.files:
            if f.path:
                listers.setdefault(norm(f.path, f.dir)[0], []).append(o.id)
    for s in deciding:
        # The plain files X lists that no slice finishing before X also lists.
        mask = before.get(s.id, 0)
        own: dict[str, ir.FileRef] = {}
        for f in s.files:
            if f.path and not f.glob and not f.dir:
                p = norm(f.path, False)[0]
                if not any(o != s.id and o in bit and (mask >> bit[o]) & 1 for o in listers.get(p, ())):
                    own.setdefault(p, f)
        for t in s.triggers:
            if t.gate is None or t.precondition:
                continue
            why = None
            for gid in sorted(ctx.facts.gate_closure([t.gate.id])):
                g = gates.get(gid)
                if g is None:
                    continue
                if g.defined_by is not None and g.defined_by.id == s.id:
                    why = (
                        (
                            f"which is `defined_by {s.id}`"
                            if gid == t.gate.id
                            else f"which uses gate `{gid}`, `defined_by {s.id}`"
                        ),
                        g.defined_by.span,
                    )
                elif g.script_added_by is not None and g.script_added_by.id == s.id:
                    why = f"whose script `{g.script}` is `added_by {s.id}`", g.script_added_by.span
                else:
                    for step in g.steps:
                        if step.kind != "run" or not step.command:
                            continue
                        hit = sorted(p for p in _command_paths(step.command) if p in own)
                        if hit:
                            via = "" if gid == t.gate.id else f" (through gate `{gid}`)"
                            why = (f"which runs `{hit[0]}`{via}, a file only `{s.id}` itself touches", own[hit[0]].span)
                            break
                if why is not None:
                    break
            if why is None:
                continue
            text, where = why
            yield ctx.diag(
                t.gate.span,
                f"trigger `{t.id}` of slice `{s.id}` is evaluated by gate `{t.gate.id}`, {text}: "
                "the scan cannot run before the decision it feeds",
                related=[(where, "the scan comes into existence here, inside the slice it decides")],
                help=f"let a slice that finishes before `{s.id}` bring the scan into existence (move the file, "
                "`defined_by` or `added_by` there), or make the trigger a `precondition`",
            )
