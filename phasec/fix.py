"""Applying fixes (`phasec lint --fix`): text edits carried by diagnostics.

A diagnostic may carry a :class:`~phasec.compiler.diagnostics.Fix` — a list of
edits (replace the text of a span).  ``safe`` fixes resolve the finding
without changing anything else the runbook says; only those are applied here.
Unsafe fixes (a guessed keyword or reference) are offered to editors as code
actions and never applied in bulk.

:func:`fix_text` is pure: it analyses the text, applies every safe fix whose
edits do not overlap an edit already chosen (back to front, so earlier offsets
stay valid), analyses the result again and repeats until nothing is left to
fix (fixes that overlapped get their turn in the next round).  Text with
syntax errors is never touched, and a round whose result has syntax errors is
discarded.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from phasec.compiler.diagnostics import Diagnostic, Edit, Fix, Severity
from phasec.source import SourceFile

if TYPE_CHECKING:
    from phasec.compiler.config import Config

#: Rounds of fix + re-lint before giving up (each round fixes at least one finding).
MAX_ROUNDS = 10


@dataclass
class FixResult:
    text: str
    fixed: int = 0  # findings resolved by applied fixes
    refused: bool = False  # the text has syntax errors: nothing was done
    diagnostics: list[Diagnostic] = field(default_factory=list)  # of the final text

    @property
    def changed(self) -> bool:
        return self.fixed > 0


def _syntax_errors(diags: list[Diagnostic]) -> bool:
    return any(d.code.startswith("PC0") and d.severity is Severity.ERROR for d in diags)


def _offsets(src: SourceFile, edit: Edit) -> tuple[int, int]:
    def offset(line: int, col: int) -> int:
        if line > src.line_count:
            return len(src.text)
        return min(src._line_starts[line - 1] + col - 1, len(src.text))

    s = edit.span
    return offset(s.line, s.column), offset(s.end_line, s.end_column)


def apply_fixes(
    text: str, diagnostics: list[Diagnostic], path: str = "<input>", *, unsafe: bool = False
) -> tuple[str, int]:
    """Apply the (safe) fixes of ``diagnostics`` to ``text`` once: (new text, findings fixed).

    A fix is atomic (all of its edits or none); identical fixes carried by
    several findings are applied once and count for each; a fix overlapping
    one already chosen is left for the next round.
    """
    src = SourceFile(path, text)
    by_fix: dict[tuple, list[Diagnostic]] = {}
    ranges: dict[tuple, list[tuple[int, int, str]]] = {}
    for d in diagnostics:
        fix: Fix | None = d.fix
        if fix is None or not fix.edits or (not fix.safe and not unsafe):
            continue
        if d.span.file != path:
            continue
        rs = sorted((*_offsets(src, e), e.replacement) for e in fix.edits)
        key = tuple(rs)
        by_fix.setdefault(key, []).append(d)
        ranges[key] = rs
    chosen: list[tuple[int, int, str]] = []
    fixed = 0
    # Earliest finding first, so that the outcome does not depend on rule order.
    for key in sorted(by_fix, key=lambda k: (k[0][0], k[-1][1], k)):
        rs = ranges[key]
        if any(_overlaps(a, b, c, d) for a, b, _ in rs for c, d, _ in chosen):
            continue
        if any(_overlaps(a, b, c, d) for i, (a, b, _) in enumerate(rs) for (c, d, _) in rs[i + 1 :]):
            continue  # a malformed fix: its own edits overlap
        chosen.extend(rs)
        fixed += len(by_fix[key])
    out = text
    for start, end, replacement in sorted(chosen, key=lambda r: (r[0], r[1]), reverse=True):
        out = out[:start] + replacement + out[end:]
    return out, fixed


def _overlaps(a: int, b: int, c: int, d: int) -> bool:
    """Do [a, b) and [c, d) overlap?  Two insertions at the same point count as overlapping."""
    if a == b and c == d:
        return a == c
    if a == b:
        return c < a < d
    if c == d:
        return a < c < b
    return a < d and c < b


def fix_text(text: str, path: str = "<input>", *, config: Config | None = None) -> FixResult:
    """Apply safe fixes until none is left; the final text's diagnostics come with it."""
    from phasec.compiler.pipeline import analyze

    res = analyze(text, path, config=config)
    if _syntax_errors(res.diagnostics):
        return FixResult(text, 0, True, res.diagnostics)
    total = 0
    for _ in range(MAX_ROUNDS):
        new, fixed = apply_fixes(text, res.diagnostics, path)
        if fixed == 0 or new == text:
            break
        after = analyze(new, path, config=config)
        if _syntax_errors(after.diagnostics):  # a bad fix: keep what we had
            break
        text, res, total = new, after, total + fixed
    return FixResult(text, total, False, res.diagnostics)
