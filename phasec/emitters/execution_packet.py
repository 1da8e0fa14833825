"""PHASE_<ID>_EXECUTION_PACKET.md: the single sequence entrypoint of the phase."""

from __future__ import annotations

import re

from phasec.compiler import ir
from phasec.emitters import EmitOptions
from phasec.emitters import _documents as d
from phasec.emitters.acceptance_gates import conditional_view
from phasec.emitters.workbreakdown import artifact_path

EMITTER = True
TEMPLATE = "EXECUTION_PACKET.md.j2"


def file_view(f: ir.FileRef) -> dict:
    return {"path": f.path, "new": f.new, "optional": f.optional, "dir": f.dir, "note": f.note}


def slice_view(rb: ir.Runbook, s: ir.Slice, options: EmitOptions) -> dict:
    agents = {a.id: a for a in rb.agents()}
    produces = []
    for o, a in d.produced_by(rb, s.id):
        v = d.artifact_view(rb, o, a, options)
        if v is not None:
            produces.append(v)
    return {
        "id": s.id,
        "title": s.title,
        "kind": s.kind,
        "conditional": s.conditional,
        "branching": s.branching,
        "objective": s.objective.text if s.objective else None,
        "agents": [{"id": r.id, "responsibility": agents[r.id].responsibility if r.id in agents else None} for r in s.agents],
        "owner": s.owner.id if s.owner else None,
        "backup": s.backup.id if s.backup else None,
        "after": d.dependencies(rb, s, options),
        "prereqs": [p.text for p in s.prereqs],
        "branch": s.branch,
        "requires": [artifact_path(rb, r) for r in s.requires],
        "implement": d.prose_block(s.implement),
        "files": [file_view(f) for f in s.files],
        "produces": produces,
        "accept": d.flatten(s.accept, text=lambda a: a.text or a.id or ""),
        "lenses": [r.id for r in s.lenses],
        "paths": conditional_view(rb, s, options) if s.outcome_conditional else None,
    }


def mermaid_id(sid: str, taken: set[str]) -> str:
    base = re.sub(r"[^A-Za-z0-9_]", "_", sid)
    if not base or not base[0].isalpha():
        base = "s_" + base
    mid, n = base, 2
    while mid in taken:
        mid, n = f"{base}_{n}", n + 1
    taken.add(mid)
    return mid


def slice_graph(rb: ir.Runbook, order: list[ir.Slice], options: EmitOptions) -> dict:
    taken: set[str] = set()
    ids = {s.id: mermaid_id(s.id, taken) for s in order}
    nodes = [
        {
            "mid": ids[s.id],
            "id": s.id,
            "title": s.title,
            "conditional": s.conditional,
            "branching": s.branching,
            "assumed": d.path_of(options, s),
        }
        for s in order
    ]
    edges = []
    for s in order:
        for dep in d.dependencies(rb, s, options):
            if dep["id"] in ids:
                edges.append({"source": ids[dep["id"]], "target": ids[s.id], "if_triggered": dep["if_triggered"]})
    return {"nodes": nodes, "edges": edges}


def step_node(rb: ir.Runbook, step: ir.Step) -> dict:
    return {
        "kind": step.kind,
        "text": step.text,
        "agents": [r.id for r in step.agents],
        "slices": [r.id for r in step.slices],
        "produces": [artifact_path(rb, r) for r in step.produces],
        "submits": step.submits.id if step.submits else None,
        "children": [d.prose_tree(i) for i in step.items],
    }


def step_targets(st: ir.Stage, step: ir.Step) -> list[str]:
    """The slices a step carries out: its ``for``, or the one slice its stage covers."""
    only = [r.id for r in st.covers]
    return [r.id for r in step.slices] or (only if len(only) == 1 else [])


def stage_nodes(rb: ir.Runbook, st: ir.Stage, keep=lambda step: True) -> list[dict]:
    """A stage's steps as tree nodes; the steps of a parallel group nest under it."""
    nodes: list[dict] = []
    last_group = None
    for step in st.steps:
        if not keep(step):
            last_group = None
            continue
        node = step_node(rb, step)
        if step.group is None:
            nodes.append(node)
        elif step.group == last_group:
            nodes[-1]["children"].append(node)
        else:
            grp = st.groups[step.group] if step.group < len(st.groups) else None
            title = grp.title if grp and grp.title else "In parallel:"
            nodes.append({"kind": "parallel", "text": title, "children": [node]})
        last_group = step.group
    return nodes


def slice_steps(rb: ir.Runbook, s: ir.Slice) -> list[dict]:
    """The stage steps that carry out a slice, per stage (flattened lines)."""
    out = []
    for st in rb.stages:
        nodes = stage_nodes(rb, st, lambda step: s.id in step_targets(st, step))
        if nodes:
            out.append({"stage": st.id, "title": st.title, "lines": d.tree_lines(nodes)})
    return out


def stage_view(rb: ir.Runbook, st: ir.Stage) -> dict:
    nodes = stage_nodes(rb, st)
    return {
        "id": st.id,
        "title": st.title,
        "covers": [r.id for r in st.covers],
        "lines": d.tree_lines(nodes),
        "notes": d.prose_block(st.notes, ordered=False),
    }


def team_view(rb: ir.Runbook) -> dict | None:
    team = rb.team
    if team is None:
        return None
    executes: dict[str, list[str]] = {}
    for s in d.slice_order(rb):
        for r in s.agents:
            executes.setdefault(r.id, []).append(s.id)

    def agent(a: ir.Agent) -> dict:
        return {
            "id": a.id,
            "responsibility": a.responsibility,
            "skills": list(a.skills),
            "release_after": a.release_after.id if a.release_after else None,
            "slices": executes.get(a.id, []),
        }

    in_wave = {aid for w in team.waves for aid in w.agents}
    by_id = {a.id: a for a in team.agents}
    lc = team.lifecycle
    lifecycle = []
    if lc is not None:
        if lc.sweep is not None:
            sweep = d.prose_tree(lc.sweep, "sweep")
            lifecycle.append(sweep)
        for kind in ("fresh", "close", "reuse", "compact", "notes"):
            for p in getattr(lc, kind):
                node = d.prose_tree(p, kind)
                lifecycle.append(node)
    return {
        "max_active": team.max_active,
        "target_low": team.target_low,
        "target_high": team.target_high,
        "agent_type": team.agent_type,
        "classify": list(lc.classify) if lc else [],
        "waves": [
            {
                "id": w.id,
                "title": w.title,
                "stages": [r.id for r in w.stages],
                "agents": [agent(by_id[a]) for a in w.agents if a in by_id],
            }
            for w in team.waves
        ],
        "agents": [agent(a) for a in team.agents if a.id not in in_wave],
        "lifecycle": d.tree_lines(lifecycle, ordered=False),
        "rules": d.prose_block(team.rules),
        "notes": d.prose_block(team.notes, ordered=False),
    }


def repo_view(rb: ir.Runbook, order: list[ir.Slice]) -> dict | None:
    repo = rb.repo
    if repo is None:
        return None
    names = {b.id: b.name for b in repo.branches}
    return {
        "tool": repo.tool,
        "branches": [
            {
                "id": b.id,
                "name": b.name,
                "parent": b.parent.id if b.parent else None,
                "worktree": b.worktree,
                "create": b.create,
            }
            for b in repo.branches
        ],
        "slice_base": {"id": repo.slice_base.id, "name": names.get(repo.slice_base.id)} if repo.slice_base else None,
        "slice_branches": [{"slice": s.id, "branch": s.branch} for s in order if s.branch],
        "sync": [{"command": c.command, "only": c.only} for c in repo.sync],
        "submit": [{"command": c.command, "per_slice": c.per_slice} for c in repo.submit],
        "clean": [r.id for r in repo.clean],
        "end_state": repo.end_state.text if repo.end_state else None,
        "rules": d.prose_block(repo.rules, ordered=False),
        "notes": d.prose_block(repo.notes, ordered=False),
    }


def outputs_view(rb: ir.Runbook, options: EmitOptions) -> list[dict]:
    out = []
    for o in rb.outputs:
        arts = [v for a in o.artifacts if (v := d.artifact_view(rb, o, a, options)) is not None]
        notes = d.prose_block(o.notes, ordered=False)
        out.append({"id": o.id, "root": o.root, "worktree": o.worktree, "artifacts": arts, "notes": notes})
    return out


def titled_lines(items: list[ir.Titled]) -> list[dict]:
    nodes = [
        {
            "kind": "titled",
            "id": t.id,
            "title": t.title,
            "text": t.text or t.title or "",
            "children": [d.prose_tree(i) for i in t.items],
        }
        for t in items
    ]
    return d.tree_lines(nodes)


def context(rb: ir.Runbook, options: EmitOptions) -> dict:
    ctx = d.base_context(rb, options)
    phase = rb.phase
    order = d.slice_order(rb)
    locked_nodes = [
        {"kind": "invariant", "id": t.id, "text": t.text or "", "children": [d.prose_tree(i) for i in t.items]}
        for t in rb.invariants
    ] + [d.prose_tree(p, "locked") for p in (phase.locked if phase else [])]
    ctx.update(
        {
            "pass_kind": phase.pass_kind if phase else None,
            "status": phase.status if phase else None,
            "landed_through": phase.landed_through.id if phase and phase.landed_through else None,
            "entrypoint": phase.entrypoint if phase else None,
            "summary": [p.text for p in phase.summary] if phase else [],
            "activation": phase.activation.text if phase and phase.activation else None,
            "order": d.tree_lines(
                [{"kind": "chain", "text": d.chain_text(d.order_chain(rb, options)), "children": []}]
                + [d.prose_tree(p, "order") for p in d.order_rules(rb)]
            ),
            "objective": phase.objective.text if phase and phase.objective else None,
            "entry": d.prose_block(phase.entry) if phase else [],
            "scope": d.prose_block(phase.scope) if phase else [],
            "out_of_scope": d.prose_block(phase.out_of_scope) if phase else [],
            "notes": d.tree_lines([d.prose_tree(p, "note") for p in phase.notes], ordered=False) if phase else [],
            "locked": d.tree_lines(locked_nodes),
            "slices": [slice_view(rb, s, options) for s in order],
            "deferred": titled_lines(rb.deferred),
            "watchlist": [{"slice": s.id, "signals": [g.text for g in s.signals]} for s in order if s.signals],
            "repo": repo_view(rb, order),
            "team": team_view(rb),
            "stages": [stage_view(rb, st) for st in rb.stages],
            "outputs": outputs_view(rb, options),
            "assumptions": titled_lines(rb.assumptions),
            "authority": d.prose_block(rb.authority),
            "graph": slice_graph(rb, order, options),
        }
    )
    return ctx


def emit(rb: ir.Runbook, options: EmitOptions) -> dict[str, str]:
    return {d.doc_name(rb, "EXECUTION_PACKET.md"): d.render(options, TEMPLATE, **context(rb, options))}
