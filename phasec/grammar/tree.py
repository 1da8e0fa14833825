"""The concrete syntax tree: generic statements with values and blocks.

This is what the parser produces and what the formatter and language server
walk.  Lowering (phasec.compiler.lower) turns it into the typed IR.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from phasec.source import SourceFile, Span

#: Value kinds.  ``error`` values come from error tokens (bad characters,
#: unterminated strings) that the parser accepted in order to recover.
STRING, NAME, NUMBER, HANDLE, ERROR = "string", "name", "number", "handle", "error"


class _ByFields:
    """Equality, ``repr`` and pickling from ``_fields()`` (in the order of ``__match_args__``),
    as the dataclasses these ``__slots__`` classes replaced had them."""

    __slots__ = ()
    __match_args__: tuple[str, ...] = ()

    def _fields(self) -> tuple:
        raise NotImplementedError

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        assert isinstance(other, _ByFields)
        return self._fields() == other._fields()

    __hash__ = None  # type: ignore[assignment]  # mutable, as the dataclasses were

    def __repr__(self) -> str:
        pairs = zip(self.__match_args__, self._fields(), strict=True)
        return f"{type(self).__name__}({', '.join(f'{n}={v!r}' for n, v in pairs)})"

    def __getstate__(self) -> tuple:
        return self._fields()

    def __setstate__(self, state: tuple) -> None:
        self.__init__(*state)  # type: ignore[misc]


class Value(_ByFields):
    """One value of a statement: ``kind``, ``text`` (the token's source text),
    ``value`` (decoded: strings unescaped and dedented), ``span`` and ``long``
    (a triple-quoted string).

    The text of a one-line string without escapes is its value in quotes: it is
    not stored then but made on access (about 17 MB of a 10,000-slice runbook,
    docs/performance.md *Memory*).  Compared, printed and pickled as the dataclass it was.
    """

    __slots__ = ("_text", "kind", "long", "span", "value")
    __match_args__ = ("kind", "text", "value", "span", "long")

    def __init__(self, kind: str, text: str, value: str, span: Span, long: bool = False) -> None:
        self.kind = kind
        self.value = value
        self.span = span
        self.long = long
        # NAME, NUMBER and HANDLE values share one string for both (self._text is value).
        self._text = None if kind == STRING and not long and text == f'"{value}"' else text

    @property
    def text(self) -> str:
        t = self._text
        return f'"{self.value}"' if t is None else t

    @text.setter
    def text(self, text: str) -> None:
        self._text = text

    def _fields(self) -> tuple:
        return (self.kind, self.text, self.value, self.span, self.long)

    def noun(self) -> str:
        """The value in words, as after "unexpected": "name `bakup`", "string", "`=`"."""
        if self.kind == STRING:
            return "multi-line string" if self.long else "string"
        if self.kind == NAME:
            return f"name `{self.value}`"
        if self.kind == NUMBER:
            return f"number `{self.value}`"
        if self.kind == HANDLE:
            return f"owner handle `{self.value}`"
        return f"`{self.text}`"

    def describe(self) -> str:
        """The value in words, as after "found": "the name `bakup`", "a string"."""
        if self.kind == STRING:
            return "a string"
        if self.kind in (NAME, NUMBER, HANDLE):
            return "the " + self.noun()
        return self.noun()


class Statement(_ByFields):
    """One statement: its keyword, values, block (``None``: no braces) and spans.

    ``keyword_span`` is not stored when it is where it always is, the keyword's
    own width from the start of ``span`` on its first line (a Span is 72 bytes,
    one per statement: 24 MB of a 10,000-slice runbook, docs/performance.md
    *Memory*); it is made on each access then, equal to the one given.  A
    statement built with a keyword span elsewhere (none is, but the class does
    not rely on it) keeps it.  Compared, printed and pickled as the dataclass it was.
    """

    __slots__ = ("_kw", "block", "block_span", "keyword", "span", "values")
    __match_args__ = ("keyword", "keyword_span", "values", "block", "span", "block_span")

    def __init__(
        self,
        keyword: str,
        keyword_span: Span,
        values: list[Value],
        block: list[Statement] | None,
        span: Span,
        block_span: Span | None = None,
    ) -> None:
        self.keyword = keyword
        self.values = values
        self.block = block
        self.span = span
        self.block_span = block_span
        ks = keyword_span
        derived = (
            ks.line == span.line
            and ks.column == span.column
            and ks.end_line == span.line
            and ks.end_column == span.column + len(keyword)
            and ks.file == span.file
        )
        self._kw = None if derived else ks

    @property
    def keyword_span(self) -> Span:
        kw = self._kw
        if kw is not None:
            return kw
        sp = self.span
        return Span(sp.file, sp.line, sp.column, sp.line, sp.column + len(self.keyword))

    @keyword_span.setter
    def keyword_span(self, ks: Span) -> None:
        self._kw = ks

    def _fields(self) -> tuple:
        return (self.keyword, self.keyword_span, self.values, self.block, self.span, self.block_span)


@dataclass(slots=True)
class Comment:
    text: str
    span: Span


@dataclass
class Document:
    source: SourceFile
    statements: list[Statement]
    comments: list[Comment] = field(default_factory=list)

    def walk(self):
        """Every statement, depth first, in source order (one top-level statement at a time: a
        :class:`phasec.grammar.compact.CompactDocument` rebuilds each as it is reached)."""
        for top in self.statements:
            stack = [top]
            while stack:
                st = stack.pop()
                yield st
                if st.block:
                    stack.extend(reversed(st.block))

    def statement_at(self, span: Span) -> Statement | None:
        """The statement whose span starts where ``span`` starts (IR nodes keep their statement's span).

        The first such statement in source order (:meth:`walk`).  The index is two
        flat arrays, the statements' starts (line and column in one int) in order and
        the statements, searched by bisection: 16 bytes a statement, where a dict
        keyed by line took about 32 and more (docs/performance.md, *Memory*).
        """
        index = self.__dict__.get("_by_start")
        if index is None:
            from array import array

            keys = array("q")
            stmts: list[Statement] = []
            ordered = True
            prev = -1
            for st in self.walk():
                sp = st.span
                k = (sp.line << 32) | sp.column
                if k < prev:
                    ordered = False
                prev = k
                keys.append(k)
                stmts.append(st)
            if not ordered:  # not from the parser: sort, stably (the first in source order first)
                order = sorted(range(len(stmts)), key=keys.__getitem__)
                keys = array("q", [keys[i] for i in order])
                stmts = [stmts[i] for i in order]
            index = self.__dict__["_by_start"] = (keys, stmts)
        keys, stmts = index
        k = (span.line << 32) | span.column
        from bisect import bisect_left

        i = bisect_left(keys, k)
        return stmts[i] if i < len(keys) and keys[i] == k else None

    def value_at(self, span: Span) -> tuple[Statement, int] | None:
        """The statement one of whose values is exactly at ``span``, and that value's index."""
        index = self.__dict__.get("_by_value")
        if index is None:
            index = {}
            for st in self.walk():
                for i, v in enumerate(st.values):
                    index.setdefault(v.span, (st, i))
            self.__dict__["_by_value"] = index
        return index.get(span)
