"""Completion: keywords valid in the current block, ids of the kind a position expects.

Completion runs on the text as it is *now* (the user is typing; the last
analysis may be a few keystrokes old), so it does not use the syntax tree.  A
small scanner reads the text up to the cursor — strings, comments, ``{``,
``}``, ``;`` and line ends — and keeps the stack of open blocks, which gives
the schema context (``slice``, ``stage``, ``team`` ...).  The statement being
typed is matched against its signature (phasec/compiler/schema.py) the way
the binder matches it, which says what may come next: an id of some kind
(``@slice``, ``@gate`` ...), a clause word (``backup``, ``if_triggered``), or
nothing we can suggest (prose).  Ids come from the last analysis.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field

from lsprotocol import types

from phasec.compiler.schema import CONTEXTS, Param, Signature
from phasec.lsp.positions import chars_to_units, units_to_chars

_TOKEN = re.compile(
    r'''(?P<long>"""(?:\\[\s\S]|[^\\])*?""")
      | (?P<ulong>"""[\s\S]*)
      | (?P<str>"(?:\\.|[^"\\\n])*"?)
      | (?P<comment>\#[^\n]*)
      | (?P<end>\n|;)
      | (?P<open>\{)
      | (?P<close>\})
      | (?P<word>[^\s{};"\#]+)
      | (?P<ws>[ \t\r\f]+)''',
    re.X,
)

CIK = types.CompletionItemKind
ID_KIND = {
    "slice": CIK.Class,
    "agent": CIK.Variable,
    "gate": CIK.Function,
    "stage": CIK.Module,
    "owner": CIK.Constant,
    "artifact": CIK.File,
    "cadence": CIK.Enum,
    "branch": CIK.Reference,
    "lens": CIK.TypeParameter,
    "wave": CIK.Folder,
}

#: Statements that declare an id, by (context, keyword): completing their id
#: offers the ids of that kind that are referenced but not declared yet.
DECLARES = {
    ("file", "slice"): "slice",
    ("file", "gate"): "gate",
    ("file", "check"): "gate",
    ("file", "stage"): "stage",
    ("file", "cadence"): "cadence",
    ("file", "lens"): "lens",
    ("team", "agent"): "agent",
    ("wave", "agent"): "agent",
    ("outputs", "artifact"): "artifact",
    ("repo", "branch"): "branch",
    ("owners", "owner"): "owner",
}

#: A few enumerated words worth offering.
WORDS = {
    ("repo", "tool"): ["git", "graphite"],
    ("outputs", "artifact"): [],
}


@dataclass
class Tok:
    kind: str  # "name", "number", "handle", "string"
    text: str


@dataclass
class Frame:
    ctx: str  # schema context name, or "" when unknown
    head: list[Tok]  # the statement that opened the block
    seen: set[str] = field(default_factory=set)


@dataclass
class Cursor:
    """What the scanner found at the cursor."""

    frames: list[Frame]
    statement: list[Tok]  # complete tokens of the statement being typed
    partial: str  # the word being typed ('' if none)
    in_string_or_comment: bool = False

    @property
    def ctx(self) -> str:
        return self.frames[-1].ctx


def _tok(text: str) -> Tok:
    if text.startswith("@"):
        return Tok("handle", text)
    if text[:1].isdigit():
        return Tok("number", text)
    return Tok("name", text)


def scan(text: str, offset: int, start: int = 0, seen: set[str] | None = None) -> Cursor:
    """Read ``text[:offset]``: the open blocks and the statement being typed.

    ``start`` (with ``seen``, the keywords of the top-level statements before it): read from there
    instead, an offset known to be at top level, outside any block or string (:func:`resume_point`).
    """
    frames = [Frame("file", [], set(seen) if seen else set())]
    stmt: list[Tok] = []
    last = None
    pos = start
    for m in _TOKEN.finditer(text, start, offset):
        kind = m.lastgroup
        last = m
        pos = m.end()
        if kind == "ws":
            continue
        if kind == "word":
            stmt.append(_tok(m.group()))
        elif kind in ("str", "long", "ulong"):
            stmt.append(Tok("string", m.group()))
        elif kind == "comment":
            continue
        elif kind == "end":
            if stmt:
                frames[-1].seen.add(stmt[0].text)
            stmt = []
        elif kind == "open":
            parent = frames[-1]
            child = ""
            if stmt and parent.ctx:
                parent.seen.add(stmt[0].text)
                spec = CONTEXTS[parent.ctx].statements.get(stmt[0].text)
                child = (spec.block or "") if spec else ""
            frames.append(Frame(child, stmt))
            stmt = []
        elif kind == "close":
            if len(frames) > 1:
                frames.pop()
            stmt = []
    cur = Cursor(frames, stmt, "")
    if last is not None and pos == offset:
        kind = last.lastgroup
        if kind == "word":
            cur.partial = last.group()
            stmt.pop()
        elif kind in ("comment", "ulong") or (
            kind == "str" and (len(last.group()) == 1 or not last.group().endswith('"'))
        ):
            cur.in_string_or_comment = True
    return cur


def resume_point(text: str, offset: int, snap) -> tuple[int, set[str] | None]:
    """Where :func:`scan` may start for the cursor at ``offset``: the start of the top-level chunk of
    the analysed version ``snap`` that holds the cursor, when the text before it is still that
    version's (so it is still at top level, outside any block or string), with the keywords of the
    top-level statements before it; else ``(0, None)``, the whole text.  The scan then costs the
    size of one top-level statement, not of the file before the cursor."""
    state = getattr(snap, "incremental", None) if snap is not None else None
    chunks = getattr(state, "chunks", None)
    if chunks is None or not len(chunks):
        return 0, None
    k = bisect_right(chunks.starts, offset) - 1
    if k <= 0:
        return 0, None
    start = chunks.starts[k]
    if not (start <= len(text) and text.startswith(snap.text[:start])):
        return 0, None
    return start, {st.keyword for st in chunks.statements[: chunks.first_statement[k]]}


def _fits(t: Tok, types_: tuple[str, ...], choices: tuple[str, ...] = ()) -> bool:
    if choices:
        return t.kind == "name" and t.text in choices
    for ty in types_:
        if ty == "str" and t.kind == "string":
            return True
        if ty == "name" and t.kind == "name":
            return True
        if ty == "id" and t.kind in ("name", "number"):
            return True
        if ty == "int" and t.kind == "number" and t.text.isdigit():
            return True
        if ty in ("handle", "@owner") and t.kind == "handle":
            return True
        if ty.startswith("@") and ty != "@owner" and t.kind in ("name", "number"):
            return True
    return False


def _expected(p: Param) -> set[str]:
    """What may stand for ``p``: its value types, or (``name=a,b``) its words, written ``=a``, ``=b``."""
    return {f"={c}" for c in p.choices} if p.choices else set(p.types)


def _match(params: tuple[Param, ...], vals: list[Tok], i: int, stop: set[str]):
    """Greedy match as the binder does: (next index, types expected at the end or None, complete-ok)."""
    expected: set[str] = set()
    for p in params:
        if p.many:
            n = 0
            while (
                i < len(vals)
                and _fits(vals[i], p.types, p.choices)
                and not (vals[i].kind == "name" and vals[i].text in stop)
            ):
                i += 1
                n += 1
            if i == len(vals):
                expected |= _expected(p)
                if p.quant == "+" and n == 0:
                    return i, expected, False
                continue
            if p.quant == "+" and n == 0:
                return i, None, False
            continue
        if i == len(vals):
            expected |= _expected(p)
            if p.optional:
                continue
            return i, expected, False
        if _fits(vals[i], p.types, p.choices) and not (p.optional and vals[i].kind == "name" and vals[i].text in stop):
            i += 1
            continue
        if p.optional:
            continue
        return i, None, False
    if i == len(vals):
        return i, expected, True
    return i, None, True


def expected_next(sig: Signature, vals: list[Tok]) -> tuple[set[str], list[str]]:
    """(value types, clause words) that may come after ``vals`` in a statement with ``sig``."""
    words = [c.word for c in sig.clauses]
    stop = set(words)
    i, exp, ok = _match(sig.params, vals, 0, stop)
    if exp is not None:
        return exp, (words if ok else [])
    if not ok:
        return set(), []
    used: set[str] = set()
    while i < len(vals):
        v = vals[i]
        clause = sig.clause(v.text) if v.kind == "name" else None
        if clause is None or clause.word in used:
            return set(), []
        used.add(clause.word)
        i, exp, ok = _match(clause.params, vals, i + 1, stop)
        if exp is not None:
            return exp, ([w for w in words if w not in used] if ok else [])
        if not ok:
            return set(), []
    return set(), [w for w in words if w not in used]


def _id_detail(snap, kind: str, ident: str) -> str | None:
    node = snap.index.node(kind, ident) if snap is not None else None
    if node is None:
        return None
    for attr in ("title", "responsibility", "name", "script"):
        v = getattr(node, attr, None)
        if isinstance(v, str) and v:
            return v
    return None


def complete(text: str, pos: types.Position, encoding: str, snap, ids_from=None) -> types.CompletionList:
    """Completion items at ``pos`` in ``text`` (the document as it is now).

    ``snap``: the latest analysis (where the scan may start); ``ids_from``: the analysis whose
    symbol index gives the ids offered (default ``snap``; the server passes the latest one whose
    index is built, so that a completion typed between two analyses does not build one)."""
    ids = ids_from if ids_from is not None else snap
    lines = text.split("\n")
    if pos.line >= len(lines):
        return types.CompletionList(is_incomplete=False, items=[])
    line_text = lines[pos.line].rstrip("\r")
    col = units_to_chars(line_text, pos.character, encoding)
    offset = sum(len(x) + 1 for x in lines[: pos.line]) + col
    cur = scan(text, offset, *resume_point(text, offset, snap))
    if cur.in_string_or_comment or not cur.ctx:
        return types.CompletionList(is_incomplete=False, items=[])
    start = col - len(cur.partial)
    rng = types.Range(
        start=types.Position(line=pos.line, character=chars_to_units(line_text, start, encoding)),
        end=types.Position(line=pos.line, character=chars_to_units(line_text, col, encoding)),
    )
    ctx = CONTEXTS[cur.ctx]

    def item(label: str, kind, detail: str | None = None, doc: str | None = None, sort: str | None = None):
        return types.CompletionItem(
            label=label,
            kind=kind,
            detail=detail,
            documentation=types.MarkupContent(kind=types.MarkupKind.Markdown, value=doc) if doc else None,
            sort_text=sort,
            filter_text=label,
            text_edit=types.TextEdit(range=rng, new_text=label),
        )

    items: list[types.CompletionItem] = []
    if not cur.statement:
        # A keyword: the statements this block allows (those that may appear once and already do are left out).
        seen = cur.frames[-1].seen
        for n, allowed in enumerate(ctx.statements.values()):
            if not allowed.many and allowed.keyword in seen:
                continue
            items.append(
                item(allowed.keyword, CIK.Keyword, f"{allowed.keyword} {allowed.sig}".strip(), allowed.doc, f"{n:03d}")
            )
        return types.CompletionList(is_incomplete=False, items=items)
    head, vals = cur.statement[0], cur.statement[1:]
    spec = ctx.statements.get(head.text)
    if spec is None:
        return types.CompletionList(is_incomplete=False, items=[])
    expected, words = expected_next(spec.signature, vals)
    typed = {v.text for v in vals}
    own = cur.frames[-1].head[1].text if len(cur.frames[-1].head) > 1 else None
    index = ids.index if ids is not None else None
    n = 0
    for ty in sorted(expected):
        kinds: list[str] = []
        if ty.startswith("="):  # one of the words the parameter allows (`trigger_logic any|all`)
            if ty[1:] not in typed:
                items.append(item(ty[1:], CIK.EnumMember, "one of the allowed words", None, f"0{n:05d}"))
                n += 1
            continue
        if ty.startswith("@"):
            kinds = [ty[1:]]
        if kinds and index is not None:
            for kind in kinds:
                for ident in index.ids(kind):
                    if ident in typed:
                        continue
                    if kind == "slice" and cur.ctx == "slice" and ident == own and head.text == "after":
                        continue
                    items.append(
                        item(ident, ID_KIND.get(kind, CIK.Value), _id_detail(ids, kind, ident), None, f"0{n:05d}")
                    )
                    n += 1
        elif ty in ("id", "handle") and not vals and index is not None:
            declared_kind = DECLARES.get((cur.ctx, head.text))
            if declared_kind:
                # Referenced but not declared yet.
                for (k, ident), _occs in index.refs.items():
                    if k == declared_kind and not index.declarations(k, ident):
                        items.append(
                            item(
                                ident,
                                ID_KIND.get(declared_kind, CIK.Value),
                                "referenced, not declared",
                                None,
                                f"0{n:05d}",
                            )
                        )
                        n += 1
        elif ty == "name":
            for w in _names(index, cur.ctx, head.text):
                items.append(item(w, CIK.EnumMember, None, None, f"1{n:05d}"))
                n += 1
    for w in words:
        clause = spec.signature.clause(w)
        detail = " ".join([w] + [f"{p.name}:{'|'.join(p.types)}{p.quant}" for p in clause.params]) if clause else w
        items.append(item(w, CIK.Keyword, detail, None, f"2{n:05d}"))
        n += 1
    return types.CompletionList(is_incomplete=False, items=items)


def _names(index, ctx: str, keyword: str) -> list[str]:
    if (ctx, keyword) in WORDS:
        return WORDS[(ctx, keyword)]
    if ctx == "slice" and keyword == "kind" and index is not None and index.rb is not None:
        rb = index.rb
        kinds = [k for c in rb.cadences for k in c.for_kinds] + [s.kind for s in rb.slices if s.kind]
        return list(dict.fromkeys(kinds))
    return []
