"""Name resolution: duplicate declarations and unknown references.

Each kind of declaration has its own namespace (a slice and an agent may both
be called ``A1``); references are typed by where they appear.
"""

from __future__ import annotations

import typing
from collections.abc import Iterator
from functools import cache

from pydantic import BaseModel

from phasec.compiler import ir
from phasec.compiler.diagnostics import DiagnosticBag, Related, close_matches, did_you_mean, replace_fix
from phasec.source import Span

KIND_WORDS = {
    "slice": "slice",
    "agent": "agent",
    "gate": "gate",
    "stage": "stage",
    "owner": "owner",
    "artifact": "artifact",
    "cadence": "cadence",
    "branch": "branch",
    "lens": "lens",
    "role": "role",
}


def declarations(rb: ir.Runbook) -> dict[str, dict[str, Span]]:
    """First declaration of every id, by kind."""
    table: dict[str, dict[str, Span]] = {k: {} for k in KIND_WORDS}
    for kind, items in _declared(rb):
        for ident, span in items:
            table[kind].setdefault(ident, span)
    return table


def _declared(rb: ir.Runbook):
    for kind, nodes, item in _declared_nodes(rb):
        yield kind, [item(n) for n in nodes]


def _id(n) -> tuple:
    return (n.id, n.span)


def _handle(o) -> tuple:
    return (o.handle, o.span)


def _declared_nodes(rb: ir.Runbook):
    """(kind, nodes, node -> (id, span)) of each kind of declaration."""
    yield "slice", rb.slices, _id
    yield "agent", rb.agents(), _id
    yield "gate", rb.gates, _id
    yield "stage", rb.stages, _id
    if rb.owners is not None:
        yield "owner", rb.owners, _handle
    yield "artifact", rb.artifacts() + rb.inputs, _id
    yield "cadence", rb.cadences, _id
    if rb.repo is not None:
        yield "branch", rb.repo.branches, _id
    yield "lens", rb.lenses, _id
    yield "role", rb.roles, _id


def _other_declared(rb: ir.Runbook):
    yield "invariant", [(i.id, i.span) for i in rb.invariants]
    yield "interface", [(i.id, i.span) for i in rb.interfaces]
    yield "scenario", [(i.id, i.span) for i in rb.scenarios]
    yield "assumption", [(i.id, i.span) for i in rb.assumptions]
    yield "deferred item", [(i.id, i.span) for i in rb.deferred]
    yield "outputs root", [(o.id, o.span) for o in rb.outputs]
    yield "wave", [(w.id, w.span) for w in (rb.team.waves if rb.team else [])]
    if rb.protocol is not None:
        yield "protocol artifact", [(a.id, a.span) for a in rb.protocol.artifacts]
    yield "procedure", [(p.id, p.span) for p in rb.procedures]
    yield "ledger", [(g.id, g.span) for g in rb.ledgers]
    if rb.repo is not None:
        yield "merge wave", [(w.id, w.span) for w in rb.repo.merge_waves]


def _within_slice(s: ir.Slice) -> list:
    """(kind, [(id, span)]) of the ids within one slice that could repeat (a pure function of the slice):
    only a slice with two or more of a kind can repeat one."""
    out = []
    if len(s.triggers) > 1:
        out.append((f"trigger of slice {s.id}", [(t.id, t.span) for t in s.triggers]))
    if len(s.signals) > 1:
        out.append((f"signal of slice {s.id}", [(g.id, g.span) for g in s.signals if g.id]))
    if len(s.implement) > 1:
        out.append((f"implementation step of slice {s.id}", [(i.id, i.span) for i in s.implement if i.id]))
    return out


def _duplicates(kind: str, items: list, first: dict) -> list[tuple]:
    """(kind, id, span, first span) of each declaration of an id declared before it in ``items``
    (``first``: filled with the first declaration of each id)."""
    out = []
    for ident, span in items:
        if ident in first:
            out.append((kind, ident, span, first[ident]))
        else:
            first[ident] = span
    return out


def _of_kind(kind: str, nodes: list, item) -> tuple[dict, list]:
    first: dict = {}
    return first, _duplicates(kind, [item(n) for n in nodes], first)


def _slice_duplicates(sl: ir.Slice) -> list[tuple]:
    return [d for kind, items in _within_slice(sl) for d in _duplicates(kind, items, {})]


def _holds_models(annotation) -> bool:
    """Whether a field of this type can hold IR nodes (and so Refs); spans and scalars cannot."""
    if isinstance(annotation, type):
        return issubclass(annotation, BaseModel) and annotation is not Span
    if isinstance(annotation, str):  # an unresolved forward reference: be safe
        return True
    return any(_holds_models(a) for a in typing.get_args(annotation))


def _model_classes(annotation) -> list:
    """The model classes a field of this type can hold (a forward reference: ``None``, meaning any)."""
    if isinstance(annotation, type):
        return [annotation] if issubclass(annotation, BaseModel) and annotation is not Span else []
    if isinstance(annotation, str):
        return [None]
    return [c for a in typing.get_args(annotation) for c in _model_classes(a)]


@cache
def _reaches_ref(cls: type[BaseModel]) -> bool:
    """Whether a node of this class can hold a Ref, at any depth (a pure function of the IR's classes)."""
    seen: set = set()
    stack = [cls]
    while stack:
        c = stack.pop()
        if c is None or issubclass(c, ir.Ref):
            return True
        if c in seen:
            continue
        seen.add(c)
        for f in c.model_fields.values():
            stack.extend(_model_classes(f.annotation))
    return False


@cache
def _node_fields(cls: type[BaseModel]) -> tuple[str, ...]:
    """The fields of ``cls`` that can hold Refs: fields whose nodes can never hold one are not walked
    (the same Refs, in the same order, fewer nodes visited)."""
    return tuple(
        name
        for name, f in cls.model_fields.items()
        if _holds_models(f.annotation) and any(c is None or _reaches_ref(c) for c in _model_classes(f.annotation))
    )


#: Per class, the fields :func:`iter_refs` walks, last first (``()``: nothing to walk).
_WALK: dict[type, tuple[str, ...]] = {}


def iter_refs(node: BaseModel) -> Iterator[ir.Ref]:
    """Every Ref under ``node``, in field order (spans, scalar fields and nodes that cannot hold a Ref are skipped)."""
    stack: list = [node]
    pop, push, extend = stack.pop, stack.append, stack.extend
    walk = _WALK
    while stack:
        cur = pop()
        cls = cur.__class__
        if cls is list:
            extend(reversed(cur))
            continue
        if cls is ir.Ref:
            yield cur
            continue
        names = walk.get(cls)
        if names is None:
            if isinstance(cur, ir.Ref):
                yield cur
                continue
            if isinstance(cur, list):
                extend(reversed(cur))
                continue
            names = walk[cls] = tuple(reversed(_node_fields(cls))) if isinstance(cur, BaseModel) else ()
        if not names:
            continue
        d = cur.__dict__
        for name in names:
            v = d.get(name)
            if v is not None:
                push(v)


def resolve(rb: ir.Runbook, bag: DiagnosticBag, across=None) -> None:
    """Report duplicate declarations (PC201) and unknown references (PC202); write what resolution
    derives into the IR: each slice's ``stage``, file and output paths made relative to a worktree.

    ``across``: the language server's reuse across versions (phasec/lsp/incremental.py), or None.
    It hands out the nodes of statements an edit did not touch as they were resolved in an
    earlier version (the same objects, shared with that version's IR), so resolution computes
    what each node should hold and writes only where it differs, into
    ``across.writable(node)`` (a copy the caller puts in place of ``node``), never into a node
    as handed out; ``across.unknown_refs(node, declared_ids, unknown)`` gives the references under
    a top-level node that ``unknown`` rejects (reused for the same node while the declared ids
    are equal); ``across.settled(roots)`` tells which slices had their paths resolved
    against the same roots before, as the very same objects (then they hold what they should).  Without it (``phasec lint``) every node is new and written in place.
    """
    # Duplicates (in the order of the kinds, each kind's in order of declaration), and the first
    # declaration of each id per kind.  The language server reuses a kind's while its nodes are
    # the same (``across.per_kind``) and a slice's own while it is the same node (``across.per_node``).
    table: dict[str, dict[str, Span]] = {}
    dups: list[tuple] = []
    for kind, nodes, item in _declared_nodes(rb):
        if across is None:
            first: dict[str, Span] = {}
            found = _duplicates(kind, [item(n) for n in nodes], first)
        else:
            first, found = across.per_kind(
                kind, nodes, lambda kind=kind, nodes=nodes, item=item: _of_kind(kind, nodes, item)
            )
        table[kind] = first
        dups.extend(found)
    for kind in KIND_WORDS:
        table.setdefault(kind, {})
    for kind, items in _other_declared(rb):
        dups.extend(_duplicates(kind, items, {}))
    for sl in rb.slices:
        within = _slice_duplicates(sl) if across is None else across.per_node(sl, _slice_duplicates)
        if within:
            dups.extend(within)
    for kind, ident, span, first_span in dups:
        bag.error(
            "PC201",
            f"duplicate {kind} `{ident}`",
            span,
            related=[Related(span=first_span, message=f"`{ident}` first declared here")],
            help="give each declaration its own id",
        )
    # Unknown references.
    known_of: dict[str, set[str]] = {}  # a reference's kind -> the ids it may name

    def unknown(ref: ir.Ref) -> bool:
        known = known_of.get(ref.kind)
        if known is None:
            known = known_of[ref.kind] = {i for k in ref.kind.split("|") for i in table.get(k, {})}
        return ref.id not in known

    if across is None:
        refs: Iterator[ir.Ref] = (ref for ref in iter_refs(rb) if unknown(ref))
    else:
        declared_ids = tuple((k, frozenset(table[k])) for k in KIND_WORDS)
        refs = iter(across.unknown_refs_all(list(_top_level(rb)), declared_ids, unknown))
    for ref in refs:
        kinds = ref.kind.split("|")
        if "owner" in kinds and rb.owners is None:
            continue  # no registry: undeclared owners are a lint rule's business
        names = [n for k in kinds for n in table.get(k, {})]
        what = " or ".join(KIND_WORDS.get(k, k) for k in kinds)
        diag = bag.error(
            "PC202",
            f"unknown {what} `{ref.id}`",
            ref.span,
            help=did_you_mean(ref.id, names)
            or (f"no {what} is declared" if not names else f"declared: {', '.join(sorted(names)[:12])}"),
        )
        close = close_matches(ref.id, names)
        written = ref.span.line == ref.span.end_line and ref.span.end_column - ref.span.column == len(ref.id)
        if len(close) == 1 and written:  # unsafe: the author must confirm which declaration was meant
            diag.fix = replace_fix(ref.span, ref.id, close[0], safe=False)
    _normalise_paths(rb, across)
    # Stage membership of slices: the first stage that covers a slice's id, for the first slice of that id.
    first_slice: dict[str, ir.Slice] = {}
    for sl in rb.slices:
        first_slice.setdefault(sl.id, sl)  # what rb.slice returns, without rebuilding its index on every miss
    stage_of: dict[int, str] = {}
    for st in rb.stages:
        for ref in st.covers:
            covered = first_slice.get(ref.id)
            if covered is not None:
                stage_of.setdefault(id(covered), st.id)
    slices = rb.slices
    for i, sl in enumerate(slices):
        want = stage_of.get(id(sl))
        if sl.stage != want:
            if across is not None:
                sl = slices[i] = across.writable(sl)
            sl.stage = want


def _top_level(rb: ir.Runbook) -> Iterator:
    """The top-level nodes of ``rb`` that can hold references, in the order :func:`iter_refs` walks them."""
    d = rb.__dict__
    for name in reversed(_WALK.get(ir.Runbook) or _walk_runbook()):
        v = d.get(name)
        if v is None:
            continue
        yield from v if isinstance(v, list) else (v,)


def _walk_runbook() -> tuple[str, ...]:
    names = _WALK[ir.Runbook] = tuple(reversed(_node_fields(ir.Runbook)))
    return names


def _normalise_paths(rb: ir.Runbook, across=None) -> None:
    """Paths written under a declared worktree, or under the declared repository root, become repo-relative.

    Each path is computed from the path as written (``written`` once normalised), so that a node
    resolved in an earlier version (``across``) ends as a new one would."""
    roots = (
        sorted(
            [(b.worktree.rstrip("/") + "/", b.id) for b in rb.repo.branches if b.worktree]
            + ([(rb.repo.root.rstrip("/") + "/", "")] if rb.repo.root else []),
            key=lambda t: -len(t[0]),
        )
        if rb.repo is not None
        else []
    )
    if not roots and across is None:
        return  # nothing was normalised before: every node is new

    def rel(path: str) -> tuple[str | None, str, str | None]:
        """(written, path, worktree) of a path as written."""
        for prefix, bid in roots:
            if path.startswith(prefix):
                return path, path[len(prefix) :], bid or None
        return None, path, None

    slices = rb.slices
    settled = across.settled(roots) if across is not None else None
    for i, s in enumerate(slices):
        if settled is not None and settled[0](s):
            continue  # resolved for these roots in an earlier version (a node is not changed after)
        for j, f in enumerate(s.files):
            want = rel(f.path if f.written is None else f.written)
            if (f.written, f.path, f.worktree) != want:
                if across is not None:
                    s = slices[i] = across.writable(s)
                    f = s.files[j]
                f.written, f.path, f.worktree = want
        if settled is not None:
            settled[1](s)
    outputs = rb.outputs
    for i, o in enumerate(outputs):
        want = rel(o.root if o.root_written is None else o.root_written)
        if (o.root_written, o.root, o.worktree) != want:
            if across is not None:
                o = outputs[i] = across.writable(o)
            o.root_written, o.root, o.worktree = want
