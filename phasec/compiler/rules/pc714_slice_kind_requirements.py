"""A slice lacks what slices of its kind must contain.

## What it does
Checks each slice with a `kind` against the requirements of that kind:

| kind | requires (default) |
|---|---|
| `runtime` | touched files (`file`), a branch, a `quick` gate and a `full` gate |
| `review` | a review lens (`lens`) |
| `decision` | a disposition artifact: an artifact it produces (`artifact ... by SLICE`, or a stage step `for` it that `produces` one) or `defer_record ... artifact X` |

The requirements are configurable per kind in `[tool.phasec.require]`
(`runtime = ["files", "branch", "gate:quick", "gate:full"]`; a kind named
there replaces its default, `[]` requires nothing).  The requirement names
are `files`, `branch`, `worktree`, `lens`, `disposition`, `owner`, `agent`,
`objective`, `accept` and `gate:CADENCE`; an unknown kind or name in the
configuration is an error (PC714) at its place in the file, with the
closest one suggested.

A `gate:CADENCE` requirement gives way to the runbook's own word: when the
cadence is declared with `for KINDS`, PC704 checks it for those kinds (one
missing gate is one finding) and the other kinds do not need it (a
plain-git runbook whose `full` cadence is `for readiness` does not ask its
runtime lanes for a `full` gate).
Slices of one kind that lack the same things are one diagnostic, at the
first slice's `kind`, with the others as related locations.

## Why it matters
The kind of a slice says what sort of work it is, and each sort has a
minimum without which it cannot be run or checked: a runtime slice with no
files has no boundary (two agents edit the same file), with no branch it
lands nowhere reviewable, without quick and full gates nothing proves it; a
review with no lens reviews "everything" and so nothing in particular; a
decision that records no disposition leaves the next phase guessing.  The
Phase B runbook, a copy of Phase A's, lists runtime slices with none of
these.

## Example
```
slice A1 "Metadata contract" { kind runtime  objective "..." }
slice A7 "Review" { kind review }
```
reports `runtime slice `A1` lacks touched files (`file`), a branch
(`branch`), a `quick` gate and a `full` gate` and `review slice `A7` lacks a
review lens (`lens`)`.  Add them, or change what the kind requires in
`[tool.phasec.require]`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from phasec.compiler.rules._requirements import GATE_PREFIX, REQUIREMENTS, effective
from phasec.compiler.rules._values import child_value_span
from phasec.compiler.rules.base import rule

if TYPE_CHECKING:
    from phasec.compiler import ir


def _ticks(ids) -> str:
    return ", ".join(f"`{i}`" for i in ids)


def _and(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


@rule("PC714", "slice-kind-requirements", "warning", reads_prose=False)
def check(ctx):
    rb = ctx.rb
    require = effective(getattr(ctx.config, "require", None))
    if not any(s.kind in require for s in rb.slices):
        return
    cadences: dict[str, ir.Cadence] = {}
    for c in rb.cadences:
        cadences.setdefault(c.id, c)
    producing = {a.producer.id for a in rb.artifacts() if a.producer is not None}
    for st in rb.stages:
        for step in st.steps:
            if step.produces:
                producing.update(r.id for r in step.slices)
    per_slice_worktrees = rb.repo is not None and rb.repo.worktrees == "per_slice"

    def has(s, name: str) -> bool:
        if name.startswith(GATE_PREFIX):
            cadence = name[len(GATE_PREFIX) :]
            return any(b.cadence.id == cadence for b in s.gates)
        return {
            "files": lambda: bool(s.files),
            "branch": lambda: bool(s.branch),
            "worktree": lambda: bool(s.worktree) or per_slice_worktrees,
            "lens": lambda: bool(s.lenses),
            "disposition": lambda: s.id in producing or any(d.artifact is not None for d in s.defer_records),
            "owner": lambda: s.owner is not None,
            "agent": lambda: bool(s.agents),
            "objective": lambda: s.objective is not None,
            "accept": lambda: bool(s.accept),
        }[name]()

    def pc704s(s, name: str) -> bool:
        """The runbook's cadence says for which kinds it is required (`for KINDS`): PC704 checks
        those kinds, and the others do not need it."""
        if not name.startswith(GATE_PREFIX):
            return False
        c = cadences.get(name[len(GATE_PREFIX) :])
        return c is not None and bool(c.for_kinds)

    def describe(name: str) -> str:
        if name.startswith(GATE_PREFIX):
            cadence = name[len(GATE_PREFIX) :]
            absent = "" if cadence in cadences else f" (the runbook declares no `{cadence}` cadence)"
            return f"a `{cadence}` gate{absent}"
        return REQUIREMENTS[name]

    groups: dict[tuple, list] = {}
    for s in rb.slices:
        names = require.get(s.kind or "")
        if not names:
            continue
        missing = tuple(n for n in names if not pc704s(s, n) and not has(s, n))
        if missing:
            groups.setdefault((s.kind, missing), []).append(s)
    for (kind, missing), slices in groups.items():
        first = slices[0]
        what = _and([describe(n) for n in missing])
        if len(slices) == 1:
            message = f"{kind} slice `{first.id}` lacks {what}"
        else:
            message = f"{kind} slices {_ticks(s.id for s in slices)} lack {what}"
        yield ctx.diag(
            child_value_span(ctx, first.span, "kind", kind),
            message,
            help=f"add {'it' if len(missing) == 1 else 'them'}, or change what `{kind}` slices require "
            f"in `[tool.phasec.require]` (`{kind} = [...]`)",
            related=[
                (child_value_span(ctx, s.span, "kind", kind), f"`{s.id}` is a {kind} slice too") for s in slices[1:]
            ],
        )
