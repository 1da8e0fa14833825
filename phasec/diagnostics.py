"""Diagnostics as data: a code, a severity, a message over a span.

A neutral module: the parser (``phasec.grammar``) and the compiler both use
these types, and it imports neither.  ``phasec.compiler.diagnostics``
re-exports them together with the suggestion helpers.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from phasec.source import Span


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        return {"error": 2, "warning": 1, "info": 0}[self.value]


#: The models build their pydantic schemas at their first use, not at import: a
#: clean lint never builds them (issue 12, start-up).
_DEFERRED = ConfigDict(defer_build=True)


class Related(BaseModel):
    """A secondary location with its own short message (e.g. one edge of a cycle)."""

    model_config = _DEFERRED

    span: Span
    message: str


class Edit(BaseModel):
    """Replace the text of ``span`` with ``replacement`` (an empty span inserts)."""

    model_config = _DEFERRED

    span: Span
    replacement: str


class Fix(BaseModel):
    """A change that resolves a diagnostic; ``safe`` fixes never change meaning beyond the finding."""

    model_config = _DEFERRED

    description: str
    edits: list[Edit]
    safe: bool = True


class Diagnostic(BaseModel):
    """One finding: a permanent code, a severity, a message over a primary span."""

    model_config = _DEFERRED

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
        diag = Diagnostic(code=code, severity=severity, message=message, span=span, help=help, related=related or [])
        self.items.append(diag)
        return diag

    def error(self, code: str, message: str, span: Span, **kw: Any) -> Diagnostic:
        return self.add(code, message, span, severity=Severity.ERROR, **kw)

    def warning(self, code: str, message: str, span: Span, **kw: Any) -> Diagnostic:
        return self.add(code, message, span, severity=Severity.WARNING, **kw)

    def extend(self, diags: list[Diagnostic]) -> None:
        self.items.extend(diags)

    @property
    def has_errors(self) -> bool:
        return any(d.severity is Severity.ERROR for d in self.items)

    def sorted(self) -> list[Diagnostic]:
        return sorted(self.items, key=Diagnostic.sort_key)
