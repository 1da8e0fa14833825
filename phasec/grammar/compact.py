"""The syntax tree in compact form, for the analysis after lowering.

Once a runbook is lowered, the lint rules, their fixes and the suppressions
still read the syntax tree, but only a little of it: the statement that starts
where an IR node starts (``statement_at``), the statement holding a value
(``value_at``), the top-level statements in order (``statements``, ``walk``:
the path mentions of PC805/PC813, a `slice_prefix`), the comments and the
source text.  The tree itself (a ``Statement``, a ``Value`` and one or two
``Span`` s per word, about 215 MB of a 10,000-slice runbook) is the largest
thing the analysis would keep alive; here it is one flat array of integers,
about 12 bytes a word, from which any statement is rebuilt on demand, equal to
the one the parser built (docs/performance.md, *Memory*).

A rebuilt statement is a new object each time (equal, not identical): nothing
in the analysis keeps or compares statements by identity outside the language
server, which keeps its own full trees (phasec/lsp/incremental.py).

The layout, in the parser's (depth-first, source) order, each record a run of
ints in :attr:`CompactDocument.data`:

* a statement: keyword (an index into the keyword table), line, column,
  end line, end column of its span, its number of values, its block's number of
  statements plus one (0: no block), then, when it has a block, the block's
  span (four ints); then its values, then the statements of its block;
* a value: kind (with 8 added for a multi-line string), line, column, end line,
  end column.  Its text is the source between those positions, its decoded
  value that text decoded as the parser decodes it.

Only a tree the parser built without a single diagnostic is compacted
(:func:`compact`): its values' texts are then exactly their source and decode
without error.  Any statement that does not fit the layout (a keyword span of
its own, a block without a block span, a value of another file) keeps the tree
as it is.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Iterator, Sequence
from sys import intern

from phasec.grammar.tree import HANDLE, NAME, NUMBER, STRING, Comment, Document, Statement, Value
from phasec.source import SourceFile, Span

_KINDS = (STRING, NAME, NUMBER, HANDLE)
_KIND_CODE = {k: i for i, k in enumerate(_KINDS)}
_LONG = 8


class Unfit(Exception):
    """A statement the layout cannot hold exactly."""


def compact(doc: Document) -> Document:
    """``doc`` as a :class:`CompactDocument`, or ``doc`` itself when a statement does not fit the layout
    (or it is compact already)."""
    if isinstance(doc, CompactDocument):
        return doc
    try:
        out = CompactDocument(doc.source, doc.comments)
        out.extend(doc.statements)
    except Unfit:
        return doc
    out.finish()
    return out


class _Statements(Sequence):
    """The top-level statements, rebuilt one at a time as they are read (a list's equality)."""

    __slots__ = ("_doc",)

    def __init__(self, doc: CompactDocument) -> None:
        self._doc = doc

    def __len__(self) -> int:
        return len(self._doc.tops)

    def __getitem__(self, i):
        tops = self._doc.tops
        if isinstance(i, slice):
            return [self._doc.rebuild(p) for p in tops[i]]
        return self._doc.rebuild(tops[i])

    def __iter__(self) -> Iterator[Statement]:
        rebuild = self._doc.rebuild
        for p in self._doc.tops:
            yield rebuild(p)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, (list, tuple, _Statements)):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return repr(list(self))


class CompactDocument(Document):
    """A :class:`Document` whose statements are kept as one array of ints and rebuilt on demand.

    Built empty, then :meth:`extend` ed with top-level statements in source order (the
    parser's pieces one after the other: phasec/grammar/blocks.py ``parse_compact``),
    then :meth:`finish` ed.  ``statements`` reads as a sequence of the top-level
    statements (each rebuilt when read); :meth:`walk`, :meth:`statement_at` and
    :meth:`value_at` answer as the document of the same statements would, with
    statements equal to its own.
    """

    def __init__(self, source: SourceFile, comments: list[Comment] | None = None) -> None:
        self.source: SourceFile = source
        self.comments: list[Comment] = comments if comments is not None else []
        self.kws: list[str] = []
        self._kw_index: dict[str, int] = {}
        self.data = array("i")
        self.tops = array("i")  # the top-level statements' record positions
        self._starts = array("q")  # statement starts, (line << 32) | column, in the parser's order
        self._where = array("i")  # their records' positions in data
        self._values: tuple[array, array, array] | None = None

    def extend(self, statements) -> None:
        """Append top-level statements (in source order); :class:`Unfit` when one does not fit the layout."""
        path = self.source.path
        kws, kw_index, data, starts, where = self.kws, self._kw_index, self.data, self._starts, self._where
        push = data.extend

        def span4(sp: Span) -> tuple[int, int, int, int]:
            if sp.file is not path and sp.file != path:
                raise Unfit
            return (sp.line, sp.column, sp.end_line, sp.end_column)

        for top in statements:
            self.tops.append(len(data))
            stack: list[Statement] = [top]
            while stack:
                st = stack.pop()
                if st._kw is not None:
                    raise Unfit
                k = kw_index.get(st.keyword)
                if k is None:
                    k = kw_index[st.keyword] = len(kws)
                    kws.append(st.keyword)
                sp = st.span
                starts.append((sp.line << 32) | sp.column)
                where.append(len(data))
                block = st.block
                if (block is None) != (st.block_span is None):
                    raise Unfit
                push((k, *span4(sp), len(st.values), 0 if block is None else len(block) + 1))
                if block is not None:
                    push(span4(st.block_span))  # type: ignore[arg-type]
                for v in st.values:
                    code = _KIND_CODE.get(v.kind)
                    if code is None or (v.long and v.kind != STRING):
                        raise Unfit
                    push((code + _LONG if v.long else code, *span4(v.span)))
                if block:
                    stack.extend(reversed(block))

    def finish(self) -> None:
        """Once every statement is in: sort the index of starts if the statements were not in order."""
        starts, where = self._starts, self._where
        if any(starts[i] > starts[i + 1] for i in range(len(starts) - 1)):
            order = sorted(range(len(starts)), key=starts.__getitem__)  # stable: the first in walk order first
            self._starts = array("q", [starts[i] for i in order])
            self._where = array("i", [where[i] for i in order])

    @property
    def statements(self) -> _Statements:  # type: ignore[override]
        return _Statements(self)

    # -- rebuilding ------------------------------------------------------------
    def rebuild(self, pos: int) -> Statement:
        """The statement whose record starts at ``pos``, with its values and block.

        As the parser builds them: names, handles and keywords interned, and the spans
        of one statement share one int object per line (an IR node keeps its spans).
        """
        return self._build(pos, {})[0]

    def _build(self, pos: int, ints: dict) -> tuple[Statement, int]:
        d = self.data
        path = self.source.path
        text = self.source.text
        line_starts = self.source._line_starts
        one = ints.setdefault
        kw = self.kws[d[pos]]
        line, end_line = one(d[pos + 1], d[pos + 1]), one(d[pos + 3], d[pos + 3])
        span = Span(path, line, d[pos + 2], end_line, d[pos + 4])
        nvalues, nblock = d[pos + 5], d[pos + 6]
        pos += 7
        block_span = None
        if nblock:
            line, end_line = one(d[pos], d[pos]), one(d[pos + 2], d[pos + 2])
            block_span = Span(path, line, d[pos + 1], end_line, d[pos + 3])
            pos += 4
        values: list = [None] * nvalues  # exactly as long as needed, as the parser's
        for i in range(nvalues):
            code, line, col, end_line, end_col = d[pos : pos + 5]
            pos += 5
            line, end_line = one(line, line), one(end_line, end_line)
            raw = text[line_starts[line - 1] + col - 1 : line_starts[end_line - 1] + end_col - 1]
            vspan = Span(path, line, col, end_line, end_col)
            if code >= _LONG:
                values[i] = Value(STRING, raw, _decode(raw, True), vspan, True)
            elif code == 0:
                values[i] = Value(STRING, raw, _decode(raw, False), vspan)
            elif code == 3:
                raw = intern(raw)
                values[i] = Value(HANDLE, raw, raw, vspan)
            elif code == 1:
                raw = intern(raw)
                values[i] = Value(NAME, raw, raw, vspan)
            else:
                values[i] = Value(NUMBER, raw, raw, vspan)
        block: list[Statement] | None = None
        if nblock:
            kids: list = [None] * (nblock - 1)  # exactly as long as needed
            for i in range(nblock - 1):
                kids[i], pos = self._build(pos, ints)
            block = kids
        st = Statement.__new__(Statement)
        st.keyword = kw
        st._kw = None  # the keyword span is the derived one (only such statements are compacted)
        st.values = values
        st.block = block
        st.span = span
        st.block_span = block_span
        return st, pos

    # -- the lookups of Document -------------------------------------------------
    def statement_at(self, span: Span) -> Statement | None:
        """As :meth:`Document.statement_at`: the first statement in source order starting where ``span`` starts."""
        keys = self._starts
        k = (span.line << 32) | span.column
        i = bisect_left(keys, k)
        return self.rebuild(self._where[i]) if i < len(keys) and keys[i] == k else None

    def value_at(self, span: Span) -> tuple[Statement, int] | None:
        """As :meth:`Document.value_at`: the statement one of whose values is exactly at ``span``, and its index."""
        if self._values is None:
            self._values = self._index_values()
        keys, owners, indexes = self._values
        d = self.data
        k = (span.line << 32) | span.column
        i = bisect_left(keys, k)
        while i < len(keys) and keys[i] == k:
            owner, j = owners[i], indexes[i]
            p = _value_pos(d, owner, j)
            if (d[p + 1], d[p + 2], d[p + 3], d[p + 4]) == (
                span.line,
                span.column,
                span.end_line,
                span.end_column,
            ) and span.file == self.source.path:
                return self.rebuild(owner), j
            i += 1
        return None

    def _index_values(self) -> tuple[array, array, array]:
        """(value starts, their statements' record positions, their indexes), sorted by start, stably."""
        d = self.data
        keys, owners, indexes = array("q"), array("i"), array("i")
        pos, n = 0, len(d)
        while pos < n:
            owner = pos
            nvalues, nblock = d[pos + 5], d[pos + 6]
            pos += 7 + (4 if nblock else 0)
            for j in range(nvalues):
                keys.append((d[pos + 1] << 32) | d[pos + 2])
                owners.append(owner)
                indexes.append(j)
                pos += 5
        if any(keys[i] > keys[i + 1] for i in range(len(keys) - 1)):
            order = sorted(range(len(keys)), key=keys.__getitem__)
            keys = array("q", [keys[i] for i in order])
            owners = array("i", [owners[i] for i in order])
            indexes = array("i", [indexes[i] for i in order])
        return keys, owners, indexes


def _value_pos(d: array, owner: int, j: int) -> int:
    return owner + 7 + (4 if d[owner + 6] else 0) + 5 * j


def _decode(raw: str, long: bool) -> str:
    """A string token's decoded value, as the parser decodes it (phasec.grammar.parser._decode)."""
    from phasec.grammar.parser import _ESCAPE_RE, _ESCAPES, long_string_body

    body = long_string_body(raw) if long else raw[1:-1]
    if "\\" not in body:
        return body

    def unescape(m) -> str:
        ch = m.group(1)
        if ch in _ESCAPES:
            return _ESCAPES[ch]
        if ch == "\n" and long:
            return ""
        return "\\" + ch

    return _ESCAPE_RE.sub(unescape, body)
