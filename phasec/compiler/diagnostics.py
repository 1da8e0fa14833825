"""Diagnostics: data over spans, rendered last by separate renderers."""

from __future__ import annotations

from enum import Enum

from pydantic import BaseModel, Field

from phasec.source import Span


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        return {"error": 2, "warning": 1, "info": 0}[self.value]


class Related(BaseModel):
    """A secondary location with its own short message (e.g. one edge of a cycle)."""

    span: Span
    message: str


class Edit(BaseModel):
    """Replace the text of ``span`` with ``replacement`` (an empty span inserts)."""

    span: Span
    replacement: str


class Fix(BaseModel):
    """A change that resolves a diagnostic; ``safe`` fixes never change meaning beyond the finding."""

    description: str
    edits: list[Edit]
    safe: bool = True


class Diagnostic(BaseModel):
    """One finding: a permanent code, a severity, a message over a primary span."""

    code: str
    severity: Severity
    message: str
    span: Span
    related: list[Related] = Field(default_factory=list)
    help: str | None = None
    fix: Fix | None = None

    def sort_key(self) -> tuple:
        return (self.span.file, self.span.line, self.span.column, self.code, self.message)


class DiagnosticBag:
    """Collects diagnostics during one pipeline run."""

    def __init__(self) -> None:
        self.items: list[Diagnostic] = []

    def add(
        self,
        code: str,
        message: str,
        span: Span,
        *,
        severity: Severity = Severity.ERROR,
        help: str | None = None,
        related: list[Related] | None = None,
    ) -> Diagnostic:
        diag = Diagnostic(
            code=code, severity=severity, message=message, span=span, help=help, related=related or []
        )
        self.items.append(diag)
        return diag

    def error(self, code: str, message: str, span: Span, **kw) -> Diagnostic:
        return self.add(code, message, span, severity=Severity.ERROR, **kw)

    def warning(self, code: str, message: str, span: Span, **kw) -> Diagnostic:
        return self.add(code, message, span, severity=Severity.WARNING, **kw)

    def extend(self, diags: list[Diagnostic]) -> None:
        self.items.extend(diags)

    @property
    def has_errors(self) -> bool:
        return any(d.severity is Severity.ERROR for d in self.items)

    def sorted(self) -> list[Diagnostic]:
        return sorted(self.items, key=Diagnostic.sort_key)


def _distance(a: str, b: str) -> int:
    """Levenshtein distance (small strings only)."""
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def suggest(name: str, candidates) -> str | None:
    """The closest candidate to ``name``, or None when nothing is close.

    Case-insensitive equality wins; short ids (``C0``/``C1``) match at edit
    distance 1; longer names use difflib's ratio (>= 0.6).
    """
    import difflib

    cands = sorted(set(candidates))
    if not cands:
        return None
    lowered = {c.lower(): c for c in cands}
    if name.lower() in lowered and lowered[name.lower()] != name:
        return lowered[name.lower()]
    if len(name) <= 4:
        close = [c for c in cands if _distance(name.lower(), c.lower()) == 1]
        if close:
            return close[0]
    matches = difflib.get_close_matches(name, cands, n=1, cutoff=0.6)
    return matches[0] if matches else None


def close_matches(name: str, candidates) -> list[str]:
    """Every candidate as close to ``name`` as the one :func:`suggest` picks (same criteria).

    A fix that replaces ``name`` is offered only when this has exactly one element.
    """
    import difflib

    cands = sorted(set(candidates))
    if not cands:
        return []
    lowered = {c.lower(): c for c in cands}
    if name.lower() in lowered and lowered[name.lower()] != name:
        return [lowered[name.lower()]]
    if len(name) <= 4:
        close = [c for c in cands if _distance(name.lower(), c.lower()) == 1]
        if close:
            return close
    return difflib.get_close_matches(name, cands, n=len(cands), cutoff=0.6)


def replace_fix(span: Span, old: str, new: str, *, safe: bool) -> Fix:
    """A fix that replaces the text at ``span`` (``old``) with ``new``."""
    return Fix(description=f"replace `{old}` with `{new}`", edits=[Edit(span=span, replacement=new)], safe=safe)


def did_you_mean(name: str, candidates) -> str | None:
    best = suggest(name, candidates)
    return f"did you mean `{best}`?" if best else None
