"""Two statuses that cannot both be true.

## What it does
Reports statuses that contradict each other:

* two phase `status` statements for the same aspect (or both without
  `for`) with different values;
* a ledger entry whose status cell (the column of the field named `Status`)
  is not one of the ledger's `states` (the lifecycle the ledger declares).

Statuses of *different* ledgers are not compared: an instruction log's
`completed` (the instruction was carried out) and a progress ledger's
`ready-for-review` (the lane waits for review) can both be true.

## Why it matters
Statuses are what the orchestrator, the sync checks and the next reader act
on.  A packet that says `in-progress` and `completed` for the same aspect
tells two readers two different things: one starts the next phase, the
other still waits.  A ledger row whose status is outside the declared
lifecycle is invisible to every check that reads the lifecycle (an SLA
check that looks for `pending`/`acked` rows past their due time misses it).

## Example
```
phase MP-306 "Sprint" {
  status in-progress for sprint
  status completed for sprint
}
```
reports ``status `completed` for `sprint` contradicts status `in-progress` for `sprint` declared before``.
Keep one status per aspect.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from phasec.compiler.rules.base import rule

if TYPE_CHECKING:
    from phasec.compiler import ir


def _cells(text: str) -> list[str]:
    return [c.strip().strip("`").strip() for c in text.split("|")]


def _status_col(ledger) -> int | None:
    for i, f in enumerate(ledger.fields):
        if f.name.strip().lower() == "status":
            return i
    return None


# reads_prose: reads ledger entries' text as table cells
@rule("PC717", "contradicting-status", "warning", reads_prose=True)
def check(ctx):
    rb = ctx.rb
    ph = rb.phase
    if ph is not None:
        first: dict[str | None, ir.Status] = {}
        for st in ph.statuses:
            prev = first.setdefault(st.aspect, st)
            if prev is not st and prev.value != st.value:
                aspect = f" for `{st.aspect}`" if st.aspect else ""
                yield ctx.diag(
                    st.span,
                    f"status `{st.value}`{aspect} contradicts status `{prev.value}`{aspect} declared before",
                    related=[(prev.span, f"status `{prev.value}` is declared here")],
                    help="keep one status per aspect, or say which aspect each covers (`status VALUE for ASPECT`)",
                )
    for lg in rb.ledgers:
        col = _status_col(lg)
        if col is None or not lg.states:
            continue
        states = [x.lower() for x in lg.states]
        for e in lg.entries:
            cells = _cells(e.text)
            if col >= len(cells):
                continue
            status = cells[col]
            if status.lower() not in states:
                yield ctx.diag(
                    e.span,
                    f"entry of ledger `{lg.id}` has status `{status}`, which is not one of its states "
                    f"({', '.join(f'`{x}`' for x in lg.states)})",
                    help="use one of the ledger's `states`, or add the status to them",
                )
