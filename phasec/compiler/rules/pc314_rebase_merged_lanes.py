"""The after-merge rebase procedure rebases every lane by name, including lanes already merged.

## What it does
For each `procedure ... on merge` — applied after every merge — looks at
its steps' `run` commands that `rebase`.  When a command names a particular
lane (its worktree, as written or absolute, or its branch) instead of the
placeholder `<WORKTREE>`/`<BRANCH>` that the procedure fills in for each
lane not yet merged, that lane is rebased after *every* merge — also after
its own, when it is already merged.  Reports the procedure once, at the
first such command, naming the lanes.

## Why it matters
Rebasing a lane that has already merged re-applies its commits on top of
the base that now contains them: at best a no-op with noise, at worst
duplicated or conflicting commits pushed to a branch whose pull request is
closed, and a worktree someone else may already have removed.  Runbooks say
"remaining active lanes rebase" in prose and then paste one rebase line per
lane; the commands are what gets run.

## Example
```
procedure rebase "After each merge" on merge {
  step "Rebase A1." run "git -C ../wt-a1 fetch origin && git -C ../wt-a1 rebase origin/develop"
  step "Rebase A2." run "git -C ../wt-a2 fetch origin && git -C ../wt-a2 rebase origin/develop"
}
slice A1 "Lane 1" { branch "feature/a1" worktree "../wt-a1" }
slice A2 "Lane 2" { branch "feature/a2" worktree "../wt-a2" }
```
reports ``procedure `rebase` runs after every merge and rebases lanes `A1`, `A2` by name, including lanes already merged``.
Write one step for the lanes not yet merged:
`step "Rebase the lanes not yet merged." run "git -C <WORKTREE> rebase origin/develop"`
(with `repo { merge ... rebase_unmerged }` the generated scripts apply it to those lanes only).
"""

from __future__ import annotations

import re

from phasec.compiler.rules._checkouts import resolve, slice_worktrees
from phasec.compiler.rules._values import value_span
from phasec.compiler.rules.base import rule

_WORD = re.compile(r"[^\s'\"`;&|<>()]+")


@rule("PC314", "rebase-merged-lanes", "warning", reads_prose=False)
def check(ctx):
    rb = ctx.rb
    procs = [p for p in rb.procedures if p.on == "merge"]
    if not procs:
        return
    wts = slice_worktrees(rb)
    branches = {s.branch: s.id for s in rb.slices if s.branch}
    for p in procs:
        named: list[str] = []
        spans = []
        for step in p.steps:
            cmd = step.run or ""
            if "rebase" not in cmd:
                continue
            hit = []
            for w in _WORD.findall(cmd):
                w = w.rstrip("/")
                for sid, (written, absolute) in wts.items():
                    if w == written.rstrip("/") or (not w.startswith("-") and resolve(rb, w) == absolute):
                        hit.append(sid)
                if w in branches:
                    hit.append(branches[w])
            if hit:
                spans.append(value_span(ctx, step.span, text=step.run))
                named.extend(h for h in hit if h not in named)
        if not named:
            continue
        lanes = ", ".join(f"`{n}`" for n in named)
        yield ctx.diag(
            spans[0],
            f"procedure `{p.id}` runs after every merge and rebases lane{'s' if len(named) > 1 else ''} {lanes} "
            "by name, including lanes already merged",
            related=[(sp, "another lane rebased by name") for sp in spans[1:4]],
            help="write one step for the lanes not yet merged, with `<WORKTREE>` (and `<BRANCH>`), e.g. "
            '`run "git -C <WORKTREE> rebase origin/develop"`; `repo { merge ... rebase_unmerged }` applies it '
            "to those lanes only",
        )
