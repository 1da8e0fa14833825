"""A slice id does not start with the phase id.

## What it does
Reports slices whose id does not begin with the runbook's phase id
(case-insensitive): in `phase C`, `C0`, `C5A` are fine, `A3` is not.  A phase
whose slice ids carry another prefix declares it with `slice_prefix "MP306-"`
inside `phase { }` (then that prefix is checked, case-sensitively), or
`slice_prefix ""` when its ids have no prefix (then nothing is checked).

## Why it matters
Slice ids travel: into branch names, commit messages, review dispositions,
the next phase's readiness document.  The phase prefix is what keeps `C3`
from being confused with Phase B's `B3`.  A slice id with another phase's
prefix is almost always a leftover of a runbook copied from the previous
phase, and whatever it points to (files, gates, owners) deserves a second
look.

## Example
```
phase B "Runtime" { posture forward_only }
slice A3 "Verification hardening" { owner @rawr-verification-gates }
```
reports `` slice id `A3` does not start with the phase id `B` `` and suggests `B3`.
Slices that carry the same other prefix are one finding (one cause: a
runbook copied from another phase), at the first of them, with the others as
related locations: `slice ids `A0`, `A1`, `A2` do not start with the phase id
`B`: they carry `A``.
"""

from __future__ import annotations

import re

from phasec.compiler.rules._values import value_span
from phasec.compiler.rules.base import rule


def _check_declared_prefix(ctx, phase):
    """`slice_prefix "X"`: every slice id starts with X (`""`: no prefix is required)."""
    prefix = phase.slice_prefix
    if not prefix:
        return
    decl = next((st for st in ctx.doc.walk() if st.keyword == "slice_prefix"), None) if ctx.doc is not None else None
    related = [(decl.span, f"slice ids carry the prefix `{prefix}`")] if decl is not None else []
    for s in ctx.rb.slices:
        if s.id and not s.id.startswith(prefix):
            yield ctx.diag(
                value_span(ctx, s.span, index=0),
                f"slice id `{s.id}` does not start with the declared prefix `{prefix}`",
                related=related,
                help=f"rename it to `{prefix}...` and update its references, or change `slice_prefix`",
            )


@rule("PC803", "slice-id-phase-mismatch", "error", reads_prose=False)
def check(ctx):
    phase = ctx.rb.phase
    if phase is None or not phase.id:
        return
    if phase.slice_prefix is not None:
        yield from _check_declared_prefix(ctx, phase)
        return
    pid = phase.id
    ids = {s.id for s in ctx.rb.slices}
    phase_span = value_span(ctx, phase.span, index=0)
    # One cause, one finding: the slices that carry the same other prefix (`A` in phase B,
    # a runbook copied from phase A) are one diagnostic, at the first of them.
    groups: dict[str, list] = {}
    for s in ctx.rb.slices:
        if not s.id or s.id.lower().startswith(pid.lower()):
            continue
        m = re.match(r"[A-Za-z]+", s.id)
        prefix = s.id[: m.end()] if m and m.end() < len(s.id) else s.id
        groups.setdefault(prefix, []).append(s)
    for prefix, slices in groups.items():
        renames = []
        for s in slices:
            m = re.match(r"[A-Za-z]+", s.id)
            better = pid + s.id[m.end() :] if m and m.end() < len(s.id) else None
            if better and better not in ids:
                renames.append(f"`{s.id}` -> `{better}`")
        help = f"slice ids carry the phase id as their prefix ({pid}0, {pid}1, ...)"
        if len(slices) == 1:
            s = slices[0]
            if renames:
                help += f"; rename it, e.g. `{renames[0].split(' -> ')[1].strip('`')}`, and update its references"
            else:
                help += "; rename it and update its references"
            yield ctx.diag(
                value_span(ctx, s.span, index=0),
                f"slice id `{s.id}` does not start with the phase id `{pid}`",
                related=[(phase_span, f"the runbook is phase {pid}")],
                help=help,
            )
            continue
        if renames:
            help += (
                "; rename them ("
                + ", ".join(renames[:3])
                + (", ..." if len(renames) > 3 else "")
                + ") and update their references"
            )
        else:
            help += "; rename them and update their references"
        first = slices[0]
        yield ctx.diag(
            value_span(ctx, first.span, index=0),
            f"slice ids {', '.join(f'`{s.id}`' for s in slices)} do not start with the phase id `{pid}`: "
            f"they carry `{prefix}`",
            related=[(phase_span, f"the runbook is phase {pid}")]
            + [(value_span(ctx, s.span, index=0), f"slice `{s.id}` is declared here") for s in slices[1:]],
            help=help,
        )
