"""A slice depends on a slice that a later stage covers.

## What it does
For every dependency `after Y` (including `after Y if_triggered`) of a slice
`X`, compares the stages that cover the two slices (`stage ... { covers ... }`).
When `Y` is covered by a stage declared after the stage that covers `X`, the
dependency is reported at the `after`, with a note at each stage's `covers`.

A slice works from the stage that covers it until the last stage with a step
`for` it (a planning slice closed by a later drift-check stage spans both), so
the check compares where `X` starts with where `Y` ends.  Slices covered by no
stage are left to PC305; a slice covered twice is placed in the first stage
that covers it (PC304 reports the second one).

## Why it matters
Stages run in declaration order: every activity of a stage finishes before
the next stage starts.  If `X` must wait for `Y` but `Y` is only carried out
in a later stage, `X` can never start in its own stage; the plan deadlocks,
or the stage order that readers follow is not the real one.  Either the
dependency is wrong, or one of the slices is in the wrong stage.

## Example
```
stage 1 "Runtime" { covers C1 }
stage 2 "Review"  { covers C5 }
slice C1 "Storage lock" { after C5 }
slice C5 "Review" { objective "review" }
```
reports `slice `C1` (stage 1) depends on `C5`, which is covered by a later stage (2)`.
Move `C5` to stage 1 or earlier, move `C1` to stage 2 or later, or drop the
dependency.
"""

from __future__ import annotations

from phasec.compiler.rules.base import rule


def _cover_span(rb, stage_id: str, slice_id: str):
    for st in rb.stages:
        if st.id == stage_id:
            for ref in st.covers:
                if ref.id == slice_id:
                    return ref.span
            return st.span
    return None


@rule("PC302", "dependency-on-later-stage", reads_prose=False)
def check(ctx):
    rb = ctx.rb
    if not rb.stages:
        return
    home = ctx.graph.slice_stage
    spans = ctx.graph.slice_stage_span
    index = ctx.graph.stage_index
    for s in rb.slices:
        if s.id not in spans:
            continue
        mine = spans[s.id][0]
        for dep in s.after:
            if dep.slice.id not in spans:
                continue
            theirs = spans[dep.slice.id][1]
            if index[theirs] <= index[mine]:
                continue
            how = " (if triggered)" if dep.if_triggered else ""
            covered = home.get(dep.slice.id) == theirs
            where = "is covered by a later stage" if covered else "works until a later stage"
            yield ctx.diag(
                dep.span,
                f"slice `{s.id}` (stage {mine}) depends on `{dep.slice.id}`{how}, which {where} ({theirs})",
                related=[
                    (_cover_span(rb, mine, s.id), f"stage {mine} covers `{s.id}` here"),
                    (
                        _cover_span(rb, theirs, dep.slice.id),
                        f"stage {theirs}, declared later, "
                        + ("covers" if covered else "has a step for")
                        + f" `{dep.slice.id}` here",
                    ),
                ],
                help=f"stages run in order, so `{dep.slice.id}` cannot finish before `{s.id}` must start; "
                f"move `{dep.slice.id}` to stage {mine} or earlier, move `{s.id}` to stage {theirs} or later, "
                "or drop the dependency",
            )
