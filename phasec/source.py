"""Source files and spans.

Every node phasec builds, from syntax tree to IR, carries a :class:`Span`.
Lines and columns are 1-based; ``end_column`` is exclusive, as in Lark.
"""

from __future__ import annotations

import hashlib
import re
from bisect import bisect_right
from dataclasses import dataclass, field

from pydantic import BaseModel, ConfigDict

_NEWLINE = re.compile("\n")


class Span(BaseModel):
    """A region of a source file (1-based lines and columns, end exclusive)."""

    model_config = ConfigDict(frozen=True)

    file: str
    line: int
    column: int
    end_line: int
    end_column: int

    def __str__(self) -> str:  # pragma: no cover - debugging aid
        return f"{self.file}:{self.line}:{self.column}"

    def contains(self, line: int, column: int) -> bool:
        """True when 1-based (line, column) lies within this span."""
        if (line, column) < (self.line, self.column):
            return False
        return (line, column) < (self.end_line, self.end_column) or (
            line == self.end_line and column == self.end_column
        )


@dataclass
class SourceFile:
    """The text of one runbook and helpers to map offsets to positions."""

    path: str
    text: str
    _line_starts: list[int] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        self._line_starts = [0] + [m.end() for m in _NEWLINE.finditer(self.text)]

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()

    def line_text(self, line: int) -> str:
        """The text of 1-based ``line`` without its newline ('' if out of range)."""
        if line < 1 or line > len(self._line_starts):
            return ""
        start = self._line_starts[line - 1]
        end = self.text.find("\n", start)
        if end == -1:
            end = len(self.text)
        return self.text[start:end].rstrip("\r")

    @property
    def line_count(self) -> int:
        return len(self._line_starts)

    def position(self, offset: int) -> tuple[int, int]:
        """1-based (line, column) of a character offset."""
        line = bisect_right(self._line_starts, offset)
        return line, offset - self._line_starts[line - 1] + 1

    def span(self, start: int, end: int) -> Span:
        line, col = self.position(start)
        end_line, end_col = self.position(end)
        return Span(file=self.path, line=line, column=col, end_line=end_line, end_column=end_col)

    def end_span(self) -> Span:
        return self.span(len(self.text), len(self.text))
