"""PC501-PC503 against an independent oracle.

The oracle does not use phasec's graph layer (nor anything it uses): the
hypothesis strategy draws a *model* of a runbook (agents, slices, stages with
steps, parallel groups, checkpoints, guards, `for`, `after ... if_triggered`,
`release_after`), renders it as text, and the oracle reads the model only.

The oracle implements the semantics written in `phasec explain PC501`:

* every activity (a slice, a step/checkpoint/guard) is an interval with a start
  and an end event; a stage has a start and an end event too;
* order: stages in sequence (each step of a stage lies inside it); steps of
  a stage in sequence except inside a `parallel` group; `after` (either kind);
  a step `for C` lies inside slice C; in a stage that covers exactly one slice,
  every step without `for` lies inside that slice; a slice lies inside the span
  of stages from the first to the last stage that covers it or has a step for it
  (language v2: a planning slice closed by a later drift-check stage);
* an execution state is a set of events that have happened, closed under the
  order (a down-set); the oracle enumerates every reachable state by brute force;
* an agent is active in a state when one of its activities has started and
  not all of them have ended, or, with `release_after P`, when one has started
  and P has not ended.

The width is the largest number of agents active in one state.  The
implementation is documented as exact when every agent's work is totally
ordered (PC502 reports the agents whose work is not); there the reported width
must equal the oracle's.  Everywhere the tests check what the documentation
promises: PC502 names exactly the agents with unordered work, PC503 fires for
work that must start after the release, and a cyclic order silences the rules.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from phasec.compiler.pipeline import analyze

MAX_STATES = 300_000
# benchmarks/mutation.py lowers this so a mutant costs seconds.
EXAMPLES = int(os.environ.get("PHASEC_ORACLE_EXAMPLES", "400"))


# -- the model and its text ----------------------------------------------------------------


@dataclass
class Step:
    kind: str  # step | checkpoint | guard
    by: list[str]
    for_: list[str]


@dataclass
class Stage:
    id: str
    covers: list[str]
    units: list[list[Step]]  # a unit of one step, or a parallel group
    parallel: list[bool]


@dataclass
class Slice:
    id: str
    agents: list[str]
    after: list[str]
    if_triggered: bool


@dataclass
class Model:
    agents: list[str]
    release: dict[str, str]
    slices: list[Slice]
    stages: list[Stage]
    extra: dict = field(default_factory=dict)

    def text(self) -> str:
        out = ['phase C "T" {\n  posture forward_only\n}\n', "team {\n  max_active 0\n"]
        for a in self.agents:
            rel = f" release_after {self.release[a]}" if a in self.release else ""
            out.append(f'  agent {a} "{a}"{rel}\n')
        out.append("}\n")
        for sg in self.stages:
            out.append(f'stage {sg.id} "s{sg.id}" {{\n')
            if sg.covers:
                out.append("  covers " + " ".join(sg.covers) + "\n")
            for unit, par in zip(sg.units, sg.parallel, strict=True):
                ind = "    " if par else "  "
                if par:
                    out.append("  parallel {\n")
                for s in unit:
                    if s.kind == "guard":
                        out.append(f'{ind}guard "g"\n')
                        continue
                    by = (" by " + " ".join(s.by)) if s.by else ""
                    fr = (" for " + " ".join(s.for_)) if s.for_ else ""
                    out.append(f'{ind}{s.kind} "x"{by}{fr}\n')
                if par:
                    out.append("  }\n")
            out.append("}\n")
        for s in self.slices:
            out.append(f'slice {s.id} "s" {{\n')
            if s.agents:
                out.append("  agent " + " ".join(s.agents) + "\n")
            if s.after:
                out.append("  after " + " ".join(s.after) + (" if_triggered" if s.if_triggered else "") + "\n")
            out.append("}\n")
        return "".join(out)


@st.composite
def models(draw) -> Model:
    agents = [f"A{i}" for i in range(draw(st.integers(1, 5)))]
    agent_sets = st.lists(st.sampled_from(agents), max_size=2, unique=True).map(sorted)
    n_stages = draw(st.integers(0, 3))
    n_slices = draw(st.integers(0, 5))
    # Covered slices get non-decreasing stages along the declaration (and
    # dependency) order, so most runbooks are acyclic; `for` can still make cycles.
    where = sorted(draw(st.lists(st.integers(0, max(n_stages - 1, 0)), min_size=n_slices, max_size=n_slices)))
    covered = [draw(st.booleans()) if n_stages else False for _ in range(n_slices)]
    # Names in a random order, so that the order of ids says nothing about the order of work.
    names = [f"C{k}" for k in draw(st.permutations(range(1, n_slices + 1)))]
    slices = []
    for i in range(n_slices):
        after = sorted(draw(st.sets(st.integers(0, i - 1), max_size=2))) if i else []
        slices.append(
            Slice(
                names[i],
                draw(agent_sets),
                [names[d] for d in after],
                bool(after) and draw(st.booleans()),
            )
        )
    stages = []
    for k in range(n_stages):
        covers = [s.id for s, w, c in zip(slices, where, covered, strict=True) if c and w == k]
        # `for` targets: mostly this stage's slices or uncovered ones, sometimes any.
        near = covers + [s.id for s, c in zip(slices, covered, strict=True) if not c]
        units, par = [], []
        for _ in range(draw(st.integers(0, 3))):
            group = draw(st.booleans())
            steps = []
            for _ in range(draw(st.integers(2, 3)) if group else 1):
                kind = "step" if group else draw(st.sampled_from(["step", "step", "checkpoint", "guard"]))
                pool = near if near and draw(st.integers(0, 4)) else [s.id for s in slices]
                fr = (
                    sorted(draw(st.lists(st.sampled_from(pool), max_size=1, unique=True)))
                    if pool and kind != "guard"
                    else []
                )
                steps.append(Step(kind, draw(agent_sets) if kind != "guard" else [], fr))
            units.append(steps)
            par.append(group)
        stages.append(Stage(str(k + 1), covers, units, par))
    points = [s.id for s in stages] + [s.id for s in slices]
    release = {}
    if points:
        for a in agents:
            if draw(st.integers(0, 3)) == 0:
                release[a] = draw(st.sampled_from(points))
    return Model(agents, release, slices, stages)


# -- the oracle ------------------------------------------------------------------------------


class Oracle:
    """Events, their order, and the execution states of a model."""

    def __init__(self, m: Model):
        self.n = 0
        self.preds: list[int] = []
        acts: dict[tuple, tuple[int, int]] = {}
        self.acts = acts

        def interval() -> tuple[int, int]:
            s, e = self._event(), self._event()
            self._before(s, e)
            return s, e

        self.label: dict[str, tuple[int, int]] = {}  # how the rules name an activity
        for s in m.slices:
            acts[("slice", s.id)] = self.label[f"slice {s.id}"] = self.label[f"the start of slice {s.id}"] = interval()
        stage_ev = {}
        prev_end = None
        works_in: dict[str, list[int]] = {}  # slice -> indexes of the stages it works in
        for k, sg in enumerate(m.stages):
            ss, se = interval()
            stage_ev[sg.id] = (ss, se)
            if prev_end is not None:
                self._before(prev_end, ss)
            prev_end = se
            inside = []
            for c in sg.covers:
                works_in.setdefault(c, []).append(k)
            prev_unit: list[tuple[int, int]] = []
            only = sg.covers[0] if len(sg.covers) == 1 else None
            number = 0
            for u, unit in enumerate(sg.units):
                cur = []
                for j, step in enumerate(unit):
                    iv = acts[("step", sg.id, u, j)] = interval()
                    number += 1
                    self.label[f"stage {sg.id} step {number}"] = iv
                    cur.append(iv)
                    inside.append(iv)
                    for c in step.for_ or ([only] if only else []):
                        works_in.setdefault(c, []).append(k)
                        cs, ce = acts[("slice", c)]
                        self._before(cs, iv[0])
                        self._before(iv[1], ce)
                for p in prev_unit:
                    for c in cur:
                        self._before(p[1], c[0])
                prev_unit = cur
            for xs, xe in inside:
                self._before(ss, xs)
                self._before(xe, se)
        stages = list(stage_ev.values())
        for c, ks in works_in.items():
            cs, ce = acts[("slice", c)]
            self._before(stages[min(ks)][0], cs)
            self._before(ce, stages[max(ks)][1])
        for s in m.slices:
            for d in s.after:
                self._before(acts[("slice", d)][1], acts[("slice", s.id)][0])
        # Agents: their activities and release events.
        self.work: dict[str, list[tuple[int, int]]] = {a: [] for a in m.agents}
        for s in m.slices:
            for a in s.agents:
                self.work[a].append(acts[("slice", s.id)])
        for sg in m.stages:
            for u, unit in enumerate(sg.units):
                for j, step in enumerate(unit):
                    for a in step.by:
                        self.work[a].append(acts[("step", sg.id, u, j)])
        self.release: dict[str, int] = {}
        for a, p in m.release.items():
            self.release[a] = stage_ev[p][1] if p in stage_ev else acts[("slice", p)][1]
        self.anc = self._ancestors()

    def _event(self) -> int:
        self.preds.append(0)
        self.n += 1
        return self.n - 1

    def _before(self, a: int, b: int) -> None:
        self.preds[b] |= 1 << a

    def _ancestors(self) -> list[int] | None:
        """anc[e]: the events that must happen before e; None when the order is cyclic."""
        anc: list[int | None] = [None] * self.n
        left = set(range(self.n))
        while left:
            ready = [e for e in left if all(anc[p] is not None for p in _bits(self.preds[e]))]
            if not ready:
                return None
            for e in ready:
                v = 0
                for p in _bits(self.preds[e]):
                    v |= anc[p] | (1 << p)
                anc[e] = v
                left.discard(e)
        return anc  # type: ignore[return-value]

    def le(self, a: int, b: int) -> bool:
        """Event a must happen before event b."""
        return bool(self.anc[b] >> a & 1)

    def states(self):
        """Every execution state (down-set of events), by breadth-first search."""
        seen = {0}
        todo = [0]
        while todo:
            cur = todo.pop()
            yield cur
            for e in range(self.n):
                if not cur >> e & 1 and self.preds[e] & ~cur == 0:
                    nxt = cur | (1 << e)
                    if nxt not in seen:
                        seen.add(nxt)
                        todo.append(nxt)
                        if len(seen) > MAX_STATES:
                            raise OverflowError

    def active(self, state: int, agent: str) -> bool:
        work = self.work[agent]
        if not work or not any(state >> s & 1 for s, _ in work):
            return False
        if agent in self.release:
            return not state >> self.release[agent] & 1
        return not all(state >> e & 1 for _, e in work)

    def width(self, agents) -> int:
        return max(sum(self.active(s, a) for a in agents) for s in self.states())

    def overlap_at(self, agents, running) -> bool:
        """Some state has every agent active and every activity running (started, not ended)."""
        return any(
            all(self.active(st_, a) for a in agents) and all(st_ >> s & 1 and not st_ >> e & 1 for s, e in running)
            for st_ in self.states()
        )

    def totally_ordered(self, agent: str) -> bool:
        """Every two activities are in sequence, or one lies inside the other."""
        w = self.work[agent]
        for i, (xs, xe) in enumerate(w):
            for ys, ye in w[i + 1 :]:
                if (xs, xe) == (ys, ye):
                    continue
                seq = self.le(xe, ys) or self.le(ye, xs)
                nested = (self.le(xs, ys) and self.le(ye, xe)) or (self.le(ys, xs) and self.le(xe, ye))
                if not (seq or nested):
                    return False
        return True

    def finishes_before(self, a: str, b: str) -> bool:
        """Every activity of a (or a's release point) must end before any activity of b may start."""
        ends = [self.release[a]] if a in self.release else [e for _, e in self.work[a]]
        return all(self.le(e, s) for e in ends for s, _ in self.work[b])

    def order_width(self, agents: list[str]) -> int:
        """The largest set of agents no two of which finish one before the other (brute force)."""
        best = 0
        for mask in range(1 << len(agents)):
            group = [a for i, a in enumerate(agents) if mask >> i & 1]
            if len(group) > best and not any(self.finishes_before(x, y) for x in group for y in group if x != y):
                best = len(group)
        return best

    def first_start(self, agent: str) -> int:
        starts = [s for s, _ in self.work[agent]]
        (first,) = [s for s in starts if all(s == t or self.le(s, t) for t in starts)]
        return first


def _bits(v: int):
    i = 0
    while v:
        if v & 1:
            yield i
        v >>= 1
        i += 1


# -- the property ----------------------------------------------------------------------------

CAP = re.compile(r"up to (\d+) agents can be active at once, more than max_active 0: (.*) \(they overlap at (.*)\)$")
AGENT = re.compile(r"agent `([^`]+)`")


@settings(
    max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)
@given(models())
def test_agent_cap_rules_match_the_oracle(m):
    text = m.text()
    res = analyze(text, "t.phc")
    front = [(d.code, d.span.line, d.message) for d in res.diagnostics if d.code[:3] in ("PC0", "PC1", "PC2")]
    assert not front, text
    by_code: dict[str, list[str]] = {}
    for d in res.diagnostics:
        by_code.setdefault(d.code, []).append(d.message)
    o = Oracle(m)
    if o.anc is None:
        event("cyclic order")
        # The order has a cycle: the analysis stays silent.
        assert not (by_code.get("PC501") or by_code.get("PC502") or by_code.get("PC503")), text
        # ...but not silently: PC507 reports the cycle once when some agent has work to analyse.
        assert len(by_code.get("PC507", [])) == (1 if any(o.work[a] for a in m.agents) else 0), text
        return
    assert "PC507" not in by_code, text
    working = [a for a in m.agents if o.work[a]]
    # PC502: exactly the agents whose work is not totally ordered.
    unordered = {a for a in working if not o.totally_ordered(a)}
    assert {AGENT.match(msg).group(1) for msg in by_code.get("PC502", [])} == unordered, text
    # PC503: work that must start after the release is reported; an agent whose
    # work all ends by its release is not.
    reported = {AGENT.match(msg).group(1) for msg in by_code.get("PC503", [])}
    for a, r in o.release.items():
        if any(o.le(r, s) for s, _ in o.work[a]):
            assert a in reported, text
        if all(e == r or o.le(e, r) for _, e in o.work[a]):
            assert a not in reported, text
    caps = by_code.get("PC501", [])
    reported_width = int(CAP.match(caps[0]).group(1)) if caps else 0
    # Whenever no agent is released before all of its work, "finishes before" is
    # a strict order and the rule reports its width (the documented definition).
    anchored = all(any(o.le(s, r) for s, _ in o.work[a]) for a, r in o.release.items() if o.work[a])
    if anchored:
        assert reported_width == o.order_width(working), text
    released_before_work = (
        {a for a in working if a in o.release and o.le(o.release[a], o.first_start(a))} if not unordered else set()
    )
    exact = not unordered and not released_before_work
    event("exact (work totally ordered)" if exact else "not exact: PC502/PC503 report it")
    if not exact:
        return
    try:
        width = o.width(working)
    except OverflowError:
        event("too many states for the oracle")
        return
    if width == 0:
        assert caps == [], text
        return
    event(f"width {width}")
    (msg,) = caps
    mt = CAP.match(msg)
    assert mt, msg
    assert int(mt.group(1)) == width, text
    chosen = mt.group(2).split(", ")
    # The named set has `width` agents, all active in one state, while the
    # activities named as the point where they overlap run.
    assert len(chosen) == width and len(set(chosen)) == width
    point = [o.label[p] for p in mt.group(3).split(", ")]
    assert point and o.overlap_at(chosen, point), text


# -- the oracle itself, on hand-checked cases ----------------------------------------------------


def _m(agents, slices=(), stages=(), release=None) -> Model:
    return Model(list(agents), dict(release or {}), list(slices), list(stages))


def test_oracle_parallel_group():
    m = _m(
        ["P1", "P2", "P3"],
        stages=[
            Stage("1", [], [[Step("step", ["P1"], []), Step("step", ["P2"], []), Step("step", ["P3"], [])]], [True])
        ],
    )
    assert Oracle(m).width(m.agents) == 3


def test_oracle_agent_active_between_first_and_last_activity_and_release():
    stages = [
        Stage("1", [], [[Step("step", ["P1"], [])]], [False]),
        Stage("2", [], [[Step("step", ["P2"], [])]], [False]),
        Stage("3", [], [[Step("step", ["P1"], [])]], [False]),
    ]
    assert Oracle(_m(["P1", "P2"], stages=stages)).width(["P1", "P2"]) == 2
    stages[2] = Stage("3", [], [[Step("guard", [], [])]], [False])
    assert Oracle(_m(["P1", "P2"], stages=stages)).width(["P1", "P2"]) == 1
    held = _m(["P1", "P2"], stages=stages, release={"P1": "3"})
    assert Oracle(held).width(["P1", "P2"]) == 2


def test_oracle_step_for_a_slice_lies_inside_it():
    # I1 on C1, I2 on a step for C1: they overlap; a step for C2 (after C1) does not.
    slices = [Slice("C1", ["I1"], [], False), Slice("C2", [], ["C1"], False)]
    inside = _m(["I1", "I2"], slices, [Stage("1", ["C1", "C2"], [[Step("step", ["I2"], ["C1"])]], [False])])
    assert Oracle(inside).width(["I1", "I2"]) == 2
    later = _m(["I1", "I2"], slices, [Stage("1", ["C1", "C2"], [[Step("step", ["I2"], ["C2"])]], [False])])
    assert Oracle(later).width(["I1", "I2"]) == 1


def test_oracle_a_step_for_a_slice_in_another_stage_extends_the_slice():
    # A step for C1 in stage 1 while stage 2 covers C1: C1 spans stages 1-2 (no cycle), so I1 (on C1)
    # and I2 (on the step) overlap, and the rules see it.
    slices = [Slice("C1", ["I1"], [], False)]
    stages = [Stage("1", [], [[Step("step", ["I2"], ["C1"])]], [False]), Stage("2", ["C1"], [], [])]
    m = _m(["I1", "I2"], slices, stages)
    o = Oracle(m)
    assert o.anc is not None and o.width(["I1", "I2"]) == 2
    # The rendered team has max_active 0, so any overlap is reported: width 2.
    found = [d for d in analyze(m.text(), "t.phc").diagnostics if d.code in ("PC501", "PC502", "PC503")]
    assert [d.code for d in found] == ["PC501"] and "up to 2 agents" in found[0].message
