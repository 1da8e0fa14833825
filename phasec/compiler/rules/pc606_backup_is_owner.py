"""A backup is the same handle as the owner it backs up.

## What it does
Reports a slice whose `backup` is its own `owner`
(`owner @a backup @a`), and an entry of the `owners` registry whose backup is
itself (`owner @a backup @a`).

## Why it matters
A backup exists so that someone else can act when the owner cannot.  Naming
the owner as its own backup looks like coverage but provides none; it is
usually a copy-paste slip in a line that should name a duty rotation.

## Example
```
slice C1 "Storage lock" {
  owner @rawr-runtime-host backup @rawr-runtime-host
}
```
reports ``slice `C1` names `@rawr-runtime-host` as both owner and backup``.
Name another handle, e.g. `backup @rawr-platform-duty`.

## Fix
Unsafe (offered to editors as a code action, never applied by
`phasec lint --fix`): removes the `backup @...` clause.  That states what the
runbook already meant — there is no backup — but the better fix is usually to
name the duty rotation that was intended, which only the author knows.
"""

from __future__ import annotations

from phasec.compiler.rules._fixes import remove_clause_fix
from phasec.compiler.rules.base import rule


@rule("PC606", "backup-is-owner", "warning", reads_prose=False)
def check(ctx):
    rb = ctx.rb
    for o in rb.owners or []:
        if o.backup is not None and o.backup.id == o.handle:
            yield ctx.diag(
                o.backup.span,
                f"owner `{o.handle}` is its own backup",
                help="a backup must be another handle who can act when the owner cannot "
                "(e.g. a duty rotation), or leave the backup out",
                fix=remove_clause_fix(ctx, o.backup.span, "backup", "remove the backup clause", safe=False),
            )
    for s in rb.slices:
        if s.owner is not None and s.backup is not None and s.owner.id == s.backup.id:
            yield ctx.diag(
                s.backup.span,
                f"slice `{s.id}` names `{s.owner.id}` as both owner and backup",
                related=[(s.owner.span, "the owner")],
                help="a backup must be another handle who can act when the owner cannot (e.g. a duty rotation)",
                fix=remove_clause_fix(ctx, s.backup.span, "backup", "remove the backup clause", safe=False),
            )
