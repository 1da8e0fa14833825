"""A slice uses a gate that a slice not finished before it brings into existence.

## What it does
For every slice, takes the gates it uses — the named gates of its
`gate <cadence> ...` bindings and of its `trigger ... by GATE` lines, and,
transitively, every gate those run through composite `use` — and checks that
each one exists by the time the slice runs.

The slice that brings a gate into existence is:

* its `defined_by` slice, when it has one;
* otherwise, for a gate whose script is planned (`script "..." added_by X`),
  the slice X that adds the script;
* otherwise, for a gate with a `script`, the slices of
  `scripts { added_in ... }` when that list is present (the script is
  available once *any* of them is done);
* otherwise nobody: the gate exists from the start of the phase.

A defining slice D *finishes before* the using slice U when D is an ancestor
of U in the slice dependency graph (`after`, including `after ... if_triggered`),
or when D is covered by a stage earlier than U's stage.  U defining the gate
itself is fine: a slice may run the gates it adds.

Each (slice, gate) pair is reported once, at the slice's reference to the gate
it binds.  The walk through `use` stops at the first gate that is not
available yet, so a composite that is missing is reported instead of every
gate inside it.

## Why it matters
A gate that does not exist yet cannot prove anything: the slice's quick or
full suite either fails with "script not found" or, worse, someone skips it
"because it is not there yet" and the slice closes unproved.  Hand-written
runbooks drift exactly here: the Phase C runbook says the Phase C gate
scripts are added to `package.json` during C2/C3, while the acceptance gates
have C1's quick suite run `bun run phase-c:gate:drift-core`.

## Example
```
scripts { runner "bun run"  added_in C2 C3 }
slice C1 "Storage lock" { kind runtime  gate quick drift_core }
slice C2 "Telemetry"    { after C1 }
slice C3 "Distribution" { after C2 }
gate drift_core { script "phase-c:gate:drift-core" }
```
reports `slice `C1` uses gate `drift_core`, whose script is added in slices
`C2`, `C3`, none of which finishes before `C1``.  Say which slice adds the
script (`defined_by C1`), add it earlier, or order the slices so that the
defining slice comes first.
"""

from __future__ import annotations

from phasec.compiler import ir
from phasec.compiler.rules.base import rule


def _ticks(ids) -> str:
    return ", ".join(f"`{i}`" for i in ids)


def defining_slices(rb, gate):
    """The slices that bring `gate` into existence, with the span that says so.

    Returns (slice ids, [(span, note)], via_added_in) or None when the gate
    exists from the start.
    """
    if gate.defined_by is not None:
        return [gate.defined_by.id], [(gate.defined_by.span, f"`{gate.id}` is defined by `{gate.defined_by.id}` here")], False
    if gate.kind == "gate" and gate.script and gate.script_added_by is not None and gate.script_origin != "existing":
        ref = gate.script_added_by
        return [ref.id], [(ref.span, f"`{ref.id}` adds the script of `{gate.id}` (`added_by`)")], True
    if gate.kind == "gate" and gate.script and rb.scripts is not None and rb.scripts.added_in:
        refs = rb.scripts.added_in
        notes = [(r.span, f"`{r.id}` adds the planned scripts (`scripts {{ added_in ... }}`)") for r in refs]
        return [r.id for r in refs], notes, True
    return None


@rule("PC701", "gate-defined-later")
def check(ctx):
    rb = ctx.rb
    graph = ctx.graph
    gates = {g.id: g for g in rb.gates}
    stage_of = graph.slice_stage
    index = graph.stage_index
    slices = {s.id for s in rb.slices}

    # Few slices define gates: cache what each one finishes before.
    after_it: dict[str, set[str]] = {}

    def finishes_before(d: str, u: str) -> bool:
        if d == u:
            return True
        sd, su = stage_of.get(d), stage_of.get(u)
        if sd is not None and su is not None and index[sd] < index[su]:
            return True
        if d not in slices:
            return False
        if d not in after_it:
            after_it[d] = graph.slice_descendants(d)
        return u in after_it[d]

    for s in rb.slices:
        # The gate references the slice itself makes, in source order.
        direct = [item.gate for b in s.gates for item in b.items if item.gate is not None]
        direct += [t.gate for t in s.triggers if t.gate is not None]
        reported: set[str] = set()
        for ref in direct:
            # Depth-first through `use`, remembering the path of composites.
            stack: list[tuple[str, list[tuple[str, ir.Ref]]]] = [(ref.id, [])]
            seen: set[str] = set()
            while stack:
                gid, path = stack.pop()
                if gid in seen:
                    continue
                seen.add(gid)
                gate = gates.get(gid)
                if gate is None:
                    continue
                defining = defining_slices(rb, gate)
                if defining is not None:
                    ids, notes, via_added_in = defining
                    if not any(finishes_before(d, s.id) for d in ids):
                        if gid not in reported:
                            reported.add(gid)
                            yield _diag(ctx, s, ref, gate, path, ids, notes, via_added_in)
                        continue  # do not descend into a gate that is not there yet
                uses = [(r, gate) for step in gate.steps for r in step.gates]
                for r, owner in reversed(uses):
                    stack.append((r.id, path + [(owner.id, r)]))


def _diag(ctx, s, ref, gate, path, ids, notes, via_added_in):
    through = ""
    related = []
    if path:
        through = " (through " + " -> ".join(f"`{owner}`" for owner, _ in path) + ")"
        for owner, r in path:
            related.append((r.span, f"`{owner}` uses `{r.id}` here"))
    related.append((gate.span, f"gate `{gate.id}` is declared here"))
    related.extend(notes)
    if via_added_in:
        which = f"whose script is added in slice {_ticks(ids)}" if len(ids) == 1 else f"whose script is added in slices {_ticks(ids)}"
        tail = "which does not finish before" if len(ids) == 1 else "none of which finishes before"
        message = f"slice `{s.id}` uses gate `{gate.id}`{through}, {which}, {tail} `{s.id}`"
        if gate.script_added_by is not None and gate.defined_by is None:
            help = (
                f"make `{s.id}` depend on `{ids[0]}` (`after {ids[0]}`), have a slice that finishes before "
                f"`{s.id}` add the script (`added_by`), or bind a gate that exists by then"
            )
        else:
            help = (
                f"say which slice adds the script (`defined_by` on gate `{gate.id}`), list a slice that "
                f"finishes before `{s.id}` in `scripts {{ added_in ... }}`, or make `{s.id}` depend on the slice that adds it"
            )
    else:
        (d,) = ids
        message = f"slice `{s.id}` uses gate `{gate.id}`{through}, defined by slice `{d}`, which does not finish before `{s.id}`"
        help = (
            f"make `{s.id}` depend on `{d}` (`after {d}`), move the gate's `defined_by` to a slice that "
            f"finishes before `{s.id}`, or bind a gate that exists by then"
        )
    return ctx.diag(ref.span, message, help=help, related=related)
