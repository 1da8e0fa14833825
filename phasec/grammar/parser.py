"""The parser: one cached Lark LALR parser, error recovery, and the syntax tree.

Lark is imported here and nowhere else.  The grammar package depends on
nothing in ``phasec.compiler``: diagnostics are the neutral data types of
``phasec.diagnostics``, and the one piece of the language schema recovery
needs (the keywords valid only at top level) is passed in by the caller.

Two paths produce the same result:

* the **fast path** lets Lark's LALR parser run over the whole text
  (``Lark.parse``); it is taken when the text parses and no token repair
  applies, which is the case for every correct runbook;
* the **recovering path** re-parses the whole text token by token through
  Lark's interactive parser, repairing common slips and resynchronising after
  each syntax error, so every independent error is reported once.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import sys
import textwrap
import threading
from functools import lru_cache
from importlib import resources
from pathlib import Path

from phasec.diagnostics import Diagnostic, DiagnosticBag
from phasec.grammar.limits import MAX_DEPTH, too_deep
from phasec.grammar.tree import ERROR, HANDLE, NAME, NUMBER, STRING, Comment, Document, Statement, Value
from phasec.source import SourceFile, Span

#: What each token type is called in "unexpected ..." and "found ...".
TOKEN_FOUND = {
    "NAME": "name",
    "NUMBER": "number",
    "HANDLE": "owner handle",
    "STRING": "string",
    "LONG_STRING": "multi-line string",
    "UNTERMINATED_STRING": "string",
    "UNTERMINATED_LONG_STRING": "multi-line string",
    "BAD_CHAR": "character",
    "LBRACE": "`{`",
    "RBRACE": "`}`",
    "_NL": "end of line",
    "$END": "end of file",
}
#: How each token type is described in "expected ...".
TOKEN_WORDS = {
    "NAME": "a keyword",
    "NUMBER": "a value",
    "HANDLE": "a value",
    "STRING": "a value",
    "LONG_STRING": "a value",
    "LBRACE": "`{`",
    "RBRACE": "`}`",
    "_NL": "the end of the line",
    "$END": "the end of the file",
}

_VALUE_TOKENS = {"STRING", "LONG_STRING", "NAME", "NUMBER", "HANDLE"}
_ERROR_TOKENS = {"UNTERMINATED_STRING", "UNTERMINATED_LONG_STRING", "BAD_CHAR"}
_ESCAPES = {'"': '"', "\\": "\\", "n": "\n", "t": "\t"}
_ESCAPE_RE = re.compile(r"\\(.)", re.S)
_COMMENT_RE = re.compile(r"#[^\n]*")

# Positions come from the tokens: the braces are kept in the tree
# (keep_all_tokens) instead of having Lark propagate positions to every node,
# which cost about a third of the parse.
_LARK_OPTIONS = {"parser": "lalr", "lexer": "basic", "keep_all_tokens": True, "maybe_placeholders": False}
#: Bump when the callbacks below change (they are referenced from the cache file).
_CACHE_FORMAT = 1

# ---------------------------------------------------------------------------
# Comments on the fast path.  Lark drops ignored tokens (COMMENT) and the
# comments folded into line ends (_NL); these lexer callbacks, active only
# while this thread runs a fast parse, collect them.  They are module-level
# functions so that the parser can be saved to the cache.

_fast_state = threading.local()


def _on_comment(tok):
    sink = getattr(_fast_state, "sink", None)
    if sink is not None:
        sink.append(tok)
    return tok


def _on_newline(tok):
    sink = getattr(_fast_state, "sink", None)
    if sink is not None and "#" in tok:
        sink.append(tok)
    return tok


def _on_unterminated(tok):
    # An unterminated string ending in `{` is repaired on the recovering path.
    if getattr(_fast_state, "sink", None) is not None and _brace_swallowed(tok):
        _fast_state.repair = True
    return tok


def _brace_swallowed(tok) -> bool:
    text = str(tok).rstrip()
    return text.endswith("{") and len(text) > 1


_CALLBACKS = {"COMMENT": _on_comment, "_NL": _on_newline, "UNTERMINATED_STRING": _on_unterminated}


def grammar_text() -> str:
    return resources.files("phasec.grammar").joinpath("phasec.lark").read_text(encoding="utf-8")


def cache_path() -> Path | None:
    """Where the built parser is cached: ``$XDG_CACHE_HOME/phasec`` (default ``~/.cache/phasec``).

    The file name is a hash of everything the table depends on (grammar text,
    options, Lark and Python versions), so a stale file is never read.  None
    when no cache location is known, or when ``PHASEC_NO_CACHE`` is set.
    """
    if os.environ.get("PHASEC_NO_CACHE"):
        return None
    import lark

    base = os.environ.get("XDG_CACHE_HOME")
    if not base:
        home = os.path.expanduser("~")
        if home == "~":  # pragma: no cover - no home directory
            return None
        base = os.path.join(home, ".cache")
    key = hashlib.sha256(
        "\0".join(
            [
                grammar_text(),
                repr(sorted(_LARK_OPTIONS.items())),
                lark.__version__,
                f"{sys.version_info[0]}.{sys.version_info[1]}",
                str(_CACHE_FORMAT),
            ]
        ).encode("utf-8")
    ).hexdigest()[:20]
    return Path(base) / "phasec" / f"parser-{key}.lark"


@lru_cache(maxsize=1)
def _lark():
    """The LALR parser: loaded from the user cache, else built and (best effort) cached."""
    from lark import Lark

    path = cache_path()
    if path is not None:
        try:
            with open(path, "rb") as f:
                return Lark.load(f)
        except Exception:  # noqa: BLE001 - missing, unreadable or corrupt (any error unpickling): build it
            pass
    parser = Lark(grammar_text(), lexer_callbacks=_CALLBACKS, **_LARK_OPTIONS)
    if path is not None:
        _save(parser, path)
    return parser


def _save(parser, path: Path) -> None:
    """Write the cache atomically; a read-only or missing location just means no cache."""
    import tempfile

    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".parser-", suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "wb") as f:
            parser.save(f)
        os.replace(tmp, path)
        tmp = None
    except (OSError, ValueError):
        pass
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def _found(tok, article: bool = False) -> str:
    """A token in words: "name `bakup`", "`{`", "end of line"; with ``article``: "a name `bakup`"."""
    kind = TOKEN_FOUND.get(tok.type, "token")
    if tok.type in ("NAME", "NUMBER", "HANDLE", "BAD_CHAR"):
        kind = f"{kind} `{tok}`"
    if not article or kind.startswith("`"):
        return kind
    if tok.type in ("_NL", "$END"):
        return "the " + kind
    return ("an " if kind[0] in "aeiou" else "a ") + kind


def _words(types) -> str:
    words = sorted({TOKEN_WORDS[t] for t in types if t in TOKEN_WORDS})
    if not words:
        return "something else"
    if len(words) == 1:
        return words[0]
    return ", ".join(words[:-1]) + " or " + words[-1]


class _Recovering:
    """Drives the LALR parser token by token and recovers from syntax errors.

    Recovery is panic mode at statement granularity: after an error the rest
    of the statement (up to the next line end, skipping balanced blocks) is
    discarded and parsing resumes at the next statement.  Every independent
    error therefore costs one diagnostic.
    """

    def __init__(self, src: SourceFile, bag: DiagnosticBag, top_level: frozenset[str] = frozenset()):
        self.src = src
        self.bag = bag
        self.top_level = top_level
        self.comments: list[Comment] = []

    def tok_span(self, tok) -> Span:
        start = tok.start_pos if tok.start_pos is not None else len(self.src.text)
        end = tok.end_pos if tok.end_pos is not None else start
        return self.src.span(start, end)

    def lex(self):
        from lark.exceptions import UnexpectedCharacters

        lark = _lark()
        comments = self.comments
        try:
            toks = list(lark.lex(self.src.text, dont_ignore=True))
        except UnexpectedCharacters as exc:  # pragma: no cover - BAD_CHAR catches everything
            raise AssertionError(f"lexer failed: {exc}") from exc
        out = []
        for tok in toks:
            if tok.type == "WS":
                continue
            if tok.type == "COMMENT":
                comments.append(Comment(str(tok), self.tok_span(tok)))
                continue
            if tok.type == "_NL" and "#" in tok:
                for m in _COMMENT_RE.finditer(str(tok)):
                    s = tok.start_pos + m.start()
                    comments.append(Comment(m.group(0), self.src.span(s, s + len(m.group(0)))))
            out.append(tok)
        return self.repair(out)

    def repair(self, toks):
        """Token-level repairs for common slips, each reported once.

        * an unterminated string that ends in ``{``: the brace opens a block;
        * ``{`` alone at the start of the next line: joined to its statement;
        * a missing ``{``, restored from the indentation (:meth:`missing_braces`).
        """
        from lark import Token

        out = []
        for tok in toks:
            if tok.type == "UNTERMINATED_STRING" and _brace_swallowed(tok):
                text = str(tok).rstrip()
                brace = tok.start_pos + len(text) - 1
                body = text[:-1].rstrip()
                out.append(
                    Token(
                        "UNTERMINATED_STRING",
                        body,
                        start_pos=tok.start_pos,
                        end_pos=tok.start_pos + len(body),
                        line=tok.line,
                        column=tok.column,
                    )
                )
                out.append(Token("LBRACE", "{", start_pos=brace, end_pos=brace + 1))
                continue
            if (
                tok.type == "LBRACE"
                and len(out) >= 2
                and out[-1].type == "_NL"
                and out[-1].strip() == ""
                and out[-2].type not in ("LBRACE", "RBRACE", "_NL")
            ):
                self.bag.error(
                    "PC001",
                    "a block's `{` must be on the same line as its statement",
                    self.tok_span(tok),
                    help="move `{` to the end of the previous line",
                )
                out.pop()
            out.append(tok)
        return self.missing_braces(out)

    def missing_braces(self, toks):
        """Restore a block's missing ``{`` from the indentation.

        Only when the file has more ``}`` than ``{``: a statement without a
        block, followed by more deeply indented lines and then a ``}`` alone at
        the statement's own indentation, lost its ``{``.  The ``{`` is put back
        at the end of the statement's line (one diagnostic) so that the block,
        and everything declared in it, is kept.
        """
        from lark import Token

        excess = sum(t.type == "RBRACE" for t in toks) - sum(t.type == "LBRACE" for t in toks)
        if excess <= 0:
            return toks
        # Statement heads: the first token of each line (after a line end).
        heads = [i for i in range(len(toks)) if (i == 0 or toks[i - 1].type == "_NL") and toks[i].type != "_NL"]
        inserts: dict[int, int] = {}  # index of a line end that gets a `{` before it -> line of its `}`
        for k, h in enumerate(heads):
            if len(inserts) == excess:
                break
            head = toks[h]
            if head.type != "NAME" or head.column is None:
                continue
            end = heads[k + 1] - 1 if k + 1 < len(heads) else len(toks)
            if end >= len(toks) or toks[end].type != "_NL":
                continue
            if any(t.type in ("LBRACE", "RBRACE") for t in toks[h:end]):
                continue
            # The following lines: deeper first, then a `}` alone at this column.
            j = k + 1
            if j >= len(heads) or (toks[heads[j]].column or 0) <= head.column:
                continue
            while j < len(heads) and (toks[heads[j]].column or 0) > head.column:
                j += 1
            if j == len(heads):
                continue
            close = toks[heads[j]]
            if close.type != "RBRACE" or close.column != head.column:
                continue
            inserts[end] = close.line
        if not inserts:
            return toks
        out = []
        for i, tok in enumerate(toks):
            if i in inserts:
                last = toks[i - 1]
                pos = last.end_pos
                self.bag.error(
                    "PC001",
                    "missing `{` at the end of this line",
                    self.src.span(pos, pos),
                    help=f"the indented lines below it and the `}}` on line {inserts[i]} "
                    "are its block; add `{` to open it",
                )
                out.append(Token("LBRACE", "{", start_pos=pos, end_pos=pos, line=last.end_line, column=last.end_column))
            out.append(tok)
        return out

    def top_level_break(self, toks, i, opens) -> bool:
        """True when toks[i] looks like a new top-level statement inside an unclosed block.

        Heuristic (as rustc does with indentation): a keyword that is only
        valid at top level, at column 1, right after a line end, while a
        block opened by a column-1 statement is still open.
        """
        tok = toks[i]
        if not opens or tok.type != "NAME" or i == 0 or toks[i - 1].type != "_NL":
            return False
        if tok.column != 1 or str(tok) not in self.top_level:
            return False
        first = opens[0]
        line_start = self.src.text.rfind("\n", 0, first.start_pos) + 1
        return not self.src.text[line_start : first.start_pos].startswith((" ", "\t"))

    def parse(self):
        from lark import Token
        from lark.exceptions import UnexpectedToken

        lark = _lark()
        toks = self.lex()
        ip = lark.parse_interactive("")
        opens: list = []  # '{' tokens not yet closed
        i, n = 0, len(toks)
        prev = None
        while i < n:
            tok = toks[i]
            if self.top_level_break(toks, i, opens):
                self.bag.error(
                    "PC004",
                    "this block is never closed",
                    self.tok_span(opens[-1]),
                    help=f"add a `}}` before line {self.src.position(tok.start_pos)[0]}",
                )
                while opens:
                    opens.pop()
                    self.feed_close(ip, tok)
            try:
                ip.feed_token(tok)
            except UnexpectedToken as exc:
                if tok.type == "_NL":
                    i += 1  # a line end where one was just taken (after recovery): nothing to report
                    continue
                i = self.recover(ip, toks, i, prev, exc, opens)
                prev = None
                continue
            if tok.type == "LBRACE":
                opens.append(tok)
            elif tok.type == "RBRACE" and opens:
                opens.pop()
            prev = tok
            i += 1
        # End of file: close what is open, then finish.  A multi-line string
        # that runs to the end of the file has already been reported.
        ate_rest = any(t.type == "UNTERMINATED_LONG_STRING" for t in toks)
        for opener in reversed(opens if not ate_rest else []):
            self.bag.error(
                "PC004",
                "this block is never closed",
                self.tok_span(opener),
                help="add a `}` to close it",
            )
        end = len(self.src.text)
        for _ in range(len(opens) + 2):
            accepts = ip.accepts()
            if "$END" in accepts:
                break
            kind = "RBRACE" if "RBRACE" in accepts else "_NL" if "_NL" in accepts else None
            if kind is None:  # pragma: no cover - the grammar always allows one of these
                break
            ip.feed_token(Token(kind, "}" if kind == "RBRACE" else "\n", start_pos=end, end_pos=end))
        return ip.feed_eof()

    def feed_close(self, ip, at) -> None:
        from lark import Token

        for kind, text in (("_NL", "\n"), ("RBRACE", "}"), ("_NL", "\n")):
            if kind in ip.accepts():
                ip.feed_token(Token(kind, text, start_pos=at.start_pos, end_pos=at.start_pos))

    def recover(self, ip, toks, i, prev, exc, opens) -> int:
        tok = toks[i]
        expected = ip.accepts()
        span = self.tok_span(tok)
        if tok.type == "RBRACE" and not opens:
            self.bag.error("PC005", "unmatched `}`", span, help="remove it, or add the `{` it closes")
            return i + 1
        if tok.type in _VALUE_TOKENS | _ERROR_TOKENS and "NAME" in expected:
            self.bag.error(
                "PC001",
                f"a statement must start with a keyword, found {_found(tok, article=True)}",
                span,
                help="every statement is `keyword value... [{ ... }]`",
            )
        else:
            self.bag.error("PC001", f"unexpected {_found(tok)}; expected {_words(expected)}", span)
        # Panic mode: skip to the end of this statement, skipping whole blocks.
        depth = 0
        j = i
        while j < len(toks):
            t = toks[j]
            if t.type == "LBRACE":
                depth += 1
            elif t.type == "RBRACE":
                if depth == 0:
                    break  # let the enclosing block close normally
                depth -= 1
                if depth == 0:
                    j += 1
                    break
            elif t.type == "_NL" and depth == 0:
                break
            j += 1
        # Resume at the separator (or '}') if the parser can take it here.
        if j < len(toks) and toks[j].type not in ip.accepts():
            j += 1
        return j


def long_string_body(text: str) -> str:
    """The raw (still escaped) content of a multi-line string token: first newline dropped, dedented."""
    body = text[3:-3]
    if body.startswith("\n"):
        body = body[1:]
    elif body.startswith("\r\n"):
        body = body[2:]
    body = textwrap.dedent(body).rstrip(" \t")
    if body.endswith("\n"):
        body = body.rstrip("\n")
    return body


def _tok_span(src: SourceFile, tok) -> Span:
    """A token's span from the line and column Lark computed; offsets for tokens made by repair.

    ``src.line0``: the lines before ``src``'s text in its file (a piece parsed alone).
    """
    if tok.end_line is None:
        return src.span(tok.start_pos, tok.end_pos)
    if src.line0:
        lines = src.line_numbers  # shared int objects, as Lark shares one per line
        return Span(src.path, lines[tok.line], tok.column, lines[tok.end_line], tok.end_column)
    return Span(src.path, tok.line, tok.column, tok.end_line, tok.end_column)


def _range_span(src: SourceFile, first, last) -> Span:
    """From the start of token ``first`` to the end of token ``last``."""
    if None in (first.line, first.column, last.end_line, last.end_column):
        return src.span(first.start_pos, last.end_pos)
    if src.line0:
        lines = src.line_numbers
        return Span(src.path, lines[first.line], first.column, lines[last.end_line], last.end_column)
    return Span(src.path, first.line, first.column, last.end_line, last.end_column)


def _decode(src: SourceFile, tok, bag: DiagnosticBag) -> Value:
    span = _tok_span(src, tok)
    text = str(tok)
    t = tok.type
    if t in ("STRING", "LONG_STRING"):
        long = t == "LONG_STRING"
        body = text[3:-3] if long else text[1:-1]

        def unescape(m: re.Match) -> str:
            ch = m.group(1)
            if ch in _ESCAPES:
                return _ESCAPES[ch]
            if ch == "\n" and long:
                return ""  # backslash-newline joins lines
            off = tok.start_pos + (3 if long else 1) + m.start()
            bag.error(
                "PC006",
                f"unknown escape `\\{ch}` in string",
                src.span(off, off + 2),
                help='valid escapes are \\" \\\\ \\n \\t; write \\\\ for a backslash',
            )
            return "\\" + ch

        if long:
            body = long_string_body(text)
        value = _ESCAPE_RE.sub(unescape, body) if "\\" in body else body
        return Value(STRING, text, value, span, long=long)
    if t == "NAME":
        text = sys.intern(text)  # ids recur (every reference repeats one): one string each
        return Value(NAME, text, text, span)
    if t == "NUMBER":
        return Value(NUMBER, text, text, span)
    if t == "HANDLE":
        text = sys.intern(text)
        return Value(HANDLE, text, text, span)
    if t == "UNTERMINATED_STRING":
        bag.error(
            "PC002",
            "unterminated string",
            span,
            help='close it with `"` on the same line, or use """ for several lines',
        )
    elif t == "UNTERMINATED_LONG_STRING":
        bag.error(
            "PC002",
            "unterminated multi-line string",
            src.span(tok.start_pos, tok.start_pos + 3),
            help='close it with """',
        )
    else:
        shown = f"`{text}`" if text.isprintable() and not text.isspace() else f"U+{ord(text[0]):04X}"
        bag.error(
            "PC003",
            f"unexpected character {shown}",
            span,
            help="values are names, numbers, `@handles` or quoted strings",
        )
    return Value(ERROR, text, text, span)


_JOIN_INNER = {"NAME", "NUMBER", "HANDLE", "BAD_CHAR"}


def _inner_quotes(src: SourceFile, toks: list, bag: DiagnosticBag) -> list:
    """Join a string cut in pieces by unescaped quotes: ``"say "hi" now"``.

    Lark sees ``"say "``, ``hi`` and ``" now"``.  When a one-line string is
    glued to the value after it and a later string on the same line is glued
    to the value before it, the pieces are one string whose inner quotes were
    not escaped: one diagnostic (with the escaped spelling), and one string
    value, so that the statement still fits its signature.
    """
    from lark import Token

    from phasec.diagnostics import Edit, Fix

    out = []
    i, n = 0, len(toks)
    while i < n:
        tok = toks[i]
        j = None
        if tok.type == "STRING":
            last = i
            # Extend while the closing piece is itself glued to a following value:
            # "a "b" c "d" e" is one string with two quoted words.
            while (
                last + 1 < n
                and toks[last + 1].start_pos == toks[last].end_pos
                and toks[last + 1].type in _JOIN_INNER | {"STRING"}
            ):
                k = last + 1
                close = None
                while k < n:
                    t = toks[k]
                    if t.type == "STRING" and t.start_pos == toks[k - 1].end_pos:
                        close = k
                        break
                    if t.type not in _JOIN_INNER:
                        break
                    k += 1
                if close is None:
                    break
                j = last = close
        if j is None or "\n" in src.text[tok.start_pos : toks[j].end_pos]:
            out.append(tok)
            i += 1
            continue
        start, end = tok.start_pos, toks[j].end_pos
        text = src.text[start:end]
        quotes = []  # offsets of the unescaped inner quotes
        q = 1
        while q < len(text) - 1:
            if text[q] == "\\":
                q += 2
                continue
            if text[q] == '"':
                quotes.append(start + q)
            q += 1
        fixed = "".join("\\" + ch if start + q in quotes else ch for q, ch in enumerate(text))
        diag = bag.error(
            "PC001",
            'unescaped `"` inside a string',
            src.span(quotes[0], quotes[0] + 1),
            help=f'write `\\"` for a quote inside a string: `{fixed}`'
            if len(fixed) <= 60
            else 'write `\\"` for a quote inside a string',
        )
        diag.fix = Fix(
            description="escape the inner quotes",
            edits=[Edit(span=src.span(o, o), replacement="\\") for o in quotes],
            safe=False,
        )
        out.append(Token("STRING", text, start_pos=start, end_pos=end, line=tok.line, column=tok.column))
        i = j + 1
    return out


def _build(src: SourceFile, tree, bag: DiagnosticBag) -> list[Statement]:
    from lark import Token

    def stmt(node) -> Statement:
        children = node.children
        head = children[0]
        toks = []
        block = None
        block_span = None
        last = head  # the statement's last token: its last value, or its block's `}`
        for ch in children[1:]:
            if isinstance(ch, Token):
                toks.append(ch)
                last = ch
            else:  # block: `{`, line ends, statements, `}`
                inner = ch.children
                block = [stmt(c) for c in inner if not isinstance(c, Token)]
                block_span = _range_span(src, inner[0], inner[-1])
                last = inner[-1]
        if len(toks) > 1:
            toks = _inner_quotes(src, toks, bag)
        values: list = [None] * len(toks)  # exactly as long as needed (a comprehension over-allocates: 16 bytes)
        for i, t in enumerate(toks):
            values[i] = _decode(src, t, bag)
        keyword_span = _tok_span(src, head)
        span = keyword_span if last.end_pos <= head.end_pos else _range_span(src, head, last)
        return Statement(
            keyword=sys.intern(str(head)),
            keyword_span=keyword_span,
            values=values,
            block=block,
            span=span,
            block_span=block_span,
        )

    try:
        return [stmt(c) for c in tree.children if not isinstance(c, Token)]
    finally:
        # `stmt` calls itself through its closure cell: a cycle (function, cell) that would keep
        # `src` (a piece's text and line numbers) alive until the cycle collector runs, which the
        # `phasec` command runs rarely (docs/performance.md, *Memory*).  Emptying the cell breaks it.
        stmt = None  # type: ignore[assignment]


def _comments(src: SourceFile, toks) -> list[Comment]:
    """Comments from COMMENT tokens and from the comments folded into line ends."""
    out = []
    for tok in toks:
        if tok.type == "COMMENT":
            out.append(Comment(str(tok), src.span(tok.start_pos, tok.end_pos)))
        else:
            for m in _COMMENT_RE.finditer(str(tok)):
                s = tok.start_pos + m.start()
                out.append(Comment(m.group(0), src.span(s, s + len(m.group(0)))))
    return out


def _fast(src: SourceFile, bag: DiagnosticBag, top_level: frozenset[str]):
    """Lark's plain LALR parse; None when the recovering path is needed.

    That is when the text does not parse, or when the recovering path would
    repair a token (an unterminated string that swallowed a block's `{`) or
    close a block early (a top-level keyword at column 1 inside a block opened
    at column 1).  Otherwise the recovering path would feed the same tokens to
    the same parser without a single error, so the results are identical.
    """
    from lark.exceptions import UnexpectedInput

    sink: list = []
    _fast_state.sink, _fast_state.repair = sink, False
    try:
        tree = _lark().parse(src.text)
    except UnexpectedInput:
        return None
    finally:
        repair = _fast_state.repair
        _fast_state.sink = None
    if repair:
        return None
    statements = _build(src, tree, bag)
    if top_level and _breaks_block(src, statements, top_level):
        return None
    return statements, _comments(src, sink)


def _breaks_block(src: SourceFile, statements: list[Statement], top_level: frozenset[str]) -> bool:
    """A nested statement the recovering path would read as the start of a new top-level one."""
    for top in statements:
        if top.block is None or top.block_span is None:
            continue
        if src.line_text(top.block_span.line - src.line0)[:1] in ("", " ", "\t"):
            continue
        stack = list(top.block)
        while stack:
            st = stack.pop()
            if st.keyword_span.column == 1 and st.keyword in top_level:
                return True
            if st.block:
                stack.extend(st.block)
    return False


def parse(
    text: str, path: str = "<input>", *, top_level: frozenset[str] = frozenset(), fast: bool = True
) -> tuple[Document, list[Diagnostic]]:
    """Parse runbook text into a syntax tree, collecting every syntax error.

    ``top_level`` holds the keywords valid only at top level (the schema's
    ``top_level_only()``); recovery uses them to spot a block that was never
    closed.  ``fast=False`` forces the recovering path (for tests: both paths
    give the same result).
    """
    src = SourceFile(path, text)
    deep = too_deep(text)
    if deep is not None:  # bounded: one diagnostic, no tree (every later stage recurses over blocks)
        bag = DiagnosticBag()
        bag.error(
            "PC009",
            f"blocks nested more than {MAX_DEPTH} deep",
            src.span(deep, deep + 1),
            help="runbooks nest a few levels; flatten the structure",
        )
        return Document(src, [], []), bag.sorted()
    got = None
    if fast:
        bag = DiagnosticBag()
        got = _fast(src, bag, top_level)
    if got is None:
        bag = DiagnosticBag()
        rec = _Recovering(src, bag, top_level)
        tree = rec.parse()
        got = _build(src, tree, bag), rec.comments
    statements, comments = got
    doc = Document(src, statements, sorted(comments, key=lambda c: (c.span.line, c.span.column)))
    return doc, bag.sorted()
