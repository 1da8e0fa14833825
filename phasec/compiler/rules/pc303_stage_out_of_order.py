"""Numbered stages are not declared in increasing order.

## What it does
Reads stage ids that look like numbers — `0`, `1`, `1.5`, `2a`, `1.10` — as
sequences of numbers (with an optional letter suffix per part) and checks
that they increase in declaration order: `1 < 1.5 < 2 < 2a < 3`, and `1.10`
comes after `1.9`.  A stage declared after one with a larger number is
reported at its id, with a note at that earlier stage.  Stages with other
ids (`preflight`, `closure`) are not compared.

## Why it matters
Stages run in the order they are declared, but people read and refer to them
by number ("stage 1.5 runs before implementation").  When the two disagree,
the emitted packet lists the steps in one order while the numbers claim
another, and agents follow whichever they look at.

## Example
```
stage 1 "Planning" { step "plan" }
stage 2 "Runtime"  { step "build" }
stage 1.5 "Drift check" { step "check" }
```
reports `stage `1.5` is declared after stage `2`, but 1.5 comes before 2`.
Move the stage declaration to where its number says it runs, or renumber it.
"""

from __future__ import annotations

import re

from phasec.compiler.rules._locate import id_span
from phasec.compiler.rules.base import rule

_PART = re.compile(r"(\d+)([A-Za-z]*)")
_NUMERIC = re.compile(r"\d+[A-Za-z]*(?:\.\d+[A-Za-z]*)*")


def stage_number(sid: str) -> tuple[tuple[int, str], ...] | None:
    """`1.5` -> ((1, ''), (5, '')); `2a` -> ((2, 'a'),); None when not numeric."""
    if not _NUMERIC.fullmatch(sid):
        return None
    out = []
    for part in sid.split("."):
        m = _PART.fullmatch(part)
        assert m is not None
        out.append((int(m.group(1)), m.group(2).lower()))
    return tuple(out)


@rule("PC303", "stage-out-of-order", reads_prose=False)
def check(ctx):
    top = None  # the earlier stage with the largest number: (key, stage)
    for st in ctx.rb.stages:
        key = stage_number(st.id)
        if key is None:
            continue
        if top is not None and key <= top[0] and st.id != top[1].id:
            prev = top[1]
            why = (
                f"but {st.id} comes before {prev.id}"
                if key < top[0]
                else f"but {st.id} and {prev.id} are the same number"
            )
            yield ctx.diag(
                id_span(ctx, st.span),
                f"stage `{st.id}` is declared after stage `{prev.id}`, {why}",
                related=[(id_span(ctx, prev.span), f"stage `{prev.id}` is declared here, earlier")],
                help=f"stages run in declaration order; move stage `{st.id}` before stage `{prev.id}`, "
                "or renumber the stages so their numbers increase",
            )
        if top is None or key > top[0]:
            top = (key, st)
