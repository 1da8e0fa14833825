"""Inline suppressions: ``# phasec: ignore[PC605] -- reason``.

A suppression comment at the end of a line applies to diagnostics that start
on that line; on a line of its own it applies to the next line.  A reason is
required (after ``--`` or ``:``); without one the comment suppresses nothing
and PC902 is reported.  Codes that suppress nothing are reported by PC901,
unknown codes by PC903.
"""

from __future__ import annotations

import re

from phasec.compiler.diagnostics import Diagnostic, Edit, Fix, Severity
from phasec.grammar.tree import Comment, Document
from phasec.source import Span

_PATTERN = re.compile(r"#\s*phasec:\s*ignore\s*\[([^\]]*)\]\s*(?:(?:--|:)\s*(.*))?$", re.I)
_LOOSE = re.compile(r"#\s*phasec\s*:", re.I)


def _make(code: str, message: str, span: Span, help: str, config, fix: Fix | None = None) -> Diagnostic | None:
    from phasec.compiler.rules import get_rule

    r = get_rule(code)
    sev = r.severity if r else Severity.WARNING
    d = Diagnostic(code=code, severity=sev, message=message, span=span, help=help, fix=fix)
    if config is not None:
        if not config.enabled(code):
            return None
        d = config.regrade(d)
    return d


def apply_suppressions(doc: Document, diags: list[Diagnostic], config=None) -> list[Diagnostic]:
    from phasec.compiler.rules import FRONT_END, get_rule

    src = doc.source
    # (target line, codes, span, used set, (comment, its match, on a line of its own))
    entries: list[tuple[int, list[str], Span, set[str], tuple[Comment, re.Match[str], bool]]] = []
    extra: list[Diagnostic] = []
    for c in doc.comments:
        m = _PATTERN.search(c.text)
        if not m:
            if _LOOSE.search(c.text):
                d = _make(
                    "PC902",
                    "malformed suppression comment",
                    c.span,
                    "write `# phasec: ignore[CODE] -- why this is fine`",
                    config,
                )
                if d:
                    extra.append(d)
            continue
        codes = [x.strip().upper() for x in m.group(1).split(",") if x.strip()]
        reason = (m.group(2) or "").strip()
        if not reason:
            d = _make(
                "PC902",
                "suppression without a reason",
                c.span,
                "add the reason after `--`: `# phasec: ignore[CODE] -- why this is fine`",
                config,
            )
            if d:
                extra.append(d)
            continue
        own_line = src.line_text(c.span.line)[: c.span.column - 1].strip() == ""
        target = c.span.line
        if own_line:
            target = c.span.line + 1
            while target <= src.line_count and src.line_text(target).strip().startswith("#"):
                target += 1
        valid = []
        for code in codes:
            if get_rule(code) is None:
                hint = (
                    "front-end errors cannot be suppressed" if code in FRONT_END else "run `phasec rules` for the list"
                )
                d = _make("PC903", f"unknown rule `{code}` in suppression", c.span, hint, config)
                if d:
                    extra.append(d)
            else:
                valid.append(code)
        entries.append((target, valid, c.span, set(), (c, m, own_line)))
    if not entries:
        return diags + extra
    kept = []
    for d in diags:
        hit = None
        for target, codes, _span, used, _c in entries:
            if d.span.line == target and d.code in codes:
                hit = used
                break
        if hit is None:
            kept.append(d)
        else:
            hit.add(d.code)
    for _target, codes, span, used, (comment, match, own_line) in entries:
        unused = {code for code in codes if code not in used}
        fix = _unused_fix(src, comment, match, own_line, unused) if unused else None
        for code in codes:
            if code not in used:
                d = _make(
                    "PC901",
                    f"suppression of {code} suppresses nothing",
                    span,
                    "remove it (the problem is gone) or move it to the line it is meant for",
                    config,
                    fix,
                )
                if d:
                    extra.append(d)
    return kept + extra


def _unused_fix(src, comment, match, own_line: bool, unused: set[str]) -> Fix:
    """Remove the unused codes from a suppression, or the whole comment when nothing is left.

    Every PC901 finding of one comment carries the same fix (all its unused
    codes at once), so applying any of them resolves them all.
    """
    written = [x.strip() for x in match.group(1).split(",") if x.strip()]
    kept = [x for x in written if x.upper() not in unused]
    sp = comment.span
    if kept:
        col = sp.column + match.start(1)
        end = sp.column + match.end(1)
        edit = Edit(
            span=Span(file=sp.file, line=sp.line, column=col, end_line=sp.line, end_column=end),
            replacement=", ".join(kept),
        )
        return Fix(description="remove the unused codes from the suppression", edits=[edit])
    if match.start() > 0:  # prose before the suppression in the same comment: keep it
        start = sp.column + len(comment.text[: match.start()].rstrip())
        tail = Span(file=sp.file, line=sp.line, column=start, end_line=sp.end_line, end_column=sp.end_column)
        return Fix(description="remove the unused suppression", edits=[Edit(span=tail, replacement="")])
    if own_line:
        if sp.line < src.line_count:
            whole = Span(file=sp.file, line=sp.line, column=1, end_line=sp.line + 1, end_column=1)
        else:
            whole = Span(file=sp.file, line=sp.line, column=1, end_line=sp.end_line, end_column=sp.end_column)
        return Fix(description="remove the unused suppression comment", edits=[Edit(span=whole, replacement="")])
    before = src.line_text(sp.line)[: sp.column - 1].rstrip()
    start = len(before) + 1
    gap = Span(file=sp.file, line=sp.line, column=start, end_line=sp.end_line, end_column=sp.end_column)
    return Fix(description="remove the unused suppression comment", edits=[Edit(span=gap, replacement="")])
