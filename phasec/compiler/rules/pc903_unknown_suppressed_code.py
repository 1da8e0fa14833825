"""A suppression names a code that is not a lint rule.

## What it does
Reports codes in `# phasec: ignore[...]` that are not rule codes (typos, or
front-end codes such as syntax errors, which cannot be suppressed).

## Why it matters
A misspelt code suppresses nothing while looking as if it did.

## Example
```
# phasec: ignore[PC6O5] -- letter O instead of zero
```
reports `unknown rule PC6O5 in suppression`.
"""

from __future__ import annotations

from phasec.compiler.rules.base import rule


@rule("PC903", "unknown-suppressed-code")
def check(ctx):
    return ()  # reported by phasec.compiler.suppress
