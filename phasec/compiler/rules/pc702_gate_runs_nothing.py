"""A gate has nothing to run: no script, no command and no gates it uses.

## What it does
Reports a `gate` declaration with no `script`, no `run` command (or command
string after its id) and no `use` of other gates.  Symbolic closure checks
are declared with `check` and are not affected.

## Why it matters
A slice bound to such a gate "passes" it without anything being executed:
the gate list looks complete, the emitted acceptance gates and scripts show
an entry, and nothing is proved.  Usually a command was lost while copying
the gate contract, or a closure check was declared with the wrong keyword.

## Example
```
gate c2_telemetry_contract {
  title "Telemetry contract verifier"
  defined_by C2
}
```
reports `gate `c2_telemetry_contract` runs nothing: it has no `script`, `run` or `use``.
Add the command (`run "bun scripts/phase-c/verify-telemetry-contract.mjs"`),
the package.json script, or the gates it runs; or, if it is a symbolic
closure check, write `check c2_telemetry_contract "..."`.
"""

from __future__ import annotations

from phasec.compiler.rules.base import rule


@rule("PC702", "gate-runs-nothing", reads_prose=False)
def check(ctx):
    for gate in ctx.rb.gates:
        if not ctx.facts.runs_nothing(gate):
            continue
        yield ctx.diag(
            gate.span,
            f"gate `{gate.id}` runs nothing: it has no `script`, `run` or `use`",
            help=f'add the command (`run "..."`), the package.json `script`, or the gates it runs (`use ...`); '
            f'if it is a symbolic closure check, declare it with `check {gate.id} "..."`',
        )
