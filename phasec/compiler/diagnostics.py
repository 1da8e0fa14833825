"""Diagnostics: data over spans, rendered last by separate renderers."""

from __future__ import annotations

from phasec.diagnostics import Diagnostic, DiagnosticBag, Edit, Fix, Related, Severity
from phasec.source import Span

__all__ = [
    "Diagnostic",
    "DiagnosticBag",
    "Edit",
    "Fix",
    "Related",
    "Severity",
    "close_matches",
    "did_you_mean",
    "replace_fix",
    "suggest",
]


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
