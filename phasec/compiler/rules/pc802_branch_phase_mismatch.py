"""A branch name names another phase.

## What it does
Looks for `phase-<id>` in every branch name (repo branches and slice
branches, case-insensitive, `<id>` being the token right after `phase-`).  A
name is reported when it names some other phase and never the runbook's own
phase id.  Names that mention no phase at all, and names that mention the own
phase as well as another (`codex/phase-b-cleanup-phase-a-agent-artifacts` in
phase B), are fine.  Worktree paths are not checked.

## Why it matters
Runbooks are often started by copying the previous phase's runbook.  A
branch left with the old phase's name makes the new phase stack its work
on, or push over, the old phase's branch — the Phase B runbook in the
corpus still named `codex/phase-a-runtime-implementation` as its
implementation branch.

## Example
```
phase B "Runtime" { posture forward_only }
repo {
  branch runtime "codex/phase-a-runtime-implementation"
}
```
reports ``branch `codex/phase-a-runtime-implementation` (repo branch `runtime`) names another phase (`phase-a`), but this runbook is phase B``
and suggests `codex/phase-b-runtime-implementation`.
"""

from __future__ import annotations

import re

from phasec.compiler.rules._values import value_span
from phasec.compiler.rules.base import rule
from phasec.compiler.rules.pc801_invalid_branch_name import branch_names

_PHASE = re.compile(r"(?<![A-Za-z0-9])phase-([A-Za-z0-9]+(?:\.[0-9]+)*)", re.IGNORECASE)


@rule("PC802", "branch-phase-mismatch", "error", reads_prose=False)
def check(ctx):
    phase = ctx.rb.phase
    if phase is None or not phase.id:
        return
    own = phase.id.lower()
    phase_span = value_span(ctx, phase.span, index=0)
    for name, span, what, _ in branch_names(ctx.rb):
        found = list(_PHASE.finditer(name))
        if not found or any(m.group(1).lower() == own for m in found):
            continue
        m = found[0]
        token = m.group(1)
        new = phase.id.upper() if token.isupper() else phase.id.lower()
        better = name[: m.start(1)] + new + name[m.end(1) :]
        yield ctx.diag(
            span,
            f"branch `{name}` ({what}) names another phase (`{m.group(0)}`), but this runbook is phase {phase.id}",
            related=[(phase_span, f"the runbook is phase {phase.id}")],
            help=f"name it for phase {phase.id}, e.g. `{better}` (a leftover from another phase's runbook?)",
        )
