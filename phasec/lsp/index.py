"""A per-document symbol index built from the IR and the syntax tree.

For every kind of id (slice, agent, gate/check, stage, owner handle, artifact,
cadence, branch, lens, wave) the index knows each declaration and each
reference, with the span of the id token itself, so that hover, go-to-
definition, find-references and rename all read the same table.

Declarations come from the IR (so only what lowering accepted counts); their
id token is found in the statement that declared them (IR node spans are
statement spans).  References are the IR's :class:`~phasec.compiler.ir.Ref`
nodes; a reference typed with a union (``stage|slice``) is resolved to the
first kind in which its id is declared.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from phasec.compiler import ir
from phasec.compiler.resolve import iter_refs
from phasec.compiler.schema import CONTEXTS, Stmt
from phasec.grammar.tree import Document, Statement
from phasec.source import Span

#: Kinds of ids, in the order the language reference lists them.
KINDS = ("slice", "agent", "gate", "stage", "owner", "artifact", "cadence", "branch", "lens", "wave")


@dataclass(slots=True)
class Occurrence:
    """One declaration or reference of an id."""

    kind: str  # the resolved kind ("gate" covers checks); a union when unresolved
    id: str
    span: Span  # the id token
    decl: bool
    node: Any  # the declared IR node, or the ir.Ref
    resolved: bool = True

    def contains(self, line: int, column: int) -> bool:
        s = self.span
        return s.line == line and s.column <= column <= s.end_column


def _key(span: Span) -> tuple[int, int, int, int]:
    return (span.line, span.column, span.end_line, span.end_column)


def walk_statements(statements: list[Statement], ctx: str = "file") -> Iterator[tuple[Statement, str, Stmt | None]]:
    """Every statement with the schema context it appears in and its spec (None if unknown there)."""
    context = CONTEXTS.get(ctx)
    for st in statements:
        spec = context.statements.get(st.keyword) if context else None
        yield st, ctx, spec
        if st.block and spec is not None and spec.block:
            yield from walk_statements(st.block, spec.block)


def declared_nodes(rb: ir.Runbook) -> Iterator[tuple[str, str, Any]]:
    """(kind, id, IR node) for every declaration, in source order per kind."""
    for s in rb.slices:
        yield "slice", s.id, s
    for a in rb.agents():
        yield "agent", a.id, a
    for g in rb.gates:
        yield "gate", g.id, g
    for st in rb.stages:
        yield "stage", st.id, st
    for o in rb.owners or []:
        yield "owner", o.handle, o
    for art in rb.artifacts():
        yield "artifact", art.id, art
    for c in rb.cadences:
        yield "cadence", c.id, c
    if rb.repo is not None:
        for b in rb.repo.branches:
            yield "branch", b.id, b
    for lens in rb.lenses:
        yield "lens", lens.id, lens
    if rb.team is not None:
        for w in rb.team.waves:
            yield "wave", w.id, w


class SymbolIndex:
    def __init__(self, rb: ir.Runbook | None, doc: Document | None, pause: Callable[[], object] | None = None):
        """The index of ``doc`` and its runbook.  ``pause``, when given, is called every few hundred
        statements, declarations and references: the server's background build waits there while
        an analysis runs, so that the analysis does not share the interpreter with it."""
        self.rb = rb
        self.doc = doc
        self.decls: dict[tuple[str, str], list[Occurrence]] = {}
        self.refs: dict[tuple[str, str], list[Occurrence]] = {}
        self.by_line: dict[int, list[Occurrence]] = {}
        #: statement keywords by line: (statement, context, spec)
        self.keywords: dict[int, list[tuple[Statement, str, Stmt | None]]] = {}
        self.statements: dict[tuple[int, int, int, int], Statement] = {}
        if doc is not None:
            for n, (st, ctx, spec) in enumerate(walk_statements(doc.statements)):
                if pause is not None and not n & 255:
                    pause()
                self.statements[_key(st.span)] = st
                self.keywords.setdefault(st.keyword_span.line, []).append((st, ctx, spec))
        if rb is None:
            return
        for kind, ident, node in declared_nodes(rb):
            occ = Occurrence(kind, ident, self._id_span(node.span, ident), True, node)
            self.decls.setdefault((kind, ident), []).append(occ)
            self.by_line.setdefault(occ.span.line, []).append(occ)
        implicit_owners = rb.owners is None
        for n, ref in enumerate(iter_refs(rb)):
            if pause is not None and not n & 255:
                pause()
            kinds = ref.kind.split("|")
            found = next((k for k in kinds if (k, ref.id) in self.decls), None)
            resolved = found is not None
            if found is None:
                if "owner" in kinds and implicit_owners:
                    found, resolved = "owner", True  # no registry: owners are declared by use
                else:
                    found = ref.kind
            occ = Occurrence(found, ref.id, ref.span, False, ref, resolved)
            self.refs.setdefault((found, ref.id), []).append(occ)
            self.by_line.setdefault(ref.span.line, []).append(occ)

    def _id_span(self, span: Span, ident: str) -> Span:
        st = self.statements.get(_key(span))
        if st is not None:
            for v in st.values:
                if v.value == ident and v.kind != "string":
                    return v.span
            return st.keyword_span
        return span

    # -- lookups -----------------------------------------------------------
    def at(self, line: int, column: int) -> Occurrence | None:
        """The declaration or reference whose id token is at 1-based (line, column)."""
        best = None
        for occ in self.by_line.get(line, ()):
            # Prefer a token that starts at or before the cursor and does not end there.
            if occ.contains(line, column) and (best is None or column < occ.span.end_column):
                best = occ
        return best

    def keyword_at(self, line: int, column: int) -> tuple[Statement, str, Stmt | None] | None:
        for st, ctx, spec in self.keywords.get(line, ()):
            ks = st.keyword_span
            if ks.column <= column <= ks.end_column:
                return st, ctx, spec
        return None

    def declarations(self, kind: str, ident: str) -> list[Occurrence]:
        return self.decls.get((kind, ident), [])

    def references(self, kind: str, ident: str) -> list[Occurrence]:
        return self.refs.get((kind, ident), [])

    def occurrences(self, kind: str, ident: str, include_declaration: bool = True) -> list[Occurrence]:
        out = list(self.declarations(kind, ident)) if include_declaration else []
        out.extend(self.references(kind, ident))
        return out

    def node(self, kind: str, ident: str) -> Any:
        decls = self.decls.get((kind, ident))
        return decls[0].node if decls else None

    def ids(self, kind: str) -> list[str]:
        """Declared ids of a kind, in source order (owners: used handles too when there is no registry)."""
        seen = [i for (k, i) in self.decls if k == kind]
        if kind == "owner" and self.rb is not None and self.rb.owners is None:
            seen += [i for (k, i) in self.refs if k == "owner" and i not in seen]
        return list(dict.fromkeys(seen))
