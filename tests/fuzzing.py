"""Fuzzing shared by the test suite (tests/test_fuzz*.py) and benchmarks/fuzz.py.

Two generators:

* :func:`mutate` — mutation fuzzing of real files (every example, fixture and
  corpus runbook): byte edits, token edits (delete, duplicate, swap, insert a
  keyword of the language, replace by another token of the file), truncations
  and duplications of ranges;
* :func:`runbooks` — a hypothesis strategy generating *valid* runbooks from the
  language schema (``phasec.compiler.schema.CONTEXTS``): every context's
  statements, their signatures (values, optional clauses, quantifiers, word
  choices), blocks and required statements, with references drawn from the ids
  the runbook declares.  Which kind of id a statement declares is learned from
  the compiler itself (``resolve.declarations``) on a probe runbook, not from a
  hand list.

:func:`check_case` runs one case through the pipeline and returns a failure
description, or None: lint never raises, positions are in range, and a file
without syntax errors formats to a text that parses to the same IR.
"""

from __future__ import annotations

import random
import re
import signal
import string
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def seed_files() -> list[Path]:
    """Every example, fixture and corpus runbook, sorted."""
    found = [*ROOT.glob("examples/*.phc"), *ROOT.glob("tests/fixtures/**/*.phc"), *ROOT.glob("tests/corpus/*.phc")]
    return sorted(found)


# ─── checking one case ─────────────────────────────────────────────────────────


class CaseTimeout(Exception):
    pass


@contextmanager
def time_bound(seconds: float):
    """Raise :class:`CaseTimeout` after ``seconds`` of this process' CPU time (SIGPROF; main thread only).

    CPU time, not wall time: on a shared machine a niced run waits for the CPU,
    and waiting is not what the bound is about.
    """
    if not hasattr(signal, "setitimer"):
        yield
        return

    def on_alarm(*_):
        raise CaseTimeout(f"over {seconds} s of CPU time")

    old = signal.signal(signal.SIGPROF, on_alarm)
    signal.setitimer(signal.ITIMER_PROF, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, old)


def check_text(text: str, name: str = "fuzz.phc", *, fmt: bool = True) -> str | None:
    """None if the pipeline handled ``text`` properly, else what went wrong."""
    from phasec.compiler.diagnostics import Severity
    from phasec.compiler.pipeline import analyze

    res = analyze(text, name)
    lines = text.count("\n") + 1
    for d in res.diagnostics:
        if not (1 <= d.span.line <= lines + 1 and d.span.column >= 1 and d.code.startswith("PC") and d.message):
            return f"diagnostic out of range or empty: {d.code} {d.span} {d.message!r}"
    if not fmt:
        return None
    syntax = [d for d in res.diagnostics if d.code.startswith("PC0") and d.severity is Severity.ERROR]
    if syntax:
        return None
    from phasec.format import format_text, runbook_fingerprint

    new = format_text(text, name)
    again = analyze(new, name, rules=False)
    if any(d.code.startswith("PC0") for d in again.diagnostics):
        return f"formatted text has syntax errors: {[d.code for d in again.diagnostics][:3]}"
    if runbook_fingerprint(again.runbook) != runbook_fingerprint(res.runbook):
        return "formatting changed the IR"
    if format_text(new, name) != new:
        return "formatting is not idempotent"
    return None


def check_bytes(data: bytes, name: str = "fuzz.phc", *, fmt: bool = True) -> str | None:
    """Like :func:`check_text`, from bytes: what cannot be decoded must get PC008."""
    from phasec.grammar.reading import decode

    read = decode(data, name)
    if not read.ok:
        return None if read.diagnostic.code == "PC008" else f"undecodable bytes gave {read.diagnostic.code}"
    return check_text(read.text, name, fmt=fmt)


def check_case(data: bytes, *, seconds: float = 10.0, fmt: bool = True) -> str | None:
    """One fuzz case within a time bound; an exception or a timeout is a failure."""
    try:
        with time_bound(seconds):
            return check_bytes(data, fmt=fmt)
    except CaseTimeout as exc:
        return f"timeout: {exc}"
    except RecursionError:
        return "RecursionError"
    except Exception as exc:  # noqa: BLE001 - that is what we are looking for
        return f"{type(exc).__name__}: {exc}"


# ─── mutation fuzzing ──────────────────────────────────────────────────────────

_TOKEN = re.compile(rb'"""|"(?:\\.|[^"\\\n])*"|[A-Za-z_][A-Za-z0-9_.\-]*|@[\w./-]+|\d[\w.-]*|\s+|.', re.S)
_JUNK = [
    b"{",
    b"}",
    b"\n",
    b";",
    b'"',
    b'"""',
    b"#",
    b"\\",
    b"\t",
    b"\r\n",
    b"\xef\xbb\xbf",
    b"\xff",
    b"\xc3",
    "é".encode(),
    "😀".encode(),
    "\u00a0".encode(),
    b"\x00",
    b"$(touch x)",
    b"`x`",
    b"..",
    b"/",
]


@lru_cache(maxsize=1)
def _keywords() -> list[bytes]:
    from phasec.compiler.schema import keywords

    return [k.encode() for k in keywords()]


MUTATIONS = (
    "byte",
    "insert",
    "delete",
    "duplicate",
    "truncate",
    "token_delete",
    "token_dup",
    "token_swap",
    "token_keyword",
    "token_replace",
    "line_dup",
    "line_delete",
)


def mutate(data: bytes, rng: random.Random, n: int | None = None) -> tuple[bytes, list[str]]:
    """``data`` with 1-3 random mutations applied; returns the result and the mutation names."""
    done = []
    for _ in range(n or rng.randint(1, 3)):
        op = rng.choice(MUTATIONS)
        done.append(op)
        size = len(data)
        pos = rng.randint(0, size)
        if op == "byte" and size:
            i = min(pos, size - 1)
            data = data[:i] + bytes([rng.randrange(256)]) + data[i + 1 :]
        elif op == "insert":
            data = data[:pos] + rng.choice(_JUNK) + data[pos:]
        elif op == "delete":
            data = data[:pos] + data[pos + rng.randint(1, 64) :]
        elif op == "duplicate":
            end = min(size, pos + rng.randint(1, 2000))
            data = data[:end] + data[pos:end] + data[end:]
        elif op == "truncate":
            data = data[:pos]
        elif op.startswith("token"):
            toks = _TOKEN.findall(data)
            if not toks:
                continue
            i = rng.randrange(len(toks))
            if op == "token_delete":
                del toks[i]
            elif op == "token_dup":
                toks.insert(i, toks[i])
            elif op == "token_swap":
                j = rng.randrange(len(toks))
                toks[i], toks[j] = toks[j], toks[i]
            elif op == "token_keyword":
                toks.insert(i, rng.choice(_keywords()) + b" ")
            else:
                toks[i] = rng.choice(toks)
            data = b"".join(toks)
        elif op in ("line_dup", "line_delete"):
            lines = data.split(b"\n")
            i = rng.randrange(len(lines))
            if op == "line_dup":
                lines.insert(i, lines[i])
            else:
                del lines[i]
            data = b"\n".join(lines)
    return data, done


# ─── valid runbooks from the schema ────────────────────────────────────────────

MAX_DEPTH = 4

#: Values of the kinds the schema names; free text exercises escapes, quotes and Unicode.
_TEXT_ALPHABET = string.ascii_letters + string.digits + " _-.,:/<>()[]{}#;=*`$'\"\\\té😀\u00a0"


class _Ref:
    """A reference placeholder: replaced by a declared id of ``kinds`` once the runbook is complete."""

    def __init__(self, kinds: tuple[str, ...], pick: int):
        self.kinds = kinds
        self.pick = pick


class _Clause:
    def __init__(self, word: str, values: list):
        self.word = word
        self.values = values


class _Stmt:
    def __init__(self, keyword: str, values: list, block: list | None, declares: str | None):
        self.keyword = keyword
        self.values = values  # str (literal source text) | _Ref | ("clause", word, [values]) handled flat
        self.block = block
        self.declares = declares  # the id this statement declares (its first `id` value), if any


def _name(draw, st) -> str:
    return draw(st.from_regex(r"[a-z][a-z0-9_]{0,6}", fullmatch=True))


def _text(draw, st) -> str:
    from phasec.format import render_string

    return render_string(draw(st.text(alphabet=_TEXT_ALPHABET, max_size=24)))


def _param_values(draw, st, param, counter, ctx, keyword) -> list:
    """The source values of one signature parameter (several for `*` and `+`)."""
    lo = 0 if param.optional else 1
    hi = 1 if not param.many else 3
    n = draw(st.integers(lo, hi))
    out = []
    for _ in range(n):
        kind = draw(st.sampled_from(param.types))
        if param.choices:
            out.append(draw(st.sampled_from(param.choices)))
        elif kind == "id":
            counter[0] += 1
            out.append(f"X{counter[0]}")
        elif kind == "name":
            out.append(_name(draw, st))
        elif kind == "str":
            out.append(_text(draw, st))
        elif kind == "int":
            out.append(str(draw(st.integers(1, 12))))
        elif kind == "handle":
            counter[0] += 1
            out.append(f"@h{counter[0]}")
        elif kind.startswith("@"):
            refs = tuple(t[1:] for t in param.types if t.startswith("@"))
            out.append(_Ref(refs, draw(st.integers(0, 10_000))))
        else:  # pragma: no cover - a new value type: extend the generator
            raise AssertionError(f"fuzzing: unknown value type {kind!r} in {ctx}/{keyword}")
    return out


def _statement(draw, st, ctx_name: str, stmt, counter, depth: int, size: list) -> _Stmt:
    sig = stmt.signature
    values: list = []
    declares = None
    for p in sig.params:
        vals = _param_values(draw, st, p, counter, ctx_name, stmt.keyword)
        if p.types == ("id",) and vals and declares is None:
            declares = vals[0]
        values.extend(vals)
    for clause in sig.clauses:
        if draw(st.booleans()):
            cvals: list = []
            for p in clause.params:
                cvals.extend(_param_values(draw, st, p, counter, ctx_name, stmt.keyword))
            values.append(_Clause(clause.word, cvals))
    if declares is None and sig.params and sig.params[0].types == ("handle",):
        declares = values[0]  # a handle declared (the owners registry)
    block = None
    from phasec.compiler.schema import CONTEXTS

    needs_block = stmt.block_required or (
        stmt.block is not None and any(x.required for x in CONTEXTS[stmt.block].statements.values())
    )
    if stmt.block and (needs_block or (depth < MAX_DEPTH and draw(st.booleans()))):
        block = _context(draw, st, stmt.block, counter, depth + 1, size)
    return _Stmt(stmt.keyword, values, block, declares)


def _context(draw, st, ctx_name: str, counter, depth: int, size: list) -> list[_Stmt]:
    from phasec.compiler.schema import CONTEXTS

    out = []
    for stmt in CONTEXTS[ctx_name].statements.values():
        if stmt.required:
            n = 1
        elif depth >= MAX_DEPTH or size[0] > 400 or (stmt.block_required and depth >= MAX_DEPTH - 1):
            n = 0
        else:
            n = draw(st.integers(0, 2 if stmt.many else 1))
        for _ in range(n):
            size[0] += 1
            out.append(_statement(draw, st, ctx_name, stmt, counter, depth, size))
    return draw(st.permutations(out)) if depth == 0 else out


@lru_cache(maxsize=1)
def declared_kinds() -> dict[tuple[str, str], str]:
    """(context, keyword) -> the kind of id the statement declares, learned from the compiler.

    A probe runbook holds every declaring statement of every context once (each with
    an id naming it); ``resolve.declarations`` then says which kind each id is.
    """
    from phasec.compiler.pipeline import analyze
    from phasec.compiler.resolve import declarations
    from phasec.compiler.schema import CONTEXTS

    names: dict[str, tuple[str, str]] = {}
    seen: set[str] = set()

    def block(ctx_name: str, depth: int) -> list[str]:
        lines = []
        for st in CONTEXTS[ctx_name].statements.values():
            sig = st.signature
            vals = []
            ident = None
            for p in sig.params:
                if p.optional:
                    continue
                t = p.types[0]
                if p.choices:
                    vals.append(p.choices[0])
                elif t == "id":
                    ident = f"P{len(names)}"
                    names[ident] = (ctx_name, st.keyword)
                    vals.append(ident)
                elif t == "handle":
                    ident = f"@p{len(names)}"
                    names[ident] = (ctx_name, st.keyword)
                    vals.append(ident)
                elif t == "str":
                    vals.append('"x"')
                elif t == "int":
                    vals.append("1")
                else:
                    vals.append("x")
            body = ""
            if st.block and (ctx_name, st.keyword) not in seen and depth < 6:
                seen.add((ctx_name, st.keyword))
                body = " {\n" + "\n".join(block(st.block, depth + 1)) + "\n}"
            elif st.block_required:
                continue
            lines.append(" ".join([st.keyword, *vals]) + body)
        return lines

    text = "\n".join(block("file", 0)) + "\n"
    res = analyze(text, "probe.phc", rules=False)
    out: dict[tuple[str, str], str] = {}
    for kind, ids in declarations(res.runbook).items():
        for ident in ids:
            if ident in names:
                out[names[ident]] = kind
    return out


def _values(values: list, table: dict[str, list[str]]) -> list[str]:
    out = []
    for v in values:
        if isinstance(v, _Ref):
            pool = [x for k in v.kinds for x in table.get(k, [])]
            out.append(pool[v.pick % len(pool)])
        elif isinstance(v, _Clause):
            out.append(v.word)
            out.extend(_values(v.values, table))
        else:
            out.append(v)
    return out


def _render(stmts: list[_Stmt], indent: str, out: list[str], table: dict[str, list[str]]) -> None:
    for s in stmts:
        vals = _values(s.values, table)
        head = indent + " ".join([s.keyword, *vals])
        if s.block is None:
            out.append(head)
        else:
            out.append(head + " {")
            _render(s.block, indent + "  ", out, table)
            out.append(indent + "}")


def _prune(stmts: list[_Stmt], table: dict[str, list[str]]) -> list[_Stmt]:
    """Without the statements (or clauses) holding a reference no declaration can satisfy."""

    def dangling(values) -> bool:
        return any(isinstance(v, _Ref) and not any(table.get(k) for k in v.kinds) for v in values)

    kept = []
    for s in stmts:
        if dangling(s.values):
            continue
        values = [v for v in s.values if not (isinstance(v, _Clause) and dangling(v.values))]
        block = _prune(s.block, table) if s.block is not None else None
        kept.append(_Stmt(s.keyword, values, block, s.declares))
    return kept


def _declared(stmts: list[_Stmt], ctx_name: str, kinds: dict, table: dict[str, list[str]]) -> None:
    from phasec.compiler.schema import CONTEXTS

    for s in stmts:
        kind = kinds.get((ctx_name, s.keyword))
        if kind and s.declares:
            table.setdefault(kind, []).append(s.declares)
        if s.block is not None:
            _declared(s.block, CONTEXTS[ctx_name].statements[s.keyword].block, kinds, table)


def runbooks():
    """A hypothesis strategy: the text of a runbook the front end accepts (no PC0xx-PC2xx errors)."""
    from hypothesis import strategies as st

    @st.composite
    def build(draw):
        kinds = declared_kinds()
        counter = [0]
        stmts = _context(draw, st, "file", counter, 0, [0])
        while True:  # dropping a statement may drop declarations others refer to
            table: dict[str, list[str]] = {}
            _declared(stmts, "file", kinds, table)
            pruned = _prune(stmts, table)
            if _size(pruned) == _size(stmts):
                break
            stmts = pruned
        out: list[str] = []
        _render(stmts, "", out, table)
        return "\n".join(out) + "\n"

    return build()


def _size(stmts: list[_Stmt]) -> int:
    """Statements and clauses, all levels: what pruning can remove."""
    return sum(1 + sum(isinstance(v, _Clause) for v in s.values) + (_size(s.block) if s.block else 0) for s in stmts)
