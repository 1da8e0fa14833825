"""Check every statement against the language schema.

``bind`` walks the syntax tree context by context.  Each statement must be a
keyword its context allows, with values that fit the keyword's signature; a
block only where the keyword takes one.  Anything else is reported at its
position with a suggestion, and left out of what lowering sees.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from phasec.compiler.diagnostics import DiagnosticBag, close_matches, did_you_mean, replace_fix, suggest
from phasec.compiler.schema import CONTEXTS, Clause, Param, Stmt, contexts_allowing
from phasec.grammar.tree import ERROR, HANDLE, NAME, NUMBER, STRING, Statement, Value
from phasec.source import Span

Arg = Value | list[Value] | None


@dataclass
class Bound:
    """A statement that fits its signature: values by parameter name."""

    stmt: Statement
    spec: Stmt
    args: dict[str, Arg] = field(default_factory=dict)
    flags: dict[str, Span] = field(default_factory=dict)
    clauses: dict[str, dict[str, Arg]] = field(default_factory=dict)
    children: list[Bound] = field(default_factory=list)

    @property
    def keyword(self) -> str:
        return self.stmt.keyword

    @property
    def span(self) -> Span:
        return self.stmt.span

    # Access is typed by the schema: asking for a parameter, clause or child
    # keyword the statement's signature does not have is a bug in phasec (a
    # renamed parameter would otherwise silently drop data), so it raises.
    def _param(self, name: str) -> str:
        if name not in self.spec.signature.param_names:
            raise KeyError(f"`{self.keyword}` has no parameter `{name}` (signature: {self.spec.sig!r})")
        return name

    def _clause(self, word: str, name: str | None = None) -> str:
        clause = self.spec.signature.clause(word)
        if clause is None or (name is not None and name not in {p.name for p in clause.params}):
            what = f"clause `{word}`" + (f" parameter `{name}`" if name else "")
            raise KeyError(f"`{self.keyword}` has no {what} (signature: {self.spec.sig!r})")
        return word

    def _child(self, keyword: str) -> str:
        block = self.spec.block
        if block is None or keyword not in CONTEXTS[block].statements:
            raise KeyError(f"`{self.keyword}` has no `{keyword}` statement in its block")
        return keyword

    def has(self, word: str) -> bool:
        """Whether the flag or clause ``word`` was given."""
        return self._clause(word) in self.flags

    def get(self, name: str) -> Value | None:
        v = self.args.get(self._param(name))
        return v if isinstance(v, Value) else None

    def text(self, name: str) -> str | None:
        v = self.get(name)
        return v.value if v is not None else None

    def values(self, name: str) -> list[Value]:
        v = self.args.get(self._param(name))
        if v is None:
            return []
        return v if isinstance(v, list) else [v]

    def clause(self, word: str, name: str) -> Arg:
        return self.clauses.get(self._clause(word, name), {}).get(name)

    def clause_value(self, word: str, name: str) -> Value | None:
        v = self.clause(word, name)
        return v if isinstance(v, Value) else None

    def clause_values(self, word: str, name: str) -> list[Value]:
        v = self.clause(word, name)
        if v is None:
            return []
        return v if isinstance(v, list) else [v]

    def clause_text(self, word: str, name: str) -> str | None:
        v = self.clause_value(word, name)
        return v.value if v is not None else None

    def kids(self, keyword: str) -> list[Bound]:
        self._child(keyword)
        return [c for c in self.children if c.keyword == keyword]

    def kid(self, keyword: str) -> Bound | None:
        self._child(keyword)
        for c in self.children:
            if c.keyword == keyword:
                return c
        return None


def _where(title: str) -> str:
    """ "at top level", "in slice": where a statement stands, for messages."""
    return "at top level" if title == "top level" else f"in {title}"


def _fits(v: Value, types: tuple[str, ...], choices: tuple[str, ...] = ()) -> bool:
    if choices:
        return v.kind == NAME and v.value in choices
    for t in types:
        if t == "str" and v.kind == STRING:
            return True
        if t == "name" and v.kind == NAME:
            return True
        if t == "id" and v.kind in (NAME, NUMBER):
            return True
        if t == "int" and v.kind == NUMBER and v.value.isdigit():
            return True
        if t in ("handle", "@owner") and v.kind == HANDLE:
            return True
        if t.startswith("@") and t != "@owner" and v.kind in (NAME, NUMBER):
            return True
    return False


class Binder:
    def __init__(self, bag: DiagnosticBag):
        self.bag = bag

    def bind_block(self, statements: list[Statement], context: str, owner_span: Span) -> list[Bound]:
        ctx = CONTEXTS[context]
        out: list[Bound] = []
        seen: dict[str, Statement] = {}
        for st in statements:
            bound = self._bind_one(st, ctx.statements.get(st.keyword), context, seen)
            if bound is not None:
                out.append(bound)
        self._required(context, seen, owner_span)
        return out

    def _bind_one(self, st: Statement, spec: Stmt | None, context: str, seen: dict[str, Statement]) -> Bound | None:
        """One statement of a block (``seen``: the first statement of each keyword so far): its
        binding, or None when it is unknown there, given twice, or does not fit."""
        if spec is None:
            self.unknown(st, context)
            return None
        if not spec.many and st.keyword in seen:
            first = seen[st.keyword]
            self.bag.error(
                "PC106",
                f"`{st.keyword}` may appear only once {_where(CONTEXTS[context].title)}",
                st.keyword_span,
                help=f"the first `{st.keyword}` is at line {first.span.line}",
            )
            return None
        seen.setdefault(st.keyword, st)
        return self.bind_stmt(st, spec)

    def _required(self, context: str, seen: dict[str, Statement], owner_span: Span) -> None:
        """PC109 for each statement the block needs and does not have."""
        ctx = CONTEXTS[context]
        for spec in ctx.statements.values():
            if spec.required and spec.keyword not in seen:
                self.bag.error(
                    "PC109",
                    f"a runbook needs a `{spec.keyword}` statement at top level"
                    if context == "file"
                    else f"{ctx.title} needs a `{spec.keyword}` statement",
                    owner_span,
                    help=f"add `{spec.keyword} {spec.sig}`".rstrip(),
                )

    def unknown(self, st: Statement, context: str) -> None:
        ctx = CONTEXTS[context]
        elsewhere = list(contexts_allowing(st.keyword))
        if elsewhere:
            self.bag.error(
                "PC102",
                f"`{st.keyword}` is not allowed {_where(ctx.title)}",
                st.keyword_span,
                help=f"`{st.keyword}` belongs {' or '.join(_where(t) for t in elsewhere)}",
            )
            return
        diag = self.bag.error(
            "PC101",
            f"unknown keyword `{st.keyword}` {_where(ctx.title)}",
            st.keyword_span,
            help=did_you_mean(st.keyword, ctx.statements)
            or f"allowed {_where(ctx.title)}: {', '.join(sorted(ctx.statements))}",
        )
        # One close keyword: offer it as a fix.  Unsafe (not applied by `lint --fix`):
        # the keyword decides what the values mean, so the author must look.
        close = close_matches(st.keyword, ctx.statements)
        if len(close) == 1:
            diag.fix = replace_fix(st.keyword_span, st.keyword, close[0], safe=False)

    def take(
        self, st: Statement, values: list[Value], i: int, params: tuple[Param, ...], stop_words: set[str], where: str
    ):
        """Match ``params`` against values[i:]; return (args, next index, ok)."""
        args: dict[str, Arg] = {}
        ok = True
        for p in params:
            if p.many:
                got: list[Value] = []
                while (
                    i < len(values)
                    and _fits(values[i], p.types, p.choices)
                    and not (values[i].kind == NAME and values[i].value in stop_words)
                ):
                    got.append(values[i])
                    i += 1
                if p.quant == "+" and not got:
                    ok = False
                    self.missing(st, values, i, p, where)
                    return args, i, ok
                args[p.name] = got
                continue
            if (
                i < len(values)
                and _fits(values[i], p.types, p.choices)
                and not (p.optional and values[i].kind == NAME and values[i].value in stop_words)
            ):
                args[p.name] = values[i]
                i += 1
                continue
            if p.optional:
                args[p.name] = None
                continue
            ok = False
            self.missing(st, values, i, p, where)
            return args, i, ok
        return args, i, ok

    def missing(self, st: Statement, values: list[Value], i: int, p: Param, where: str) -> None:
        if i < len(values):
            v = values[i]
            if v.kind == ERROR:
                return  # already reported by the parser
            self.bag.error(
                "PC104",
                f"`{where}` expects {p.describe()} for `{p.name}`, found {v.describe()}",
                v.span,
                help=f"usage: `{st.keyword} {self.usage(st)}`",
            )
        else:
            anchor = values[-1].span if values else st.keyword_span
            self.bag.error(
                "PC103",
                f"`{where}` is missing {p.describe()} for `{p.name}`",
                anchor,
                help=f"usage: `{st.keyword} {self.usage(st)}`",
            )

    def usage(self, st: Statement) -> str:
        for ctx in CONTEXTS.values():
            spec = ctx.statements.get(st.keyword)
            if spec is not None:
                return spec.sig
        return ""

    def stray(self, st: Statement, spec: Stmt, v: Value, clause_words: set[str]) -> None:
        """PC105: a value beyond what the statement takes; a misspelt flag or clause word is named."""
        usage = f"usage: `{st.keyword} {spec.sig}`"
        best = suggest(v.value, clause_words) if v.kind == NAME and clause_words else None
        if best is None:
            self.bag.error("PC105", f"unexpected {v.noun()} in `{st.keyword}`", v.span, help=usage)
            return
        clause = spec.signature.clause(best)
        what = "flag" if clause is not None and not clause.params else "clause"
        diag = self.bag.error(
            "PC105", f"unknown {what} `{v.value}` in `{st.keyword}`; did you mean `{best}`?", v.span, help=usage
        )
        close = close_matches(v.value, clause_words)
        if len(close) == 1:
            diag.fix = replace_fix(v.span, v.value, close[0], safe=False)

    def bind_stmt(self, st: Statement, spec: Stmt) -> Bound | None:
        sig = spec.signature
        clause_words = {c.word for c in sig.clauses}
        values = st.values
        if any(v.kind == ERROR for v in values):
            # The parser reported the bad token; bind what fits, report nothing more.
            saved, self.bag = self.bag, DiagnosticBag()
            try:
                return self.bind_stmt(_without_errors(st), spec)
            finally:
                self.bag = _merge_blocks(saved, self.bag)
        args, i, ok = self.take(st, values, 0, sig.params, clause_words, st.keyword)
        if not ok:
            return None
        bound = Bound(st, spec, args)
        while i < len(values):
            v = values[i]
            clause: Clause | None = sig.clause(v.value) if v.kind == NAME else None
            if clause is None:
                # Report the stray value once and drop it (with any values up to the
                # next clause word, most likely its arguments): the statement and
                # its block are kept, so what it declares is not lost downstream.
                self.stray(st, spec, v, clause_words)
                i += 1
                while i < len(values) and not (values[i].kind == NAME and values[i].value in clause_words):
                    i += 1
                continue
            if clause.word in bound.flags or clause.word in bound.clauses:
                self.bag.error("PC106", f"`{clause.word}` given twice in `{st.keyword}`", v.span)
                return None
            i += 1
            if not clause.params:
                bound.flags[clause.word] = v.span
                continue
            cargs, i, ok = self.take(st, values, i, clause.params, clause_words, f"{st.keyword} ... {clause.word}")
            if not ok:
                return None
            bound.clauses[clause.word] = cargs
            bound.flags[clause.word] = v.span
        if st.block is not None:
            if spec.block is None:
                self.bag.error(
                    "PC107",
                    f"`{st.keyword}` does not take a block",
                    st.block_span or st.span,
                    help="remove the `{ ... }`",
                )
            else:
                bound.children = self.bind_block(st.block, spec.block, st.keyword_span)
        elif spec.block_required:
            self.bag.error(
                "PC108",
                f"`{st.keyword}` needs a block `{{ ... }}`",
                st.keyword_span,
                help=f"write `{st.keyword} ... {{` and its statements on the following lines",
            )
            return None
        elif spec.block is not None:
            bound.children = self.bind_block([], spec.block, st.keyword_span)
        return bound


def bind(statements: list[Statement], bag: DiagnosticBag, file_span: Span) -> list[Bound]:
    return Binder(bag).bind_block(statements, "file", file_span)


def _without_errors(st: Statement) -> Statement:
    return Statement(
        st.keyword, st.keyword_span, [v for v in st.values if v.kind != ERROR], st.block, st.span, st.block_span
    )


def _merge_blocks(saved: DiagnosticBag, inner: DiagnosticBag) -> DiagnosticBag:
    """Keep diagnostics from inside the statement's block; drop those about its own values."""
    # Diagnostics about the statement's own values are consequences of the bad token.
    saved.extend([d for d in inner.items if d.code not in ("PC103", "PC104", "PC105", "PC108")])
    return saved
