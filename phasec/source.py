"""Source files and spans.

Every node phasec builds, from syntax tree to IR, carries a :class:`Span`.
Lines and columns are 1-based; ``end_column`` is exclusive, as in Lark.
"""

from __future__ import annotations

import hashlib
import re
from array import array
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

_NEWLINE = re.compile("\n")


class Span:
    """A region of a source file (1-based lines and columns, end exclusive).

    Immutable and hashable, compared by value.  Not a pydantic model: every
    syntax-tree node and IR node carries one, and a model instance (with its
    ``__dict__`` and fields-set) cost about a kilobyte where these five slots cost
    72 bytes (docs/performance.md, *Memory*).  Pydantic models accept it as a
    field type (checked with ``isinstance``, or built from a dict with the five
    fields) and serialise it as before: ``{"file", "line", "column", "end_line",
    "end_column"}``.
    """

    __slots__ = ("file", "line", "column", "end_line", "end_column")  # noqa: RUF023 - the serialisation order

    #: The field names, in serialisation order (as pydantic's ``model_fields`` listed them).
    model_fields: ClassVar[dict[str, type]] = {
        "file": str,
        "line": int,
        "column": int,
        "end_line": int,
        "end_column": int,
    }

    file: str
    line: int
    column: int
    end_line: int
    end_column: int

    def __init__(self, file: str, line: int, column: int, end_line: int, end_column: int) -> None:
        _set = object.__setattr__
        _set(self, "file", file)
        _set(self, "line", line)
        _set(self, "column", column)
        _set(self, "end_line", end_line)
        _set(self, "end_column", end_column)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"Span is immutable (cannot set {name!r})")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"Span is immutable (cannot delete {name!r})")

    def _key(self) -> tuple:
        return (self.file, self.line, self.column, self.end_line, self.end_column)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Span):
            return NotImplemented
        return (
            self.line == other.line
            and self.column == other.column
            and self.end_line == other.end_line
            and self.end_column == other.end_column
            and self.file == other.file
        )

    def __ne__(self, other: object) -> bool:
        eq = self.__eq__(other)
        return eq if eq is NotImplemented else not eq

    def __hash__(self) -> int:
        return hash(self._key())

    def __reduce__(self) -> tuple:
        return (Span, self._key())

    def __copy__(self) -> Span:
        return self

    def __deepcopy__(self, memo: object) -> Span:
        return self

    def __repr__(self) -> str:
        return (
            f"Span(file={self.file!r}, line={self.line!r}, column={self.column!r}, "
            f"end_line={self.end_line!r}, end_column={self.end_column!r})"
        )

    def __str__(self) -> str:  # pragma: no cover - debugging aid
        return f"{self.file}:{self.line}:{self.column}"

    def replace(self, **changes: Any) -> Span:
        """A copy with some fields changed (``span.replace(line=3)``)."""
        fields = dict(zip(self.__slots__, self._key(), strict=True))
        fields.update(changes)
        return Span(**fields)

    def moved(self, lines: int) -> Span:
        """This span ``lines`` lines further down (columns unchanged)."""
        return Span(self.file, self.line + lines, self.column, self.end_line + lines, self.end_column)

    def model_dump(self, **_ignored: object) -> dict:
        """``{"file", "line", "column", "end_line", "end_column"}``, as the pydantic model dumped it."""
        return dict(zip(self.__slots__, self._key(), strict=True))

    def contains(self, line: int, column: int) -> bool:
        """True when 1-based (line, column) lies within this span."""
        if (line, column) < (self.line, self.column):
            return False
        return (line, column) < (self.end_line, self.end_column) or (
            line == self.end_line and column == self.end_column
        )

    @classmethod
    def _from_dict(cls, data: object) -> Span:
        if isinstance(data, Span):
            return data
        if not isinstance(data, dict) or set(data) != set(cls.__slots__):
            raise ValueError(f"a span needs exactly the fields {', '.join(cls.__slots__)}")
        file = data["file"]
        if not isinstance(file, str):
            raise ValueError("a span's file is a string")
        nums = []
        for k in cls.__slots__[1:]:
            v = data[k]
            if not isinstance(v, int) or isinstance(v, bool):
                raise ValueError(f"a span's {k} is an integer")
            nums.append(v)
        return cls(file, *nums)

    @classmethod
    def __get_pydantic_core_schema__(cls, source: object, handler: object) -> Any:
        from pydantic_core import core_schema

        # An instance is taken as it is (an isinstance check, in pydantic's core); a dict
        # (JSON, model_validate) is checked and converted.
        return core_schema.union_schema(
            [
                core_schema.is_instance_schema(cls),
                core_schema.no_info_plain_validator_function(cls._from_dict),
            ],
            serialization=core_schema.plain_serializer_function_ser_schema(lambda s: s.model_dump()),
        )

    @classmethod
    def __get_pydantic_json_schema__(cls, core: object, handler: object) -> dict:
        props = {"file": {"type": "string"}} | {k: {"type": "integer"} for k in cls.__slots__[1:]}
        return {"type": "object", "properties": props, "required": list(cls.__slots__)}


@dataclass
class SourceFile:
    """The text of one runbook and helpers to map offsets to positions.

    The table of line starts is built on first use (``position``, ``span``,
    ``line_text``; nothing on the lint path needs it for a file without
    suppression comments or fixes): a scan of the whole text, or, for a version
    made by :meth:`edited` from one whose table was built, the previous table with
    only the edited lines scanned (the lines before the edit kept, the lines after
    it moved by the edit's length).  Either way the same table
    (tests/test_source_lines.py compares them).
    """

    path: str
    text: str
    #: Lines of the file before this text: 0, except for a piece of a file parsed on its own
    #: (phasec/grammar/blocks.py), whose spans the parser moves down by this many lines;
    #: ``line_numbers[k]`` is then the piece's line ``k`` in the file.
    line0: int = field(default=0, repr=False, compare=False)
    line_numbers: Sequence[int] = field(default=(), repr=False, compare=False)
    _starts: array | None = field(default=None, init=False, repr=False, compare=False)
    #: (previous SourceFile, start, old end, new end) of the edit it was made by (:meth:`edited`)
    _basis: tuple | None = field(default=None, init=False, repr=False, compare=False)
    _nlines: int | None = field(default=None, init=False, repr=False, compare=False)

    @classmethod
    def edited(cls, path: str, text: str, previous: SourceFile, start: int, old_end: int, new_end: int) -> SourceFile:
        """The source of ``text``, which is ``previous.text`` with ``[start, old_end)`` replaced by
        ``text[start:new_end]``: its line table, when needed, is derived from ``previous``'s if that one
        was built (else scanned), and its line count is carried over when ``previous`` knew it."""
        src = cls(path, text)
        if previous._starts is not None:
            src._basis = (previous, start, old_end, new_end)
        n = previous._nlines
        if n is not None:
            src._nlines = n + text.count("\n", start, new_end) - previous.text.count("\n", start, old_end)
        return src

    @property
    def _line_starts(self) -> Sequence[int]:
        starts = self._starts
        if starts is None:
            basis = self._basis
            starts = _derived_starts(self.text, *basis) if basis is not None else _scan_starts(self.text)
            self._starts = starts
            self._basis = None  # the previous version need not stay alive for this one
        return starts

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()

    def line_text(self, line: int) -> str:
        """The text of 1-based ``line`` without its newline ('' if out of range)."""
        starts = self._line_starts
        if line < 1 or line > len(starts):
            return ""
        start = starts[line - 1]
        end = self.text.find("\n", start)
        if end == -1:
            end = len(self.text)
        return self.text[start:end].rstrip("\r")

    @property
    def line_count(self) -> int:
        n = self._nlines
        if n is None:
            starts = self._starts
            n = len(starts) if starts is not None else self.text.count("\n") + 1
            self._nlines = n
        return n

    def position(self, offset: int) -> tuple[int, int]:
        """1-based (line, column) of a character offset."""
        if self._starts is None:
            # The start and the end of the text without the table (lowering asks for both).
            if offset == 0:
                return 1, 1
            if offset == len(self.text):
                return self.line_count, offset - self.text.rfind("\n")  # rfind: the last line's start - 1
        starts = self._line_starts
        line = bisect_right(starts, offset)
        return line, offset - starts[line - 1] + 1

    def span(self, start: int, end: int) -> Span:
        line, col = self.position(start)
        end_line, end_col = self.position(end)
        return Span(self.path, line, col, end_line, end_col)

    def end_span(self) -> Span:
        return self.span(len(self.text), len(self.text))


def _scan_starts(text: str) -> array:
    # An array of machine integers: 8 bytes a line, where a list of ints costs 40.
    starts = array("q", [0])
    starts.extend(m.end() for m in _NEWLINE.finditer(text))
    return starts


def _derived_starts(text: str, previous: SourceFile, start: int, old_end: int, new_end: int) -> array:
    """The line starts of ``text`` from those of ``previous`` (see :meth:`SourceFile.edited`).

    A start at or before ``start`` follows a newline in the common prefix, one after ``new_end``
    a newline in the common suffix (an old start after ``old_end``, moved by the change in
    length); the starts in between follow the newlines of the new text in ``[start, new_end)``.
    """
    old = previous._starts
    assert old is not None  # SourceFile.edited keeps a basis only when its table was made
    k1 = bisect_right(old, start)
    k2 = bisect_right(old, old_end)
    starts = old[:k1]
    starts.extend(m.end() for m in _NEWLINE.finditer(text, start, new_end))
    d = new_end - old_end
    tail = old[k2:]
    starts.extend(tail if d == 0 else map(d.__add__, tail))
    return starts
