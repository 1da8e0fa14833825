"""PHASE_<ID>_EXECUTION_PACKET.md: the single sequence entrypoint of the phase."""

from __future__ import annotations

import re
from collections.abc import Callable

from phasec.compiler import ir
from phasec.compiler.facts import facts
from phasec.emitters import EmitOptions
from phasec.emitters import _documents as d
from phasec.emitters.acceptance_gates import conditional_view
from phasec.emitters.workbreakdown import artifact_path

EMITTER = True
TEMPLATE = "EXECUTION_PACKET.md.j2"


def file_view(f: ir.FileRef) -> dict:
    return {"path": f.path, "new": f.new, "optional": f.optional, "dir": f.dir, "note": f.note, "when": f.when}


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
        "agents": [
            {"id": r.id, "responsibility": agents[r.id].responsibility if r.id in agents else None} for r in s.agents
        ],
        "owner": s.owner.id if s.owner else None,
        "backup": s.backup.id if s.backup else None,
        "after": d.dependencies(rb, s, options),
        "prereqs": [p.text for p in s.prereqs],
        "branch": s.branch,
        "worktree": s.worktree,
        "approval": (s.approval.by.id if s.approval.by else "") if s.approval else None,
        "starts_after": [r.id for r in s.starts_after],
        "requires": [artifact_path(rb, r) for r in s.requires],
        "implement": d.implement_block(s.implement),
        "files": [file_view(f) for f in s.files],
        "produces": produces,
        "accept": d.flatten(s.accept, text=lambda a: a.text or a.id or ""),
        "lenses": [r.id for r in s.lenses],
        "notes": d.prose_block(s.notes, ordered=False),
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
    # Stages that cover no slice (preflight, a drift check) still take their place: a hexagon
    # after the previous stage's slices (or node) and before the next stage's.
    stages = sorted(rb.stages, key=lambda st: st.order)
    members = [[ids[r.id] for r in st.covers if r.id in ids] for st in stages]
    stage_nodes = []
    for i, st in enumerate(stages):
        if members[i]:
            continue
        mid = mermaid_id(f"stage_{st.id}", taken)
        stage_nodes.append({"mid": mid, "id": st.id, "title": st.title})
        members[i] = [mid]
        for j in range(i - 1, -1, -1):
            if members[j]:
                edges.extend({"source": src, "target": mid, "if_triggered": False} for src in members[j])
                break
        for j in range(i + 1, len(stages)):
            nxt = [ids[r.id] for r in stages[j].covers if r.id in ids]
            if nxt:
                edges.extend({"source": mid, "target": dst, "if_triggered": False} for dst in nxt)
                break
    return {"nodes": nodes, "edges": edges, "stages": stage_nodes}


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


def stage_nodes(rb: ir.Runbook, st: ir.Stage, keep: Callable[[ir.Step], bool] = lambda step: True) -> list[dict]:
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
        # `stage` bound now: the filter must see this iteration's stage (B023), even if called later.
        def keep(step: ir.Step, stage: ir.Stage = st) -> bool:
            return s.id in step_targets(stage, step)

        nodes = stage_nodes(rb, st, keep)
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
    from phasec.compiler.facts import facts

    # slices in slice order, then stage steps ("stage 1.5 step 2"), from the shared facts
    pos = facts(rb).slice_position
    executes: dict[str, list[str]] = {}
    for aid, acts in facts(rb).agent_activities.items():
        sl = sorted({a[1] for a in acts if a[0] == "slice"}, key=lambda x: pos.get(x, len(pos)))
        stage_rank = {st.id: i for i, st in enumerate(rb.stages)}
        steps = sorted(
            {(a[1], a[2]) for a in acts if a[0] == "step"}, key=lambda x: (stage_rank.get(x[0], len(stage_rank)), x[1])
        )
        executes[aid] = sl + [f"stage {st} step {n}" for st, n in steps]

    def agent(a: ir.Agent) -> dict:
        return {
            "id": a.id,
            "responsibility": a.responsibility,
            "skills": list(a.skills),
            "release_after": a.release_after.id if a.release_after else None,
            "slices": executes.get(a.id, []),
            "docs": list(a.docs),
            "notes": d.prose_block(a.notes, ordered=False),
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
                "notes": d.prose_block(w.notes, ordered=False),
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
        "root": repo.root,
        "base": repo.base,
        "remote": repo.remote,
        "worktrees": repo.worktrees,
        "worktree_template": repo.worktree_template,
        "merge": (
            {
                "after_approval": repo.merge.after_approval,
                "rebase_unmerged": repo.merge.rebase_unmerged,
                "into": repo.merge.into,
            }
            if repo.merge
            else None
        ),
        "merge_waves": [{"id": w.id, "slices": [r.id for r in w.slices]} for w in repo.merge_waves],
        "branches": [
            {
                "id": b.id,
                "name": b.name,
                "parent": b.parent.id if b.parent else None,
                "worktree": b.worktree,
                "create": b.create,
                "parent_name": b.parent_name,
                "choose": b.choose,
                "opens_after": b.opens_after.id if b.opens_after else None,
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
        out.append(
            {
                "id": o.id,
                "root": o.root,
                "root_written": o.root_written if o.root_written and o.root_written != o.root else None,
                "worktree": o.worktree,
                "artifacts": arts,
                "notes": notes,
            }
        )
    return out


def reading_view(rb: ir.Runbook) -> list[dict]:
    """The grounding corpus (every agent) and each `introspect` list (the agents it names)."""
    out = []
    lists = ([rb.grounding] if rb.grounding else []) + list(rb.introspections)
    for lst in lists:
        out.append(
            {
                "title": lst.title,
                "grounding": lst is rb.grounding,
                "agents": [r.id for r in lst.agents],
                "docs": [{"path": doc.path, "note": doc.note} for doc in lst.docs],
                "equivalents": [{"name": e.name, "text": e.text} for e in lst.equivalents],
                "notes": d.prose_block(lst.notes, ordered=False),
            }
        )
    return out


def titled_view(t: ir.Titled) -> dict:
    """A titled item (scenario, interface, ...) with its nested items as lines (shared with the spec)."""
    return {
        "id": t.id,
        "title": t.title,
        "text": t.text,
        "kind": t.kind,
        "lines": d.tree_lines([d.prose_tree(i) for i in t.items]),
    }


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


#: ledgers longer than this are summarised: the count and the last ``LEDGER_TAIL`` entries
LEDGER_LIMIT = 12
LEDGER_TAIL = 5


def fill_agent(text: str, agent: str, slice_id: str) -> str:
    """A review token with ``<AGENT>`` and ``<SLICE>`` filled in for one lane."""
    return text.replace("<AGENT>", agent).replace("<SLICE>", slice_id)


def review_view(rb: ir.Runbook, order: list[ir.Slice]) -> dict | None:
    r = rb.review
    if r is None:
        return None
    from phasec.compiler.facts import facts

    f = facts(rb)
    lanes = []
    # the slices that wait for an approval, with the token filled in for the agent that does them
    for s in order:
        if s.approval is None:
            continue
        for ref in s.agents:
            a = f.acting_agent(ref) or ref.id
            lanes.append(
                {
                    "slice": s.id,
                    "agent": a,
                    "stop": [fill_agent(t, a, s.id) for t in r.stop],
                    "verdicts": [{"verdict": v.verdict, "token": fill_agent(v.token, a, s.id)} for v in r.verdicts],
                }
            )
    return {
        "by": r.by.id if r.by else None,
        "stop": list(r.stop),
        "verdicts": [{"verdict": v.verdict, "token": v.token} for v in r.verdicts],
        "lanes": lanes
        if any(m in t for t in r.stop + [v.token for v in r.verdicts] for m in ("<AGENT>", "<SLICE>"))
        else [],
        "rules": d.prose_block(r.rules, ordered=False),
        "notes": d.prose_block(r.notes, ordered=False),
    }


def ledger_view(lg: ir.Ledger) -> dict:
    entries = [e.text for e in lg.entries]
    shown = entries if len(entries) <= LEDGER_LIMIT else entries[-LEDGER_TAIL:]
    return {
        "id": lg.id,
        "title": lg.title,
        "path": lg.path,
        "append_only": lg.append_only,
        "fields": [{"name": f.name, "text": f.text} for f in lg.fields],
        "states": list(lg.states),
        "rules": d.prose_block(lg.rules, ordered=False),
        "notes": d.prose_block(lg.notes, ordered=False),
        "count": len(entries),
        "entries": shown,
        "omitted": len(entries) - len(shown),
    }


def role_work(rb: ir.Runbook, order: list[ir.Slice], role: str) -> list[str]:
    """The slices and stage steps a role is named on (whoever plays it)."""
    out = [s.id for s in facts(rb).slices_naming.get(role, [])]
    for st in rb.stages:
        for step in st.steps:
            if any(r.id == role for r in step.agents):
                out.append(f"stage {st.id} step {step.number}")
    for p in rb.procedures:
        for n, pstep in enumerate(p.steps, 1):
            if pstep.by is not None and pstep.by.id == role:
                out.append(f"procedure {p.id} step {n}")
    return out


def coordination_view(rb: ir.Runbook, order: list[ir.Slice]) -> dict:
    orch = rb.orchestrator
    return {
        "roles": [
            {
                "id": r.id,
                "title": r.title,
                "agent": r.agent.id if r.agent else None,
                "executes": role_work(rb, order, r.id),
                "duties": d.prose_block(r.duties, ordered=False),
                "notes": d.prose_block(r.notes, ordered=False),
            }
            for r in rb.roles
        ],
        "review": review_view(rb, order),
        "procedures": [
            {
                "id": p.id,
                "title": p.title,
                "on": p.on,
                "roles": [r.id for r in p.roles],
                "steps": [
                    {
                        "text": st.text,
                        "by": st.by.id if st.by else None,
                        "run": st.run,
                        "children": d.prose_block(st.items),
                    }
                    for st in p.steps
                ],
                "notes": d.prose_block(p.notes, ordered=False),
            }
            for p in rb.procedures
        ],
        "orchestrator": (
            {
                "duties": d.prose_block(orch.duties, ordered=False),
                "fields": [{"name": f.name, "text": f.text} for f in orch.fields],
                "checks": [{"command": c.command, "at": c.at} for c in orch.checks],
                "notes": d.prose_block(orch.notes, ordered=False),
            }
            if orch
            else None
        ),
        "ledgers": [ledger_view(lg) for lg in rb.ledgers],
    }


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
            "statuses": [{"value": x.value, "aspect": x.aspect} for x in phase.statuses] if phase else [],
            "assertions": d.prose_block(phase.assertions, ordered=False) if phase else [],
            "inputs": [
                {
                    "id": a.id,
                    "path": f"{a.root.rstrip('/')}/{a.name}" if a.root else a.name,
                    "source_phase": a.source_phase,
                    "note": a.note,
                }
                for a in rb.inputs
            ],
            "coordination": coordination_view(rb, order),
            "prompts": list(rb.protocol.prompts) if rb.protocol else [],
            "protocol_artifacts": [
                {"id": a.id, "template": a.template, "note": a.note}
                for a in (rb.protocol.artifacts if rb.protocol else [])
            ],
            "owners": [
                {"handle": o.handle, "title": o.title, "backup": o.backup.id if o.backup else None}
                for o in (rb.owners or [])
            ],
            "protocol_rules": d.prose_block(rb.protocol.rules, ordered=False) if rb.protocol else [],
            "protocol_notes": d.prose_block(rb.protocol.notes, ordered=False) if rb.protocol else [],
            "reading": reading_view(rb),
            "landed_through": phase.landed_through.id if phase and phase.landed_through else None,
            "entrypoint": phase.entrypoint if phase else None,
            "summary": [p.text for p in phase.summary] if phase else [],
            "activation": phase.activation.text if phase and phase.activation else None,
            "order": d.tree_lines(
                [_order_chain_node(rb, options)] + [d.prose_tree(p, "order") for p in d.order_rules(rb)]
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
            # the implementation spec carries the scenarios; without interfaces it is not emitted, so the packet does
            "scenarios": [] if rb.interfaces else [titled_view(t) for t in rb.scenarios],
            "authority": d.prose_block(rb.authority),
            "graph": slice_graph(rb, order, options),
        }
    )
    return ctx


def _order_chain_node(rb: ir.Runbook, options: EmitOptions) -> dict:
    """The start order: the computed chain, or the runbook's own `order` line when it says the same
    (shown as written; under ``--assume`` the computed chain, which carries the assumption)."""
    restated = d.restated_order(rb)
    if restated is not None and not d.assumptions(rb, options):
        return d.prose_tree(restated, "order")
    chain = d.order_chain(rb, options)
    return {"kind": "chain", "text": d.chain_text(chain), "note": d.chain_note(chain), "children": []}


def emit(rb: ir.Runbook, options: EmitOptions) -> dict[str, str]:
    return {d.doc_name(rb, "EXECUTION_PACKET.md"): d.render(options, TEMPLATE, **context(rb, options))}
