"""The formatter: one canonical layout for runbooks (`phasec fmt`).

``format_text(text, path)`` is a pure function of the source text.  It works on
the syntax tree and its comments (never on the IR), so it keeps everything the
author wrote — statement order, value order, comments — and changes only the
layout.  The canonical layout (also described in docs/architecture.md,
"Formatting"):

* 2-space indentation per block level; one statement per line (statements
  joined with ``;`` are split); single spaces between values;
* a block's ``{`` ends its statement's line and its ``}`` stands alone on a
  line at the statement's indentation; an empty block with no comment inside
  is written ``{}`` on the statement's line;
* at top level, one blank line between two statements when either has a
  (non-empty) block; elsewhere single blank lines are kept where the author
  put them (runs collapse to one); no blank line opens or closes a block or
  the file;
* no trailing whitespace (except inside multi-line strings, where it is part
  of the value); the file ends with exactly one newline;
* strings are written canonically: ``"..."`` with ``\\\\``, ``\\"``, ``\\n``
  and ``\\t`` escaped and every other character as itself; multi-line strings
  open with ``\"\"\"`` at the end of the line, their lines are indented one
  level deeper than the statement and the closing ``\"\"\"`` sits at the
  statement's indentation (dedenting yields the same value, escapes and
  line continuations are kept as written);
* comments are kept: a trailing comment stays after the code it followed,
  two spaces before its ``#``; a comment on a line of its own keeps its place
  among the statements and takes their indentation.

The formatter refuses text with syntax errors (:class:`FormatError` carries
the diagnostics).  ``runbook_fingerprint`` gives a span-insensitive view of the
IR, used by ``phasec fmt`` (and the tests) to prove a layout change changed
nothing else.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from phasec.compiler.diagnostics import Diagnostic, Severity
from phasec.grammar.tree import STRING, Comment, Document, Statement, Value
from phasec.source import Span

if TYPE_CHECKING:
    from phasec.compiler.ir import Runbook

INDENT = "  "
_Pos = tuple[int, int]


class FormatError(Exception):
    """The text cannot be formatted: it has syntax errors (``diagnostics``)."""

    def __init__(self, diagnostics: list[Diagnostic]):
        self.diagnostics = diagnostics
        super().__init__(f"{len(diagnostics)} syntax error(s)")


def format_text(text: str, path: str = "<input>") -> str:
    """The canonical layout of ``text``; raises :class:`FormatError` on syntax errors."""
    from phasec.compiler.pipeline import parse

    doc, diags = parse(text, path)
    errors = [d for d in diags if d.severity is Severity.ERROR]
    if errors:
        raise FormatError(errors)
    return format_document(doc)


def meaning_change(before: str, after: str, path: str) -> str | None:
    """What differs in meaning between two layouts of a runbook: None, "ir" or "findings".

    "ir": the IR differs (positions aside) — a bug in the formatter.
    "findings": the lint findings differ by code — a trailing suppression
    comment ended up on another line than the code it suppressed.
    """
    from collections import Counter

    from phasec.compiler.pipeline import analyze

    a = analyze(before, path)
    b = analyze(after, path)
    if runbook_fingerprint(a.runbook) != runbook_fingerprint(b.runbook):
        return "ir"
    if Counter(d.code for d in a.diagnostics) != Counter(d.code for d in b.diagnostics):
        return "findings"
    return None


def format_document(doc: Document) -> str:
    """The canonical layout of a syntax tree (which must be free of syntax errors)."""
    return _Printer(doc).run()


# ─── strings ──────────────────────────────────────────────────────────────────

_SHORT_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t"}
_SHORT_RE = re.compile(r'[\\"\n\t]')


def render_string(value: str) -> str:
    """A one-line string literal for ``value``."""
    if _SHORT_RE.search(value) is None:
        return '"' + value + '"'
    return '"' + _SHORT_RE.sub(lambda m: _SHORT_ESCAPES[m.group(0)], value) + '"'


def _long_body(text: str) -> str:
    """The raw (still escaped) content of a multi-line string, dedented as the parser does."""
    from phasec.grammar.parser import long_string_body

    return long_string_body(text)


def render_long_string(text: str, indent: str) -> list[str]:
    """The lines of a multi-line string literal (its source ``text``) for a statement at ``indent``.

    The first element continues the statement's line, the last one starts the
    closing line; the content is indented one level deeper than ``indent``.
    """
    body = _long_body(text)
    if body == "":
        return ['""""""']
    inner = indent + INDENT
    lines = ['"""']
    for line in body.split("\n"):
        lines.append(inner + line if line.strip(" \t") else "")
    lines.append(indent + '"""')
    return lines


def render_value(v: Value) -> str:
    if v.kind == STRING:
        if v.long:
            raise ValueError("multi-line strings are rendered with render_long_string")
        return render_string(v.value)
    return v.text


# ─── the printer ──────────────────────────────────────────────────────────────


def _start(span: Span) -> _Pos:
    return (span.line, span.column)


def _end(span: Span) -> _Pos:
    return (span.end_line, span.end_column)


class _Printer:
    def __init__(self, doc: Document):
        self.doc = doc
        self.out: list[str] = []
        self.trailing: dict[int, list[str]] = {}
        # (end position of a token in the source, output line it is printed on)
        self.anchors: dict[int, list[tuple[int, int]]] = {}
        self.fresh = True  # nothing printed yet in the current block (no blank line here)
        token_ends: dict[int, list[int]] = {}
        for st in doc.walk():
            for line, col in self._token_ends(st):
                token_ends.setdefault(line, []).append(col)
        self.own: list[Comment] = []
        self.trail: list[Comment] = []
        for c in doc.comments:
            ends = [col for col in token_ends.get(c.span.line, ()) if col <= c.span.column]
            (self.trail if ends else self.own).append(c)
        self.own.sort(key=lambda c: _start(c.span))
        self.next_own = 0
        self.comment_starts = sorted(_start(c.span) for c in doc.comments)

    @staticmethod
    def _token_ends(st: Statement) -> Iterator[_Pos]:
        """Where each token of the statement's own line(s) ends: keyword, values, `{`, `}`."""
        yield _end(st.keyword_span)
        for v in st.values:
            yield _end(v.span)
        if st.block_span is not None:
            b = st.block_span
            yield (b.line, b.column + 1)  # `{`
            yield _end(b)  # `}` ends where the block ends

    # -- output helpers --

    def emit(self, line: str) -> int:
        self.out.append(line)
        self.fresh = False
        return len(self.out) - 1

    def blank(self) -> None:
        if not self.fresh and self.out[-1] != "":
            self.out.append("")

    def anchor(self, pos: _Pos, line: int) -> None:
        self.anchors.setdefault(pos[0], []).append((pos[1], line))

    def pending_own(self, before: _Pos | None) -> list[Comment]:
        taken = []
        while self.next_own < len(self.own) and (before is None or _start(self.own[self.next_own].span) < before):
            taken.append(self.own[self.next_own])
            self.next_own += 1
        return taken

    def comments_between(self, a: _Pos, b: _Pos) -> bool:
        from bisect import bisect_left

        i = bisect_left(self.comment_starts, a)
        return i < len(self.comment_starts) and self.comment_starts[i] < b

    def expands(self, st: Statement) -> bool:
        """True when the statement's block is printed over several lines."""
        if st.block is None:
            return False
        if st.block:
            return True
        b = st.block_span
        return b is not None and self.comments_between(_start(b), _end(b))

    # -- layout --

    def run(self) -> str:
        self.body(self.doc.statements, 0, None, top=True)
        for c in self.trail:
            line = self.anchor_line(c)
            self.trailing.setdefault(line, []).append(c.text.rstrip())
        lines: list[str] = []
        for i, text in enumerate(self.out):
            extra = self.trailing.get(i, [])
            if extra:
                lines.append(text + "  " + extra[0])
                # Cannot happen for text that parsed (one comment per source line,
                # one source line per output line); kept as own-line comments if it does.
                pad = text[: len(text) - len(text.lstrip(" \t"))]
                lines.extend(pad + more for more in extra[1:])
            else:
                lines.append(text)
        while lines and lines[-1] == "":
            lines.pop()
        return "\n".join(lines) + "\n" if lines else ""

    def anchor_line(self, c: Comment) -> int:
        best = None
        for col, out in self.anchors.get(c.span.line, ()):
            if col <= c.span.column and (best is None or col > best[0]):
                best = (col, out)
        assert best is not None, "trailing comment without a token before it"
        return best[1]

    def body(self, stmts: list[Statement], level: int, close: _Pos | None, *, top: bool) -> None:
        pad = INDENT * level
        prev_line: int | None = None  # last source line of the previous item (None: block start)
        prev_stmt: Statement | None = None

        def comment(c: Comment) -> None:
            nonlocal prev_line
            if prev_line is not None and c.span.line - prev_line > 1:
                self.blank()
            self.emit(pad + c.text.rstrip())
            prev_line = c.span.line

        for st in stmts:
            start = _start(st.span)
            run = self.pending_own(start)
            if top and prev_stmt is not None and (self.expands(prev_stmt) or self.expands(st)):
                between = st.span.line - prev_stmt.span.end_line - 1
                if between <= len(run):  # the author left no blank line: one goes after the block
                    self.blank()
            for c in run:
                comment(c)
            if prev_line is not None and st.span.line - prev_line > 1:
                self.blank()
            self.statement(st, level)
            prev_line = st.span.end_line
            prev_stmt = st
        for c in self.pending_own(close):
            comment(c)

    def statement(self, st: Statement, level: int) -> None:
        pad = INDENT * level
        line = pad + st.keyword
        self.anchor(_end(st.keyword_span), len(self.out))
        for v in st.values:
            if v.kind == STRING and v.long:
                parts = render_long_string(v.text, pad)
                line += " " + parts[0]
                for middle in parts[1:]:
                    self.emit(line)
                    line = middle
            else:
                line += " " + render_value(v)
            self.anchor(_end(v.span), len(self.out))
        if st.block is None:
            self.emit(line)
            return
        b = st.block_span
        assert b is not None
        open_end = (b.line, b.column + 1)
        if not self.expands(st):
            at = self.emit(line + " {}")
            self.anchor(open_end, at)
            self.anchor(_end(b), at)
            return
        self.anchor(open_end, self.emit(line + " {"))
        self.fresh = True
        self.body(st.block, level + 1, (b.end_line, b.end_column - 1), top=False)
        self.anchor(_end(b), self.emit(pad + "}"))


# ─── meaning ──────────────────────────────────────────────────────────────────

_SPAN_KEYS = frozenset({"file", "line", "column", "end_line", "end_column"})


def _strip_spans(obj: Any) -> Any:
    if isinstance(obj, dict):
        if set(obj) == _SPAN_KEYS:
            return None
        return {k: _strip_spans(v) for k, v in obj.items() if k != "sha256"}
    if isinstance(obj, list):
        return [_strip_spans(v) for v in obj]
    return obj


def runbook_fingerprint(runbook: Runbook | None) -> Any:
    """The IR as plain data with every source position (and the source hash) removed."""
    return _strip_spans(runbook.model_dump(mode="json")) if runbook is not None else None
