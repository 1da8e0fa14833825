"""``textDocument/formatting`` and ``textDocument/rangeFormatting``: the layout of ``phasec fmt``.

The formatter is :func:`phasec.format.format_text`, the one ``phasec fmt`` uses, with
the same refusals: a document with syntax errors, or one whose meaning the new
layout would change (:func:`phasec.format.meaning_change`), is left unchanged and
the server says why (``window/showMessage``).

The edits are line-based hunks of a diff between the document and its formatted
text, so an editor keeps the cursor and the folds of the lines that do not move.
Range formatting applies the hunks of the whole-document layout that touch the
selected lines (the layout of a block depends on its neighbours, so the formatter
has no smaller unit).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from lsprotocol import types

from phasec.lsp.positions import chars_to_units


@dataclass(frozen=True)
class Formatted:
    """The edits (None: leave the document unchanged) and, when refused, why."""

    edits: list[types.TextEdit] | None
    message: str | None = None


def _line_end(lines: list[str], i: int, encoding: str) -> types.Position:
    """The position where line ``i`` starts (or the end of the document when ``i`` is past the last line)."""
    if i < len(lines):
        return types.Position(line=i, character=0)
    if not lines:
        return types.Position(line=0, character=0)
    last = lines[-1]
    if last.endswith(("\n", "\r")):
        return types.Position(line=len(lines), character=0)
    return types.Position(line=len(lines) - 1, character=chars_to_units(last, len(last), encoding))


def line_edits(old: str, new: str, encoding: str) -> list[types.TextEdit]:
    """Line-based edits turning ``old`` into ``new`` (in document order, none overlapping)."""
    a = old.splitlines(keepends=True)
    b = new.splitlines(keepends=True)
    edits = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        edits.append(
            types.TextEdit(
                range=types.Range(start=_line_end(a, i1, encoding), end=_line_end(a, i2, encoding)),
                new_text="".join(b[j1:j2]),
            )
        )
    return edits


def format_document(text: str, path: str, encoding: str) -> Formatted:
    """The edits that give ``text`` the layout of ``phasec fmt`` (``[]`` when it has it already)."""
    from phasec.format import FormatError, format_text, meaning_change

    name = path.rsplit("/", 1)[-1] or path
    try:
        new = format_text(text, path)
    except FormatError as exc:
        first = exc.diagnostics[0]
        where = f"{first.span.line}:{first.span.column}"
        n = len(exc.diagnostics)
        return Formatted(
            None,
            f"phasec: {name} not formatted: {n} syntax error{'s' if n != 1 else ''} "
            f"(first at {where}: {first.code} {first.message})",
        )
    if new == text:
        return Formatted([])
    change = meaning_change(text, new, path)
    if change == "findings":
        return Formatted(
            None,
            f"phasec: {name} not formatted: the layout would move a trailing `# phasec: ignore` comment away "
            "from the code it suppresses; put that code on a line of its own first",
        )
    if change is not None:
        return Formatted(
            None, f"phasec: {name} not formatted: the layout would change what the runbook means (a bug in phasec)"
        )
    return Formatted(line_edits(text, new, encoding))


def format_range(text: str, path: str, encoding: str, rng: types.Range) -> Formatted:
    """The edits of :func:`format_document` that touch the lines of ``rng``."""
    res = format_document(text, path, encoding)
    if not res.edits:
        return res
    first = rng.start.line
    # A range ending at character 0 of a line selects the lines before it.
    last = rng.end.line - 1 if rng.end.character == 0 and rng.end.line > first else rng.end.line
    kept = []
    for e in res.edits:
        lo = e.range.start.line
        # an edit's end is the start of the line after it (or the end of the document);
        # an insertion (empty range) touches the line it is inserted before
        hi = max(lo, e.range.end.line - 1 if e.range.end.character == 0 else e.range.end.line)
        if lo <= last and hi >= first:
            kept.append(e)
    return Formatted(kept)
