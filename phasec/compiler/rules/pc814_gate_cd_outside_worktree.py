"""A gate command changes into a checkout other than the worktree of the slice that runs it.

## What it does
Looks at the commands of the gates slices bind (their `run` commands, those
of the gates they `use`, and inline commands in `gate CADENCE "..."`).  A
command that changes directory — `cd DIR`, `pushd DIR`, `git -C DIR` —
into an absolute or home-relative directory, or into one that climbs out of
the checkout (`../...`), runs somewhere other than the worktree of the slice
it proves.  Reports each such directory once per gate, naming the slices
that bind the gate.  A directory inside the checkout (`cd src`) is fine, and
so is the slice's own worktree or `<WORKTREE>`.

## Why it matters
A slice's gates prove *that slice's* branch.  A gate that `cd`s into the
main checkout (or another lane's worktree) tests whatever is checked out
there — usually the base branch — and goes green for a lane whose own code
was never run: the false green the gate exists to prevent.  It also only
works on the machine whose paths it names.

## Example
```
gate lane_checks { run "cd /Users/me/src/voice && python3 dev/scripts/check.py" }
slice A1 "Lane" { branch "feature/a1" worktree "../voice-wt-a1"; gate quick lane_checks }
```
reports ``gate `lane_checks` runs in `/Users/me/src/voice`, not in the worktree of slice `A1` that binds it``.
Drop the `cd` (gates run in the slice's worktree), or `cd` into a folder of
the checkout.
"""

from __future__ import annotations

import re

from phasec.compiler.rules._checkouts import resolve, slice_worktrees
from phasec.compiler.rules._values import value_span
from phasec.compiler.rules.base import rule

_CD = re.compile(r"(?:^|[\s;&|(])(?:cd|pushd)\s+(['\"]?)([^\s'\";&|)]+)\1|\bgit\s+-C\s+(['\"]?)([^\s'\";&|)]+)\3")


def _leaves(rb, d: str, own: set[str]) -> bool:
    if d.startswith("<") or d in ("-", "."):
        return False
    if d.startswith(("/", "~", "$HOME", "${HOME}")):
        return not d.startswith("/") or resolve(rb, d) not in own
    return d == ".." or d.startswith("../")


def _gates_cd(rb) -> bool:
    return any(_CD.search(step.command) for g in rb.gates for step in g.steps if step.kind == "run" and step.command)


def _slice_cd(s) -> bool:
    return any(_CD.search(item.command) for b in s.gates for item in b.items if item.gate is None and item.command)


@rule("PC814", "gate-cd-outside-worktree", "warning", reads_prose=False)
def check(ctx):
    rb = ctx.rb
    # Most runbooks change directory nowhere: then there is nothing to report (one regex scan each;
    # the gates' scan reused while they are the same, each slice's while it is).
    if not ctx.across_versions("cd", tuple(rb.gates), None, lambda: _gates_cd(rb)) and not any(
        ctx.per_node(s, _slice_cd) for s in rb.slices
    ):
        return
    users: dict[str, dict[str, None]] = {}  # gate -> the slices binding it (an ordered set)
    inline = []
    closures: dict[str, list[str]] = {}
    for s in rb.slices:
        for b in s.gates:
            for item in b.items:
                if item.gate is not None:
                    gid0 = item.gate.id
                    if gid0 not in closures:
                        closures[gid0] = sorted(ctx.facts.gate_closure([gid0]))
                    for gid in closures[gid0]:
                        users.setdefault(gid, {})[s.id] = None
                elif item.command:
                    inline.append((s, item))
    if not users and not inline:
        return
    wts = slice_worktrees(rb)

    def own_of(sids):
        return {wts[sid][1] for sid in sids if sid in wts}

    def found(cmd):
        for m in _CD.finditer(cmd):
            yield m.group(2) or m.group(4)

    for g in rb.gates:
        sids = list(users.get(g.id, ()))
        if not sids:
            continue
        own = own_of(sids)
        seen = set()
        for step in g.steps:
            if step.kind != "run" or not step.command:
                continue
            for d in found(step.command):
                if d in seen or not _leaves(rb, d, own):
                    continue
                seen.add(d)
                who = ", ".join(f"`{x}`" for x in sids[:3]) + (f" and {len(sids) - 3} more" if len(sids) > 3 else "")
                yield ctx.diag(
                    value_span(ctx, step.span, text=step.command),
                    f"gate `{g.id}` runs in `{d}`, not in the worktree of slice{'s' if len(sids) > 1 else ''} {who} "
                    f"that bind{'' if len(sids) > 1 else 's'} it",
                    help="drop the `cd` (a slice's gates run in its worktree), or change into a folder of the "
                    "checkout (`cd src`)",
                )
    for s, item in inline:
        own = own_of([s.id])
        for d in found(item.command):
            if _leaves(rb, d, own):
                yield ctx.diag(
                    item.span,
                    f"a gate command of slice `{s.id}` runs in `{d}`, not in the slice's worktree",
                    help="drop the `cd` (a slice's gates run in its worktree), or change into a folder of the "
                    "checkout (`cd src`)",
                )
                break
