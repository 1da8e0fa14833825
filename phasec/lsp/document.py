"""The server's copy of an open document: pygls' ``TextDocument``, with an edit applied in time
proportional to the edit, not to the document.

pygls applies an incremental change (``didChange`` with a range) by splitting the whole
text into lines and writing every line into a new string: 5.4 ms per keystroke on a
runbook of 40,000 lines (docs/performance.md, *The transport*), before the server sees the
edit.  :class:`PhasecDocument` finds the two ends of the range from a remembered line
start near the last edit (editing is local: typing moves it by a line or none) and splices
the text once.  The result is pygls' own, character for character: the position of each
end is converted from the client's units by pygls' codec, on the very line pygls would
pass it; ``tests/test_lsp_document.py`` compares both over random edit sequences.

The shortcut applies while every line of the text ends in ``\\n`` alone.  pygls splits
lines with ``str.splitlines``, which also breaks at ``\\r``, form feeds, ``U+2028`` and a
few other separators; a text holding any of them (a CRLF file, say) is left to pygls
whole, as is any change whose range pygls handles specially (an end beyond the last line,
or before the start).
"""

from __future__ import annotations

import re

from lsprotocol import types
from pygls.workspace import TextDocument

#: Characters other than ``\n`` at which ``str.splitlines`` breaks a line.
_OTHER_BREAKS = re.compile("[\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]")


class PhasecDocument(TextDocument):
    """A ``TextDocument`` whose incremental changes cost what the edit touches (see the module doc)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        text = self._source
        #: whether every line break of the text is a ``\n`` (then the shortcut applies)
        self.plain = text is not None and _OTHER_BREAKS.search(text) is None
        self._newlines = text.count("\n") if self.plain and text is not None else 0
        self._hint = (0, 0)  # (a line, the offset where it starts) in the current text
        #: how many changes took the shortcut (for tests and timings)
        self.fast_changes = 0

    @classmethod
    def like(cls, doc: TextDocument) -> PhasecDocument:
        """A copy of pygls' document ``doc`` (same URI, text, version, language and position codec)."""
        return cls(
            doc.uri,
            source=doc.source,
            version=doc.version,
            language_id=doc.language_id,
            sync_kind=types.TextDocumentSyncKind.Incremental,
            position_codec=doc.position_codec,
        )

    def apply_change(self, change: types.TextDocumentContentChangeEvent) -> None:
        if (
            self.plain
            and self._is_sync_kind_incremental
            and isinstance(change, types.TextDocumentContentChangePartial)
            and self._apply_fast(change)
        ):
            self.fast_changes += 1
            return
        super().apply_change(change)
        text = self._source or ""
        self.plain = _OTHER_BREAKS.search(text) is None
        self._newlines = text.count("\n")
        self._hint = (0, 0)

    def _line_count(self, text: str) -> int:
        """``len(text.splitlines(True))`` of a plain text."""
        return self._newlines + (1 if text and not text.endswith("\n") else 0)

    def _line_start(self, text: str, line: int) -> int:
        """The offset where 0-based ``line`` starts, walked from the remembered line start."""
        at, off = self._hint
        if line < at and line < at - line:  # nearer from the start of the text
            at, off = 0, 0
        while at < line:
            off = text.index("\n", off) + 1
            at += 1
        while at > line:
            off = text.rfind("\n", 0, off - 1) + 1
            at -= 1
        self._hint = (line, off)
        return off

    def _offset(self, text: str, pos: types.Position) -> int:
        """The offset in ``text`` of a position in the client's units, as pygls converts it."""
        start = self._line_start(text, pos.line)
        end = text.find("\n", start)
        line = text[start:] if end == -1 else text[start : end + 1]
        probe = types.Position(line=0, character=pos.character)
        return start + self.position_codec.position_from_client_units([line], probe).character

    def _apply_fast(self, change: types.TextDocumentContentChangePartial) -> bool:
        text = self._source
        if text is None:
            return False
        start, end = change.range.start, change.range.end
        lines = self._line_count(text)
        if not (start.line < lines and end.line < lines and (start.line, start.character) <= (end.line, end.character)):
            return False
        a = self._offset(text, start)
        hint = self._hint  # the start's line: before ``a``, so still right after the splice
        b = self._offset(text, end)
        self._hint = hint
        new = change.text
        self._newlines += new.count("\n") - text.count("\n", a, b)
        self._source = text[:a] + new + text[b:]
        if _OTHER_BREAKS.search(new) is not None:
            self.plain = False
        return True
