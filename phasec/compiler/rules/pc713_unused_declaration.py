"""Gates, checks, cadences or inputs that nothing uses.

## What it does
Reports declarations that nothing refers to, grouped per kind (one
diagnostic for all the unused gates, one for the checks, one for the
cadences, one for the inputs), at the first of them with the others as
related locations:

* a **gate** or **check** is used when a slice binds it (`gate CADENCE ...`),
  a trigger is detected `by` it, a slice `starts_after` it, the phase `exit`
  or the `baseline` names it, or a used gate `use`s it.  A gate that only an
  unused gate uses is named with that gate, not reported on its own;
* a **cadence** is used when a slice binds gates to it, or when it is
  required (`for KIND`) of slices that exist (PC704 reports those that bind
  nothing);
* an **input** (an artifact from outside the phase) is used when a slice
  `requires` it, a stage step `produces` it or a `defer_record` names it.

Output artifacts are not reported here: one that nothing produces is PC706.

## Why it matters
A declaration nothing uses is either dead text or, more often, a
requirement that fell out of the plan: the baseline the seed runbook says
every slice must run, bound to no slice, so it never runs.  Readers of the
runbook believe it is enforced; nothing enforces it.

## Example
```
gate seed_baseline { title "Required gate baseline"  use pa_gates_exit }
gate pa_gates_exit { script "phase-a:gates:exit" existing }
cadence closure "Closure"
```
with no slice binding `seed_baseline` or a `closure` gate reports
`gate `seed_baseline` is declared but nothing uses it (nor `pa_gates_exit`,
which only it uses)` and `cadence `closure` is declared but no slice binds
gates to it`.  Bind them where they belong, or delete them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from phasec.compiler.rules._locate import id_span
from phasec.compiler.rules.base import rule

if TYPE_CHECKING:
    pass


def _ticks(ids) -> str:
    return ", ".join(f"`{i}`" for i in ids)


@rule("PC713", "unused-declaration", "warning", reads_prose=False)
def check(ctx):
    rb = ctx.rb
    # A function of the gates and of the gates something runs directly (reused while both are the same).
    yield from ctx.across_versions("gates", tuple(rb.gates), ctx.facts.run_roots, lambda: list(_gates(ctx, rb)))
    yield from _cadences(ctx, rb)
    yield from _inputs(ctx, rb)


def _gates(ctx, rb):
    facts = ctx.facts
    gates = facts.gates  # the first declaration of each id
    if not gates:
        return
    used_by: dict[str, set[str]] = {}
    for g in gates.values():
        for st in g.steps:
            for r in st.gates:
                used_by.setdefault(r.id, set()).add(g.id)

    used = facts.run_gates
    # The tops of the unused: gates no other gate uses (or only gates on a cycle among the unused).
    unused = [g for g in gates.values() if g.id not in used]
    tops = [g for g in unused if not (used_by.get(g.id, set()) - {g.id})]
    covered: set[str] = set()
    below: dict[str, list[str]] = {}
    for g in tops:
        inner = facts.gate_closure([r.id for st in g.steps for r in st.gates]) - {g.id}
        # Only the ones nothing else (used, or another top) would account for.
        below[g.id] = [i for i in gates if i in inner and i not in used and i not in covered]
        covered |= inner | {g.id}
    # Unused gates on a cycle with no top: report them as tops too.
    tops += [g for g in unused if g.id not in covered]
    for kind, word in (("gate", "gates"), ("check", "checks")):
        group = [g for g in tops if g.kind == kind]
        if not group:
            continue
        first = group[0]
        extra = [i for g in group for i in below.get(g.id, [])]
        tail = ""
        if extra:
            only = "which only it uses" if len(group) == 1 else "which only they use"
            tail = f" (nor {_ticks(extra)}, {only})"
        if len(group) == 1:
            message = f"{kind} `{first.id}` is declared but nothing uses it{tail}"
        else:
            message = f"{len(group)} {word} are declared but nothing uses them: {_ticks(g.id for g in group)}{tail}"
        related = [(id_span(ctx, g.span), f"{kind} `{g.id}` is declared here") for g in group[1:]]
        yield ctx.diag(
            id_span(ctx, first.span),
            message,
            help=f"bind {'it' if len(group) == 1 else 'them'} to the slices that must run "
            f"{'it' if len(group) == 1 else 'them'} (`gate CADENCE ID`), name {'it' if len(group) == 1 else 'them'} "
            "in `exit` or `baseline`, or delete the declaration",
            related=related,
        )


def _cadences(ctx, rb):
    bound = {b.cadence.id for s in rb.slices for b in s.gates}
    kinds = {s.kind for s in rb.slices if s.kind}
    group = []
    seen: set[str] = set()
    for c in rb.cadences:
        if c.id in seen:
            continue
        seen.add(c.id)
        if c.id in bound or (set(c.for_kinds) & kinds):
            continue
        group.append(c)
    if not group:
        return
    if len(group) == 1:
        message = f"cadence `{group[0].id}` is declared but no slice binds gates to it"
    else:
        message = f"{len(group)} cadences are declared but no slice binds gates to them: {_ticks(c.id for c in group)}"
    yield ctx.diag(
        id_span(ctx, group[0].span),
        message,
        help="bind gates to it on the slices it applies to (`gate CADENCE GATE...`), or delete it",
        related=[(id_span(ctx, c.span), f"cadence `{c.id}` is declared here") for c in group[1:]],
    )


def _inputs(ctx, rb):
    used = {r.id for s in rb.slices for r in s.requires}
    used |= {r.id for st in rb.stages for step in st.steps for r in step.produces}
    for s in rb.slices:
        for d in s.defer_records:
            used.add(d.target.id)
            if d.artifact is not None:
                used.add(d.artifact.id)
    group = [a for a in rb.inputs if a.id not in used]
    if not group:
        return
    if len(group) == 1:
        message = f"input `{group[0].id}` (`{group[0].name}`) is declared but no slice requires it"
    else:
        message = f"{len(group)} inputs are declared but no slice requires them: {_ticks(a.id for a in group)}"
    yield ctx.diag(
        id_span(ctx, group[0].span),
        message,
        help="name it in `requires` of the slices that read it, or delete it",
        related=[(id_span(ctx, a.span), f"input `{a.id}` is declared here") for a in group[1:]],
    )
