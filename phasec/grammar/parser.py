"""The parser: one cached Lark LALR parser, error recovery, and the syntax tree.

Lark is imported here and nowhere else.
"""

from __future__ import annotations

import re
import textwrap
from functools import lru_cache
from importlib import resources

from phasec.compiler.diagnostics import Diagnostic, DiagnosticBag
from phasec.grammar.tree import ERROR, HANDLE, NAME, NUMBER, STRING, Comment, Document, Statement, Value
from phasec.source import SourceFile, Span

#: How each token type is named after "unexpected" / "found".
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


@lru_cache(maxsize=1)
def _lark():
    from lark import Lark

    grammar = resources.files("phasec.grammar").joinpath("phasec.lark").read_text(encoding="utf-8")
    return Lark(
        grammar,
        parser="lalr",
        lexer="basic",
        propagate_positions=True,
        maybe_placeholders=False,
        cache=True,
    )


def grammar_text() -> str:
    return resources.files("phasec.grammar").joinpath("phasec.lark").read_text(encoding="utf-8")


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

    def __init__(self, src: SourceFile, bag: DiagnosticBag):
        self.src = src
        self.bag = bag
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
        """Token-level repairs for two common slips, each reported once.

        * an unterminated string that ends in ``{``: the brace opens a block;
        * ``{`` alone at the start of the next line: joined to its statement.
        """
        from lark import Token

        out = []
        for tok in toks:
            if tok.type == "UNTERMINATED_STRING" and str(tok).rstrip().endswith("{") and len(str(tok).rstrip()) > 1:
                text = str(tok).rstrip()
                brace = tok.start_pos + len(text) - 1
                body = text[:-1].rstrip()
                out.append(Token(
                    "UNTERMINATED_STRING", body, start_pos=tok.start_pos, end_pos=tok.start_pos + len(body),
                    line=tok.line, column=tok.column))
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
        if self.src.position(tok.start_pos)[1] != 1:
            return False
        from phasec.compiler.schema import top_level_only

        if str(tok) not in top_level_only():
            return False
        first = opens[0]
        line_start = self.src.text.rfind("\n", 0, first.start_pos) + 1
        return not self.src.text[line_start:first.start_pos].startswith((" ", "\t"))

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
                f"a statement must start with a keyword, found a {TOKEN_FOUND.get(tok.type, tok.type)}",
                span,
                help="every statement is `keyword value... [{ ... }]`",
            )
        else:
            self.bag.error(
                "PC001", f"unexpected {TOKEN_FOUND.get(tok.type, tok.type)}; expected {_words(expected)}", span
            )
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


def _decode(src: SourceFile, tok, bag: DiagnosticBag) -> Value:
    span = src.span(tok.start_pos, tok.end_pos)
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
        return Value(NAME, text, text, span)
    if t == "NUMBER":
        return Value(NUMBER, text, text, span)
    if t == "HANDLE":
        return Value(HANDLE, text, text, span)
    if t == "UNTERMINATED_STRING":
        bag.error("PC002", "unterminated string", span, help='close it with `"` on the same line, or use """ for several lines')
    elif t == "UNTERMINATED_LONG_STRING":
        bag.error("PC002", 'unterminated multi-line string', src.span(tok.start_pos, tok.start_pos + 3), help='close it with """')
    else:
        bag.error("PC003", f"unexpected character `{text}`", span, help="values are names, numbers, `@handles` or quoted strings")
    return Value(ERROR, text, text, span)


def _build(src: SourceFile, tree, bag: DiagnosticBag) -> list[Statement]:
    from lark import Token

    def stmt(node) -> Statement:
        children = node.children
        head = children[0]
        values = []
        block = None
        block_span = None
        for ch in children[1:]:
            if isinstance(ch, Token):
                values.append(_decode(src, ch, bag))
            else:  # block
                block = [stmt(c) for c in ch.children if not isinstance(c, Token)]
                meta = ch.meta
                if not meta.empty:
                    block_span = src.span(meta.start_pos, meta.end_pos)
        meta = node.meta
        start = head.start_pos
        end = meta.end_pos if not meta.empty and meta.end_pos is not None else head.end_pos
        return Statement(
            keyword=str(head),
            keyword_span=src.span(head.start_pos, head.end_pos),
            values=values,
            block=block,
            span=src.span(start, max(end, head.end_pos)),
            block_span=block_span,
        )

    return [stmt(c) for c in tree.children if not isinstance(c, Token)]


def parse(text: str, path: str = "<input>") -> tuple[Document, list[Diagnostic]]:
    """Parse runbook text into a syntax tree, collecting every syntax error."""
    src = SourceFile(path, text)
    bag = DiagnosticBag()
    rec = _Recovering(src, bag)
    tree = rec.parse()
    statements = _build(src, tree, bag)
    doc = Document(src, statements, sorted(rec.comments, key=lambda c: (c.span.line, c.span.column)))
    return doc, bag.sorted()
