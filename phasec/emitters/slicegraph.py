"""The slice dependency graph as Mermaid, Graphviz DOT or JSON (`phasec graph`).

Not an emitter of the packet (no ``EMITTER``): ``phasec graph`` prints it.

* Nodes are the slices, in runbook order, grouped by the stage that covers them
  (Mermaid ``subgraph``, DOT ``cluster_*``, JSON ``stages``); slices no stage
  covers are drawn outside any group.
* An edge ``A -> B`` means B waits for A (``after A`` in slice B).
* Conditional slices are drawn dashed; ``if_triggered`` edges are dashed and
  labelled ``if triggered``.
* Edges on a dependency cycle are highlighted in red (Mermaid ``linkStyle``,
  DOT ``color=red``, JSON ``"in_cycle": true``); the graph renders even then.

Output is deterministic: stages in stage order, slices and edges in source order.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from phasec.compiler import ir

FORMATS = ("mermaid", "dot", "json")


@dataclass
class GEdge:
    before: str
    after: str
    if_triggered: bool
    in_cycle: bool
    line: int
    column: int


@dataclass
class GModel:
    phase: str | None
    title: str | None
    source: str
    slices: list[ir.Slice]
    stages: list[tuple[ir.Stage, list[str]]]  # stages that cover slices, with their slice ids
    unstaged: list[str]
    edges: list[GEdge]
    cycles: list[list[str]] = field(default_factory=list)


def model(rb: ir.Runbook) -> GModel:
    from phasec.compiler.graph import RunbookGraph

    g = RunbookGraph(rb)
    on_cycle = g.slice_cycle_edges()
    known = {s.id for s in rb.slices}
    seen: set[str] = set()
    slices = []
    for s in rb.slices:  # duplicates are PC201 errors; keep the first
        if s.id not in seen:
            seen.add(s.id)
            slices.append(s)
    stage_ids = {st.id for st in rb.stages}
    members: dict[str, list[str]] = {}
    unstaged = []
    for s in slices:
        if s.stage is not None and s.stage in stage_ids:
            members.setdefault(s.stage, []).append(s.id)
        else:
            unstaged.append(s.id)
    stages = []
    done: set[str] = set()
    for st in rb.stages:
        if st.id in members and st.id not in done:
            done.add(st.id)
            stages.append((st, members[st.id]))
    edges = []
    for s in slices:
        for d in s.after:
            if d.slice.id in known:
                edges.append(
                    GEdge(
                        d.slice.id,
                        s.id,
                        d.if_triggered,
                        (d.slice.id, s.id) in on_cycle,
                        d.span.line,
                        d.span.column,
                    )
                )
    cycles = []
    for cyc in g.slice_cycles():
        cycles.append([e.before for e in cyc] + [cyc[0].before])
    phase = rb.phase
    return GModel(
        phase.id if phase else None, phase.title if phase else None, rb.path, slices, stages, unstaged, edges, cycles
    )


def render(rb: ir.Runbook, fmt: str) -> str:
    m = model(rb)
    if fmt == "mermaid":
        return mermaid(m)
    if fmt == "dot":
        return dot(m)
    if fmt == "json":
        return as_json(m)
    raise ValueError(f"unknown graph format {fmt!r}; expected one of {', '.join(FORMATS)}")


# -- Mermaid ------------------------------------------------------------------


def _mermaid_ids(names: list[str], prefix: str) -> dict[str, str]:
    out: dict[str, str] = {}
    used: set[str] = set()
    for n in names:
        base = prefix + re.sub(r"[^A-Za-z0-9_]", "_", n)
        cand, k = base, 2
        while cand in used:
            cand, k = f"{base}_{k}", k + 1
        used.add(cand)
        out[n] = cand
    return out


def _mermaid_text(text: str) -> str:
    """A label inside "...": Mermaid entity codes for the characters it would read."""
    repl = {'"': "#quot;", "<": "#lt;", ">": "#gt;", "`": "#96;", "#": "#35;"}
    return "".join(repl.get(c, c) for c in text.replace("\n", " "))


def mermaid(m: GModel) -> str:
    ids = _mermaid_ids([s.id for s in m.slices], "s_")
    sids = _mermaid_ids([st.id for st, _ in m.stages], "stage_")
    by_id = {s.id: s for s in m.slices}
    lines = []
    if m.phase is not None:
        lines += ["---", f"title: {json.dumps(f'Phase {m.phase}: slice dependencies', ensure_ascii=False)}", "---"]
    lines.append("flowchart TD")

    def node(sid: str, indent: str) -> str:
        s = by_id[sid]
        label = f"{s.id}: {s.title}" + (" (conditional)" if s.conditional else " (branching)" if s.branching else "")
        shape = f'{ids[sid]}["{_mermaid_text(label)}"]'
        return indent + shape + (":::conditional" if s.conditional else "")

    for st, members in m.stages:
        lines.append(f'  subgraph {sids[st.id]}["{_mermaid_text(f"Stage {st.id}: {st.title}")}"]')
        lines += [node(sid, "    ") for sid in members]
        lines.append("  end")
    lines += [node(sid, "  ") for sid in m.unstaged]
    red = []
    for i, e in enumerate(m.edges):
        arrow = "-. if triggered .->" if e.if_triggered else "-->"
        lines.append(f"  {ids[e.before]} {arrow} {ids[e.after]}")
        if e.in_cycle:
            red.append(i)
    if any(s.conditional for s in m.slices):
        lines.append("  classDef conditional stroke-dasharray: 5 5")
    if red:
        for cyc in m.cycles:
            lines.append(f"  %% dependency cycle: {' -> '.join(cyc)}")
        lines.append(f"  linkStyle {','.join(map(str, red))} stroke:#d00,stroke-width:3px,color:#d00")
    return "\n".join(lines) + "\n"


# -- Graphviz DOT ---------------------------------------------------------------


def _dot_str(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def dot(m: GModel) -> str:
    by_id = {s.id: s for s in m.slices}
    name = f"phase {m.phase}" if m.phase is not None else "runbook"
    lines = [f"digraph {_dot_str(name)} {{"]
    if m.title:
        lines.append(f"  label={_dot_str(m.title)};")
        lines.append("  labelloc=t;")
    lines.append("  rankdir=TB;")
    lines.append('  node [shape=box, fontname="Helvetica"];')

    def node(sid: str, indent: str) -> str:
        s = by_id[sid]
        attrs = [f"label={_dot_str(s.id + chr(10) + s.title)}"]
        if s.conditional:
            attrs.append("style=dashed")
            attrs.append("tooltip=" + _dot_str("conditional slice"))
        elif s.branching:
            attrs.append("tooltip=" + _dot_str("branching slice: always runs, its outcome branches"))
        return f"{indent}{_dot_str(sid)} [{', '.join(attrs)}];"

    for k, (st, members) in enumerate(m.stages):
        lines.append(f"  subgraph {_dot_str(f'cluster_{k}_{st.id}')} {{")
        lines.append(f"    label={_dot_str(f'Stage {st.id}: {st.title}')};")
        lines += [node(sid, "    ") for sid in members]
        lines.append("  }")
    lines += [node(sid, "  ") for sid in m.unstaged]
    for e in m.edges:
        attrs = []
        if e.if_triggered:
            attrs += ["style=dashed", 'label="if triggered"']
        if e.in_cycle:
            attrs += ["color=red", "fontcolor=red", "penwidth=2"]
        tail = f" [{', '.join(attrs)}]" if attrs else ""
        lines.append(f"  {_dot_str(e.before)} -> {_dot_str(e.after)}{tail};")
    lines.append("}")
    return "\n".join(lines) + "\n"


# -- JSON -----------------------------------------------------------------------


def as_json(m: GModel) -> str:
    data = {
        "phase": m.phase,
        "source": m.source,
        "stages": [{"id": st.id, "title": st.title, "slices": members} for st, members in m.stages],
        "nodes": [
            {
                "id": s.id,
                "title": s.title,
                "conditional": s.conditional,
                "branching": s.branching,
                "stage": s.stage if s.id not in m.unstaged else None,
            }
            for s in m.slices
        ],
        "edges": [
            {
                "from": e.before,
                "to": e.after,
                "if_triggered": e.if_triggered,
                "in_cycle": e.in_cycle,
                "line": e.line,
                "column": e.column,
            }
            for e in m.edges
        ],
        "cycles": m.cycles,
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
