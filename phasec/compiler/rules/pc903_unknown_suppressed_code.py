"""A suppression names a code that is not a lint rule.

## What it does
Reports codes in `# phasec: ignore[...]` that are not rule codes (typos, or
front-end codes such as syntax errors, which cannot be suppressed).  The same
code reports, as an error at its place in the configuration file, a code in
`select`, `ignore` or `[tool.phasec.severity]` that names no code (a prefix
must match at least one; a severity key must be a whole code), with the
closest code suggested; the command stops there (exit 2).

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


@rule("PC903", "unknown-suppressed-code", reads_prose=False)
def check(ctx):
    return ()  # reported by phasec.compiler.suppress
