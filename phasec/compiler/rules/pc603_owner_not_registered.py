"""Slices name owner handles, but the runbook has no owners registry.

## What it does
When the runbook declares no `owners { ... }` block, reports each distinct
owner or backup handle that slices name, once, at its first use.  (When a
registry exists, a handle missing from it is an unknown reference, PC202.)

## Why it matters
Owners are accountable handles, like CODEOWNERS entries: they must exist
somewhere that can be checked.  Without a registry a typo
(`@rawr-runtme-host`) creates a new, nonexistent owner that nobody notices,
backups cannot be validated, and the emitted work breakdown lists owners
nobody declared.

## Example
```
slice C1 "Storage lock" {
  owner @rawr-runtime-host backup @rawr-platform-duty
}
```
with no `owners` block reports
``owner `@rawr-runtime-host` of slice `C1` is not declared: the runbook has no `owners` registry``
(and the same for `@rawr-platform-duty`).  Add
```
owners {
  owner @rawr-runtime-host "Runtime host" backup @rawr-platform-duty
  owner @rawr-platform-duty "Platform duty rotation"
}
```
"""

from __future__ import annotations

from phasec.compiler.rules.base import rule


@rule("PC603", "owner-not-registered", "warning", reads_prose=False)
def check(ctx):
    rb = ctx.rb
    if rb.owners is not None:
        return
    uses = []
    for s in rb.slices:
        for role, ref in (("owner", s.owner), ("backup", s.backup)):
            if ref is not None and ref.kind == "owner":  # agents and roles are declared elsewhere
                uses.append((ref.span.line, ref.span.column, ref, role, s.id))
    uses.sort(key=lambda u: (u[0], u[1]))
    seen: dict[str, int] = {}
    for _, _, ref, _role, _sid in uses:
        seen[ref.id] = seen.get(ref.id, 0) + 1
    reported = set()
    for _, _, ref, role, sid in uses:
        if ref.id in reported:
            continue
        reported.add(ref.id)
        n = seen[ref.id]
        more = f"; used {n} times" if n > 1 else ""
        yield ctx.diag(
            ref.span,
            f"{role} `{ref.id}` of slice `{sid}` is not declared: the runbook has no `owners` registry{more}",
            help=f'add an `owners {{ owner {ref.id} "..." backup @... }}` block declaring every accountable handle',
        )
