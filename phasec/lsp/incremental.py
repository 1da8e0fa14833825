"""Incremental analysis for the language server: redo only what an edit touched.

The grammar is generic (a file is a list of ``keyword value... { ... }``
statements), so top-level statements are independent: the statements of a
piece of text that starts at the beginning of a line and ends at the end of a
line do not depend on the text around it.  A version of a document is kept as
*chunks*: each chunk is a run of whole lines holding one top-level statement
(or several that share lines, as in ``a {}; b``) and the blank lines and
comments after it; the first chunk also holds what precedes the first
statement.

On an edit (the new text against the previous version's):

1. the changed region is the text between the longest common prefix and
   suffix; the chunks it touches are re-parsed as one fragment, alone, block
   by block as ``phasec lint`` parses (``phasec.grammar.blocks``: the chunks and
   the splitting are that module's), its spans built at their lines in the
   document (the fragment starts at a line start, so columns are final);
2. the chunks after the region are kept: the same objects when the edit added
   or removed no line, else copies with every span moved by the line delta; their
   offsets and the document's lists of statements and comments are spliced from
   the previous version's (:class:`Chunks`), and so are the source's line table,
   made only when asked for (``SourceFile.edited``), and the position mapper
   (``PositionMapper.edited``);
3. binding (the schema check of each statement) is reused for every
   top-level statement object that was kept: :class:`CachingBinder`; around an
   edit of statements that may repeat and are not required, what the statements
   before and after it gave is spliced from the previous version's record;
4. so is the lowering of every top-level statement bound before
   (:class:`LoweringCache`): a slice or a gate is its node, any other statement
   the :class:`phasec.compiler.lower.Part` it contributes; around an edit of slices
   and gates, the runbook's slices and gates are spliced from the previous version's;
5. name resolution runs on the whole runbook, reusing the references found
   under each unchanged node and the paths of slices already resolved against
   the same worktrees; the rules and the suppressions run as in ``phasec lint``
   (``pipeline.analyze_document``), with what they derive per node or from
   unchanged inputs reused (below).

Whenever the shortcut could differ from a full parse, the whole text is parsed
as ``phasec lint`` parses it: when the previous version had a syntax error, when
the fragment has one (an unclosed block or string may swallow what follows),
or when the fragment does not end at a line end.  The diagnostics are always
those of a full analysis; ``tests/test_lsp_incremental.py`` checks that over
random edit sequences and targeted edits (covers, worktrees, dependencies,
gates, agents, the cap, stage positions, a protocol template).

An unchanged statement keeps its very nodes from version to version.  Name
resolution writes into slices (a stage, file paths made relative to a worktree)
and outputs blocks; it computes what each node should hold and writes only
where that differs, into a copy made in this version (:meth:`LoweringCache.writable`),
which replaces the node in this version and in the cache.  A node lowered in
this version is written in place.  No version writes into a node an earlier
version holds, so the previous snapshot's IR is never touched (the tests check
it after every edit), and the nodes of what an edit did not change are the
same objects in both versions: the caches below rely on that identity.

What the rules derive from one top-level statement or IR node alone (the path
mentions in its strings, the index of the statements under it, a rule's
findings for one slice) is kept in a :class:`phasec.compiler.facts.StatementMemo`
attached to the document (``RuleContext.per_node``); results that depend on
more are reused while the very same nodes and equal plain values go in
(``RuleContext.across_versions``: the activity graph, the agent-cap analysis,
the unused gates ...).  The next version's memo starts from this one's.

Whole rules are not run when the edit changed nothing they read
(:class:`RuleReuse`): when no line and no top-level statement was added or
removed and every IR field that changed is prose (``phasec.compiler.ir.PROSE``:
titles, descriptions, notes ...), a rule declared ``reads_prose=False`` keeps its
findings of the previous version, unless one of them touches a changed line.
Typing in a title or a note, the usual edit, then runs only the few rules that
read prose (PC609, PC715, PC717, PC805, PC813).
"""

from __future__ import annotations

from array import array
from bisect import bisect_right
from dataclasses import dataclass, field
from operator import is_

from pydantic import BaseModel

from phasec.compiler.bind import Binder
from phasec.compiler.diagnostics import Diagnostic, DiagnosticBag
from phasec.compiler.facts import StatementMemo
from phasec.compiler.lower import Part
from phasec.grammar.blocks import Chunk
from phasec.grammar.tree import Comment, Document, Statement, Value
from phasec.source import SourceFile, Span


@dataclass(frozen=True)
class State:
    """What the next version's analysis reuses: the chunks and the binding of this version."""

    path: str
    text: str
    chunks: Chunks | None  # None: this version had a syntax error (next time: parse it all)
    bindings: dict = field(
        default_factory=dict, compare=False
    )  # id(statement) -> (statement, bound, diagnostics, keyword)
    lowered: dict = field(default_factory=dict, compare=False)  # id(bound) -> (bound, node or Part, keyword)
    memo: StatementMemo | None = field(default=None, compare=False)  # what rules derived per top-level statement
    fields_shared: dict | None = field(default=None, compare=False)  # pipeline.FieldsSets.shared, carried on
    refs: ResolveMemo | None = field(default=None, compare=False)  # what name resolution found, per node and kind
    declared: tuple | None = field(default=None, compare=False)  # (declared ids, token) of LoweringCache
    settled: tuple | None = field(default=None, compare=False)  # LoweringCache.settled: slices resolved for roots
    #: this version's IR and each rule's findings (rule code -> list), when the rules ran; and the
    #: configuration they ran with: what the next version's :class:`RuleReuse` compares and keeps
    runbook: object = field(default=None, compare=False)
    findings: dict | None = field(default=None, compare=False)
    config: object = field(default=None, compare=False)
    statements: list | None = field(default=None, compare=False)  # the document's top-level statements


@dataclass
class Stats:
    """How the last analysis went (for tests and timings)."""

    full_parse: bool = True
    reparsed_chunks: int = 0
    kept_chunks: int = 0
    rebound: int = 0
    reused_bindings: int = 0
    relowered: int = 0
    reused_nodes: int = 0
    copied: int = 0  # nodes copied for name resolution to write into
    rules_reused: int = 0  # rules whose previous findings were kept (RuleReuse)
    rules_run: int = 0
    #: why no rule was kept ("" when the edit changed only prose; see RuleReuse.keep)
    no_reuse: str = ""
    reused_kinds: int = 0  # kinds of declaration whose first declarations and duplicates were reused
    reused_per_node: int = 0  # what resolution derives from one node alone (a slice's own duplicates), reused
    #: the text that differs from the previous version's, (start, old end, new end); None: no previous version
    region: tuple[int, int, int] | None = None
    #: (first, last): how many top-level statements before and after the edit the parse kept as they were
    kept_statements: tuple[int, int] | None = None
    spliced_bindings: int = 0  # top-level statements whose binding was spliced from the previous version's
    #: (first, last): the bound top-level statements before and after the edit the binding kept
    kept_bound: tuple[int, int] | None = None
    spliced_nodes: int = 0  # bound top-level statements whose lowering was spliced from the previous version's
    #: (lines before the region's start, line ends in it in the previous version), when the parse knew them
    region_lines: tuple[int, int] | None = None


# -- parsing ------------------------------------------------------------------------


def _top_level():
    from phasec.compiler.schema import top_level_only

    return top_level_only()


def _parse(text: str, path: str):
    """(document, diagnostics, chunks or None), as ``phasec lint`` parses (phasec/grammar/blocks.py)."""
    from phasec.grammar.blocks import parse_blocks

    return parse_blocks(text, path, top_level=_top_level())


def _shift(sp: Span, d: int) -> Span:
    """A span moved ``d`` lines down."""
    return sp.moved(d)


def _shift_span(sp: Span | None, d: int) -> Span | None:
    return None if sp is None else _shift(sp, d)


def _shift_statement(st: Statement, d: int) -> Statement:
    return Statement(
        keyword=st.keyword,
        keyword_span=_shift(st.keyword_span, d),
        values=[Value(v.kind, v.text, v.value, _shift(v.span, d), v.long) for v in st.values],
        block=None if st.block is None else [_shift_statement(s, d) for s in st.block],
        span=_shift(st.span, d),
        block_span=_shift_span(st.block_span, d),
    )


def _shift_chunk(c: Chunk, dline: int) -> Chunk:
    """A copy of ``c`` with its spans moved ``dline`` lines down (its offsets are :class:`Chunks`'s)."""
    return Chunk(
        c.start,
        c.end,
        tuple(_shift_statement(s, dline) for s in c.statements),
        tuple(Comment(x.text, _shift(x.span, dline)) for x in c.comments),
    )


_BLOCK = 4096


def _common_prefix(a: str, b: str, limit: int) -> int:
    """Length of the common prefix of ``a`` and ``b``, at most ``limit``.

    Compares blocks (C speed, each character copied about once), then
    characters inside the first block that differs.
    """
    i = 0
    while i < limit and a[i : i + _BLOCK] == b[i : i + _BLOCK]:
        i += _BLOCK
    if i >= limit:
        return limit
    # The first difference lies in [i, end): halve the range by comparing slices (C speed).
    lo, hi = i, min(i + _BLOCK, limit)
    while hi - lo > 16:
        mid = (lo + hi) // 2
        if a[lo:mid] == b[lo:mid]:
            lo = mid
        else:
            hi = mid
    while lo < hi and a[lo] == b[lo]:
        lo += 1
    return lo


def _common_suffix(a: str, b: str, limit: int) -> int:
    """Length of the common suffix of ``a`` and ``b``, at most ``limit``."""
    la, lb = len(a), len(b)
    k = 0
    while k < limit:
        step = min(_BLOCK, limit - k)
        if a[la - k - step : la - k] != b[lb - k - step : lb - k]:
            break
        k += step
    else:
        return limit
    # The last difference lies in the next min(_BLOCK, limit - k) characters from the end.
    lo, hi = k, min(k + _BLOCK, limit)
    while hi - lo > 16:
        mid = (lo + hi) // 2
        if a[la - mid : la - lo] == b[lb - mid : lb - lo]:
            lo = mid
        else:
            hi = mid
    while lo < hi and a[la - lo - 1] == b[lb - lo - 1]:
        lo += 1
    return lo


def _changed_region(old: str, new: str) -> tuple[int, int, int]:
    """(start, old end, new end) of the text that differs."""
    n = min(len(old), len(new))
    p = _common_prefix(old, new, n)
    s = _common_suffix(old, new, n - p)
    return p, len(old) - s, len(new) - s


class Chunks:
    """The chunks of one version and what the document is made of, kept for the next version.

    ``items``: the chunk objects, in order; an item kept from an earlier version (the edit added
    or removed no line before it) is the very same object, so its ``start`` and ``end`` are
    those of the version that parsed it: the offsets in this version are ``starts[k]`` (and
    ``starts[k + 1]``, or ``end`` for the last).  ``statements`` and ``comments`` are the
    document's lists; ``first_statement[k]`` and ``first_comment[k]`` the index in them of
    chunk ``k``'s first (one more entry: their lengths).  The next version splices these
    (the parts before and after the edit as slices, C speed) instead of visiting every chunk.
    """

    __slots__ = ("comments", "end", "first_comment", "first_statement", "items", "source", "starts", "statements")

    def __init__(self, items, starts, end, statements, comments, first_statement, first_comment):
        self.items: tuple[Chunk, ...] = items
        self.starts: array = starts
        self.end: int = end
        self.statements: list[Statement] = statements
        self.comments: list[Comment] = comments
        self.first_statement: array = first_statement
        self.first_comment: array = first_comment
        #: the version's SourceFile (the next one derives its line table from it: SourceFile.edited)
        self.source: SourceFile | None = None

    @classmethod
    def of(cls, chunks, end: int) -> Chunks:
        """Chunks as parsed (their own offsets)."""
        items = tuple(chunks)
        fs, fc = array("q", [0]), array("q", [0])
        statements: list[Statement] = []
        comments: list[Comment] = []
        for c in items:
            statements.extend(c.statements)
            comments.extend(c.comments)
            fs.append(len(statements))
            fc.append(len(comments))
        return cls(items, array("q", (c.start for c in items)), end, statements, comments, fs, fc)

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self):
        return iter(self.items)

    def __getitem__(self, k):
        return self.items[k]


def parse_incremental(text: str, path: str, prev: State | None, stats: Stats | None = None):
    """(document, syntax diagnostics, :class:`Chunks` or None) of ``text``, reusing ``prev``'s chunks where it can."""
    stats = stats if stats is not None else Stats()
    if prev is not None and prev.path == path:
        stats.region = (0, 0, 0) if prev.text == text else _changed_region(prev.text, text)
    got = (
        _try_incremental(text, path, prev, stats)
        if prev is not None and prev.chunks is not None and prev.path == path
        else None
    )
    if got is not None:
        return got
    stats.full_parse = True
    doc, diags, chunks = _parse(text, path)
    if chunks is None:
        return doc, diags, None
    kept = Chunks.of(chunks, len(text))
    kept.source = doc.source
    return doc, diags, kept


def _moved(a: array, d: int) -> array | map:
    return a if d == 0 else map(d.__add__, a)


def _try_incremental(text: str, path: str, prev: State, stats: Stats):
    old = prev.text
    chunks = prev.chunks
    if chunks is None or not chunks.items:
        return None
    starts = chunks.starts
    n = len(chunks.items)
    assert stats.region is not None  # parse_incremental found it
    p, e_old, e_new = stats.region
    if old == text:
        i, j = 0, -1  # nothing to re-parse
    else:
        i = max(bisect_right(starts, max(p - 1, 0)) - 1, 0)
        j = max(bisect_right(starts, min(e_old, len(old) - 1)) - 1, i)
    dchar = len(text) - len(old)
    if j < i:
        mid_chunks: list[Chunk] = []
        dline = 0
    else:
        start = starts[i]
        old_end = starts[j + 1] if j + 1 < n else chunks.end
        end = old_end + dchar
        fragment = text[start:end]
        if end < len(text) and not fragment.endswith("\n"):
            return None
        # The fragment starts at a line start, so its columns are the final ones and
        # its lines are off by the lines before it: parsed alone, its spans moved down.
        from phasec.grammar.blocks import parse_chunks

        first = chunks.items[i].statements[:1] if i else ()
        # the lines before the chunk: a chunk after the first starts on its first statement's line
        before = first[0].span.line - 1 if first else old.count("\n", 0, start)
        stats.region_lines = (before + old.count("\n", start, p), old.count("\n", p, e_old))
        got = parse_chunks(fragment, path, _top_level(), line0=before, offset=start)
        if got is None:
            return None
        mid_chunks = got
        dline = fragment.count("\n") - old.count("\n", start, old_end)
    k = j + 1  # the first chunk after the edit
    fs, fc = chunks.first_statement, chunks.first_comment
    mid_statements = [s for c in mid_chunks for s in c.statements]
    mid_comments = [x for c in mid_chunks for x in c.comments]
    new_starts = starts[:i]
    new_starts.extend(c.start for c in mid_chunks)
    new_fs = fs[: i + 1]
    new_fc = fc[: i + 1]
    for c in mid_chunks:
        new_fs.append(new_fs[-1] + len(c.statements))
        new_fc.append(new_fc[-1] + len(c.comments))
    new_starts.extend(_moved(starts[k:], dchar))
    ds = new_fs[-1] - fs[k]
    dc = new_fc[-1] - fc[k]
    new_fs.extend(_moved(fs[k + 1 :], ds))
    new_fc.extend(_moved(fc[k + 1 :], dc))
    if dline == 0:
        # Every chunk after the edit is kept as it is: its statements and comments too.
        after = chunks.items[k:]
        statements = chunks.statements[: fs[i]] + mid_statements + chunks.statements[fs[k] :]
        comments = chunks.comments[: fc[i]] + mid_comments + chunks.comments[fc[k] :]
    else:
        # The spans after the edit move: copies of those chunks.
        after = tuple(_shift_chunk(c, dline) for c in chunks.items[k:])
        statements = chunks.statements[: fs[i]] + mid_statements
        statements.extend(s for c in after for s in c.statements)
        comments = chunks.comments[: fc[i]] + mid_comments
        comments.extend(x for c in after for x in c.comments)
    new_chunks = Chunks(
        chunks.items[:i] + tuple(mid_chunks) + after, new_starts, len(text), statements, comments, new_fs, new_fc
    )
    last = chunks.source
    source = SourceFile(path, text) if last is None else SourceFile.edited(path, text, last, p, e_old, e_new)
    new_chunks.source = source
    document = Document(source, list(statements), list(comments))  # lists of its own (a copy of pointers)
    stats.full_parse = False
    stats.reparsed_chunks = max(j - i + 1, 0)
    stats.kept_chunks = n - stats.reparsed_chunks
    # the statements before and after the edit that are the previous version's very objects
    stats.kept_statements = (fs[i], len(chunks.statements) - fs[k] if dline == 0 else 0)
    return document, [], new_chunks


# -- binding ------------------------------------------------------------------------


#: The key of the top-level record (:class:`_TopLevel`) in ``State.bindings`` (ids are ints).
_TOP = "top-level"


class _TopLevel:
    """What binding the top-level statements of one version gave, per statement, for the next
    version to splice (:meth:`CachingBinder._splice`): the statements; ``bcount[k]`` and
    ``dcount[k]``, the bound entries (``out``) and diagnostics (``diags``, in the order emitted)
    of the statements before ``k``; ``ok[k]``, whether statement ``k``'s keyword is known at top
    level, may repeat and is not required (nothing across statements depends on it); ``has[k]``,
    whether it has a binding in the cache; ``required``, the PC109 diagnostics; ``seen``, the
    first statement of each keyword."""

    __slots__ = ("bcount", "dcount", "diags", "has", "ok", "out", "required", "seen", "statements")

    def __init__(self) -> None:
        self.statements: list = []
        self.out: list = []
        self.diags: list = []
        self.required: list = []
        self.seen: dict = {}
        self.bcount = array("q", [0])
        self.dcount = array("q", [0])
        self.ok = bytearray()
        self.has = bytearray()


class CachingBinder(Binder):
    """The binder, reusing the binding (and its diagnostics) of top-level statements bound before.

    A statement is reused only when it is the very object bound before (the parse
    kept its chunk), so the result is what binding it again would give: binding
    a top-level statement depends on nothing but the statement.  The checks
    across statements (a statement given twice, a required one missing) run
    every time, except around an edit that cannot change them (:meth:`_splice`).
    """

    def __init__(self, bag: DiagnosticBag, previous: dict | None = None, stats: Stats | None = None):
        super().__init__(bag)
        self.previous = previous or {}
        self.bindings: dict = {}
        self.depth = 0
        self.stats = stats if stats is not None else Stats()

    def bind_block(self, statements, context, owner_span):
        """:meth:`Binder.bind_block`; at top level, a statement bound before is taken from the
        cache in the loop itself (no call per statement), and when the statements an edit
        replaced (before and after) are all of keywords that may repeat and are not required,
        what the statements before and after them gave is spliced from the previous version's
        (:class:`_TopLevel`) instead.  The same results and diagnostics, in the same order
        (tests/test_lsp_incremental.py compares with a full analysis)."""
        if self.depth or context != "file":
            return super().bind_block(statements, context, owner_span)
        from phasec.compiler.schema import CONTEXTS

        specs = CONTEXTS[context].statements
        top = self.previous.get(_TOP)
        kept = self.stats.kept_statements
        if top is not None and kept is not None:
            got = self._splice(statements, specs, top, kept)
            if got is not None:
                return got
        items = self.bag.items
        base = len(items)
        rec = _TopLevel()
        out = self._bind_run(statements, specs, {}, rec, base)
        rec.statements = list(statements)
        rec.out = list(out)
        rec.diags = items[base:]
        r0 = len(items)
        self._required(context, rec.seen, owner_span)
        rec.required = items[r0:]
        self.bindings[_TOP] = rec
        return out

    def _bind_run(self, statements, specs, seen: dict, rec: _TopLevel, base: int) -> list:
        """Bind ``statements`` in order as :meth:`Binder.bind_block` does, statements bound before
        taken from the cache; ``rec`` gets, per statement, the bound entries and diagnostics so far,
        whether it has a binding and whether a splice may pass over it."""
        get = self.previous.get
        bindings = self.bindings
        items = self.bag.items
        out: list = []
        reused = 0
        bc, dc, ok, has = rec.bcount, rec.dcount, rec.ok, rec.has
        for st in statements:
            hit = get(id(st))
            if hit is not None and hit[0] is st:
                kw = hit[3]  # kept with it: the statement itself is not read again
                spec = specs[kw]  # it was bound here: its keyword is known at top level
                if spec.many or kw not in seen:
                    # what Binder.bind_block does with a known statement that is not a repeat
                    if kw not in seen:
                        seen[kw] = st
                    reused += 1
                    if hit[2]:
                        items.extend(hit[2])
                    bindings[id(st)] = hit
                    if hit[1] is not None:
                        out.append(hit[1])
                    bc.append(len(out))
                    dc.append(len(items) - base)
                    ok.append(spec.many and not spec.required)
                    has.append(1)
                    continue
            else:
                spec = specs.get(st.keyword)
            # anything else, as Binder.bind_block does it (one statement at a time)
            bound = self._bind_one(st, spec, "file", seen)
            if bound is not None:
                out.append(bound)
            bc.append(len(out))
            dc.append(len(items) - base)
            ok.append(spec is not None and spec.many and not spec.required)
            has.append(id(st) in bindings)
        self.stats.reused_bindings += reused
        rec.seen = seen
        return out

    def _splice(self, statements, specs, top: _TopLevel, kept: tuple[int, int]) -> list | None:
        """The binding of ``statements`` from the previous version's (``top``) when the parse kept
        the first ``a`` and the last ``b`` statements (``kept``, checked here by identity) and every
        statement in between, before and after the edit, may repeat and is not required: then
        nothing across statements (given twice, required and missing) can differ for the kept
        ones, and their bound entries and diagnostics are the previous version's, in order.
        None when that does not hold."""
        a, b = kept
        n, m = len(statements), len(top.statements)
        if a + b > n or a + b > m or 0 in top.ok[a : m - b]:
            return None
        old = top.statements
        if not (all(map(is_, statements[:a], old[:a])) and all(map(is_, statements[n - b :], old[m - b :]))):
            return None
        mid = statements[a : n - b]
        for st in mid:
            spec = specs.get(st.keyword)
            if spec is None or not spec.many or spec.required:
                return None
        bc, dc = top.bcount, top.dcount
        items = self.bag.items
        base = len(items)
        items.extend(top.diags[: dc[a]])
        out = top.out[: bc[a]]
        # the statements before and after: their bindings as they were (the replaced ones dropped)
        bindings = self.bindings = dict(self.previous)
        for st in old[a : m - b]:
            bindings.pop(id(st), None)
        rec = _TopLevel()
        mid_base = len(items)
        mid_out = self._bind_run(mid, specs, {}, rec, mid_base)
        out.extend(mid_out)
        mid_diags = items[mid_base:]
        items.extend(top.diags[dc[m - b] :])
        out.extend(top.out[bc[m - b] :])
        items.extend(top.required)
        self.stats.reused_bindings += top.has[:a].count(1) + top.has[m - b :].count(1)
        self.stats.spliced_bindings = a + b
        self.stats.kept_bound = (bc[a], len(top.out) - bc[m - b])  # for the lowering's splice
        # the record for the next version, spliced the same way
        new = _TopLevel()
        new.statements = list(statements)
        new.out = list(out)
        new.diags = top.diags[: dc[a]] + mid_diags + top.diags[dc[m - b] :]
        new.required = top.required
        new.seen = top.seen
        new.ok = top.ok[:a] + rec.ok + top.ok[m - b :]
        new.has = top.has[:a] + rec.has + top.has[m - b :]
        nb, nd = bc[a], dc[a]
        new.bcount = bc[: a + 1]
        new.bcount.extend(nb + x for x in rec.bcount[1:])
        new.dcount = dc[: a + 1]
        new.dcount.extend(nd + x for x in rec.dcount[1:])
        new.bcount.extend(_moved(bc[m - b + 1 :], nb + rec.bcount[-1] - bc[m - b]))
        new.dcount.extend(_moved(dc[m - b + 1 :], nd + rec.dcount[-1] - dc[m - b]))
        bindings[_TOP] = new
        del base
        return out

    def bind_stmt(self, st, spec):
        if self.depth:
            return super().bind_stmt(st, spec)
        hit = self.previous.get(id(st))
        if hit is not None and hit[0] is st:
            _, bound, diags, _ = hit
            self.stats.reused_bindings += 1
        else:
            saved, self.bag = self.bag, DiagnosticBag()
            self.depth += 1
            try:
                bound = super().bind_stmt(st, spec)
            finally:
                self.depth -= 1
                inner, self.bag = self.bag, saved
            diags = tuple(inner.items)
            self.stats.rebound += 1
        self.bag.extend(list(diags))
        self.bindings[id(st)] = (st, bound, diags, st.keyword)
        return bound


_set = object.__setattr__


def _shallow(m):
    """``m.model_copy()`` (a shallow copy of a pydantic model) without pydantic's generic path:
    the same four attributes copied, at a third of the cost; tests/test_lsp_incremental.py compares."""
    cls = m.__class__
    new = cls.__new__(cls)
    _set(new, "__dict__", m.__dict__.copy())
    extra = m.__pydantic_extra__
    _set(new, "__pydantic_extra__", None if extra is None else dict(extra))
    _set(new, "__pydantic_fields_set__", set(m.__pydantic_fields_set__))
    private = m.__pydantic_private__
    _set(new, "__pydantic_private__", None if private is None else dict(private))
    return new


def _copy(node):
    """A copy of a node that name resolution writes into, for it to write: the node itself shallowly,
    and a slice's files (resolution writes a slice's ``stage`` and its files' paths, an
    ``outputs`` block's root)."""
    new = _shallow(node)
    files = new.__dict__.get("files")
    if files is not None:
        new.__dict__["files"] = [_shallow(f) for f in files]
    return new


def _top_nodes(node):
    """The IR nodes a lowered top-level statement puts into the runbook."""
    return node.nodes() if node.__class__ is Part else (node,)


class ResolveMemo:
    """What name resolution found in one version, for the next (``State.refs``): per top-level node,
    its unknown references (``refs``: id -> (node, token, refs)) and what it alone gives (``nodes``:
    id -> (node, value), a slice's duplicate ids within it); per kind of declaration, its first
    declarations and duplicates with the nodes they came from (``kinds``: kind -> (nodes, value))."""

    __slots__ = ("kinds", "lowered_top", "nodes", "refs")

    def __init__(self) -> None:
        self.refs: dict[int, tuple] = {}
        self.nodes: dict[int, tuple] = {}
        self.kinds: dict[str, tuple] = {}
        #: the lowering's record of the top-level statements (:class:`_LowerTop`), carried with these
        self.lowered_top: _LowerTop | None = None


class _LowerTop:
    """How the bound top-level statements of one version were lowered, for the next version to
    splice (:meth:`LoweringCache._splice`): the bound statements; ``kinds[j]``, 0 for a slice, 1
    for a gate, 2 for any other statement (its ``Part``); ``scount[j]`` and ``gcount[j]``, the
    runbook's slices and gates before ``j``; ``slices`` and ``gates``, the runbook's lists
    themselves (name resolution replaces slices in that very list, so they are as resolved);
    ``parts``, the bound statements lowered to a ``Part``, in order; ``clean``, whether none of
    those adds to the slices or gates (a ``check`` does)."""

    __slots__ = ("bound", "clean", "gates", "gcount", "kinds", "parts", "scount", "slices")

    def __init__(self) -> None:
        self.bound: list = []
        self.kinds = bytearray()
        self.scount = array("q", [0])
        self.gcount = array("q", [0])
        self.slices: list = []
        self.gates: list = []
        self.parts: list = []
        self.clean = True


class LoweringCache:
    """``reuse`` for :func:`phasec.compiler.lower.lower`, and ``across`` for
    :func:`phasec.compiler.resolve.resolve`: the lowering of every top-level statement bound
    before (``statements``: not only slices and gates), as the last version resolved it.

    A statement bound before gets the very node the last version had: the same object,
    shared between versions.  Name resolution writes into slices and outputs blocks; it
    writes only where what a node holds differs from what it should (an edit changed a
    stage's ``covers`` or a worktree), into :meth:`writable`, a copy made in this version,
    which replaces the node in this version's runbook and in this cache.  A node lowered in
    this version belongs to it and is written in place.  So no version writes into a node
    an earlier version holds (tests/test_lsp_incremental.py checks the previous IR is
    unchanged), and an edit costs no copy of the nodes it did not change.

    :meth:`unknown_refs` gives the unknown references under a top-level node, reused for the same
    node while the declarations are the same.

    It also shares the pydantic fields-sets of the nodes (``pipeline.FieldsSets``, a memory
    measure): the nodes it lowers are walked once, when lowered, and the nodes it hands
    out are marked done, so the walk of the whole runbook after lowering
    (``pipeline.lower``) visits only the runbook's own fields, not every node of every
    version again.
    """

    statements = True

    def __init__(
        self,
        previous: dict | None = None,
        stats: Stats | None = None,
        shared: dict | None = None,
        refs: ResolveMemo | None = None,
        settled: tuple | None = None,
        declared: tuple | None = None,
    ):
        from phasec.compiler.pipeline import FieldsSets

        self.previous = previous or {}
        self.current: dict = {}  # id(bound) -> (bound, node or Part, its keyword)
        self.stats = stats if stats is not None else Stats()
        self.fields_sets = FieldsSets()
        if shared is not None:
            self.fields_sets.shared = shared
        self.mine: dict[int, object] = {}  # id -> node made in this version (resolution may write it)
        self.replaced: dict[int, object] = {}  # id(node handed out) -> its copy that resolution wrote
        last = refs if isinstance(refs, ResolveMemo) else ResolveMemo()
        self.refs_previous = last.refs
        self.kinds_previous = last.kinds
        self.nodes_previous = last.nodes
        self.top_previous = last.lowered_top
        #: what resolution found in this version, for the next (``State.refs``)
        self.resolved = ResolveMemo()
        #: (declared ids, token) of the declarations the unknown references were found against
        self.declared: tuple | None = declared
        #: (roots, {id(slice): slice}) of the slices whose paths were resolved against those roots
        self.settled_previous: tuple | None = settled
        self.settled_current: tuple | None = None
        self.refs_current = self.resolved  # what the next version gets (State.refs)

    @property
    def across(self) -> LoweringCache:
        return self

    def __call__(self, b, lower_fn):
        hit = self.previous.get(id(b))
        if hit is not None and hit[0] is b:
            node = hit[1]
            self.stats.reused_nodes += 1
        else:
            node = lower_fn(b)
            for n in _top_nodes(node):
                self.fields_sets(n)
                self.mine[id(n)] = n
            self.stats.relowered += 1
            hit = (b, node, b.stmt.keyword)
        self.current[id(b)] = hit
        # held by the runbook being built: the ids stay their own
        if node.__class__ is Part:
            self.fields_sets.done.update(id(n) for n in node.nodes())
        else:
            self.fields_sets.done.add(id(node))
        return node

    def lower_all(self, bound: list, rb, lower_slice, lower_gate, lower_part) -> None:
        """What :func:`phasec.compiler.lower.lower` does with every top-level statement through
        :meth:`__call__` (a slice or a gate appended to the runbook's, any other statement's
        ``Part`` added by ``lower.add_part``), in one loop: the same nodes, in the same order;
        or, around an edit that replaced only slices and gates, the runbook's slices and gates
        spliced from the previous version's (:meth:`_splice`)."""

        fns = (lower_slice, lower_gate, lower_part)
        rec = self.top_previous
        kept = self.stats.kept_bound
        if rec is not None and kept is not None and self._splice(bound, rb, rec, kept, fns):
            return
        new = _LowerTop()
        slices, gates = rb.slices, rb.gates
        self._lower_run(bound, rb, slices, gates, new, fns)
        new.bound = list(bound)
        new.slices, new.gates = slices, gates
        self.resolved.lowered_top = new

    def _lower_run(self, bound: list, rb, slices: list, gates: list, rec: _LowerTop, fns) -> None:
        """Lower ``bound`` in order (a statement lowered before: its node as kept), appending the
        slices and gates and adding the other statements' parts to ``rb`` in order (a ``check``
        adds to the gates), recording each statement's kind and the counts in ``rec``."""
        from phasec.compiler.lower import add_part

        get = self.previous.get
        current = self.current
        done = self.fields_sets.done
        mark = done.add
        kinds, sc, gc, parts = rec.kinds, rec.scount, rec.gcount, rec.parts
        reused = 0
        for b in bound:
            hit = get(id(b))
            if hit is not None and hit[0] is b:
                reused += 1
                current[id(b)] = hit
                node = hit[1]
                kw = hit[2]  # kept with it: the bound statement itself is not read again
            else:
                kw = b.stmt.keyword
                fn = fns[0] if kw == "slice" else fns[1] if kw == "gate" else fns[2]
                node = self._lower(b, kw, fn)
            if kw == "slice":
                slices.append(node)
                mark(id(node))
                kinds.append(0)
            elif kw == "gate":
                gates.append(node)
                mark(id(node))
                kinds.append(1)
            else:
                parts.append(b)
                kinds.append(2)
                done.update(id(n) for n in node.nodes())
                if rec.clean and any(name == "slices" or name == "gates" for name, _, _ in node.entries):
                    rec.clean = False
                add_part(rb, node)
            sc.append(len(slices))
            gc.append(len(gates))
        self.stats.reused_nodes += reused

    def _splice(self, bound: list, rb, rec: _LowerTop, kept: tuple[int, int], fns) -> bool:
        """Lower ``bound`` from the previous version's record when its first ``a`` and last ``b``
        entries (``kept``, checked here by identity) are the previous version's and every entry in
        between, before and after the edit, is a slice or a gate, and no other statement adds to
        the slices or gates: then the runbook's slices and gates are the previous version's lists
        (as resolved) with the middle replaced, and the other statements' parts, unchanged, are
        added again in order.  False (nothing done) when that does not hold."""
        from phasec.compiler.lower import add_part

        a, b = kept
        n, m = len(bound), len(rec.bound)
        if not rec.clean or a + b > n or a + b > m or 2 in rec.kinds[a : m - b]:
            return False
        mid = bound[a : n - b]
        for x in mid:
            kw = x.stmt.keyword
            if kw != "slice" and kw != "gate":
                return False
        old = rec.bound
        if not (all(map(is_, bound[:a], old[:a])) and all(map(is_, bound[n - b :], old[m - b :]))):
            return False
        previous = self.previous
        current = self.current = dict(previous)
        for x in old[a : m - b]:
            current.pop(id(x), None)
        part = _LowerTop()
        mid_slices: list = []
        mid_gates: list = []
        self._lower_run(mid, rb, mid_slices, mid_gates, part, fns)  # slices and gates only
        sc, gc = rec.scount, rec.gcount
        slices = rec.slices[: sc[a]] + mid_slices + rec.slices[sc[m - b] :]
        gates = rec.gates[: gc[a]] + mid_gates + rec.gates[gc[m - b] :]
        d = rb.__dict__
        d["slices"], d["gates"] = slices, gates
        done = self.fields_sets.done
        done.update(map(id, slices))
        done.update(map(id, gates))
        for x in rec.parts:
            p = previous[id(x)][1]
            done.update(id(node) for node in p.nodes())
            add_part(rb, p)
        self.stats.reused_nodes += a + b
        self.stats.spliced_nodes = a + b
        new = _LowerTop()
        new.bound = list(bound)
        new.kinds = rec.kinds[:a] + part.kinds + rec.kinds[m - b :]
        ns, ng = sc[a], gc[a]
        new.scount = sc[: a + 1]
        new.scount.extend(ns + x for x in part.scount[1:])
        new.scount.extend(_moved(sc[m - b + 1 :], ns + part.scount[-1] - sc[m - b]))
        new.gcount = gc[: a + 1]
        new.gcount.extend(ng + x for x in part.gcount[1:])
        new.gcount.extend(_moved(gc[m - b + 1 :], ng + part.gcount[-1] - gc[m - b]))
        new.slices, new.gates = slices, gates
        new.parts = rec.parts
        self.resolved.lowered_top = new
        return True

    def _lower(self, b, kw: str, lower_fn):
        """The node (or Part) of a statement not lowered before: lowered now, its fields-sets shared."""
        node = lower_fn(b)
        for n in _top_nodes(node):
            self.fields_sets(n)
            self.mine[id(n)] = n
        self.stats.relowered += 1
        self.current[id(b)] = (b, node, kw)
        return node

    def writable(self, node):
        """``node`` if this version made it, else a copy made now (resolution writes into it)."""
        if id(node) in self.mine:
            return node
        new = _copy(node)
        self.mine[id(new)] = new
        self.replaced[id(node)] = new
        self.stats.copied += 1
        return new

    def _token(self, declared_ids: tuple) -> object:
        """A token for these declarations: the last one's while the declared ids are equal."""
        last = self.declared
        if last is None or last[0] is not declared_ids:
            # the first node of this version: a token for these declarations, the last one if equal
            token = last[1] if last is not None and last[0] == declared_ids else object()
            last = self.declared = (declared_ids, token)
        return last[1]

    def unknown_refs(self, node, declared_ids: tuple, unknown) -> tuple:
        """The references under a top-level node (``resolve.iter_refs``) that ``unknown`` rejects, in
        order: reused for the very same node while the declared ids (``declared_ids``, per kind,
        all ``unknown`` reads) are equal to those it was computed with."""
        return self._unknown(node, self._token(declared_ids), unknown)[2]

    def unknown_refs_all(self, nodes: list, declared_ids: tuple, unknown) -> list:
        """:meth:`unknown_refs` of each of ``nodes`` (the top-level nodes), in order, in one list."""
        token = self._token(declared_ids)
        get = self.refs_previous.get
        current = self.resolved.refs
        out: list = []
        for node in nodes:
            e = get(id(node))
            if e is None or e[0] is not node or e[1] is not token:
                e = self._unknown(node, token, unknown)
            else:
                current[id(node)] = e
            if e[2]:
                out.extend(e[2])
        return out

    def _unknown(self, node, token, unknown) -> tuple:
        """(node, token, its unknown references), reused or found now, kept for the next version."""
        e = self.refs_previous.get(id(node))
        if e is None or e[0] is not node or e[1] is not token:
            from phasec.compiler.resolve import iter_refs

            e = (node, token, tuple(r for r in iter_refs(node) if unknown(r)))
        self.resolved.refs[id(node)] = e
        return e

    def per_kind(self, kind: str, nodes: list, compute):
        """``compute()`` for the declarations of one kind, reused while ``nodes`` (the declaring
        nodes, in order) are the very same objects as in the last version (identity, not equality)."""
        last = self.kinds_previous.get(kind)
        if last is not None and len(last[0]) == len(nodes) and all(map(is_, last[0], nodes)):
            got = last[1]
            self.stats.reused_kinds += 1
        else:
            got = compute()
        self.resolved.kinds[kind] = (list(nodes), got)  # a copy: resolution replaces slices in rb.slices
        return got

    def per_node(self, node, compute):
        """``compute(node)`` (a pure function of the node), reused for the very same node."""
        e = self.nodes_previous.get(id(node))
        if e is not None and e[0] is node:
            got = e[1]
            self.stats.reused_per_node += 1
        else:
            got = compute(node)
            e = (node, got)
        self.resolved.nodes[id(node)] = e
        return got

    def settled(self, roots: list):
        """(test, mark) for the slices' file paths resolved against ``roots`` (the worktrees and the
        repository root): ``test(slice)``, whether that very slice was resolved against equal roots
        in an earlier version (then it holds what resolution would write: a slice is written only
        in the version that made it, never after); ``mark(slice)``, it now is.  The slices are kept
        with the roots (held, so an id is never reused).
        """
        key = tuple(roots)
        last = self.settled_previous
        done = last[1] if last is not None and last[0] == key else {}
        now: dict[int, object] = {}
        self.settled_current = (key, now)

        def test(s) -> bool:
            if done.get(id(s)) is s:
                now[id(s)] = s
                return True
            return False

        def mark(s) -> None:
            now[id(s)] = s

        return test, mark

    def kept(self) -> dict:
        """What the next version reuses: each bound statement's node as this version resolved it."""
        if not self.replaced:
            return self.current
        r = self.replaced
        out: dict = {}
        for k, (b, node, kw) in self.current.items():
            if node.__class__ is Part:  # its outputs blocks may have been copied
                if any(id(n) in r for n in node.nodes()):
                    new = Part.__new__(Part)
                    new.entries = [
                        (name, [r.get(id(x), x) for x in v] if isinstance(v, list) else r.get(id(v), v), assigned)
                        for name, v, assigned in node.entries
                    ]
                    node = new
                out[k] = (b, node, kw)
            else:
                out[k] = (b, r.get(id(node), node), kw)
        return out


# -- rules: findings kept when an edit changed only prose --------------------------------


def ir_changes(a, b, out: set) -> None:
    """Add to ``out`` the fields in which IR node ``b`` differs from ``a`` (of the same class), as
    ``(class, field)``: the very same objects are skipped, other nodes compared field by field,
    lists element by element; positions (``Span`` values) are ignored.  A list whose length
    changed, a value of another class (``None`` against a node) or a list element of another class
    counts as its field changed; a string that became empty or non-empty as
    ``(class, field, "presence")``, never prose (rules test whether a title or a note is given)."""
    cls = a.__class__
    db = b.__dict__
    for name, va in a.__dict__.items():
        vb = db[name]
        if va is vb:
            continue
        ca = va.__class__
        if ca is not vb.__class__:
            if not (isinstance(va, list) and isinstance(vb, list)):  # ir.EMPTY against a list
                out.add((cls, name))
                continue
        elif ca is Span:
            continue
        elif ca is str:
            if va != vb:
                out.add((cls, name) if bool(va) == bool(vb) else (cls, name, "presence"))
            continue
        if isinstance(va, list):
            if len(va) != len(vb):
                out.add((cls, name))
                continue
            for x, y in zip(va, vb, strict=True):
                if x is y:
                    continue
                if x.__class__ is y.__class__ and isinstance(x, BaseModel):
                    ir_changes(x, y, out)
                elif (x.__class__ is not Span or y.__class__ is not Span) and x != y:
                    out.add((cls, name))
        elif isinstance(va, BaseModel):
            ir_changes(va, vb, out)
        elif va != vb:
            out.add((cls, name))


def _touches(d: Diagnostic, lo: int, hi: int) -> bool:
    """Whether a finding's span, a related span or a fix's edit touches lines ``lo``..``hi``."""
    if d.span.line <= hi and d.span.end_line >= lo:
        return True
    if any(r.span.line <= hi and r.span.end_line >= lo for r in d.related):
        return True
    return d.fix is not None and any(e.span.line <= hi and e.span.end_line >= lo for e in d.fix.edits)


class RuleReuse:
    """``reuse`` for :func:`phasec.compiler.rules.run_rules`: the findings of the previous version kept,
    rule by rule, when the edit changed nothing the rule reads.

    :meth:`keep` classifies the edit, once the new version's IR is built.  Rules are kept only when
    the new version was parsed incrementally from the previous one, which ran its rules, with an
    equal configuration, and the edit added or removed no line and no top-level statement: then
    every statement the edit did not touch is the very same object with the very same spans, and
    every span of the IR is where it was except on the changed lines.  The previous IR and the new
    one are compared (:func:`ir_changes`: identical objects skipped, the others field by field,
    positions ignored); when every field that changed is prose (:data:`phasec.compiler.ir.PROSE`),
    a rule declared ``reads_prose=False`` would find what it found, positions aside, so its previous
    findings (the same objects) are kept, unless one of them touches a changed line (its span, a
    related span, a fix's edit: a column there may have moved), in which case it runs.  The changed
    lines are those of the changed text and of every top-level statement re-parsed, in the old
    version and the new (the same lines: no line was added).  Any other edit, or prose-reading
    rules: the rule runs, with its per-node caches (``RuleContext.per_node``).
    """

    def __init__(self, prev: State | None, text: str, doc: Document, config, stats: Stats, incremental: bool):
        self.prev = prev
        self.text = text
        self.doc = doc
        self.config = config
        self.stats = stats
        self.incremental = incremental
        #: rule code -> its findings in this version (kept or found): run_rules fills it
        self.found: dict = {}
        self.ran = False  # the rules ran (no front-end error), so ``found`` holds every enabled rule's

    def keep(self, rb) -> dict:
        """Rule code -> the previous version's findings, for every rule whose findings stand."""
        self.ran = True
        why, lines = self._classify(rb)
        self.stats.no_reuse = why
        if lines is None:
            return {}
        from phasec.compiler.rules import all_rules

        lo, hi = lines
        assert self.prev is not None and self.prev.findings is not None  # _classify checked
        last = self.prev.findings
        out = {}
        for r in all_rules():
            if r.reads_prose:
                continue
            found = last.get(r.code)
            if found is not None and not any(_touches(d, lo, hi) for d in found):
                out[r.code] = found
        self.stats.rules_reused = len(out)
        return out

    def _classify(self, rb) -> tuple[str, tuple[int, int] | None]:
        """(why no rule is kept, or ""; the changed lines, first and last, when rules may be kept)."""
        prev = self.prev
        if prev is None or prev.findings is None or prev.runbook is None:
            return "no findings of a previous version", None
        if not self.incremental:
            return "a full parse", None
        if prev.config != self.config:
            return "the configuration changed", None
        old, new = prev.text, self.text
        p, e_old, e_new = _changed_region(old, new)
        if new.count("\n", p, e_new) != old.count("\n", p, e_old):
            return "lines added or removed", None
        old_st = (
            prev.statements if prev.statements is not None else [st for c in prev.chunks or () for st in c.statements]
        )
        new_st = self.doc.statements
        if len(old_st) != len(new_st):
            return "a top-level statement added or removed", None
        lo = new.count("\n", 0, p) + 1
        hi = lo + new.count("\n", p, e_new)
        for a, b in zip(old_st, new_st, strict=True):
            if a is not b:
                lo = min(lo, a.span.line, b.span.line)
                hi = max(hi, a.span.end_line, b.span.end_line)
        changes: set = set()
        ir_changes(prev.runbook, rb, changes)
        from phasec.compiler.ir import PROSE

        if not changes <= PROSE:
            return "not only prose changed", None
        return "", (lo, hi)


def analyze(text: str, path: str, prev: State | None, *, config=None, stats: Stats | None = None):
    """(pipeline Result, State for the next version): what ``pipeline.analyze(text, path, config=config)`` gives."""
    from phasec.compiler.pipeline import analyze_document

    stats = stats if stats is not None else Stats()
    doc, diags, chunks = parse_incremental(text, path, prev, stats)
    # What rules derive from one top-level statement alone is reused for the statements kept.
    memo = prev.memo.next() if prev is not None and prev.memo is not None else StatementMemo()
    doc.statement_memo = memo
    binders: list[CachingBinder] = []

    def binder(bag: DiagnosticBag) -> CachingBinder:
        b = CachingBinder(bag, prev.bindings if prev is not None and chunks is not None else None, stats)
        binders.append(b)
        return b

    reuse = LoweringCache(
        prev.lowered if prev is not None and chunks is not None else None,
        stats,
        prev.fields_shared if prev is not None else None,
        prev.refs if prev is not None else None,
        prev.settled if prev is not None else None,
        prev.declared if prev is not None else None,
    )
    rule_reuse = RuleReuse(prev, text, doc, config, stats, not stats.full_parse)
    result = analyze_document(doc, list(diags), config=config, binder=binder, reuse=reuse, rule_reuse=rule_reuse)
    ran = rule_reuse.ran
    stats.rules_run = len(rule_reuse.found) - stats.rules_reused
    keep = chunks is not None
    bindings = binders[0].bindings if binders and keep else {}
    memo.seal()
    return result, State(
        path=path,
        text=text,
        chunks=chunks,
        bindings=bindings,
        lowered=reuse.kept() if keep else {},
        refs=reuse.refs_current,
        settled=reuse.settled_current,
        declared=reuse.declared,
        memo=memo,
        fields_shared=reuse.fields_sets.shared,
        runbook=result.runbook if ran and keep else None,
        findings=rule_reuse.found if ran and keep else None,
        config=config,
        statements=doc.statements if ran and keep else None,
    )


__all__ = [
    "CachingBinder",
    "Chunk",
    "Diagnostic",
    "LoweringCache",
    "RuleReuse",
    "State",
    "Stats",
    "analyze",
    "ir_changes",
    "parse_incremental",
]
