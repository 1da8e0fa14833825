"""A machine-specific absolute path where a repo-relative one belongs.

## What it does
Reports absolute or home-relative paths (`/Users/...`, `/home/...`,
`C:\\...`, `~/...`) in places that name files of the repository:

* slice `file`s;
* `outputs` roots;
* the phase `entrypoint`;
* the `scripts { manifest ... }` path;
* paths inside commands (gate `run` commands and one-command gates, inline
  gate commands bound in slices, procedure steps' `run`, orchestrator
  `check`s, `sync` and `submit`), wherever they point: a command runs on
  every machine as written;
* paths inside prose a reader acts on (invariants, notes, rules, items,
  acceptance criteria, steps, checks...), unless they lie under a worktree or
  the `root` declared in `repo` (phasec knows how to read those).

When a path in a command is a declared worktree (or lies under one), the
message says whose worktree it is, written absolute: the same checkout is
then written two ways, and the relative form (or `<WORKTREE>` in a
procedure) is the one to keep.  Ledger entries (records of what happened)
are not reported.

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

import posixpath

from phasec.compiler.rules._values import child_value_span, machine_path, value_span
from phasec.compiler.rules.base import rule

#: Statements whose paths are checked above (or live outside the repository by nature).
_SKIP_KEYWORDS = {
    "doc",
    "equivalent",
    "file",
    "entrypoint",
    "manifest",
    "root",
    "branch",
    "outputs",
    "create",
    "ledger",
}
#: Blocks whose prose is about documents outside the repository, or records of what happened.
_SKIP_BLOCKS = {"grounding", "introspect", "agent", "ledger"}


def _checkouts(rb) -> list[tuple[str, str]]:
    """(absolute path, what it is) of the declared root and worktrees."""
    out = []
    repo = rb.repo
    root = repo.root.rstrip("/") if repo is not None and repo.root else None
    if root:
        out.append((root, "the repository root declared in `repo`"))
    for b in repo.branches if repo is not None else []:
        if b.worktree and b.worktree.startswith("/"):
            out.append((b.worktree.rstrip("/"), f"the worktree of branch `{b.id}`"))
    for s in rb.slices:
        wt = s.worktree
        if not wt:
            continue
        if not wt.startswith("/"):
            if root is None:
                continue
            wt = posixpath.normpath(posixpath.join(root, wt))
        out.append((wt.rstrip("/"), f"the worktree of slice `{s.id}` (`{s.worktree}`)"))
    # Longest first: a worktree beside the root is not under it, but be exact anyway.
    return sorted(out, key=lambda c: -len(c[0]))


def _checkout_of(path: str, checkouts):
    p = path.rstrip("/")
    for base, what in checkouts:
        if p == base:
            return base, what, ""
        if p.startswith(base + "/"):
            return base, what, p[len(base) + 1 :]
    return None


def _machine_mentions(doc) -> list:
    """(mention, why) of the path mentions in strings that are machine-specific (not only absolute),
    outside the skipped statements; per top-level statement, a function of it alone (reused with the
    language server's statement memo)."""
    from phasec.compiler.facts import statement_memo
    from phasec.compiler.rules._mentions import mentions

    if doc is None:
        return []
    memo = statement_memo(doc)
    if memo is None:
        return _machine(mentions(doc))
    from phasec.compiler.rules._mentions import _statement_mentions

    out: list = []
    for found in memo.per_statement(
        doc.statements, "pc805", lambda st: _machine(memo.get(st, "path_mentions", _statement_mentions))
    ):
        out.extend(found)
    return out


def _machine(found) -> list:
    out = []
    for m in found:
        if m.keyword in _SKIP_KEYWORDS or _SKIP_BLOCKS.intersection(m.parents):
            continue
        why = machine_path(m.path)
        if why is None or why == "an absolute path":
            continue  # `/rpc`, `/api/...`: routes, not files of one machine
        out.append((m, why))
    return out


def _in_strings(ctx):
    """Machine-specific paths inside commands and prose (see the docstring)."""
    rb = ctx.rb
    checkouts = _checkouts(rb)
    seen = set()
    for m, why in _machine_mentions(ctx.doc):
        at = _checkout_of(m.path, checkouts)
        if at is not None and not m.command:
            continue  # prose under a declared checkout: phasec reads it repo-relative
        if m.span in seen:
            continue
        seen.add(m.span)
        where = "a command" if m.command else f"`{m.keyword}` text"
        if at is None:
            yield m, f"path `{m.path}` in {where} is machine-specific ({why}); write it repo-relative", None
            continue
        _, what, rel = at
        if rel:
            msg = (
                f"path `{m.path}` in {where} is machine-specific ({why}): it is `{rel}` under {what}, "
                "written absolute; write it relative to the checkout the command runs in"
            )
        else:
            msg = (
                f"path `{m.path}` in {where} is machine-specific ({why}): it is {what}, written absolute; "
                "write it relative, or `<WORKTREE>` in a procedure"
            )
        yield m, msg, what


# reads_prose: reads every string of the document, prose included
@rule("PC805", "machine-specific-path", "warning", reads_prose=True)
def check(ctx):
    rb = ctx.rb
    worktrees = [b.worktree for b in rb.repo.branches if b.worktree] if rb.repo is not None else []
    where = "it is under none of the worktrees declared in `repo`" if worktrees else "no worktree is declared in `repo`"
    fix = (
        f"write it relative to the repository root, or declare the worktree it lives in "
        f'(`branch ID "NAME" worktree "..."` in `repo`) so phasec makes it repo-relative; {where}'
    )
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

    def of_slice(s) -> list:
        return [
            ctx.diag(
                value_span(ctx, f.span, text=f.path),
                f"file `{f.path}` of slice `{s.id}` is machine-specific ({why}); write it repo-relative",
                help=fix,
            )
            for f in s.files
            if f.written is None and (why := machine_path(f.path))
        ]

    env = ctx.token("fix", (), fix)  # per slice, reused while the slice and the help text are the same
    for s in rb.slices:
        yield from ctx.per_node(s, of_slice, env)
    for m, msg, what in _in_strings(ctx):
        yield ctx.diag(
            m.span,
            msg,
            help="a command runs as written on every machine, and a reader elsewhere cannot open the path; "
            "write paths relative to the repository (or the lane's worktree), or declare the checkout in `repo`"
            if what is None
            else "write the path relative to the repository root or the lane's worktree (`<WORKTREE>` in a procedure "
            "applied to every lane)",
        )
    sc = rb.scripts
    if sc is not None and sc.manifest and (why := machine_path(sc.manifest)):
        yield ctx.diag(
            child_value_span(ctx, sc.span, "manifest"),
            f"scripts manifest `{sc.manifest}` is machine-specific ({why}); write it repo-relative",
            help="write the manifest path relative to the repository root, e.g. `package.json`",
        )
