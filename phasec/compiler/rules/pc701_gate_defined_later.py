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
* otherwise, for a gate whose script is not `existing`, the slices whose
  `file "<manifest>" adds "SCRIPT"` names it (the script is available once
  *any* of them is done);
* otherwise the slices of `scripts { added_in ... }` when that list is
  present;
* otherwise, for a script that is new in the phase (not `existing`, and the
  runbook declares script provenance somewhere or the script is named for
  this phase, `phase-c:...` in phase C), the slices that touch the script
  manifest (`scripts { manifest }`, `package.json` by default) without
  saying which scripts they add: editing the manifest is how scripts are
  added;
* otherwise nobody: the gate exists from the start of the phase.

A defining slice D *finishes before* the using slice U when D is an ancestor
of U in the slice dependency graph (`after`, including `after ... if_triggered`),
or when D is covered by a stage earlier than U's stage.  U defining the gate
itself is fine: a slice may run the gates it adds.

Findings with one cause are one diagnostic: every (slice, gate) pair whose
gate is brought into existence the same way (one `scripts { added_in }`
list, one gate's `defined_by` or `added_by`, one script's adding files, the
same manifest edits) is reported together, at the first slice's reference
to the first gate, with each other use as a related note.  The walk through `use` stops at the first gate that is not
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
`C2`, `C3`, none of which finishes before `C1``.  With
`slice C2 { file "package.json" }` instead of `added_in` (and the script
named for phase C), C2 is taken to add it, and the same is reported.  Say which slice adds the
script (`defined_by C1`), add it earlier, or order the slices so that the
defining slice comes first.
"""

from __future__ import annotations

from phasec.compiler import ir
from phasec.compiler.rules._scripts import Provenance, is_existing
from phasec.compiler.rules.base import rule
from phasec.source import Span

#: What brings a gate into existence: (slice ids, [(span, note)], how).
Defining = tuple[list[str], list[tuple[Span, str]], str]


def _ticks(ids) -> str:
    return ", ".join(f"`{i}`" for i in ids)


def defining_slices(rb, gate, prov: Provenance | None = None) -> Defining | None:
    """The slices that bring `gate` into existence, with the span that says so.

    Returns (slice ids, [(span, note)], how) or None when the gate exists from
    the start; ``how`` is ``defined_by``, ``added_by``, ``adds``, ``added_in`` or ``manifest``.
    """
    if gate.defined_by is not None:
        return (
            [gate.defined_by.id],
            [(gate.defined_by.span, f"`{gate.id}` is defined by `{gate.defined_by.id}` here")],
            "defined_by",
        )
    if gate.kind != "gate" or not gate.script or is_existing(rb, gate):
        return None
    if gate.script_added_by is not None:
        ref = gate.script_added_by
        return [ref.id], [(ref.span, f"`{ref.id}` adds the script of `{gate.id}` (`added_by`)")], "added_by"
    prov = prov or Provenance(rb)
    files = prov.adding_files(gate.script)
    if files:
        ids = list(dict.fromkeys(s.id for s, _ in files))
        notes = [(f.span, f"`{s.id}` adds `{gate.script}` to the manifest here") for s, f in files]
        return ids, notes, "adds"
    if rb.scripts is not None and rb.scripts.added_in:
        refs = rb.scripts.added_in
        notes = [(r.span, f"`{r.id}` adds the planned scripts (`scripts {{ added_in ... }}`)") for r in refs]
        return [r.id for r in refs], notes, "added_in"
    if prov.new_in_phase(gate):
        editors = prov.editors
        if editors:
            manifest = prov.manifest
            ids = list(dict.fromkeys(s.id for s, _ in editors))
            notes = [(f.span, f"`{s.id}` edits the script manifest `{manifest}` here") for s, f in editors]
            return ids, notes, "manifest"
    return None


def _files(s) -> tuple:
    """What the provenance of scripts reads of a slice: its id, its files' paths, kinds, scripts and spans."""
    return (s.id, tuple((f.path, f.dir, tuple(f.adds), f.span) for f in s.files))


@rule("PC701", "gate-defined-later", reads_prose=False)
def check(ctx):
    rb = ctx.rb
    graph = ctx.graph
    gates = {g.id: g for g in rb.gates}
    stage_of = graph.slice_stage
    index = graph.stage_index
    slices = {s.id for s in rb.slices}
    prov = Provenance(rb)
    defining_of: dict[str, Defining | None] = {}

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

    def found_in(s) -> list:
        """[(cause, (slice, ref, gate, path, ids, notes, how))] for one slice, in the order found."""
        found: list = []
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
                if gid not in defining_of:
                    defining_of[gid] = defining_slices(rb, gate, prov)
                defining = defining_of[gid]
                if defining is not None:
                    ids, notes, how = defining
                    if not any(finishes_before(d, s.id) for d in ids):
                        if gid not in reported:
                            reported.add(gid)
                            # One cause: the added_in list, the manifest edits, or this gate's own provenance.
                            key = (how, tuple(ids)) if how in ("added_in", "manifest") else (how, tuple(ids), gate.id)
                            found.append((key, (s, ref, gate, path, ids, notes, how)))
                        continue  # do not descend into a gate that is not there yet
                uses = [(r, gate) for step in gate.steps for r in step.gates]
                for r, owner in reversed(uses):
                    stack.append((r.id, path + [(owner.id, r)]))
        return found

    # What a slice finds depends on the slice, on the gates, the scripts, the phase's id, the stages,
    # the slices' ids and dependencies, and on the files that add scripts or edit the manifest (with
    # their spans): per slice, reused while all of that is the same (phasec/lsp/incremental.py).
    env = ctx.token(
        "env",
        (*rb.gates, *rb.stages, rb.scripts, rb.phase),
        (graph._slices_key, tuple(ctx.per_node(s, _files, name=":files") for s in rb.slices)),
    )
    # cause -> [(slice, ref, gate, path, ids, notes, how)], in the order found
    groups: dict[tuple, list] = {}
    for s in rb.slices:
        for key, member in ctx.per_node(s, found_in, env):
            groups.setdefault(key, []).append(member)
    for members in groups.values():
        yield _diag(ctx, members)


def _subject(members) -> tuple[str, str]:
    """("slice `C1` uses gate `g`" or its plural forms, the word for the users after "before")."""
    users = list(dict.fromkeys(m[0].id for m in members))
    gate_ids = list(dict.fromkeys(m[2].id for m in members))
    gates = f"gate `{gate_ids[0]}`" if len(gate_ids) == 1 else f"gates {_ticks(gate_ids)}"
    if len(users) == 1:
        return f"slice `{users[0]}` uses {gates}", f"`{users[0]}`"
    return f"slices {_ticks(users)} use {gates}", "them"


def _diag(ctx, members):
    _, ref, _, path, ids, notes, how = members[0]
    through = ""
    related = []
    if path and len(members) == 1:
        through = " (through " + " -> ".join(f"`{owner}`" for owner, _ in path) + ")"
        for owner, r in path:
            related.append((r.span, f"`{owner}` uses `{r.id}` here"))
    for m in members[1:]:
        extra = f" (through `{m[3][0][0]}`)" if m[3] else ""
        related.append((m[1].span, f"`{m[0].id}` uses `{m[2].id}` here{extra}"))
    declared: set[str] = set()
    for m in members:
        if m[2].id not in declared:
            declared.add(m[2].id)
            related.append((m[2].span, f"gate `{m[2].id}` is declared here"))
    related.extend(notes)
    subject, users = _subject(members)
    several_gates = len({m[2].id for m in members}) > 1
    whose = "whose scripts are" if several_gates else "whose script is"
    user_ids = list(dict.fromkeys(m[0].id for m in members))
    target = f"`{user_ids[0]}`" if len(user_ids) == 1 else "each of them"
    if how == "defined_by":
        (d,) = ids
        message = f"{subject}{through}, defined by slice `{d}`, which does not finish before {users}"
        help = (
            f"make {target} depend on `{d}` (`after {d}`), move the gate's `defined_by` to a slice that "
            f"finishes before {target}, or bind a gate that exists by then"
        )
        return ctx.diag(ref.span, message, help=help, related=related)
    if how == "manifest":
        manifest = Provenance(ctx.rb).manifest
        which = (
            (
                f"{whose} new in this phase and taken to be added by slice {_ticks(ids)} (it edits the script "
                f"manifest `{manifest}`)"
            )
            if len(ids) == 1
            else (
                f"{whose} new in this phase and taken to be added by slices {_ticks(ids)} (they edit the script "
                f"manifest `{manifest}`)"
            )
        )
    else:
        which = f"{whose} added in slice {_ticks(ids)}" if len(ids) == 1 else f"{whose} added in slices {_ticks(ids)}"
    tail = "which does not finish before" if len(ids) == 1 else "none of which finishes before"
    message = f"{subject}{through}, {which}, {tail} {users}"
    if how == "added_by":
        help = (
            f"make {target} depend on `{ids[0]}` (`after {ids[0]}`), have a slice that finishes before "
            f"{target} add the script (`added_by`), or bind a gate that exists by then"
        )
    elif how == "adds":
        help = (
            f"add the script in a slice that finishes before {target} (`file ... adds`), "
            f"or make {target} depend on the slice that adds it"
        )
    elif how == "manifest":
        help = (
            'say which scripts the manifest edit adds (`file "..." adds "SCRIPT"`), declare scripts that are '
            f"already there (`existing`), or make {target} depend on the slice that adds them"
        )
    else:
        help = (
            f"say which slice adds {'each' if several_gates else 'the'} script (`defined_by` or `added_by` on the gate), "
            f"list a slice that finishes before {target} in `scripts {{ added_in ... }}`, or make {target} depend on "
            "the slice that adds it"
        )
    return ctx.diag(ref.span, message, help=help, related=related)
