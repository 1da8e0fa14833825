"""A suppression comment gives no reason (or is malformed).

## What it does
Reports `# phasec: ignore[CODE]` comments with no reason after `--` (or `:`),
and comments that start with `# phasec:` but do not follow the form.  Such a
comment suppresses nothing.

## Why it matters
A suppression is a decision that a finding is acceptable; the reason is what
lets a reviewer agree or disagree.  Without it suppressions accumulate as
unexplained noise.

## Example
```
file "package.json"  # phasec: ignore[PC605]
```
is rejected; write `# phasec: ignore[PC605] -- C2 and C3 edit disjoint scripts`.
"""

from __future__ import annotations

from phasec.compiler.rules.base import rule


@rule("PC902", "suppression-without-reason", reads_prose=False)
def check(ctx):
    return ()  # reported by phasec.compiler.suppress
