"""PHASE_<ID>_PLANNING_HANDOFF.md: the short handoff from planning to execution."""

from __future__ import annotations

from phasec.compiler import ir
from phasec.compiler.facts import facts
from phasec.emitters import EmitOptions
from phasec.emitters import _documents as d
from phasec.emitters.acceptance_gates import defer_records, trigger_view

EMITTER = True
TEMPLATE = "PLANNING_HANDOFF.md.j2"


def decision_view(rb: ir.Runbook, s: ir.Slice, options: EmitOptions) -> dict:
    assess = []
    for b in s.gates:
        if s.binding_paths(b) != ir.PATHS:
            continue
        for item in b.items:
            g = facts(rb).gates.get(item.gate.id) if item.gate else None
            if item.command is not None:
                assess.append(item.command)
            elif g is not None and g.kind == "gate":
                assess.append(d.invocation(rb, g) or g.id)
    dependents = [x.id for x, dep in facts(rb).dependents.get(s.id, []) if dep.if_triggered]
    return {
        "id": s.id,
        "title": s.title,
        "branching": s.branching,
        "assumed": d.path_of(options, s),
        "triggers": [trigger_view(rb, t) for t in s.triggers],
        "logic": s.trigger_logic,
        "gates": assess,
        "defer_records": defer_records(rb, s),
        "dependents": dependents,
    }


def context(rb: ir.Runbook, options: EmitOptions) -> dict:
    ctx = d.base_context(rb, options)
    phase = rb.phase
    order = d.slice_order(rb)
    chain = d.order_chain(rb, options)
    ctx.update(
        {
            "status": phase.status if phase else None,
            "pass_kind": phase.pass_kind if phase else None,
            "landed_through": phase.landed_through.id if phase and phase.landed_through else None,
            "entrypoint": phase.entrypoint if phase else None,
            "chain": d.chain_text(chain),
            "chain_note": d.chain_note(chain),
            "decisions": [decision_view(rb, s, options) for s in order if s.outcome_conditional],
            "deferred": [{"id": t.id, "text": t.text or t.title or t.id} for t in rb.deferred],
            "statuses": [{"value": x.value, "aspect": x.aspect} for x in phase.statuses] if phase else [],
            "checkpoints": [
                {"stage": st.id, "number": step.number, "text": step.text, "agents": [r.id for r in step.agents]}
                for st in rb.stages
                for step in st.steps
                if step.kind == "checkpoint"
            ],
            "outputs": [
                {
                    "id": o.id,
                    "root": o.root,
                    "worktree": o.worktree,
                    "artifacts": [v for a in o.artifacts if (v := d.artifact_view(rb, o, a, options)) is not None],
                }
                for o in rb.outputs
            ],
            "files": sorted(
                p
                for p in (
                    ctx["names"]["packet"],
                    ctx["names"]["gates"],
                    ctx["names"]["spec"],
                    ctx["names"]["workbreakdown"],
                )
                if p
            ),
        }
    )
    return ctx


def emit(rb: ir.Runbook, options: EmitOptions) -> dict[str, str]:
    return {d.doc_name(rb, "PLANNING_HANDOFF.md"): d.render(options, TEMPLATE, **context(rb, options))}
