"""A slice requires an artifact that may not exist.

## What it does
Reports a `requires A` where artifact `A` may never be produced:

* `A` is declared `conditional` (it exists only on a path that may not run); or
* `A` is produced (`by X`) by a conditional slice `X` and is not declared
  `either_path` — so, as declared, `X` produces it only when triggered.

A requirement written `requires A when triggered` holds only on the path
that produces `A`, and is not reported.  The diagnostic points at `A` in the
`requires`, with a note at the artifact's declaration.  (The `exit` block has no `requires` statement yet; when it gets
one, its requirements are checked the same way.)

## Why it matters
`requires` means the slice cannot start until the artifact exists.  If the
artifact exists only when a conditional slice is triggered, the requiring
slice is blocked on the not-triggered path — the "conditional slice treated
as mandatory in one file and optional in another" drift.  Either the artifact
really is written on both paths (say so with `either_path`), or the
requirement must go.

## Example
```
outputs runtime "docs/runtime" {
  artifact C4_DISPOSITION "C4_DISPOSITION.md" by C4
}
slice C4 "Conditional tightening" conditional { ... }
slice C5 "Review" { after C4 if_triggered; requires C4_DISPOSITION }
```
reports `slice `C5` requires artifact `C4_DISPOSITION`, which conditional slice `C4` produces only when triggered`.
If C4 writes the disposition whether or not it is triggered, declare the
artifact `... by C4 either_path`.
"""

from __future__ import annotations

from phasec.compiler import ir
from phasec.compiler.rules.base import rule


def _requirements(rb):
    """(who, short name, ref) for every artifact requirement: slices, and the exit if it has `requires`."""
    for s in rb.slices:
        for ref in s.requires:
            if ref.id in s.requires_when:
                continue  # `requires X when triggered`: required only on the path that produces it
            yield f"slice `{s.id}`", f"`{s.id}` cannot start", ref
    # The exit block has no `requires` statement today; check it as soon as it has one.
    for ref in getattr(rb.exit, "requires", None) or []:
        yield "the phase exit", "the phase cannot exit", ref


@rule("PC404", "artifact-from-conditional-path", reads_prose=False)
def check(ctx):
    rb = ctx.rb
    arts: dict[str, ir.Artifact] = {}
    for a in rb.artifacts():
        arts.setdefault(a.id, a)
    for who, blocked, ref in _requirements(rb):
        a = arts.get(ref.id)
        if a is None:
            continue
        if a.conditional:
            message = (
                f"{who} requires artifact `{a.id}`, which is conditional: it exists only on a path that may not run"
            )
            help = (
                f"{blocked} until `{a.id}` exists; require an artifact that exists on every path, "
                f"or drop `conditional` from `{a.id}` if it is always produced"
            )
        else:
            producer = ctx.facts.slices.get(a.producer.id) if a.producer is not None else None
            if producer is None or not producer.conditional or a.either_path:
                continue
            message = f"{who} requires artifact `{a.id}`, which conditional slice `{producer.id}` produces only when triggered"
            help = (
                f"if `{producer.id}` produces `{a.id}` whether or not it is triggered, declare it "
                f"`artifact {a.id} ... by {producer.id} either_path`; otherwise do not require it ({blocked} "
                "on the not-triggered path)"
            )
        yield ctx.diag(
            ref.span,
            message,
            related=[(a.span, f"artifact `{a.id}` is declared here")],
            help=help,
        )
