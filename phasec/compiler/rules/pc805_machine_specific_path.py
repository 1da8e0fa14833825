"""A machine-specific absolute path where a repo-relative one belongs.

## What it does
Reports absolute or home-relative paths (`/Users/...`, `/home/...`,
`C:\\...`, `~/...`) in places that name files of the repository:

* slice `file`s;
* `outputs` roots;
* the phase `entrypoint`;
* the `scripts { manifest ... }` path.

A path written under a worktree declared in `repo`
(`branch ID "NAME" worktree "/abs/path"`) is made repo-relative by phasec
and is fine.  Grounding and introspection documents and worktree paths
themselves live outside the repository by nature and are never reported.

## Why it matters
A path that only exists on one person's machine breaks every generated
document and script for everyone else, and in CI.  It also hides which
files a slice touches: two slices listing the same file once absolutely and
once relatively would not be seen to overlap (PC605).

## Example
```
slice C1 "Storage lock" {
  file "/Users/me/src/app/packages/state/src/repo-state.ts"
}
```
reports ``file `/Users/me/src/app/packages/state/src/repo-state.ts` of slice `C1` is machine-specific (an absolute path under `/Users/`); write it repo-relative``.
Write `packages/state/src/repo-state.ts`, or declare the worktree it lives in.
"""

from __future__ import annotations

from phasec.compiler.rules._values import child_value_span, machine_path, value_span
from phasec.compiler.rules.base import rule


@rule("PC805", "machine-specific-path", "warning")
def check(ctx):
    rb = ctx.rb
    worktrees = [b.worktree for b in rb.repo.branches if b.worktree] if rb.repo is not None else []
    where = "it is under none of the worktrees declared in `repo`" if worktrees else "no worktree is declared in `repo`"
    fix = (f"write it relative to the repository root, or declare the worktree it lives in "
           f"(`branch ID \"NAME\" worktree \"...\"` in `repo`) so phasec makes it repo-relative; {where}")
    ph = rb.phase
    if ph is not None and ph.entrypoint and (why := machine_path(ph.entrypoint)):
        yield ctx.diag(
            child_value_span(ctx, ph.span, "entrypoint"),
            f"entrypoint `{ph.entrypoint}` is machine-specific ({why}); write it repo-relative",
            help="write the entrypoint relative to the repository root",
        )
    for o in rb.outputs:
        if o.root_written is None and (why := machine_path(o.root)):
            yield ctx.diag(
                o.root_span,
                f"outputs root `{o.root}` of `{o.id}` is machine-specific ({why}); write it repo-relative",
                help=fix,
            )
    for s in rb.slices:
        for f in s.files:
            if f.written is None and (why := machine_path(f.path)):
                yield ctx.diag(
                    value_span(ctx, f.span, text=f.path),
                    f"file `{f.path}` of slice `{s.id}` is machine-specific ({why}); write it repo-relative",
                    help=fix,
                )
    sc = rb.scripts
    if sc is not None and sc.manifest and (why := machine_path(sc.manifest)):
        yield ctx.diag(
            child_value_span(ctx, sc.span, "manifest"),
            f"scripts manifest `{sc.manifest}` is machine-specific ({why}); write it repo-relative",
            help="write the manifest path relative to the repository root, e.g. `package.json`",
        )
