"""A `procedure ... on merge` in a runbook whose repo declares no merge.

## What it does
Reports a `procedure ID on merge` when the runbook has no `repo { merge ... }`.
The diagnostic points at the word `merge` of the procedure.

## Why it matters
A procedure `on merge` is applied after each merge (rebase the lanes not yet
merged, re-run the gates).  If the repo never says how slice branches merge,
there is no merge event for it to hang on: the generated scripts never run
it, and the lanes drift from the base without anyone rebasing them.

## Example
```
repo { tool git  base "develop" }
procedure rebase "After each merge" on merge {
  step "Rebase the lanes not yet merged." run "git -C <WORKTREE> rebase origin/develop"
}
```
reports `` procedure `rebase` runs on each merge, but the repo declares no `merge` ``.
Declare how lanes merge (`merge after_approval rebase_unmerged into "develop"`),
or attach the procedure to another event.
"""

from __future__ import annotations

from phasec.compiler.rules._locate import id_span, word_span
from phasec.compiler.rules.base import rule


@rule("PC310", "merge-procedure-without-merge", "warning", reads_prose=False)
def check(ctx):
    rb = ctx.rb
    if rb.repo is not None and rb.repo.merge is not None:
        return
    for p in rb.procedures:
        if p.on != "merge":
            continue
        yield ctx.diag(
            word_span(ctx, p.span, "merge") or id_span(ctx, p.span),
            f"procedure `{p.id}` runs on each merge, but the repo declares no `merge`",
            help="declare how slice branches merge in `repo { merge ... }` (e.g. `merge after_approval "
            'rebase_unmerged into "develop"`), or attach the procedure to another event',
        )
