"""A slice starts after a gate that cannot pass before it starts.

## What it does
For every `starts_after GATE` of a slice S, reports the gate when:

* it is `defined_by` S itself (S waits for a gate only S brings into existence);
* it is `defined_by` a slice that runs after S: one that depends on S
  (`after`, transitively) or that is covered by a later stage than S's;
* it is a `check` (a symbolic closure check, which has no `defined_by`) that
  no other slice binds in a `gate <cadence> ...` (directly or through a
  composite's `use`): nothing runs it and no slice is there to make it pass.

The diagnostic points at the gate in `starts_after`, with notes at the gate's
declaration and at its `defined_by`.

## Why it matters
`starts_after` is a precondition: the slice cannot start until the gate
passes.  A gate that only exists once the slice (or a later one) has run can
never pass in time, so the slice can never start — a deadlock written into
the plan.  A `check` with no producer is a precondition nobody is
responsible for.

## Example
```
slice AUDIT "Integration audit" { }
slice PROMOTE "Promote" { starts_after integration_audit }
slice FINAL "Final" { after PROMOTE }
gate integration_audit { run "make audit"; defined_by FINAL }
```
reports `slice `PROMOTE` starts after gate `integration_audit`, defined by
slice `FINAL`, which runs after `PROMOTE`: the gate cannot pass before
`PROMOTE` starts`.  Define the gate in a slice that finishes before.
"""

from __future__ import annotations

from phasec.compiler.rules._locate import id_span
from phasec.compiler.rules.base import rule


def _runs_after(ctx, s_id: str) -> set[str]:
    """Slices that depend on ``s_id`` through `after` (transitively) or are covered by a later stage."""
    rb = ctx.rb
    dependents: dict[str, list[str]] = {}
    for t in rb.slices:
        for d in t.after:
            dependents.setdefault(d.slice.id, []).append(t.id)
    out: set[str] = set()
    todo = [s_id]
    while todo:
        for n in dependents.get(todo.pop(), ()):
            if n not in out:
                out.add(n)
                todo.append(n)
    stage_of = ctx.graph.slice_stage
    index = ctx.graph.stage_index
    mine = stage_of.get(s_id)
    if mine is not None:
        out |= {t for t, st in stage_of.items() if index[st] > index[mine]}
    out.discard(s_id)
    return out


def _bound_elsewhere(ctx, gid: str, s_id: str) -> bool:
    for t in ctx.rb.slices:
        if t.id == s_id:
            continue
        for b in t.gates:
            for item in b.items:
                if item.gate is not None and gid in ctx.graph.gate_closure(item.gate.id):
                    return True
    return False


@rule("PC306", "precondition-gate-unreachable", "error", reads_prose=False)
def check(ctx):
    rb = ctx.rb
    for s in rb.slices:
        later = None
        for ref in s.starts_after:
            gate = ctx.facts.gates.get(ref.id)
            if gate is None:
                continue
            related = [(id_span(ctx, gate.span), f"`{gate.id}` is declared here")]
            if gate.defined_by is not None:
                d = gate.defined_by.id
                related.append((gate.defined_by.span, f"`{gate.id}` is defined by `{d}` here"))
                if d == s.id:
                    yield ctx.diag(
                        ref.span,
                        f"slice `{s.id}` starts after gate `{gate.id}`, which `{s.id}` itself defines: "
                        f"`{s.id}` can never start",
                        related=related,
                        help=f"define `{gate.id}` in a slice that finishes before `{s.id}`, or bind it as a "
                        f"cadence gate of `{s.id}` (`gate quick {gate.id}`) instead of a precondition",
                    )
                    continue
                if later is None:
                    later = _runs_after(ctx, s.id)
                if d in later:
                    yield ctx.diag(
                        ref.span,
                        f"slice `{s.id}` starts after gate `{gate.id}`, defined by slice `{d}`, which runs after "
                        f"`{s.id}`: the gate cannot pass before `{s.id}` starts",
                        related=related,
                        help=f"define `{gate.id}` in a slice that finishes before `{s.id}`, or drop the precondition",
                    )
            elif gate.kind == "check" and not _bound_elsewhere(ctx, gate.id, s.id):
                yield ctx.diag(
                    ref.span,
                    f"slice `{s.id}` starts after `{gate.id}`, a check that no other slice binds: nothing makes it pass",
                    related=related,
                    help=f"bind `{gate.id}` in the slice that must make it pass (`gate full {gate.id}`), or make it "
                    "a gate with a command and a `defined_by`",
                )
