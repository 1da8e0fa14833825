"""A slice id does not start with the phase id.

## What it does
Reports slices whose id does not begin with the runbook's phase id
(case-insensitive): in `phase C`, `C0`, `C5A` are fine, `A3` is not.

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
"""

from __future__ import annotations

import re

from phasec.compiler.rules._values import value_span
from phasec.compiler.rules.base import rule


@rule("PC803", "slice-id-phase-mismatch", "error")
def check(ctx):
    phase = ctx.rb.phase
    if phase is None or not phase.id:
        return
    pid = phase.id
    ids = {s.id for s in ctx.rb.slices}
    phase_span = value_span(ctx, phase.span, index=0)
    for s in ctx.rb.slices:
        if not s.id or s.id.lower().startswith(pid.lower()):
            continue
        m = re.match(r"[A-Za-z]+", s.id)
        better = pid + s.id[m.end():] if m and m.end() < len(s.id) else None
        help = f"slice ids carry the phase id as their prefix ({pid}0, {pid}1, ...)"
        if better and better not in ids:
            help += f"; rename it, e.g. `{better}`, and update its references"
        else:
            help += "; rename it and update its references"
        yield ctx.diag(
            value_span(ctx, s.span, index=0),
            f"slice id `{s.id}` does not start with the phase id `{pid}`",
            related=[(phase_span, f"the runbook is phase {pid}")],
            help=help,
        )
