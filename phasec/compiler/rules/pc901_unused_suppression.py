"""A suppression comment suppresses nothing.

## What it does
Reports each code in a `# phasec: ignore[...]` comment that matched no
diagnostic on the line it applies to (the same line for a trailing comment,
the next line for a comment on a line of its own).

## Why it matters
Stale suppressions hide nothing today and will hide a real problem tomorrow;
they also mislead readers into thinking something is wrong on that line.

## Example
```
slice C2 "x" {  # phasec: ignore[PC605] -- shares package.json with C3 by design
```
reports `suppression of PC605 suppresses nothing` once the overlap is gone.

## Fix
Safe (applied by `phasec lint --fix`): removes the codes that suppress
nothing from the comment (`ignore[PC605, PC501]` becomes `ignore[PC501]`), or
the whole comment when none of its codes is used — a comment on a line of its
own is removed with its line, a trailing one with the spaces before it.
"""

from __future__ import annotations

from phasec.compiler.rules.base import rule


@rule("PC901", "unused-suppression", "warning", reads_prose=False)
def check(ctx):
    return ()  # reported by phasec.compiler.suppress, after every other rule
