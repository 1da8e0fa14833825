"""A branch name, path, command or owner is still a placeholder.

## What it does
Reports a placeholder — `<runtime-slice-1>` (a word in angle brackets),
`TBD`, `TODO`, `FIXME`, `XXX`, `…`, or `...` standing alone (a word or a
path part of its own; a git range such as `main...HEAD` is not one) — in a
value that a script executes or creates, or that names who is responsible:

* branch names (of `repo` branches and of slices), `base`, `merge into`;
* worktree paths, branch `create` commands, `sync` / `submit` commands;
* files a slice touches, outputs roots and artifact names, the script
  manifest, ledger paths;
* gate scripts, `runs`, `run` commands and inline gate commands, procedure
  `run` commands and orchestrator checks;
* owner handles (the `owners` registry, a slice's `owner` and `backup`).

The tokens phasec fills in itself are not placeholders where it fills them:
`<SLICE>` in `worktrees per_slice at "..."`, and `<SLICE>`, `<BRANCH>`,
`<WORKTREE>`, `<AGENT>` in procedure `run` commands; protocol artifact
templates (`AGENT_<N>_PLAN_VERBATIM.md`) are templates by design.  Prose
(objectives, steps, notes, invariants) is not checked: a route pattern such
as `/api/workflows/<capability>/*` or an elided command in a sentence is
normal writing, and nothing executes it.  The diagnostic points at the value.

## Why it matters
A generated script runs what the runbook says, literally: `git worktree add
-b codex/<runtime-slice-1>` creates a branch with angle brackets in its
name, a gate runs `bun run TBD`, and an owner `@TBD` is nobody.  The
placeholder was a note to fill something in later; once the runbook is the
source of truth, later never comes.

## Example
```
slice C1 "Storage lock" { branch "codex/<runtime-slice-1>"  owner @TBD }
```
reports `branch name `codex/<runtime-slice-1>` of slice `C1` is a placeholder
(`<runtime-slice-1>`)` and `owner `@TBD` of slice `C1` is a placeholder (`TBD`)`.
Write the real value, or leave the statement out until it is known.
"""

from __future__ import annotations

import re
from functools import partial

from phasec.compiler.rules._values import child_value_span, value_span
from phasec.compiler.rules.base import rule

_PLACEHOLDER = re.compile(
    r"<[A-Za-z][^<>\s]*>"
    r"|(?<![A-Za-z0-9_])(?:TBD|TODO|FIXME|XXX)(?![A-Za-z0-9_])"
    r"|\u2026"
    r"|(?<![^\s/\"'`(=:])\.\.\.(?![^\s/\"'`)])"
)

#: Every placeholder contains one of these (a cheap test before the expression).
_MARKS = ("<", "TBD", "TODO", "FIXME", "XXX", "\u2026", "...")
_MARK = re.compile("|".join(re.escape(m) for m in _MARKS))  # any of them, in one scan

#: Tokens phasec fills in: where they are allowed.
_TEMPLATE_WORKTREE = {"<SLICE>"}
_TEMPLATE_PROCEDURE = {"<SLICE>", "<BRANCH>", "<WORKTREE>", "<AGENT>"}


def placeholder(text: str | None, allowed: frozenset[str] | set[str] = frozenset()) -> str | None:
    """The first placeholder in ``text`` (None when there is none)."""
    if not text or _MARK.search(text) is None:
        return None
    for m in _PLACEHOLDER.finditer(text):
        if m.group(0) not in allowed:
            return m.group(0)
    return None


@rule("PC712", "placeholder-value", reads_prose=False)
def check(ctx):
    rb = ctx.rb

    def report(where, what: str, value: str, allowed=frozenset()):
        """(key, finding) or None; ``where``: a span, or a function giving one (looked up only for a finding)."""
        ph = placeholder(value, allowed)
        if ph is None:
            return None
        span = where() if callable(where) else where
        head, _, of = what.partition(" of ")
        return (span.line, span.column, value), ctx.diag(
            span,
            f"{head} `{value}`{' of ' + of if of else ''} is a placeholder (`{ph}`)",
            help="write the real value (a script would use it as written), or leave the statement out until it is known",
        )

    def of_slice(s) -> list:
        found: list = []
        if s.branch:
            found.append(report(s.branch_span or s.span, f"branch name of slice `{s.id}`", s.branch))
        if s.worktree:
            found.append(
                report(partial(child_value_span, ctx, s.span, "worktree"), f"worktree of slice `{s.id}`", s.worktree)
            )
        for ref, what in ((s.owner, "owner"), (s.backup, "backup")):
            if ref is not None:
                found.append(report(ref.span, f"{what} of slice `{s.id}`", ref.id))
        for f in s.files:
            written = f.written or f.path
            found.append(report(partial(value_span, ctx, f.span, text=written), f"file of slice `{s.id}`", written))
        for b in s.gates:
            for item in b.items:
                if item.command:
                    found.append(report(item.span, f"gate command of slice `{s.id}`", item.command))
        return [f for f in found if f is not None]

    def of_gate(g) -> list:
        found: list = []
        if g.kind != "gate":
            return found
        if g.script:
            found.append(
                report(partial(child_value_span, ctx, g.span, "script", g.script), f"script of gate `{g.id}`", g.script)
            )
        if g.script_runs:
            found.append(
                report(
                    partial(child_value_span, ctx, g.span, "script", g.script_runs),
                    f"`runs` of gate `{g.id}`",
                    g.script_runs,
                )
            )
        for st in g.steps:
            if st.kind == "run" and st.command:
                found.append(
                    report(partial(value_span, ctx, st.span, text=st.command), f"command of gate `{g.id}`", st.command)
                )
        return [f for f in found if f is not None]

    found = []
    repo = rb.repo
    if repo is not None:
        for b in repo.branches:
            found.append(report(b.name_span, f"branch name of branch `{b.id}`", b.name))
            if b.worktree:
                found.append(
                    report(
                        partial(value_span, ctx, b.span, text=b.worktree), f"worktree of branch `{b.id}`", b.worktree
                    )
                )
            if b.create:
                found.append(
                    report(
                        partial(value_span, ctx, b.span, text=b.create), f"create command of branch `{b.id}`", b.create
                    )
                )
            if b.parent_name:
                found.append(
                    report(
                        partial(value_span, ctx, b.span, text=b.parent_name),
                        f"parent of branch `{b.id}`",
                        b.parent_name,
                    )
                )
        if repo.base:
            found.append(report(partial(child_value_span, ctx, repo.span, "base"), "base branch", repo.base))
        if repo.merge is not None and repo.merge.into:
            found.append(
                report(partial(value_span, ctx, repo.merge.span, text=repo.merge.into), "merge target", repo.merge.into)
            )
        if repo.worktree_template:
            found.append(
                report(
                    partial(child_value_span, ctx, repo.span, "worktrees", repo.worktree_template),
                    "worktree template",
                    repo.worktree_template,
                    _TEMPLATE_WORKTREE,
                )
            )
        for c in list(repo.sync) + list(repo.submit):
            found.append(report(partial(value_span, ctx, c.span, text=c.command), "command", c.command))
    for o in rb.outputs:
        found.append(report(o.root_span, f"root of outputs `{o.id}`", o.root_written or o.root))
        for a in o.artifacts:
            found.append(report(partial(value_span, ctx, a.span, text=a.name), f"name of artifact `{a.id}`", a.name))
    if rb.scripts is not None and rb.scripts.manifest:
        found.append(
            report(partial(child_value_span, ctx, rb.scripts.span, "manifest"), "scripts manifest", rb.scripts.manifest)
        )
    for led in rb.ledgers:
        if led.path:
            found.append(
                report(partial(value_span, ctx, led.span, text=led.path), f"path of ledger `{led.id}`", led.path)
            )
    for ow in rb.owners or []:
        found.append(report(partial(value_span, ctx, ow.span, text=ow.handle), "owner handle", ow.handle))
    # Per slice and per gate, what they alone give (reused across the server's versions).
    for s in rb.slices:
        found.extend(ctx.per_node(s, of_slice))
    for g in rb.gates:
        found.extend(ctx.per_node(g, of_gate))
    for p in rb.procedures:
        for st in p.steps:
            if st.run:
                found.append(
                    report(
                        partial(value_span, ctx, st.span, text=st.run),
                        f"command of procedure `{p.id}`",
                        st.run,
                        _TEMPLATE_PROCEDURE,
                    )
                )
    if rb.orchestrator is not None:
        for c in rb.orchestrator.checks:
            found.append(report(partial(value_span, ctx, c.span, text=c.command), "orchestrator check", c.command))
    seen: set[tuple] = set()
    for f in found:
        if f is not None and f[0] not in seen:  # the same value at the same place once
            seen.add(f[0])
            yield f[1]
