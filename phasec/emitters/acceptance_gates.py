"""PHASE_<ID>_ACCEPTANCE_GATES.md: the gate contract (cadences, per-slice gates, exit, package.json scripts)."""

from __future__ import annotations

from typing import Any

from phasec.compiler import ir
from phasec.compiler.facts import facts
from phasec.emitters import EmitOptions
from phasec.emitters import _documents as d
from phasec.emitters.workbreakdown import artifact_path

EMITTER = True
TEMPLATE = "ACCEPTANCE_GATES.md.j2"


def trigger_view(rb: ir.Runbook, t: ir.Trigger) -> dict:
    g = facts(rb).gates.get(t.gate.id) if t.gate else None
    return {
        "id": t.id,
        "text": t.text,
        "gate": t.gate.id if t.gate else None,
        "invocation": (d.invocation(rb, g) or g.id) if g else (t.gate.id if t.gate else None),
    }


def defer_records(rb: ir.Runbook, s: ir.Slice) -> list[dict]:
    """Where the not-triggered disposition is recorded (duplicates dropped, order kept)."""
    out: list[dict] = []
    seen: set[tuple] = set()
    for r in s.defer_records:
        key = (r.target.id, r.artifact.id if r.artifact else None)
        if key in seen:
            continue
        seen.add(key)
        is_slice = facts(rb).slices.get(r.target.id) is not None
        out.append(
            {
                "slice": r.target.id if is_slice else None,
                "artifact": artifact_path(rb, r.artifact)
                if r.artifact
                else (None if is_slice else artifact_path(rb, r.target)),
            }
        )
    return out


def conditional_view(rb: ir.Runbook, s: ir.Slice, options: EmitOptions) -> dict:
    return {
        "assumed": d.path_of(options, s),
        "show_triggered": d.shows(options, s, "triggered"),
        "show_deferred": d.shows(options, s, "deferred"),
        "triggers": [trigger_view(rb, t) for t in s.triggers],
        "logic": s.trigger_logic,
        "always": d.prose_block(s.always),
        "triggered": d.prose_block(s.triggered),
        "not_triggered": d.prose_block(s.not_triggered),
        "defer_records": defer_records(rb, s),
    }


def script_provenance(rb: ir.Runbook) -> list[dict]:
    """Where each gate script comes from: ``existing`` (``existing`` on the gate or listed in
    ``scripts { existing }``), ``planned`` (``added_by`` a slice, a body the runbook defines,
    or ``scripts { added_in }``) or ``undefined`` (none of these)."""
    scripts = rb.scripts
    added_in = [r.id for r in scripts.added_in] if scripts else []
    out = []
    for g in rb.gates:
        origin = d.script_origin(rb, g)
        if origin is None:
            continue
        row: dict[str, Any] = {
            "gate": g.id,
            "script": g.script,
            "invocation": d.invocation(rb, g),
            "added_by": None,
            "runs": None,
        }
        row["origin"] = origin
        if origin == "planned" and (g.script_origin == "planned" or g.script_added_by is not None):
            row["added_by"] = g.script_added_by.id if g.script_added_by else None
            row["runs"] = g.script_runs
        elif origin == "planned":
            row["added_by"] = g.defined_by.id if g.defined_by else None
            row["in"] = None if g.defined_by else added_in
        row.setdefault("in", None)
        out.append(row)
    return out


def declared_baseline(rb: ir.Runbook) -> dict | None:
    b = rb.baseline
    if b is None:
        return None
    gates = []
    for r in b.gates:
        g = facts(rb).gates.get(r.id)
        if g is None:
            gates.append({"id": r.id, "missing": True})
            continue
        v = d.gate_view(rb, g)
        v["missing"] = False
        v["expanded"] = [{"kind": st.kind, "gate": st.gate, "text": st.text} for st in d.facts(rb).gate_body(g)]
        gates.append(v)
    return {"gates": gates, "children": d.prose_block(b.items, ordered=False)}


def unbound_gates(rb: ir.Runbook) -> list[dict]:
    """Declared gates and checks nothing runs: no slice binds them (directly or through `use`), nor
    the exit, the baseline, a trigger or a `starts_after`.  Shown so that none is silently lost."""
    reached = d.facts(rb).run_gates
    return [d.gate_view(rb, g) for g in rb.gates if g.id not in reached and facts(rb).gates.get(g.id) is g]


def required_kinds(rb: ir.Runbook) -> set[str]:
    return {k for c in rb.cadences for k in c.for_kinds}


def context(rb: ir.Runbook, options: EmitOptions) -> dict:
    ctx = d.base_context(rb, options)
    phase = rb.phase
    required = required_kinds(rb)
    covered = {r.id for r in rb.exit.covers} if rb.exit else set()
    lens_titles = {lens.id: (lens.title or lens.id) for lens in rb.lenses}

    matrix, closure, ungated = [], [], []
    for s in d.slice_order(rb):
        bindings = d.slice_bindings(rb, s, options)
        views = bindings["all"] + bindings["always"] + bindings["triggered"] + bindings["deferred"]
        base = {
            "id": s.id,
            "title": s.title,
            "kind": s.kind,
            "conditional": s.conditional,
            "branching": s.branching,
            "bindings": bindings,
            "accept": d.flatten(s.accept, text=lambda a: a.text or a.id or ""),
        }
        if s.outcome_conditional or any(v["executable"] for v in views):
            base["paths"] = conditional_view(rb, s, options) if s.outcome_conditional else None
            matrix.append(base)
        elif s.gates or s.lenses or (s.kind in required):
            base.update(
                {
                    "mandatory": not s.conditional and (s.id in covered or s.kind in required),
                    "after": d.dependencies(rb, s, options),
                    "lenses": [{"id": r.id, "title": lens_titles.get(r.id, r.id)} for r in s.lenses],
                    "implement": d.implement_block(s.implement),
                }
            )
            closure.append(base)
        else:
            ungated.append({"id": s.id, "kind": s.kind})

    cad, baseline = d.baseline_gates(rb)
    declared = declared_baseline(rb)
    computed = {g.id for g in baseline}
    if declared:
        for v in declared["gates"]:
            v["computed"] = v["id"] in computed
    declared_ids = {v["id"] for v in declared["gates"]} if declared else set()
    exit_ = rb.exit
    contract = d.command_contract(rb)
    scripts = rb.scripts
    ctx.update(
        {
            "posture": list(phase.posture) if phase else [],
            "status": phase.status if phase else None,
            "statuses": [{"value": x.value, "aspect": x.aspect} for x in phase.statuses] if phase else [],
            "landed_through": phase.landed_through.id if phase and phase.landed_through else None,
            "runner": d.runner(rb),
            "manifest": scripts.manifest if scripts and scripts.manifest else None,
            "uses_scripts": scripts is not None or any(g.script for g in rb.gates),
            "provenance": script_provenance(rb),
            "declared_baseline": declared,
            "assertions": d.prose_block(phase.assertions, ordered=False) if phase else [],
            "invariants": [
                {"id": t.id, "title": t.title or t.text or "", "children": d.prose_block(t.items, ordered=False)}
                for t in rb.invariants
            ],
            "added_in": [r.id for r in scripts.added_in] if scripts else [],
            "script_notes": d.prose_block(scripts.notes, ordered=False) if scripts else [],
            "cadences": [
                {
                    "id": c.id,
                    "title": c.title or c.id,
                    "for_kinds": list(c.for_kinds),
                    "on": [p.text for p in c.on],
                    "notes": d.prose_block(c.notes, ordered=False),
                }
                for c in rb.cadences
            ],
            "baseline": {
                "cadence": (cad.title or cad.id) if cad else None,
                "cadence_id": cad.id if cad else None,
                "gates": [d.gate_view(rb, g) for g in baseline],
                # a gate the declared baseline already shows gets no second section
                "sections": [d.gate_view(rb, g) for g in baseline if g.id not in declared_ids],
            },
            "matrix": matrix,
            "closure": closure,
            "ungated": ungated,
            "exit": {
                "gates": d.exit_gates(rb) if exit_ else [],
                "covers": [r.id for r in exit_.covers] if exit_ else [],
                "require": d.prose_block(exit_.require) if exit_ else [],
            }
            if exit_
            else None,
            "contract": contract,
            "unbound": unbound_gates(rb),
            "lenses": [
                {
                    "id": t.id,
                    "title": t.title or t.id,
                    "kind": t.kind,
                    "children": d.prose_block(t.items, ordered=False),
                }
                for t in rb.lenses
            ],
        }
    )
    return ctx


def emit(rb: ir.Runbook, options: EmitOptions) -> dict[str, str]:
    return {d.doc_name(rb, "ACCEPTANCE_GATES.md"): d.render(options, TEMPLATE, **context(rb, options))}
