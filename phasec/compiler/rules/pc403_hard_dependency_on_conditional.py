"""A slice depends unconditionally on a conditional slice.

## What it does
Reports `after X` written without `if_triggered` where `X` is a conditional
slice.  The diagnostic points at `X` in the `after`, with a note where `X` is
declared conditional; the help names the artifacts `X` declares `either_path`
(produced whether or not it is triggered), if any.

## Why it matters
A conditional slice may never run.  A plain `after X` says the dependent
slice waits for `X` to finish, so on the not-triggered path it waits forever
— or, in practice, people silently ignore the dependency, and the runbook no
longer says what actually gates the work.  Say which one is meant: wait for
`X` only when it runs (`after X if_triggered`), or wait for something that
exists on both paths (an `either_path` artifact, via `requires`).

## Example
```
slice C4 "Conditional tightening" conditional { ... }
slice C5 "Review" { after C4 }
```
reports `slice `C5` has a hard dependency on conditional slice `C4`, which may not run`.
Write `after C4 if_triggered`, or `requires C4_DISPOSITION` where
`artifact C4_DISPOSITION "C4_DISPOSITION.md" by C4 either_path`.

## Fix
Safe (applied by `phasec lint --fix`): adds `if_triggered` to the `after`.
When the same `after` also names slices that always run, it is split in two
so that only the conditional ones are qualified — `after C3 C4` becomes
`after C3` and `after C4 if_triggered` on the next line (joined with `;` when
the statement shares its line with other code).  Waiting for the slice only
when it runs is what a dependency on a conditional slice can mean; if the
dependent slice needs something from both paths, replace the dependency with
`requires` of an `either_path` artifact by hand.
"""

from __future__ import annotations

from phasec.compiler.rules._fixes import after_fix
from phasec.compiler.rules.base import rule
from phasec.compiler.rules.pc401_conditional_without_trigger import conditional_span


def either_path_artifacts(rb, sid: str) -> list[str]:
    return sorted(a.id for a in rb.artifacts() if a.producer is not None and a.producer.id == sid and a.either_path)


@rule("PC403", "hard-dependency-on-conditional", reads_prose=False)
def check(ctx):
    rb = ctx.rb
    for s in rb.slices:
        for dep in s.after:
            target = ctx.facts.slices.get(dep.slice.id)
            if target is None or not target.conditional or dep.if_triggered or target.id == s.id:
                continue
            arts = either_path_artifacts(rb, target.id)
            if arts:
                other = f"`requires {' '.join(arts)}` (what `{target.id}` produces on either path)"
            else:
                other = f"require an artifact `{target.id}` produces on either path (declare it `either_path`)"
            yield ctx.diag(
                dep.span,
                f"slice `{s.id}` has a hard dependency on conditional slice `{target.id}`, which may not run",
                related=[(conditional_span(ctx, target), f"`{target.id}` is declared conditional here")],
                help=f"write `after {target.id} if_triggered` to wait for it only when it runs, or {other}",
                fix=after_fix(ctx, dep.span),
            )
