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


@dataclass(slots=True)
class Value:
    kind: str
    text: str  # the source text of the token
    value: str  # decoded value (strings unescaped and dedented)
    span: Span
    long: bool = False  # a triple-quoted string

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


@dataclass(slots=True)
class Statement:
    keyword: str
    keyword_span: Span
    values: list[Value]
    block: list[Statement] | None
    span: Span
    block_span: Span | None = None


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
        """Every statement, depth first, in source order."""
        stack = list(reversed(self.statements))
        while stack:
            st = stack.pop()
            yield st
            if st.block:
                stack.extend(reversed(st.block))

    def statement_at(self, span: Span) -> Statement | None:
        """The statement whose span starts where ``span`` starts (IR nodes keep their statement's span).

        The index is keyed by line (the spans' own int objects, no key made per statement):
        the first statement starting on it, or a list of (column, statement) when several do.
        """
        index = self.__dict__.get("_by_start")
        if index is None:
            index = {}
            for st in self.walk():
                sp = st.span
                got = index.get(sp.line)
                if got is None:
                    index[sp.line] = st
                elif isinstance(got, list):
                    if all(c != sp.column for c, _ in got):
                        got.append((sp.column, st))
                elif got.span.column != sp.column:
                    index[sp.line] = [(got.span.column, got), (sp.column, st)]
            self.__dict__["_by_start"] = index
        got = index.get(span.line)
        if got is None:
            return None
        if isinstance(got, list):
            return next((st for c, st in got if c == span.column), None)
        return got if got.span.column == span.column else None

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
