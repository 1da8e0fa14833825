"""Preflight checks a branch's worktree before the run creates it.

## What it does
Reports a branch listed in `repo { clean ... }` that has a `create`
command.  The preflight (the generated `preflight.sh`, the runbook's "verify
clean status" step) checks that each `clean` branch exists and that its
worktree is clean; a branch the runbook itself creates does not exist yet
when the preflight runs.  The diagnostic points at the branch in `clean`.

Branches that open after a stage (`opens_after`) are not reported: the
preflight knows them and says when they are created.

## Why it matters
A preflight that checks a worktree before it can exist fails on every
correct start, and the people running the phase learn to ignore it — or it
is "fixed" by creating the worktree by hand, from whatever is checked out,
before the step that creates it from the right parent.  The Phase B runbook
verifies the execution worktree in step 1 and creates it in step 2.

## Example
```
repo {
  tool graphite
  branch parent "codex/phase-b-prep"
  branch runtime "codex/phase-b-runtime" from parent worktree "../wt-runtime" create "git worktree add -b codex/phase-b-runtime ../wt-runtime codex/phase-b-prep"
  clean parent runtime
}
```
reports `preflight checks branch `runtime` and its worktree `../wt-runtime`,
but the run creates them (`create`)`.  Leave it out of `clean` (check it
after it is created), or drop `create` if the branch already exists.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from phasec.compiler.rules.base import rule

if TYPE_CHECKING:
    from phasec.compiler import ir


@rule("PC811", "preflight-before-branch-exists", "warning", reads_prose=False)
def check(ctx):
    repo = ctx.rb.repo
    if repo is None or not repo.clean:
        return
    branches: dict[str, ir.Branch] = {}
    for b in repo.branches:
        branches.setdefault(b.id, b)
    seen: set[str] = set()
    for ref in repo.clean:
        b = branches.get(ref.id)
        if b is None or not b.create or ref.id in seen:
            continue
        seen.add(ref.id)
        tree = f" and its worktree `{b.worktree}`" if b.worktree else ""
        yield ctx.diag(
            ref.span,
            f"preflight checks branch `{b.id}`{tree}, but the run creates {'them' if tree else 'it'} (`create`)",
            help=f"leave `{b.id}` out of `clean` (check it once it is created), or drop `create` if it exists already",
            related=[(b.span, f"`{b.id}` is created here")],
        )
