"""A gate names a package script, but the runbook never says how scripts run.

## What it does
Reports each `gate` with a `script` when the runbook has no
`scripts { runner "..." }` block (or its runner is empty).

## Why it matters
A gate's script runs as `<runner> <script>` (`bun run phase-c:c1:quick`).
Without a runner the generated gate lists and scripts have to guess one
(phasec falls back to `npm run`), and in a bun or pnpm repository that guess
runs the wrong tool or fails.  Declaring the runner once fixes every gate.

## Example
```
gate c1_quick { script "phase-c:c1:quick" }
```
with no `scripts` block reports `gate `c1_quick` names script `phase-c:c1:quick`,
but the runbook declares no `scripts { runner ... }``.  Add
`scripts { runner "bun run"  manifest "package.json" }`.
"""

from __future__ import annotations

from phasec.compiler.rules.base import rule


@rule("PC707", "script-without-runner", "warning", reads_prose=False)
def check(ctx):
    rb = ctx.rb
    if rb.scripts is not None and rb.scripts.runner.strip():
        return
    for gate in rb.gates:
        if gate.kind != "gate" or not gate.script:
            continue
        yield ctx.diag(
            gate.span,
            f"gate `{gate.id}` names script `{gate.script}`, but the runbook declares no `scripts {{ runner ... }}`",
            help='declare how scripts run once, e.g. `scripts { runner "bun run"  manifest "package.json" }`, '
            "or give the gate its full command with `run`",
        )
