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
"""

from __future__ import annotations

from phasec.compiler.rules.base import rule


@rule("PC901", "unused-suppression", "warning")
def check(ctx):
    return ()  # reported by phasec.compiler.suppress, after every other rule
