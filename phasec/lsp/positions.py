"""Positions: phasec spans (code points) <-> LSP positions (code units).

phasec spans count Python ``str`` characters, i.e. Unicode code points, with
1-based lines and columns and an exclusive end.  LSP positions are 0-based and
count *code units* of the negotiated position encoding: UTF-16 by default
(an emoji outside the Basic Multilingual Plane is two units), UTF-8 (bytes) or
UTF-32 (code points) when client and server agree on it at initialisation.

One :class:`PositionMapper` is built per analysed text; conversions touch only
the line concerned, and ASCII lines take a fast path.
"""

from __future__ import annotations

from lsprotocol import types

from phasec.source import Span

UTF8, UTF16, UTF32 = "utf-8", "utf-16", "utf-32"


def _units(text: str, encoding: str) -> int:
    """Code units of ``text`` in ``encoding``."""
    if encoding == UTF32 or text.isascii():
        return len(text)
    if encoding == UTF8:
        return len(text.encode("utf-8", "surrogatepass"))
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def _char_units(ch: str, encoding: str) -> int:
    o = ord(ch)
    if encoding == UTF32:
        return 1
    if encoding == UTF8:
        return 1 if o < 0x80 else 2 if o < 0x800 else 3 if o < 0x10000 else 4
    return 2 if o > 0xFFFF else 1


def units_to_chars(line: str, units: int, encoding: str = UTF16) -> int:
    """The code-point index in ``line`` of a code-unit offset (clamped to the line).

    An offset that falls inside a character (between the two halves of a UTF-16
    surrogate pair, or inside a UTF-8 sequence) maps to the character's start.
    """
    if units <= 0:
        return 0
    if encoding == UTF32 or line.isascii():
        return min(units, len(line))
    seen = 0
    for i, ch in enumerate(line):
        n = _char_units(ch, encoding)
        if seen + n > units:
            return i
        seen += n
    return len(line)


def chars_to_units(line: str, chars: int, encoding: str = UTF16) -> int:
    """The code-unit offset of code-point index ``chars`` in ``line``."""
    chars = max(0, min(chars, len(line)))
    return _units(line[:chars], encoding)


def _lines(text: str) -> list[str]:
    # LSP and phasec agree on "\n" as the line separator; a "\r" before it is
    # the end of the line's content for both.
    return [ln[:-1] if ln.endswith("\r") else ln for ln in text.split("\n")]


class PositionMapper:
    """Converts between phasec spans and LSP ranges for one text."""

    def __init__(self, text: str, encoding: str = UTF16):
        self.encoding = str(encoding.value if isinstance(encoding, types.PositionEncodingKind) else encoding)
        self.lines = _lines(text)

    @classmethod
    def edited(
        cls, previous: PositionMapper, text: str, start: int, old_end: int, new_end: int, lines: tuple | None = None
    ) -> PositionMapper:
        """The mapper of ``text``, which is the previous version's text with ``[start, old_end)``
        replaced by ``text[start:new_end]``: ``previous``'s lines, those the edit touched split
        again.  Equal to ``PositionMapper(text, previous.encoding)`` (tests/test_source_lines.py).

        The lines before the one holding ``start`` end in the common prefix, the lines after the
        one holding ``new_end`` lie in the common suffix: the same strings in both versions.
        ``lines``: (lines before ``start``, line ends in the previous text's ``[start, old_end)``)
        when the caller knows them (the parse does), else they are counted in the text.
        """
        first = text.rfind("\n", 0, start) + 1  # the start of the line holding ``start``
        last = text.find("\n", new_end)  # the end of the line holding ``new_end``
        old = previous.lines
        if lines is not None:
            a, removed = lines
            # the previous version's lines from ``first`` to the end of the one holding ``old_end``:
            # no line end between ``first`` and ``start``, nor between ``old_end`` and that end
            after = len(old) - a - removed - 1
        else:
            a = text.count("\n", 0, first)  # lines before
            after = 0 if last == -1 else text.count("\n", last + 1) + 1  # lines after, the same in both
        if last == -1:
            new = old[:a] + _lines(text[first:])
        else:
            new = old[:a] + _lines(text[first:last]) + old[len(old) - after :]
        m = cls.__new__(cls)
        m.encoding = previous.encoding
        m.lines = new
        return m

    def line(self, index0: int) -> str:
        if 0 <= index0 < len(self.lines):
            return self.lines[index0]
        return ""

    # phasec (1-based, code points) -> LSP (0-based, code units)
    def position(self, line: int, column: int) -> types.Position:
        i = line - 1
        if i >= len(self.lines):
            i = len(self.lines) - 1
            return types.Position(line=max(i, 0), character=_units(self.line(i), self.encoding))
        if i < 0:
            return types.Position(line=0, character=0)
        return types.Position(line=i, character=chars_to_units(self.lines[i], column - 1, self.encoding))

    def range(self, span: Span) -> types.Range:
        return types.Range(
            start=self.position(span.line, span.column), end=self.position(span.end_line, span.end_column)
        )

    # LSP -> phasec
    def to_point(self, pos: types.Position) -> tuple[int, int]:
        """1-based (line, column) in code points of an LSP position."""
        line = self.line(pos.line)
        return pos.line + 1, units_to_chars(line, pos.character, self.encoding) + 1
