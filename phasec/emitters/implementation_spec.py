"""PHASE_<ID>_IMPLEMENTATION_SPEC.md: the deep implementation reference.

Emitted only when the runbook declares ``interface`` changes: without interface
deltas there is nothing for a spec to add to the execution packet.
"""

from __future__ import annotations

from typing import Any

from phasec.compiler import ir
from phasec.emitters import EmitOptions
from phasec.emitters import _documents as d
from phasec.emitters.acceptance_gates import conditional_view
from phasec.emitters.execution_packet import file_view, slice_steps, titled_view
from phasec.emitters.workbreakdown import artifact_path

EMITTER = True
TEMPLATE = "IMPLEMENTATION_SPEC.md.j2"


def context(rb: ir.Runbook, options: EmitOptions) -> dict:
    ctx = d.base_context(rb, options)
    phase = rb.phase
    lens_titles = {lens.id: (lens.title or lens.id) for lens in rb.lenses}
    order = d.slice_order(rb)
    units, others = [], []
    for s in order:
        common: dict[str, Any] = {
            "id": s.id,
            "title": s.title,
            "kind": s.kind,
            "conditional": s.conditional,
            "branching": s.branching,
            "objective": s.objective.text if s.objective else None,
            "notes": d.prose_block(s.notes, ordered=False),
            "paths": conditional_view(rb, s, options) if s.outcome_conditional else None,
            "steps": slice_steps(rb, s),
        }
        if s.files:
            common["files"] = [dict(file_view(f), adds=list(f.adds), written=f.written) for f in s.files]
            common["implement"] = d.implement_block(s.implement)
            units.append(common)
        else:
            common.update(
                {
                    "implement": d.implement_block(s.implement),
                    "lenses": [{"id": r.id, "title": lens_titles.get(r.id, r.id)} for r in s.lenses],
                    "requires": [artifact_path(rb, r) for r in s.requires],
                }
            )
            others.append(common)
    exit_ = rb.exit
    ctx.update(
        {
            "objective": phase.objective.text if phase and phase.objective else None,
            "scope": d.prose_block(phase.scope) if phase else [],
            "out_of_scope": d.prose_block(phase.out_of_scope) if phase else [],
            "notes": d.tree_lines([d.prose_tree(p, "note") for p in phase.notes], ordered=False) if phase else [],
            "interfaces": [titled_view(t) for t in rb.interfaces],
            "units": units,
            "others": others,
            "scenarios": [titled_view(t) for t in rb.scenarios],
            "failure_modes": [
                {"slice": s.id, "signals": [{"text": g.text, "response": g.response} for g in s.signals]}
                for s in order
                if s.signals
            ],
            "exit": {
                "require": d.prose_block(exit_.require),
                "gates": d.exit_gates(rb),
                "covers": [r.id for r in exit_.covers],
            }
            if exit_
            else None,
        }
    )
    return ctx


def emit(rb: ir.Runbook, options: EmitOptions) -> dict[str, str]:
    if not rb.interfaces:
        return {}
    return {d.doc_name(rb, "IMPLEMENTATION_SPEC.md"): d.render(options, TEMPLATE, **context(rb, options))}
