"""`merge after_approval` with nothing that says what approval is.

## What it does
Reports `repo { merge after_approval ... }` when the runbook has neither a
`review { verdict approved "TOKEN" }` nor any slice with `approval`.  The
diagnostic points at `after_approval`.

## Why it matters
"Merge only after approval" is enforced by the generated merge script, which
refuses a lane until its approval is recorded.  With no approval token and no
slice that asks for approval, there is nothing to wait for: either every
merge is refused, or the rule is ignored and lanes merge unreviewed.

## Example
```
repo { tool git  base "develop"  merge after_approval }
slice A1 "Rust lane" { branch "feature/a1" }
```
reports `` `merge after_approval`, but nothing says what approval is: no `review { verdict approved ... }` and no slice with `approval` ``.
Write the review protocol (`review { by reviewer  verdict approved "REVIEW-OK <AGENT>" }`)
and `approval by reviewer` in the lanes.
"""

from __future__ import annotations

from phasec.compiler.rules._values import value_span
from phasec.compiler.rules.base import rule


@rule("PC608", "merge-approval-undefined", "error", reads_prose=False)
def check(ctx):
    rb = ctx.rb
    merge = rb.repo.merge if rb.repo is not None else None
    if merge is None or not merge.after_approval:
        return
    if rb.review is not None and any(v.verdict == "approved" for v in rb.review.verdicts):
        return
    if any(s.approval is not None for s in rb.slices):
        return
    yield ctx.diag(
        value_span(ctx, merge.span, text="after_approval"),
        "`merge after_approval`, but nothing says what approval is: no `review { verdict approved ... }` "
        "and no slice with `approval`",
        help='write the review protocol (`review { by ROLE  verdict approved "REVIEW-OK <AGENT>" }`) and '
        "`approval by ROLE` in the lanes, or drop `after_approval`",
    )
