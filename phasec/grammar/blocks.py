"""Parsing a file top-level block by top-level block.

The grammar is generic (a file is a list of ``keyword value... { ... }``
statements), so top-level statements are independent: a piece of text that
starts at the beginning of a line and ends at the end of a line parses, alone,
into the very statements the whole file has there, provided the piece parses
without a single diagnostic.  (The lexer has no state but the position, so the
tokens of a piece are the file's unless one crosses its ends; the only tokens
that can cross a line end are multi-line strings, whose piece then holds an
unterminated one, an error, and line ends, which the grammar takes at both
ends of a file.)

Both ``phasec lint``/``compile`` (``pipeline.parse``) and the language server
(phasec/lsp/incremental.py) parse this way, with this module:

* :func:`block_starts` finds, with one regular-expression scan that skips
  strings and comments and counts braces, the line starts where a top-level
  statement begins;
* :func:`parse_blocks` parses the text between them a block at a time (small
  consecutive blocks together, up to :data:`GROUP_CHARS`), so that Lark's
  syntax tree (a token object per word, the largest structure the front end
  builds) exists for one block or a few small ones instead of the whole file,
  and returns the pieces as :class:`Chunk` s: a run of whole lines holding one
  top-level statement (or several that share lines, as in ``a {}; b``) and the
  blank lines and comments after it; the first chunk also holds what precedes
  the first statement.

When a piece does not parse cleanly (a syntax error, a repaired token, an
escape the parser reports...), or when the scan guessed a boundary wrong, the
whole text is parsed as one, by the recovering parser when needed: the
diagnostics of a file with errors are exactly those of a whole-file parse.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from phasec.diagnostics import Diagnostic, DiagnosticBag
from phasec.grammar.tree import Comment, Document, Statement
from phasec.source import SourceFile, Span

# What can hide a brace or a line start: multi-line strings (closed or not, with the
# lexer's escapes), one-line strings, comments; then the braces, and a line end
# followed by what starts a statement (a keyword).
_SCAN = re.compile(
    r'"""[^"\\]*(?:(?:\\[\s\S]|"(?!""))[^"\\]*)*(?:"""|\Z)'  # a multi-line string, closed or not
    r'|"[^"\\\n]*(?:\\.[^"\\\n]*)*"?'  # a one-line string, closed or not
    r"|#[^\n]*|[{}]|\n(?=[ \t]*[A-Za-z_])"
)
#: Consecutive blocks are parsed together up to this many characters (a block longer than
#: this alone): Lark's tree of 16 KB of runbook is about 0.5 MB, and each call to Lark
#: costs a few dozen microseconds of set-up, which one call per small block would repeat.
GROUP_CHARS = 16 * 1024
_BLANK = re.compile(r"(?:[ \t\r\n;]|#[^\n]*)*")


@dataclass(frozen=True)
class Chunk:
    start: int  # offset of its first character (the start of a line)
    end: int  # offset after its last character (the start of the next chunk's line, or the end of the text)
    statements: tuple[Statement, ...]
    comments: tuple[Comment, ...]


def block_starts(text: str) -> list[int]:
    """The offsets where the chunks of ``text`` start: 0, then each line start where a top-level
    statement begins (at brace depth 0, outside strings), except the first statement's."""
    cuts = [0]
    depth = 0
    for m in _SCAN.finditer(text):
        ch = m.group(0)
        if ch == "\n":
            if depth == 0:
                cuts.append(m.end())
        elif ch == "{":
            depth += 1
        elif ch == "}":
            depth = max(0, depth - 1)
    if len(cuts) > 1 and _BLANK.fullmatch(text, 0, cuts[1]):
        del cuts[1]  # only blank lines and comments before the first statement: it belongs to chunk 0
    return cuts


class _Piece(SourceFile):
    """The text of one chunk, parsed alone: spans are moved down by the lines before it."""

    def __init__(self, path: str, text: str, line0: int):
        # line_numbers[k]: line k of the piece in the file, one int object per line (a span's
        # lines are these objects, not a new int each, as Lark shares one per line).
        super().__init__(path, text, line0=line0, line_numbers=list(range(line0, line0 + text.count("\n") + 2)))

    def span(self, start: int, end: int) -> Span:
        line, col = self.position(start)
        end_line, end_col = self.position(end)
        d = self.line0
        return Span(self.path, line + d, col, end_line + d, end_col)


def parse_chunks(
    text: str, path: str, top_level: frozenset[str], *, line0: int = 0, offset: int = 0, each=None
) -> list[Chunk] | None:
    """The chunks of ``text``, parsed a few at a time (:data:`GROUP_CHARS`); None when one does
    not parse cleanly.

    ``text`` starts at a line start of its file, after ``line0`` lines and ``offset``
    characters (the language server re-parses a fragment of a document): spans and chunk
    offsets are those of the file.  ``each``: called with the chunks of each group as soon
    as they are parsed, instead of collecting them (the list returned is then empty), so
    that the caller may keep what it needs of them and let the rest go (:func:`parse_compact`).
    """
    from phasec.grammar.limits import too_deep
    from phasec.grammar.parser import _fast

    if too_deep(text) is not None:
        return None
    starts = block_starts(text)
    ends = starts[1:] + [len(text)]
    chunks: list[Chunk] = []
    bag = DiagnosticBag()
    line = line0
    k, n = 0, len(starts)
    while k < n:
        m = k + 1  # blocks k..m-1 are parsed together
        while m < n and ends[m] - starts[k] <= GROUP_CHARS:
            m += 1
        piece = text[starts[k] : ends[m - 1]]
        got = _fast(_Piece(path, piece, line), bag, top_level)
        if got is None or bag.items:
            return None
        group = _divide(text, starts[k:m], ends[k:m], line, offset, got)
        if group is None:
            return None
        if each is None:
            chunks.extend(group)
        else:
            each(group)
        del got, group
        line += piece.count("\n")
        k = m
    return chunks


def _divide(text, starts, ends, line, offset, got) -> list[Chunk] | None:
    """The chunks of blocks parsed together: each statement and comment goes to the block of its line."""
    from bisect import bisect_right

    statements, comments = got
    firsts = []  # the file line each block starts on
    for i, s in enumerate(starts):
        if i:
            line += text.count("\n", starts[i - 1], s)
        firsts.append(line + 1)
    parts: list[tuple[list, list]] = [([], []) for _ in starts]
    for st in statements:
        i = bisect_right(firsts, st.span.line) - 1
        if i + 1 < len(firsts) and st.span.end_line >= firsts[i + 1]:
            return None  # a statement across a block boundary: the scan was wrong, parse it all
        parts[max(i, 0)][0].append(st)
    for c in comments:
        parts[max(bisect_right(firsts, c.span.line) - 1, 0)][1].append(c)
    out = []
    for s, e, (sts, cs) in zip(starts, ends, parts, strict=True):
        cs.sort(key=lambda c: (c.span.line, c.span.column))
        out.append(Chunk(s + offset, e + offset, tuple(sts), tuple(cs)))
    return out


def parse_blocks(
    text: str, path: str = "<input>", *, top_level: frozenset[str] = frozenset()
) -> tuple[Document, list[Diagnostic], list[Chunk] | None]:
    """(document, syntax diagnostics, chunks or None): what ``parser.parse`` gives, parsed block by block.

    The chunks are None when the text was parsed as a whole (it has a syntax error,
    or is nested too deep).
    """
    from phasec.grammar.parser import parse

    chunks = parse_chunks(text, path, top_level)
    if chunks is None:
        doc, diags = parse(text, path, top_level=top_level)
        return doc, diags, None
    statements = [st for c in chunks for st in c.statements]
    comments = [x for c in chunks for x in c.comments]
    comments.sort(key=lambda c: (c.span.line, c.span.column))
    return Document(SourceFile(path, text), statements, comments), [], chunks


def parse_compact(
    text: str, path: str = "<input>", *, top_level: frozenset[str] = frozenset()
) -> tuple[Document, list[Diagnostic]]:
    """What :func:`parse_blocks` gives (document, syntax diagnostics), the document in compact form.

    Each group of blocks is put into a :class:`phasec.grammar.compact.CompactDocument` as
    soon as it is parsed, so that the full syntax tree of a few blocks at most is ever
    alive (docs/performance.md, *Memory*); its statements are rebuilt from it on demand,
    equal to the parser's.  A text that does not parse cleanly is parsed as
    :func:`parse_blocks` parses it, into an ordinary document.
    """
    from phasec.grammar.compact import CompactDocument, Unfit
    from phasec.grammar.parser import parse

    doc = CompactDocument(SourceFile(path, text))
    comments: list[Comment] = []

    def each(group: list[Chunk]) -> None:
        for c in group:
            doc.extend(c.statements)
            comments.extend(c.comments)

    try:
        chunks = parse_chunks(text, path, top_level, each=each)
    except Unfit:  # a statement the compact form cannot hold (none the parser builds): as parse_blocks
        return parse_blocks(text, path, top_level=top_level)[:2]
    if chunks is None:
        return parse(text, path, top_level=top_level)
    comments.sort(key=lambda c: (c.span.line, c.span.column))
    doc.comments = comments
    doc.finish()
    return doc, []
