"""Document symbols: the runbook's outline, built from the IR.

phase · repo (branches) · team (waves, agents) · protocol (artifacts) · outputs
(artifacts) · owners · invariants · stages (steps, parallel groups) · slices
(triggers) · gates and checks · scripts · cadences · exit · interfaces ·
scenarios · assumptions · deferred items · authority · lenses.
"""

from __future__ import annotations

from lsprotocol import types

from phasec.compiler import ir
from phasec.lsp.analysis import Snapshot
from phasec.lsp.index import _key
from phasec.source import Span

K = types.SymbolKind


def _short(text: str | None, n: int = 60) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= n else text[: n - 1] + "…"


class _Builder:
    def __init__(self, snap: Snapshot):
        self.snap = snap
        self.index = snap.index
        self.mapper = snap.mapper

    def sel(self, node_span: Span, ident: str | None) -> Span:
        """The span to select: the id token, else the statement's keyword."""
        st = self.index.statements.get(_key(node_span))
        if st is None:
            return Span(
                file=node_span.file,
                line=node_span.line,
                column=node_span.column,
                end_line=node_span.line,
                end_column=node_span.column,
            )
        if ident is not None:
            for v in st.values:
                if v.value == ident and v.kind != "string":
                    return v.span
        return st.keyword_span

    def sym(
        self,
        name: str,
        kind: K,
        span: Span,
        ident: str | None = None,
        detail: str | None = None,
        children: list[types.DocumentSymbol] | None = None,
    ) -> types.DocumentSymbol:
        return types.DocumentSymbol(
            name=name or "?",
            kind=kind,
            range=self.mapper.range(span),
            selection_range=self.mapper.range(self.sel(span, ident)),
            detail=_short(detail) or None,
            children=children or None,
        )

    def titled(self, word: str, kind: K, items: list[ir.Titled]) -> list[tuple[Span, types.DocumentSymbol]]:
        return [(t.span, self.sym(t.id, kind, t.span, t.id, f"{word}: " + (t.title or t.text or ""))) for t in items]

    def stage(self, st: ir.Stage) -> types.DocumentSymbol:
        children: list[types.DocumentSymbol] = []
        groups: dict[int, list[types.DocumentSymbol]] = {}
        for step in st.steps:
            s = self.sym(
                f"{step.number}. {_short(step.text, 50)}",
                K.Event,
                step.span,
                None,
                " ".join(
                    filter(
                        None,
                        [
                            step.kind if step.kind != "step" else "",
                            ("by " + " ".join(r.id for r in step.agents)) if step.agents else "",
                            ("for " + " ".join(r.id for r in step.slices)) if step.slices else "",
                        ],
                    )
                ),
            )
            if step.group is not None:
                if step.group not in groups:
                    groups[step.group] = []
                    g = st.groups[step.group]
                    children.append(self.sym("parallel", K.Array, g.span, None, g.title))
                    children[-1].children = groups[step.group]
                groups[step.group].append(s)
            else:
                children.append(s)
        return self.sym(f"stage {st.id}", K.Namespace, st.span, st.id, st.title, children)

    def build(self, rb: ir.Runbook) -> list[types.DocumentSymbol]:
        out: list[tuple[Span, types.DocumentSymbol]] = []

        def add(span: Span, s: types.DocumentSymbol) -> None:
            out.append((span, s))

        if rb.phase:
            p = rb.phase
            locked = [self.sym(lk.id, K.Constant, lk.span, lk.id, lk.text) for lk in p.locked if lk.id]
            add(p.span, self.sym(f"phase {p.id}", K.Module, p.span, p.id, p.title, locked))
        if rb.repo:
            branches = [self.sym(b.id, K.Property, b.span, b.id, b.name) for b in rb.repo.branches]
            add(rb.repo.span, self.sym("repo", K.Package, rb.repo.span, None, rb.repo.tool, branches))
        if rb.team:
            t = rb.team
            kids = []
            waves = {w.id: w for w in t.waves}
            agents_by_wave: dict[str | None, list[ir.Agent]] = {}
            for a in t.agents:
                agents_by_wave.setdefault(a.wave if a.wave in waves else None, []).append(a)

            def agent(a: ir.Agent) -> types.DocumentSymbol:
                return self.sym(a.id, K.Object, a.span, a.id, a.responsibility)

            items: list[tuple[Span, types.DocumentSymbol]] = []
            for w in t.waves:
                items.append(
                    (
                        w.span,
                        self.sym(
                            w.id, K.Namespace, w.span, w.id, w.title, [agent(a) for a in agents_by_wave.get(w.id, [])]
                        ),
                    )
                )
            for a in agents_by_wave.get(None, []):
                items.append((a.span, agent(a)))
            if t.lifecycle:
                items.append((t.lifecycle.span, self.sym("lifecycle", K.Object, t.lifecycle.span)))
            kids = [s for _, s in sorted(items, key=lambda x: (x[0].line, x[0].column))]
            detail = f"max_active {t.max_active}" if t.max_active is not None else None
            add(t.span, self.sym("team", K.Struct, t.span, None, detail, kids))
        if rb.protocol:
            pr = rb.protocol
            arts = [self.sym(a.id, K.File, a.span, a.id, a.template) for a in pr.artifacts]
            add(pr.span, self.sym("protocol", K.Interface, pr.span, None, None, arts))
        if rb.grounding:
            add(
                rb.grounding.span,
                self.sym(
                    "grounding",
                    K.Package,
                    rb.grounding.span,
                    None,
                    rb.grounding.title or f"{len(rb.grounding.docs)} documents",
                ),
            )
        for o in rb.outputs:
            arts = [self.sym(a.id, K.File, a.span, a.id, a.name) for a in o.artifacts]
            add(o.span, self.sym(f"outputs {o.id}", K.Package, o.span, o.id, o.root, arts))
        if rb.owners is not None and rb.owners_span is not None:
            owners = [self.sym(o.handle, K.Key, o.span, o.handle, o.title) for o in rb.owners]
            add(rb.owners_span, self.sym("owners", K.Namespace, rb.owners_span, None, None, owners))
        for i in rb.invariants:
            add(i.span, self.sym(i.id, K.Constant, i.span, i.id, "invariant: " + (i.text or "")))
        for st in rb.stages:
            add(st.span, self.stage(st))
        for s in rb.slices:
            triggers = [self.sym(t.id, K.Event, t.span, t.id, "trigger: " + t.text) for t in s.triggers]
            detail = s.title + (" (conditional)" if s.conditional else "")
            add(s.span, self.sym(s.id, K.Class, s.span, s.id, detail, triggers))
        for g in rb.gates:
            if g.kind == "check":
                add(g.span, self.sym(g.id, K.Boolean, g.span, g.id, "check: " + (g.title or "")))
            else:
                add(g.span, self.sym(g.id, K.Function, g.span, g.id, g.script or g.title))
        if rb.scripts:
            add(rb.scripts.span, self.sym("scripts", K.Object, rb.scripts.span, None, rb.scripts.runner))
        for c in rb.cadences:
            add(c.span, self.sym(c.id, K.Enum, c.span, c.id, "cadence: " + (c.title or "")))
        if rb.exit:
            add(rb.exit.span, self.sym("exit", K.Key, rb.exit.span, None, " ".join(r.id for r in rb.exit.gates)))
        out.extend(
            self.titled("interface", K.Interface, rb.interfaces)
            + self.titled("scenario", K.Field, rb.scenarios)
            + self.titled("assumption", K.Constant, rb.assumptions)
            + self.titled("deferred", K.Constant, rb.deferred)
            + self.titled("lens", K.TypeParameter, rb.lenses)
        )
        doc = self.snap.document
        if doc is not None:
            for st in doc.statements:
                if st.keyword == "authority" and rb.authority:
                    add(st.span, self.sym("authority", K.Object, st.span, None, f"{len(rb.authority)} sources"))
        out.sort(key=lambda x: (x[0].line, x[0].column))
        return [s for _, s in out]


def document_symbols(snap: Snapshot, hierarchical: bool = True):
    rb = snap.runbook
    if rb is None:
        return []
    symbols = _Builder(snap).build(rb)
    if hierarchical:
        return symbols
    flat: list[types.SymbolInformation] = []

    def walk(items, container: str | None) -> None:
        for s in items:
            flat.append(
                types.SymbolInformation(
                    name=s.name,
                    kind=s.kind,
                    location=types.Location(uri=snap.uri, range=s.range),
                    container_name=container,
                )
            )
            walk(s.children or [], s.name)

    walk(symbols, None)
    return flat
