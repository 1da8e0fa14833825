"""Derived facts about a runbook, computed once and read by everybody.

The emitters, the language server's hover, the graph layer and the rules all
need the same few facts derived from the IR: how a gate expands into the
commands it runs, the order of the slices, which agent does what.  Each is
computed here, once per runbook (``facts(rb)`` is kept on the IR object itself), so
that no two places can disagree about them.

Nothing here imports networkx or jinja2: the module is cheap and safe on the
lint path.  The IR is not changed after resolution; the cache relies on that.

* **Gate expansion** (:meth:`Facts.expand_gate`): a gate with a ``script`` runs
  as ``<runner> <script>`` (``npm run`` when the runbook declares no runner);
  a gate without one runs its ``run`` commands and the gates it ``use``s, in
  order; a ``check`` is a manual step.  :meth:`Facts.gate_body` is one level
  down: a gate's own steps with each used gate expanded (the definition of a
  scripted suite in the command contract).  A composition cycle (PC703) ends
  the expansion with a ``cycle`` step instead of looping.
* **Slice order** (:attr:`Facts.slice_order`): dependency order (``after``,
  both kinds), declaration order among independent slices; slices left on a
  dependency cycle (PC301) follow in declaration order.  O(n log n).
* **Work** (:attr:`Facts.agent_activities`, :attr:`Facts.staffed_slices`,
  :meth:`Facts.step_slices`): the slices and stage steps each agent executes,
  and which slices some agent carries out; :attr:`Facts.slices_executed_by` and
  :attr:`Facts.steps_executed_by`, the same per agent with the role it acts as (a
  slice or step naming a role bound to the agent is the agent's);
  :attr:`Facts.slices_naming`, the slices that name an agent or role as written.
* **Lookups** (:attr:`Facts.slices`, :attr:`Facts.gates`): the first declaration
  of each id, built once; the emitters use them instead of ``rb.slice``/``rb.gate``,
  whose index is rebuilt on every miss.
"""

from __future__ import annotations

import heapq
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

from phasec.compiler import ir

DEFAULT_RUNNER = "npm run"


@dataclass(frozen=True)
class GateStep:
    """One step of a gate run.

    ``kind`` is ``run`` (``text`` is the command), ``check`` (a manual check:
    ``text`` is its description), ``unknown`` (a reference to an undeclared
    gate, PC202) or ``cycle`` (the expansion stopped at a composition cycle,
    PC703: ``text`` is the cycle).  ``gate`` is the gate the step comes from
    (``inline`` for an inline command of a slice binding).
    """

    kind: str
    gate: str
    text: str


def facts(rb: ir.Runbook) -> Facts:
    """The facts of ``rb``, computed on first use and kept on the IR object itself (a private
    attribute), so they live exactly as long as the runbook: no global cache to leak from."""
    f = rb._facts
    if f is None:
        f = rb._facts = Facts(rb)
    return f


def unique_by_id(items: list) -> list:
    """The first declaration of each id (duplicates are PC201 errors)."""
    seen: set[str] = set()
    out = []
    for i in items:
        if i.id not in seen:
            seen.add(i.id)
            out.append(i)
    return out


def topo_order(items: list, key: Callable, deps: Callable) -> list:
    """Kahn's algorithm with ties broken by position in ``items``; O((n + e) log n).

    Items left on a cycle (an error the rules report) follow in source order:
    when nothing is ready, the earliest remaining item is taken.
    """
    keys = [key(i) for i in items]
    index = {k: n for n, k in enumerate(keys)}
    dependents: list[list[int]] = [[] for _ in items]
    waiting = [0] * len(items)
    for n, i in enumerate(items):
        for d in {d for d in deps(i) if d in index and d != keys[n]}:
            dependents[index[d]].append(n)
            waiting[n] += 1
    ready = [n for n in range(len(items)) if waiting[n] == 0]
    heapq.heapify(ready)
    done = [False] * len(items)
    order: list = []
    scan = 0  # the earliest item that may not be done yet
    while len(order) < len(items):
        if ready:
            n = heapq.heappop(ready)
            if done[n]:
                continue
        else:
            while done[scan]:
                scan += 1
            n = scan
        done[n] = True
        order.append(items[n])
        for m in dependents[n]:
            waiting[m] -= 1
            if waiting[m] == 0 and not done[m]:
                heapq.heappush(ready, m)
    return order


class StatementMemo:
    """Values derived from one top-level statement of the syntax tree (or one IR node) alone, reused
    across versions; and what the graph layer and ``RuleContext.across_versions`` keep from the last
    version (each with what it was computed from).

    The language server keeps the top-level statements an edit did not touch as
    the very same objects (phasec/lsp/incremental.py); what a helper derives
    from such a statement alone (the path mentions in its strings, the index of
    the statements under it) is then what the previous version derived.  An
    entry is keyed by ``id(statement)`` and holds the statement itself, and a
    hit requires the very same object, so an id reused by another object can
    never return a stale value.  Statements are never mutated after parsing.

    A document analysed once (``phasec lint``) has no memo: :func:`statement_memo`
    returns None and the helpers compute directly.  The server gives each version
    its own memo seeded with the previous one (:meth:`next`), so entries live as
    long as their statement is in the current version.
    """

    def __init__(self, previous: StatementMemo | None = None):
        self._previous = previous._entries if previous is not None else {}
        self._entries: dict[int, tuple[object, dict]] = {}
        #: (the gates, their composition cycles) of the last version whose gate cycles were
        #: computed (:meth:`phasec.compiler.graph.RunbookGraph.gate_cycles`), carried forward.
        self.gate_cycles: tuple | None = previous.gate_cycles if previous is not None else None
        #: (key, what was computed for it) of the activity graph of the last version that built
        #: one (:attr:`phasec.compiler.graph.RunbookGraph._activity_store`), carried forward.
        self.activity: tuple | None = previous.activity if previous is not None else None
        #: (key, {slice: its descendants}) of the slice reachability (``RunbookGraph._reach_store``).
        self.reach: tuple | None = previous.reach if previous is not None else None
        #: per (rule code, name): (nodes, values, result) of ``RuleContext.across_versions``, the latest.
        self.results: dict = dict(previous.results) if previous is not None else {}
        #: per name: (the top-level statements, their values) of :meth:`per_statement`, the latest.
        self.lists: dict = dict(previous.lists) if previous is not None else {}

    def get(self, st, name: str, compute: Callable):
        """``compute(st)``, or the value computed for the very same statement before."""
        values = self.values_of(st)
        if name not in values:
            values[name] = compute(st)
        return values[name]

    def values_of(self, st) -> dict:
        """The values kept for the very same ``st`` (a statement or an IR node), to read and fill."""
        e = self._entries.get(id(st))
        if e is None or e[0] is not st:
            p = self._previous.get(id(st))
            # The previous version's entry itself: its values are functions of ``st`` (and of the
            # ``env`` token stored with each of ``RuleContext.per_node``), true in any version.
            e = p if p is not None and p[0] is st else (st, {})
            self._entries[id(st)] = e
        return e[1]

    def per_statement(self, statements: list, name: str, compute: Callable) -> list:
        """``[self.get(st, name, compute) for st in statements]``, cheaper: a statement that is the very
        object at the same position in the list of the last call is given the value computed for it
        then, with one identity check (an edit in place keeps every other top-level statement where it
        was); the others go through :meth:`get`, the previous list's values found by identity too."""
        last = self.lists.get(name)
        if last is not None and len(last[0]) == len(statements):
            old, values = last
            out = [v if a is b else self.get(b, name, compute) for a, b, v in zip(old, statements, values, strict=True)]
        else:
            kept = {id(a): (a, v) for a, v in zip(*last, strict=True)} if last is not None else {}
            out = []
            for st in statements:
                e = kept.get(id(st))
                out.append(e[1] if e is not None and e[0] is st else self.get(st, name, compute))
        self.lists[name] = (list(statements), out)
        return out

    def seal(self) -> None:
        """Forget the previous version's entries (once the analysis that reads them is done)."""
        self._previous = {}

    def next(self) -> StatementMemo:
        """An empty memo for the next version, reusing this one's entries."""
        return StatementMemo(self)


def statement_memo(doc) -> StatementMemo | None:
    """The memo the language server attached to ``doc`` (its ``statement_memo`` attribute), if any."""
    return getattr(doc, "statement_memo", None) if doc is not None else None


class Facts:
    """The derived facts of one runbook; every property is computed once."""

    def __init__(self, rb: ir.Runbook):
        # A weak reference: the runbook holds its facts (``rb._facts``), and a strong
        # reference back would make every runbook a reference cycle that only the cyclic
        # collector frees (linting 200 files kept each IR alive until a collection).
        self._rb = weakref.ref(rb)
        self._expansions: dict[tuple[str, Callable], list[GateStep]] = {}

    @property
    def rb(self) -> ir.Runbook:
        """The runbook these facts are of (it must still be alive: facts are read through it)."""
        rb = self._rb()
        if rb is None:
            raise ReferenceError("the runbook of these facts no longer exists")
        return rb

    # -- scripts and gates -------------------------------------------------
    @cached_property
    def runner(self) -> str:
        """How scripts run (`scripts { runner ... }`), ``npm run`` when the runbook does not say."""
        rb = self.rb
        return rb.scripts.runner if rb.scripts and rb.scripts.runner else DEFAULT_RUNNER

    @cached_property
    def per_commit_cadence(self) -> ir.Cadence | None:
        """The cadence that runs with every commit, the one the baseline must be in: the
        cadence named ``quick`` if there is one, else the first cadence declared."""
        cadences = self.rb.cadences
        return next((c for c in cadences if c.id == "quick"), cadences[0] if cadences else None)

    @cached_property
    def gates(self) -> dict[str, ir.Gate]:
        """Gates by id (the first declaration of each)."""
        return {g.id: g for g in unique_by_id(self.rb.gates)}

    def invocation(self, g: ir.Gate, quote: Callable[[str], str] = str) -> str | None:
        """``<runner> <script>`` for a gate with a script, else None."""
        return f"{self.runner} {quote(g.script)}" if g.kind == "gate" and g.script else None

    @staticmethod
    def has_body(g: ir.Gate) -> bool:
        """The gate has a ``run`` command or ``use``s a gate (PC702 reports a gate with neither and no script)."""
        return any((st.kind == "run" and st.command) or (st.kind == "use" and st.gates) for st in g.steps)

    def runs_nothing(self, g: ir.Gate) -> bool:
        """A ``gate`` (not a check) with no script and no body (PC702)."""
        return g.kind == "gate" and not g.script and not self.has_body(g)

    @staticmethod
    def check_text(g: ir.Gate) -> str:
        """What a manual check says: its title, else its first command, else its id."""
        if g.title:
            return g.title
        for st in g.steps:
            if st.kind == "run" and st.command:
                return st.command
        return g.id

    def expand_gate(self, gate_id: str, quote: Callable[[str], str] = str) -> list[GateStep]:
        """The steps a named gate runs, in order (see the module docstring); ``quote`` is applied to script names."""
        return list(self._expand(gate_id, quote, ()))

    def flatten_gate(self, g: ir.Gate) -> list[GateStep]:
        """Everything a gate ultimately runs: like :meth:`gate_body`, but a used scripted suite
        whose body the runbook defines is replaced by that body (what its script runs)."""
        return self._body(g, str, (g.id,), True)

    def _expand(
        self, gate_id: str, quote: Callable[[str], str], stack: tuple[str, ...], deep: bool = False
    ) -> list[GateStep]:
        g = self.gates.get(gate_id)
        if g is None:
            return [GateStep("unknown", gate_id, f"unknown gate `{gate_id}`")]
        if g.kind == "check":
            return [GateStep("check", g.id, self.check_text(g))]
        if g.script and not (deep and self.has_body(g)):
            return [GateStep("run", g.id, f"{self.runner} {quote(g.script)}")]
        if gate_id in stack:
            cycle = stack[stack.index(gate_id) :] + (gate_id,)
            return [GateStep("cycle", gate_id, " -> ".join(cycle))]
        if stack:
            return self._body(g, quote, stack + (gate_id,), deep)
        key = (gate_id, quote)
        hit = self._expansions.get(key)
        if hit is None:
            hit = self._expansions[key] = self._body(g, quote, (gate_id,))
        return hit

    def gate_body(self, g: ir.Gate, quote: Callable[[str], str] = str) -> list[GateStep]:
        """A gate's own steps, each used gate expanded (the definition of a scripted suite)."""
        return self._body(g, quote, (g.id,))

    def gate_body_by_step(self, g: ir.Gate, quote: Callable[[str], str] = str) -> list[tuple[str | None, GateStep]]:
        """:meth:`gate_body` with, for each step, the gate the body names directly (None for its own commands)."""
        out: list[tuple[str | None, GateStep]] = []
        for st in g.steps:
            if st.kind == "run":
                if st.command:
                    out.append((None, GateStep("run", g.id, st.command)))
                continue
            for ref in st.gates:
                out.extend((ref.id, s) for s in self._expand(ref.id, quote, (g.id,)))
        return out

    def _body(
        self, g: ir.Gate, quote: Callable[[str], str], stack: tuple[str, ...], deep: bool = False
    ) -> list[GateStep]:
        out: list[GateStep] = []
        for st in g.steps:
            if st.kind == "run":
                if st.command:
                    out.append(GateStep("run", g.id, st.command))
                continue
            for ref in st.gates:
                out.extend(self._expand(ref.id, quote, stack, deep))
        return out

    def binding_steps(self, b: ir.GateBinding, quote: Callable[[str], str] = str) -> list[GateStep]:
        """The steps of one `gate CADENCE ...` binding: inline commands and expanded named gates."""
        steps: list[GateStep] = []
        for item in b.items:
            if item.command is not None:
                steps.append(GateStep("run", "inline", item.command))
            elif item.gate is not None:
                steps.extend(self.expand_gate(item.gate.id, quote))
        return steps

    def gate_closure(self, roots: list[str]) -> set[str]:
        """``roots`` and every declared gate they use, transitively (cycle-safe)."""
        seen: set[str] = set()
        stack = list(roots)
        while stack:
            gid = stack.pop()
            if gid in seen:
                continue
            seen.add(gid)
            g = self.gates.get(gid)
            if g is not None:
                stack.extend(ref.id for st in g.steps for ref in st.gates if ref.id in self.gates)
        return seen

    @cached_property
    def run_roots(self) -> frozenset[str]:
        """The gates named where something runs them: a slice's gate bindings, triggers and
        ``starts_after``, the exit's and the baseline's (the roots of :attr:`run_gates`)."""
        rb = self.rb
        roots = {i.gate.id for s in rb.slices for b in s.gates for i in b.items if i.gate is not None}
        roots.update(t.gate.id for s in rb.slices for t in s.triggers if t.gate is not None)
        roots.update(r.id for s in rb.slices for r in s.starts_after)
        if rb.exit:
            roots.update(r.id for r in rb.exit.gates)
        if rb.baseline:
            roots.update(r.id for r in rb.baseline.gates)
        return frozenset(roots)

    @cached_property
    def run_gates(self) -> set[str]:
        """The gates something runs: those a slice binds, a trigger or a ``starts_after`` names,
        the exit's and the baseline's (:attr:`run_roots`), and every gate they use (transitively).
        A declared gate outside it runs nowhere (PC713; the gates document lists it)."""
        return self.gate_closure(sorted(self.run_roots))

    # -- slices ------------------------------------------------------------
    @cached_property
    def slices(self) -> dict[str, ir.Slice]:
        """Slices by id (the first declaration of each)."""
        return {s.id: s for s in unique_by_id(self.rb.slices)}

    @cached_property
    def slice_order(self) -> list[ir.Slice]:
        """Slices in dependency order (see the module docstring)."""
        return topo_order(list(self.slices.values()), lambda s: s.id, lambda s: [d.slice.id for d in s.after])

    @cached_property
    def slice_position(self) -> dict[str, int]:
        return {s.id: n for n, s in enumerate(self.slice_order)}

    @cached_property
    def slices_naming(self) -> dict[str, list[ir.Slice]]:
        """Per id written in a slice's ``agent`` (an agent or a role, as written), the slices naming it,
        in slice order, each once."""
        out: dict[str, list[ir.Slice]] = {}
        for s in self.slice_order:
            for rid in dict.fromkeys(r.id for r in s.agents):
                out.setdefault(rid, []).append(s)
        return out

    @cached_property
    def dependents(self) -> dict[str, list[tuple[ir.Slice, ir.Dependency]]]:
        """Per slice id, the slices that wait for it (``after``) with the dependency, in slice order."""
        out: dict[str, list[tuple[ir.Slice, ir.Dependency]]] = {}
        for s in self.slice_order:
            for dep in s.after:
                out.setdefault(dep.slice.id, []).append((s, dep))
        return out

    # -- artifacts ---------------------------------------------------------
    @cached_property
    def artifact_paths(self) -> dict[str, str]:
        """Per artifact id (first declaration), its path: ``<outputs root>/<name>``."""
        out: dict[str, str] = {}
        for o in self.rb.outputs:
            for a in o.artifacts:
                out.setdefault(a.id, f"{o.root.rstrip('/')}/{a.name}" if o.root else a.name)
        return out

    @cached_property
    def artifacts_by_producer(self) -> dict[str, list[tuple[ir.Outputs, ir.Artifact]]]:
        """Per producer id (a slice or a stage), its artifacts with their outputs block, in declaration order."""
        out: dict[str, list[tuple[ir.Outputs, ir.Artifact]]] = {}
        for o in self.rb.outputs:
            for a in o.artifacts:
                if a.producer is not None:
                    out.setdefault(a.producer.id, []).append((o, a))
        return out

    @cached_property
    def producing_steps(self) -> dict[str, list[tuple[ir.Stage, ir.Step]]]:
        """Per artifact id, the stage steps that name it in ``produces`` (each step once)."""
        out: dict[str, list[tuple[ir.Stage, ir.Step]]] = {}
        for st in self.rb.stages:
            for step in st.steps:
                for aid in dict.fromkeys(r.id for r in step.produces):
                    out.setdefault(aid, []).append((st, step))
        return out

    def precondition_slices(self, s: ir.Slice) -> list[tuple[str, ir.Ref]]:
        """`starts_after G`: (the declared slice that brings gate G into existence, the reference),
        for each precondition gate that has one; that slice finishes before ``s`` starts."""
        out = []
        for ref in s.starts_after:
            gate = self.gates.get(ref.id)
            if gate is not None and gate.defined_by is not None and gate.defined_by.id in self.slices:
                out.append((gate.defined_by.id, ref))
        return out

    # -- work --------------------------------------------------------------
    @cached_property
    def _stage_only(self) -> dict[str, list[str]]:
        """Per stage, the declared slices it covers."""
        return {st.id: [r.id for r in st.covers if r.id in self.slices] for st in self.rb.stages}

    def step_slices(self, stage: ir.Stage, step: ir.Step) -> list[str]:
        """The slices a stage step carries out: its ``for`` slices; in a stage that covers
        exactly one slice and names none, that slice."""
        only = self._stage_only.get(stage.id, [])
        return [r.id for r in step.slices] or (only if len(only) == 1 else [])

    @cached_property
    def agent_activities(self) -> dict[str, list[tuple]]:
        """Per agent (declared ones first, each listed even when idle), the activity-graph nodes it executes:
        ``("begin", slice)`` and ``("slice", slice)`` for its slices, ``("step", stage, n)`` for its steps."""
        out: dict[str, list[tuple]] = {a.id: [] for a in self.rb.agents()}
        for s in self.rb.slices:
            for ref in s.agents:
                agent = self.acting_agent(ref)
                if agent is not None:
                    out.setdefault(agent, []).extend([("begin", s.id), ("slice", s.id)])
        for st in self.rb.stages:
            for step in st.steps:
                for ref in step.agents:
                    agent = self.acting_agent(ref)
                    if agent is not None:
                        out.setdefault(agent, []).append(("step", st.id, step.number))
        return {k: sorted(set(v), key=str) for k, v in out.items()}

    @cached_property
    def _agent_ids(self) -> set[str]:
        return {a.id for a in self.rb.agents()}

    @cached_property
    def _roles(self) -> dict[str, ir.Role]:
        return {r.id: r for r in reversed(self.rb.roles)}

    def acting_agent(self, ref: ir.Ref) -> str | None:
        """The agent a slice's `agent` or a step's `by` names: the agent itself, or the agent a role is
        bound to (a role with no agent, such as the orchestrator, takes no slot of the team)."""
        if ref.id in self._agent_ids:
            return ref.id
        role = self._roles.get(ref.id)
        if role is not None and "role" in ref.kind.split("|"):
            return role.agent.id if role.agent is not None else None
        return ref.id  # unknown (PC202): count it as written

    @cached_property
    def slices_executed_by(self) -> dict[str, list[tuple[ir.Slice, str | None]]]:
        """Per agent (as :meth:`acting_agent` resolves a slice's ``agent``), the slices it executes,
        in slice order, each once, with the role it executes the slice as (``None`` when the slice
        names the agent itself)."""
        out: dict[str, dict[str, tuple[ir.Slice, str | None]]] = {}
        for s in self.slice_order:
            for ref in s.agents:
                agent = self.acting_agent(ref)
                if agent is None:
                    continue
                mine = out.setdefault(agent, {})
                via = None if ref.id == agent else ref.id
                if s.id not in mine or (via is None and mine[s.id][1] is not None):
                    mine[s.id] = (s, via)
        return {a: list(v.values()) for a, v in out.items()}

    @cached_property
    def steps_executed_by(self) -> dict[str, list[tuple[ir.Stage, ir.Step, str | None]]]:
        """Per agent (as :meth:`acting_agent` resolves a step's ``by``), the stage steps it executes,
        in declaration order, each once, with the role it executes the step as (``None`` when the
        step names the agent itself)."""
        out: dict[str, dict[int, tuple[ir.Stage, ir.Step, str | None]]] = {}
        for st in self.rb.stages:
            for step in st.steps:
                for ref in step.agents:
                    agent = self.acting_agent(ref)
                    if agent is None:
                        continue
                    mine = out.setdefault(agent, {})
                    via = None if ref.id == agent else ref.id
                    if id(step) not in mine or (via is None and mine[id(step)][2] is not None):
                        mine[id(step)] = (st, step, via)
        return {a: list(v.values()) for a, v in out.items()}

    @cached_property
    def working_agents(self) -> set[str]:
        """Agents that execute at least one slice or step."""
        return {a for a, acts in self.agent_activities.items() if acts}

    @cached_property
    def staffed_slices(self) -> set[str]:
        """Slices some agent carries out: named with ``agent``, or by a stage step with ``by`` agents."""
        out = {s.id for s in self.rb.slices if s.agents}
        for st in self.rb.stages:
            for step in st.steps:
                if step.agents:
                    out.update(self.step_slices(st, step))
        return out
