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
   or removed no line, else copies with every span moved by the line delta;
3. binding (the schema check of each statement) is reused for every
   top-level statement object that was kept: :class:`CachingBinder`;
4. so is the lowering of every top-level statement bound before
   (:class:`LoweringCache`): a slice or a gate is its node, any other statement
   the :class:`phasec.compiler.lower.Part` it contributes;
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

from bisect import bisect_right
from dataclasses import dataclass, field

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
    chunks: tuple[Chunk, ...] | None  # None: this version had a syntax error (next time: parse it all)
    bindings: dict = field(default_factory=dict, compare=False)  # id(statement) -> (statement, bound, diagnostics)
    lowered: dict = field(default_factory=dict, compare=False)  # id(bound) -> (bound, slice or gate as lowered)
    memo: StatementMemo | None = field(default=None, compare=False)  # what rules derived per top-level statement
    fields_shared: dict | None = field(default=None, compare=False)  # pipeline.FieldsSets.shared, carried on
    refs: dict = field(default_factory=dict, compare=False)  # id(top-level node) -> (node, token, unknown refs)
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


def _shift_chunk(c: Chunk, dchar: int, dline: int) -> Chunk:
    if dline == 0:
        if dchar == 0:
            return c
        return Chunk(c.start + dchar, c.end + dchar, c.statements, c.comments)
    return Chunk(
        c.start + dchar,
        c.end + dchar,
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


def parse_incremental(text: str, path: str, prev: State | None, stats: Stats | None = None):
    """(document, syntax diagnostics, chunks or None) of ``text``, reusing ``prev``'s chunks where it can."""
    stats = stats if stats is not None else Stats()
    got = (
        _try_incremental(text, path, prev, stats)
        if prev is not None and prev.chunks is not None and prev.path == path
        else None
    )
    if got is not None:
        return got
    stats.full_parse = True
    doc, diags, chunks = _parse(text, path)
    return doc, diags, None if chunks is None else tuple(chunks)


def _try_incremental(text: str, path: str, prev: State, stats: Stats):
    old = prev.text
    chunks = prev.chunks
    if not chunks:
        return None
    if old == text:
        i, j = 0, -1  # nothing to re-parse
        p = e_old = 0
    else:
        p, e_old, _ = _changed_region(old, text)
        starts = [c.start for c in chunks]
        i = max(bisect_right(starts, max(p - 1, 0)) - 1, 0)
        j = max(bisect_right(starts, min(e_old, len(old) - 1)) - 1, i)
    dchar = len(text) - len(old)
    if j < i:
        mid_chunks: list[Chunk] = []
        dline = 0
    else:
        start = chunks[i].start
        end = chunks[j].end + dchar
        fragment = text[start:end]
        if end < len(text) and not fragment.endswith("\n"):
            return None
        # The fragment starts at a line start, so its columns are the final ones and
        # its lines are off by the lines before it: parsed alone, its spans moved down.
        from phasec.grammar.blocks import parse_chunks

        before = old.count("\n", 0, start)
        got = parse_chunks(fragment, path, _top_level(), line0=before, offset=start)
        if got is None:
            return None
        mid_chunks = got
        dline = fragment.count("\n") - old.count("\n", chunks[i].start, chunks[j].end)
    after = [_shift_chunk(c, dchar, dline) for c in chunks[j + 1 :]]
    new_chunks = tuple(chunks[:i]) + tuple(mid_chunks) + tuple(after)
    statements = [s for c in new_chunks for s in c.statements]
    comments = [x for c in new_chunks for x in c.comments]
    comments.sort(key=lambda c: (c.span.line, c.span.column))
    document = Document(SourceFile(path, text), statements, comments)
    stats.full_parse = False
    stats.reparsed_chunks = max(j - i + 1, 0)
    stats.kept_chunks = len(chunks) - stats.reparsed_chunks
    return document, [], new_chunks


# -- binding ------------------------------------------------------------------------


class CachingBinder(Binder):
    """The binder, reusing the binding (and its diagnostics) of top-level statements bound before.

    A statement is reused only when it is the very object bound before (the parse
    kept its chunk), so the result is what binding it again would give: binding
    a top-level statement depends on nothing but the statement.  The checks
    across statements (a statement given twice, a required one missing) run
    every time, in :meth:`Binder.bind_block`.
    """

    def __init__(self, bag: DiagnosticBag, previous: dict | None = None, stats: Stats | None = None):
        super().__init__(bag)
        self.previous = previous or {}
        self.bindings: dict = {}
        self.depth = 0
        self.stats = stats if stats is not None else Stats()

    def bind_stmt(self, st, spec):
        if self.depth:
            return super().bind_stmt(st, spec)
        hit = self.previous.get(id(st))
        if hit is not None and hit[0] is st:
            _, bound, diags = hit
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
        self.bindings[id(st)] = (st, bound, diags)
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
        refs: dict | None = None,
        settled: tuple | None = None,
        declared: tuple | None = None,
    ):
        from phasec.compiler.pipeline import FieldsSets

        self.previous = previous or {}
        self.current: dict = {}  # id(bound) -> (bound, node)
        self.stats = stats if stats is not None else Stats()
        self.fields_sets = FieldsSets()
        if shared is not None:
            self.fields_sets.shared = shared
        self.mine: dict[int, object] = {}  # id -> node made in this version (resolution may write it)
        self.replaced: dict[int, object] = {}  # id(node handed out) -> its copy that resolution wrote
        self.refs_previous = refs or {}
        #: (declared ids, token) of the declarations the unknown references were found against
        self.declared: tuple | None = declared
        #: (roots, {id(slice): slice}) of the slices whose paths were resolved against those roots
        self.settled_previous: tuple | None = settled
        self.settled_current: tuple | None = None
        self.refs_current: dict[int, tuple] = {}  # id(node) -> (node, token, its unknown references)

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
            hit = (b, node)
        self.current[id(b)] = hit
        # held by the runbook being built: the ids stay their own
        if node.__class__ is Part:
            self.fields_sets.done.update(id(n) for n in node.nodes())
        else:
            self.fields_sets.done.add(id(node))
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

    def unknown_refs(self, node, declared_ids: tuple, unknown) -> tuple:
        """The references under a top-level node (``resolve.iter_refs``) that ``unknown`` rejects, in
        order: reused for the very same node while the declared ids (``declared_ids``, per kind,
        all ``unknown`` reads) are equal to those it was computed with."""
        last = self.declared
        if last is None or last[0] is not declared_ids:
            # the first node of this version: a token for these declarations, the last one if equal
            token = last[1] if last is not None and last[0] == declared_ids else object()
            last = self.declared = (declared_ids, token)
        token = last[1]
        e = self.refs_previous.get(id(node))
        if e is None or e[0] is not node or e[1] is not token:
            from phasec.compiler.resolve import iter_refs

            e = (node, token, tuple(r for r in iter_refs(node) if unknown(r)))
        self.refs_current[id(node)] = e
        return e[2]

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
        for k, (b, node) in self.current.items():
            if node.__class__ is Part:  # its outputs blocks may have been copied
                if any(id(n) in r for n in node.nodes()):
                    new = Part.__new__(Part)
                    new.entries = [
                        (name, [r.get(id(x), x) for x in v] if isinstance(v, list) else r.get(id(v), v), assigned)
                        for name, v, assigned in node.entries
                    ]
                    node = new
                out[k] = (b, node)
            else:
                out[k] = (b, r.get(id(node), node))
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
