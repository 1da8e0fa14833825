"""The graph layer: the runbook's orders as networkx graphs behind one class.

networkx is imported here and nowhere else, and only when a rule asks for a
graph.  Nodes are plain tuples:

* ``("begin", id)`` / ``("slice", id)`` – the start and the end of a slice
  (dependents wait for the end; steps `for` the slice run between the two);
* ``("step", stage, n)`` – step n of a stage (steps, checkpoints, guards);
* ``("start", stage)`` / ``("end", stage)`` – stage boundaries;
* ``("join", stage, k)`` – a junction after the k-th unit of a stage.

Edges of the activity graph mean "must finish before ... starts".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

import networkx as nx

from phasec.compiler import ir
from phasec.source import Span

if TYPE_CHECKING:
    from phasec.compiler.facts import StatementMemo


@dataclass
class Edge:
    """A dependency edge with the place it is written."""

    before: str
    after: str
    span: Span
    if_triggered: bool = False


@dataclass
class AgentOverlap:
    """The result of the agent-cap analysis."""

    width: int  # the largest number of agents that can be active at once
    agents: list[str]  # one such set
    point: list[tuple]  # activities that run when they overlap
    concurrent_pairs: dict[str, list[tuple[tuple, tuple]]] = field(default_factory=dict)
    after_release: dict[str, list[tuple]] = field(default_factory=dict)


def node_label(rb: ir.Runbook, node: tuple) -> str:
    kind = node[0]
    if kind == "slice":
        return f"slice {node[1]}"
    if kind == "begin":
        return f"the start of slice {node[1]}"
    if kind == "step":
        return f"stage {node[1]} step {node[2]}"
    if kind in ("start", "end"):
        return f"the {kind} of stage {node[1]}"
    return f"stage {node[1]}"


class RunbookGraph:
    """Slice dependencies, activity order, gate composition, artifacts."""

    def __init__(self, rb: ir.Runbook, memo: StatementMemo | None = None):
        self.rb = rb
        #: the language server's memo of the document (None for a single analysis): carries the
        #: previous version's gate cycles (:meth:`gate_cycles`)
        self.memo = memo

    @cached_property
    def facts(self):
        """The runbook's derived facts (phasec.compiler.facts), shared with the emitters and the rules."""
        from phasec.compiler.facts import facts

        return facts(self.rb)

    @cached_property
    def slice_order(self) -> list[ir.Slice]:
        """Slices in dependency order, declaration order among independent ones (computed once per runbook)."""
        return self.facts.slice_order

    # -- slice dependencies ------------------------------------------------
    @cached_property
    def slice_graph(self) -> nx.DiGraph:
        """Edge dep -> slice for every `after` (attribute ``edge``: the Edge)."""
        g: nx.DiGraph = nx.DiGraph()
        for s in self.rb.slices:
            g.add_node(s.id)
        for s in self.rb.slices:
            for d in s.after:
                if d.slice.id in g:
                    g.add_edge(d.slice.id, s.id, edge=Edge(d.slice.id, s.id, d.span, d.if_triggered))
            for before, ref in self.precondition_edges(s):
                if not g.has_edge(before, s.id):
                    g.add_edge(before, s.id, edge=Edge(before, s.id, ref.span))
        return g

    def precondition_edges(self, s: ir.Slice) -> list[tuple[str, ir.Ref]]:
        """`starts_after G`: the slice that brings gate G into existence finishes first (Facts.precondition_slices)."""
        return self.facts.precondition_slices(s)

    def cycles(self, g: nx.DiGraph) -> list[list[Edge]]:
        """One cycle per strongly connected component, as its edges in order."""
        out = []
        for comp in nx.strongly_connected_components(g):
            if len(comp) == 1:
                (n,) = comp
                if not g.has_edge(n, n):
                    continue
            sub = g.subgraph(comp)
            start = min(comp)
            cyc = nx.find_cycle(sub, source=start)
            out.append([g.edges[u, v]["edge"] for u, v in cyc])
        out.sort(key=lambda es: (es[0].span.line, es[0].span.column))
        return out

    def slice_cycles(self) -> list[list[Edge]]:
        """The dependency cycles.  Whether there is one depends only on the slices' ids and
        dependencies: with the language server's memo, a runbook whose :attr:`_slices_key` was
        found acyclic before has none, and the graph is not built for it (a cycle's edges carry
        spans, so cycles themselves are computed every time)."""
        store = self._reach_store
        if store is not None and store.get("acyclic"):
            return []
        cycles = self.cycles(self.slice_graph)
        if store is not None and not cycles:
            store["acyclic"] = True
        return cycles

    def slice_ancestors(self, sid: str) -> set[str]:
        """The slices ``sid`` waits for, transitively (``nx.ancestors``: never ``sid`` itself)."""
        g = self.slice_graph
        return _reach(g.pred, sid) if sid in g else set()

    def slice_descendants(self, sid: str) -> set[str]:
        """The slices that wait for ``sid``, transitively (``nx.descendants``: never ``sid`` itself).

        Reused across the language server's versions while the slices' ids and dependencies
        are the same (:attr:`_reach_store`): the caller must not change the set."""
        store = self._reach_store
        if store is not None:
            hit = store.get(("down", sid))
            if hit is not None:
                return hit
        g = self.slice_graph
        out = _reach(g.succ, sid) if sid in g else set()
        if store is not None:
            store[("down", sid)] = out
        return out

    def slice_descendants_of(self, sids) -> set[str]:
        """The union of :meth:`slice_descendants` over ``sids``, in one traversal (linear, not per slice)."""
        g = self.slice_graph
        seen: set[str] = set()
        stack = [n for sid in sids if sid in g for n in g.successors(sid)]
        while stack:
            n = stack.pop()
            if n not in seen:
                seen.add(n)
                stack.extend(g.successors(n))
        return seen

    # -- repo branches -----------------------------------------------------
    @cached_property
    def branch_graph(self) -> nx.DiGraph:
        """Edge parent -> branch for every `branch ... from PARENT` of the repo block."""
        g: nx.DiGraph = nx.DiGraph()
        branches = self.rb.repo.branches if self.rb.repo else []
        for b in branches:
            g.add_node(b.id)
        for b in branches:
            if b.parent is not None and b.parent.id in g and not g.has_edge(b.parent.id, b.id):
                g.add_edge(b.parent.id, b.id, edge=Edge(b.parent.id, b.id, b.parent.span))
        return g

    def branch_cycles(self) -> list[list[Edge]]:
        """Repo branches created from each other in a cycle (stack.sh could create none of them)."""
        return self.cycles(self.branch_graph)

    # -- gate composition --------------------------------------------------
    @cached_property
    def gate_graph(self) -> nx.DiGraph:
        """Edge composite -> used gate."""
        g: nx.DiGraph = nx.DiGraph()
        for gate in self.rb.gates:
            g.add_node(gate.id)
        for gate in self.rb.gates:
            for step in gate.steps:
                for ref in step.gates:
                    if ref.id in g:
                        g.add_edge(gate.id, ref.id, edge=Edge(gate.id, ref.id, ref.span))
        return g

    def gate_cycles(self) -> list[list[Edge]]:
        """The gate composition cycles (:meth:`cycles` of :attr:`gate_graph`, a function of ``rb.gates`` alone).

        The language server shares unchanged gates between the versions of a document
        (phasec/lsp/incremental.py) and nothing writes into a gate after resolution, so when
        ``rb.gates`` holds the very same objects, in the same order, as the gates of the
        document's previous version (carried by its memo, ``self.memo``; a single analysis has
        none and computes them), its cycles are those (kept with those gates, so the identity
        check cannot be fooled by a reused id).  No state outside the document's own memo.
        """
        gates = self.rb.gates
        memo = self.memo
        last = memo.gate_cycles if memo is not None else None
        if last is not None and len(last[0]) == len(gates) and all(a is b for a, b in zip(last[0], gates, strict=True)):
            cycles = last[1]
        else:
            cycles = self.cycles(self.gate_graph)
            if memo is not None:
                memo.gate_cycles = (tuple(gates), cycles)
        return [list(c) for c in cycles]

    def gate_closure(self, gid: str) -> set[str]:
        """The gate and every gate it uses, transitively (:meth:`phasec.compiler.facts.Facts.gate_closure`)."""
        return self.facts.gate_closure([gid])

    # -- activities --------------------------------------------------------
    @cached_property
    def stage_index(self) -> dict[str, int]:
        return {st.id: i for i, st in enumerate(self.rb.stages)}

    @cached_property
    def slice_stage(self) -> dict[str, str]:
        """The stage that covers each slice (its home stage)."""
        out: dict[str, str] = {}
        for st in self.rb.stages:
            for ref in st.covers:
                out.setdefault(ref.id, st.id)
        return out

    @cached_property
    def slice_stage_span(self) -> dict[str, tuple[str, str]]:
        """Per slice, the first and the last stage it works in.

        A slice spans from the earliest to the latest of the stage that covers it
        and the stages with a step `for` it (e.g. planning closed by a later
        drift-check stage).  Slices with neither are absent.
        """
        idx = self.stage_index
        where: dict[str, list[int]] = {}
        for sid, stage in self.slice_stage.items():
            where.setdefault(sid, []).append(idx[stage])
        for st in self.rb.stages:
            for step in st.steps:
                for ref in step.slices:
                    where.setdefault(ref.id, []).append(idx[st.id])
        stages = self.rb.stages
        return {sid: (stages[min(ix)].id, stages[max(ix)].id) for sid, ix in where.items()}

    @cached_property
    def _activity_store(self) -> dict | None:
        """Where the activity graph, its order and the slice precedence are kept across versions.

        They are a function of the stages (compared by value; the language server shares
        unchanged ones between versions, so mostly by identity) and of each slice's id, its
        dependencies' ids and its precondition slices (:meth:`_activity_key`), nothing else:
        no span, no title.  The document's memo (the language server's, ``self.memo``) keeps the
        last version's key with a dict of what was computed for it; a version with an equal
        key reads and fills that dict.  Without a memo (``phasec lint``): None, computed here.
        tests/test_lsp_incremental.py compares with the batch pipeline over edits that change it.
        """
        return _memo_store(self.memo, "activity", self._activity_key)

    def _activity_key(self) -> tuple:
        return (tuple(self.rb.stages), self._slices_key)

    @cached_property
    def _slices_key(self) -> tuple:
        """Each slice's id, its dependencies' ids and its precondition slices: what the slice
        graph's nodes and edges are made of (not the edges' spans)."""
        pre = self.facts.precondition_slices
        return tuple(
            (
                s.id,
                tuple(d.slice.id for d in s.after),
                tuple(before for before, _ in pre(s)) if s.starts_after else (),
            )
            for s in self.rb.slices
        )

    @cached_property
    def _reach_store(self) -> dict | None:
        """Where :meth:`slice_descendants` keeps its answers across versions (as ``_activity_store``,
        keyed by :attr:`_slices_key`: reachability depends on nothing else); None without a memo."""
        return _memo_store(self.memo, "reach", lambda: self._slices_key)

    @cached_property
    def activity_graph(self) -> nx.DiGraph:
        """The activity graph (see the module docstring), reused while :meth:`_activity_key` holds."""
        return _kept(self._activity_store, "graph", self._activity_graph)

    def _activity_graph(self) -> nx.DiGraph:
        rb = self.rb
        g: nx.DiGraph = nx.DiGraph()
        prev_end = None
        known = {s.id for s in rb.slices}
        for st in rb.stages:
            start, end = ("start", st.id), ("end", st.id)
            g.add_node(start)
            g.add_node(end)
            if prev_end is not None:
                g.add_edge(prev_end, start)
            # Steps: units in order; a parallel group is one unit.
            units: list[list[tuple]] = []
            last_group = None
            for step in st.steps:
                node = ("step", st.id, step.number)
                g.add_node(node)
                if step.group is not None and step.group == last_group:
                    units[-1].append(node)
                else:
                    units.append([node])
                last_group = step.group
            cur: list[tuple] = [start]
            for k, unit in enumerate(units):
                if len(cur) > 1 and len(unit) > 1:
                    join = ("join", st.id, k)
                    g.add_edges_from((c, join) for c in cur)
                    cur = [join]
                g.add_edges_from((c, u) for c in cur for u in unit)
                cur = unit
            g.add_edges_from((c, end) for c in cur)
            for step in st.steps:
                # A stage that carries one slice: its steps carry out that slice (Facts.step_slices).
                for sid in self.facts.step_slices(st, step):
                    if sid in known:
                        g.add_edge(("begin", sid), ("step", st.id, step.number))
                        g.add_edge(("step", st.id, step.number), ("slice", sid))
            prev_end = end
        for sid, (first, last) in self.slice_stage_span.items():
            if sid in known:
                g.add_edge(("start", first), ("begin", sid))
                g.add_edge(("slice", sid), ("end", last))
        for s in rb.slices:
            g.add_edge(("begin", s.id), ("slice", s.id))
            for d in s.after:
                if d.slice.id in known:
                    g.add_edge(("slice", d.slice.id), ("begin", s.id))
            for before, _ in self.precondition_edges(s):
                g.add_edge(("slice", before), ("begin", s.id))
        return g

    @cached_property
    def activity_order(self) -> list[tuple] | None:
        """A topological order of :attr:`activity_graph` (None when it has a cycle), computed once
        for the agent analysis and the slice precedence."""
        return _kept(self._activity_store, "order", self._activity_order)

    def _activity_order(self) -> list[tuple] | None:
        try:
            return list(nx.topological_sort(self.activity_graph))
        except nx.NetworkXUnfeasible:
            return None

    def agent_activities(self) -> dict[str, list[tuple]]:
        """Per agent, the activity nodes it executes (:attr:`phasec.compiler.facts.Facts.agent_activities`)."""
        return self.facts.agent_activities

    def release_node(self, agent: ir.Agent) -> tuple | None:
        ref = agent.release_after
        if ref is None:
            return None
        if ref.id in self.facts.slices:
            return ("slice", ref.id)
        if ref.id in self.stage_index:
            return ("end", ref.id)
        return None

    def agent_overlap(self) -> AgentOverlap | None:
        """The largest set of agents that can be active at once (None if the order has a cycle); cached.

        A function of the activity graph and order, the agents' activities and their release
        points: with the language server's memo, reused from an earlier version whose activity
        graph is the same (``_activity_store``) and whose activities and release points are
        equal.  The callers must not change the result."""
        if "_overlap" not in self.__dict__:
            store = self._activity_store
            if store is None:
                self.__dict__["_overlap"] = self._agent_overlap()
            else:
                key = (self.agent_activities(), self._released())
                last = store.get("overlap")
                if last is None or last[0] != key:
                    last = store["overlap"] = (key, self._agent_overlap())
                self.__dict__["_overlap"] = last[1]
        return self.__dict__["_overlap"]

    def _released(self) -> dict[str, tuple]:
        """Per agent with activities, its release point (an activity-graph node), if any."""
        acts = self.agent_activities()
        released: dict[str, tuple] = {}
        for agent in self.rb.agents():
            node = self.release_node(agent)
            if node is not None and acts.get(agent.id):
                released[agent.id] = node
        return released

    def _agent_overlap(self) -> AgentOverlap | None:
        """Compute :meth:`agent_overlap`.

        See the PC501 documentation for the semantics.  One topological pass
        carries, per node, a bitset of the agent activities that must finish
        before it; no transitive closure is built.
        """
        g = self.activity_graph
        order = self.activity_order
        if order is None:
            return None
        acts = {a: v for a, v in self.agent_activities().items() if v}
        agents = sorted(acts)
        released = self._released()
        # Slots: one bit per (agent, activity), grouped by agent; plus a release slot.
        slot_of: dict[tuple, list[tuple[str, int]]] = {}
        mask: dict[str, int] = {}
        rmask: dict[str, int] = {}
        bit = 0
        for a in agents:
            m = 0
            for node in acts[a]:
                slot_of.setdefault(node, []).append((a, bit))
                m |= 1 << bit
                bit += 1
            mask[a] = m
            if a in released:
                slot_of.setdefault(released[a], []).append(("release:" + a, bit))
                rmask[a] = 1 << bit
                bit += 1
        own: dict[tuple, int] = {}
        for node, slots in slot_of.items():
            v = 0
            for _, slot_bit in slots:
                v |= 1 << slot_bit
            own[node] = v
        by_node: dict[tuple, list[str]] = {}
        for a in agents:
            for node in acts[a]:
                by_node.setdefault(node, []).append(a)
        remaining = {n: g.out_degree(n) for n in g}
        full: dict[tuple, int] = {}  # node -> bits of slots at or before it (freed when done)
        minimal: dict[str, list[tuple]] = {a: [] for a in agents}
        strict_at: dict[tuple, int] = {}
        not_max: dict[str, int] = dict.fromkeys(agents, 0)
        concurrent: dict[str, list[tuple[tuple, tuple]]] = {}
        after_release: dict[str, list[tuple]] = {}
        last_seen: dict[str, tuple] = {}
        index = {n: i for i, n in enumerate(order)}
        for node in order:
            strict = 0
            for p in g.predecessors(node):
                strict |= full[p]
                remaining[p] -= 1
                if remaining[p] == 0:
                    del full[p]
            full[node] = strict | own.get(node, 0)
            for a in by_node.get(node, ()):
                before = strict & mask[a]
                if not before:
                    minimal[a].append(node)
                    strict_at[node] = strict
                not_max[a] |= before
                if a in rmask and strict & rmask[a]:
                    after_release.setdefault(a, []).append(node)
                prev = last_seen.get(a)
                if prev is not None and not (strict & own_bit(prev, a, slot_of)):
                    concurrent.setdefault(a, []).append((prev, node))
                last_seen[a] = node
            if remaining[node] == 0:
                del full[node]
        # a precedes b when every activity of a (or a's release point) finishes before b's minimal activities.
        precedes: dict[str, set[str]] = {a: set() for a in agents}
        for b in agents:
            for a in agents:
                if a == b:
                    continue
                need = rmask.get(a) or mask[a]
                if all((strict_at[y] & need) == need for y in minimal[b]):
                    precedes[a].add(b)
        width, chosen = _max_antichain(agents, precedes)
        firsts = [min(minimal[a], key=index.__getitem__) for a in chosen]
        point = [f for f in firsts if not any((strict_at[o] & own.get(f, 0)) for o in firsts if o != f)]
        point = sorted(set(point), key=index.__getitem__)
        return AgentOverlap(width, chosen, point, concurrent, after_release)

    # -- slice order (PC605) ------------------------------------------------
    @cached_property
    def slice_precedence(self) -> tuple[dict[str, int], dict[str, int], dict[str, int]]:
        """(bit of each slice, and per slice two bitsets: the slices that end before it
        begins, and the slices that begin after it ends).

        Computed on the activity graph, so stage order and dependencies (with
        `if_triggered`) combine transitively.  One topological pass each way,
        carrying bitsets; slices on a dependency cycle count as ordered (PC301
        reports the cycle).  Reused as the activity graph is.
        """
        return _kept(self._activity_store, "precedence", self._slice_precedence)

    def _slice_precedence(self) -> tuple[dict[str, int], dict[str, int], dict[str, int]]:
        g = self.activity_graph
        bit: dict[str, int] = {}
        for s in self.rb.slices:
            bit.setdefault(s.id, len(bit))
        h: nx.DiGraph
        order: list
        if self.activity_order is not None:
            h, where, order = g, None, self.activity_order
        else:
            h = nx.condensation(g)
            where = h.graph["mapping"]
            order = list(nx.topological_sort(h))

        def sweep(nodes, own_kind, at_kind, neighbours, degree):
            own: dict = {}
            at: dict = {}
            for sid, i in bit.items():
                o, a = (own_kind, sid), (at_kind, sid)
                k = where[o] if where else o
                own[k] = own.get(k, 0) | (1 << i)
                at.setdefault(where[a] if where else a, []).append(sid)
            remaining = {n: degree(n) for n in h}
            full: dict = {}
            out: dict[str, int] = {}
            for node in nodes:
                acc = own.get(node, 0)
                for p in neighbours(node):
                    acc |= full[p]
                    remaining[p] -= 1
                    if remaining[p] == 0:
                        del full[p]
                for sid in at.get(node, ()):
                    out[sid] = acc
                if remaining[node]:
                    full[node] = acc
            return out

        before = sweep(order, "slice", "begin", h.predecessors, h.out_degree)
        after = sweep(reversed(order), "begin", "slice", h.successors, h.in_degree)
        return bit, before, after

    def ordered(self, a: str, b: str) -> bool:
        """True when one of the slices must end before the other begins."""
        if a == b:
            return True
        bit, before, _ = self.slice_precedence
        if a not in bit or b not in bit:
            return False
        return bool((before[b] >> bit[a]) & 1 or (before[a] >> bit[b]) & 1)

    # -- rendering (phasec graph) --------------------------------------------
    def slice_cycle_edges(self) -> set[tuple[str, str]]:
        """Every slice dependency edge that lies on some cycle (dep, slice).

        An edge lies on a cycle exactly when both ends are in the same strongly
        connected component (a self-loop included); `phasec graph` highlights them.
        """
        g = self.slice_graph
        comp_of: dict[str, int] = {}
        for i, comp in enumerate(nx.strongly_connected_components(g)):
            for n in comp:
                comp_of[n] = i
        return {(u, v) for u, v in g.edges if comp_of[u] == comp_of[v]}


def _reach(adj, start) -> set:
    """The nodes reachable from ``start`` in ``adj`` (a graph's ``succ`` or ``pred``), ``start`` excluded."""
    seen = {start}
    stack = [start]
    while stack:
        for n in adj[stack.pop()]:
            if n not in seen:
                seen.add(n)
                stack.append(n)
    seen.discard(start)
    return seen


def own_bit(node: tuple, agent: str, slot_of) -> int:
    for a, b in slot_of.get(node, ()):
        if a == agent:
            return 1 << b
    return 0


def _max_antichain(nodes: list[str], precedes: dict[str, set[str]]) -> tuple[int, list[str]]:
    """Width of a strict partial order and one maximum antichain (Dilworth / König)."""
    if not nodes:
        return 0, []
    from networkx.algorithms import bipartite

    b: nx.Graph = nx.Graph()
    left = [("L", n) for n in nodes]
    b.add_nodes_from(left, bipartite=0)
    b.add_nodes_from((("R", n) for n in nodes), bipartite=1)
    for a, succs in precedes.items():
        for s in succs:
            b.add_edge(("L", a), ("R", s))
    matching = bipartite.hopcroft_karp_matching(b, top_nodes=left)
    cover = bipartite.to_vertex_cover(b, matching, top_nodes=left)
    chosen = sorted(n for n in nodes if ("L", n) not in cover and ("R", n) not in cover)
    return len(chosen), chosen


def _memo_store(memo, attr: str, key: Callable[[], object]) -> dict | None:
    """The dict kept in ``memo.<attr>`` for ``key()``: the last version's when its key was equal,
    else a new one, which replaces it.  None without a memo (``phasec lint``)."""
    if memo is None:
        return None
    k = key()
    last = getattr(memo, attr)
    store = last[1] if last is not None and last[0] == k else {}
    setattr(memo, attr, (k, store))
    return store


def _kept(store: dict | None, name: str, compute: Callable[[], Any]) -> Any:
    """``store[name]``, computed once into it; ``compute()`` every time without a store."""
    if store is None:
        return compute()
    if name not in store:
        store[name] = compute()
    return store[name]
