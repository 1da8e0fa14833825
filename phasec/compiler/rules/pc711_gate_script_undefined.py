"""A gate runs a script that is defined nowhere.

## What it does
Reports a gate whose `script "..."` is

* not declared as existing (`script "..." existing`, or listed in
  `scripts { existing ... }`);
* added by no slice (no `added_by`, no slice's `file ... adds` names it, no
  `scripts { added_in ... }`); and
* given no planned command contract: the gate neither says what the script
  `runs` nor has a body of `run` / `use` steps.

A runbook that declares no script provenance at all (written before
`existing`, `added_by`, `adds` and `added_in` existed) is not asked to: there
only scripts named for the runbook's own phase (`phase-c:...` in phase C)
are checked, since a phase's own scripts cannot exist before it.  Checks
(`check ...`) have no script and are never reported.  The diagnostic points
at the script name.

## Why it matters
A gate whose script nobody has, nobody adds and nobody defines proves
nothing: the command fails with "script not found", or someone writes a
script on the spot that checks whatever is convenient.  Hand-written packets
invent whole gate-command sets this way: a tidy list of `phase-x:gate:*`
names that no slice adds and no contract defines.

## Example
```
scripts { runner "bun run"  existing "phase-a:gates:exit" }
gate c2_contract { script "phase-c:gate:c2-contract" }
```
reports `gate `c2_contract` runs script `phase-c:gate:c2-contract`, which is
defined nowhere: it is not `existing`, no slice adds it, and nothing says
what it runs`.  Declare it `existing` if the manifest already has it, say
which slice adds it and what it runs
(`script "phase-c:gate:c2-contract" added_by C2 runs "bun scripts/phase-c/verify-c2.mjs"`),
or give the gate its commands (`run "..."`).
"""

from __future__ import annotations

from phasec.compiler.rules._scripts import Provenance, has_contract, is_existing, own_phase_script
from phasec.compiler.rules._values import child_value_span
from phasec.compiler.rules.base import rule


def _candidates(rb) -> list:
    """The gates that run a script with no origin, no ``added_by`` and no contract, in order."""
    return [
        g
        for g in rb.gates
        if g.kind == "gate"
        and g.script
        and g.script_origin != "existing"
        and g.script_added_by is None
        and not has_contract(g)
    ]


@rule("PC711", "gate-script-undefined", reads_prose=False)
def check(ctx):
    rb = ctx.rb
    # What the gates alone rule out (reused while they are the same): the rest needs the runbook.
    candidates = ctx.across_versions("candidates", tuple(rb.gates), None, lambda: _candidates(rb))
    if not candidates:
        return
    prov = Provenance(rb)
    added_in = rb.scripts is not None and bool(rb.scripts.added_in)
    for g in candidates:
        if is_existing(rb, g) or added_in:
            continue
        if prov.adding_files(g.script):
            continue
        if not prov.declared and not own_phase_script(rb, g.script):
            continue
        yield ctx.diag(
            child_value_span(ctx, g.span, "script", g.script),
            f"gate `{g.id}` runs script `{g.script}`, which is defined nowhere: it is not `existing`, "
            "no slice adds it, and nothing says what it runs",
            help=(
                f"declare it `existing` if the manifest already has it, say which slice adds it and what it runs "
                f'(`script "{g.script}" added_by SLICE runs "COMMAND"`), or give the gate its commands (`run "..."`)'
            ),
        )
