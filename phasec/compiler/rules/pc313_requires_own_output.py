"""A slice requires an artifact that it produces itself.

## What it does
Reports a `requires A` in slice `X` where `A` is produced by `X` itself:
the artifact is declared `by X`, or a stage step that carries out `X`
(`step ... for X`, or any step of a stage that covers only `X`) `produces` it.
The diagnostic points at `A` in the `requires`, with a note where `A` is
declared.

## Why it matters
`requires` means "this must exist before the slice starts".  An artifact the
slice writes only exists once the slice has run, so the requirement can never
be met: read literally, the slice can never start (a one-slice dependency
cycle).  Usually the artifact is a deliverable of the slice and belongs in
its acceptance criteria, or the requirement meant another slice's artifact.

## Example
```
outputs runtime "docs/runtime" {
  artifact C4_DISPOSITION "C4_DISPOSITION.md" by C4
}
slice C4 "Decision tightening" { requires C4_DISPOSITION }
```
reports ``slice `C4` requires artifact `C4_DISPOSITION`, which it produces itself: it cannot start before it has finished``.
Drop the requirement (write an `accept` criterion instead), or require the
artifact a slice before it produces.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from phasec.compiler.rules.base import rule

if TYPE_CHECKING:
    from phasec.compiler import ir


def _step_products(ctx) -> dict[str, set[str]]:
    """Per slice id, the artifacts produced by the stage steps that carry it out."""
    out: dict[str, set[str]] = {}
    facts = ctx.facts
    for st in ctx.rb.stages:
        for step in st.steps:
            if not step.produces:
                continue
            for sid in facts.step_slices(st, step):
                out.setdefault(sid, set()).update(r.id for r in step.produces)
    return out


@rule("PC313", "requires-own-output", reads_prose=False)
def check(ctx):
    rb = ctx.rb
    if not any(s.requires for s in rb.slices):
        return  # nothing is required: nothing to check
    arts: dict[str, ir.Artifact] = {}
    for a in rb.artifacts():
        arts.setdefault(a.id, a)
    stepped = _step_products(ctx)
    for s in rb.slices:
        for ref in s.requires:
            a = arts.get(ref.id)
            if a is None:
                continue
            by_decl = a.producer is not None and a.producer.id == s.id
            if not by_decl and ref.id not in stepped.get(s.id, ()):
                continue
            how = f"declared `by {s.id}`" if by_decl else f"a step carrying out `{s.id}` produces it"
            yield ctx.diag(
                ref.span,
                f"slice `{s.id}` requires artifact `{a.id}`, which it produces itself: "
                "it cannot start before it has finished",
                related=[(a.span, f"artifact `{a.id}` is declared here ({how})")],
                help=f"drop `requires {a.id}` (make it an `accept` criterion of `{s.id}`), "
                "or require an artifact that a slice before it produces",
            )
