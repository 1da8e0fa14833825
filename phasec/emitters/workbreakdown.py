"""PHASE_<ID>_WORKBREAKDOWN.yaml: the machine-readable slice map.

The shape follows the hand-written packets (``corpus/phase-c``, ``corpus/phase-b``);
``phasec schema workbreakdown`` prints its JSON Schema.  Where a slice's gates go
is decided per slice, from the runbook, so that both hand-written shapes come out:

* a slice whose gate bindings are all **inline commands** (``gate quick "bunx ..."``,
  as in Phase B) gets them inside its own entry, as ``gates: {cadence: [command...]}``;
* a slice that binds at least one **named gate or check** (``gate quick c1_quick``, as
  in Phase C) is listed in the top-level ``gates:`` map under its id instead;
* the phase exit gate (``exit { gate ... }``) is always the top-level ``phase_exit``
  entry, with cadence ``full``.

``acceptance`` lists the ids of a slice's ``accept`` criteria (criteria without an id
are prose for the packet documents); ``failure_triggers`` are its ``signal`` texts
(an object ``{text, id, response}`` when the signal has an id or a response).

Beyond the references: ``statuses`` (every status with its aspect, only when there are
several; ``status`` keeps the first, as the reference format has it); per file
``optional: true`` and ``when: triggered|deferred``; ``requires_artifacts`` entries with
``when``; an invariant with both its own text and nested ``item``/``note`` entries is
``{text: ..., items: [...]}`` (the references only have a text or a list; neither
is dropped).  All of them are in the JSON Schema.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, TypeVar

from phasec.compiler import ir
from phasec.compiler.facts import GateStep, facts
from phasec.emitters.env import environment

if TYPE_CHECKING:
    from phasec.emitters import EmitOptions

T = TypeVar("T")

EMITTER = True


def _prose_texts(items: list[ir.Prose]) -> list[str]:
    """The texts of nested prose (``item``/``note``), depth first: nothing nested is dropped."""
    out: list[str] = []
    for p in items:
        out.append(p.text)
        out += _prose_texts(p.items)
    return out


def gate_invocation(rb: ir.Runbook, gate: ir.Gate) -> list[str]:
    """How a slice's gate list names a gate: what it runs (:meth:`Facts.expand_gate`), a check by its id."""
    return _commands(facts(rb).expand_gate(gate.id)) or [gate.id]


def _commands(steps: Iterable[GateStep]) -> list[str]:
    return [st.text if st.kind == "run" else st.gate for st in steps]


def inline_only(s: ir.Slice) -> bool:
    """True when every gate the slice binds is an inline command (the per-slice shape)."""
    return bool(s.gates) and all(item.command is not None for b in s.gates for item in b.items)


def slice_gates(rb: ir.Runbook, s: ir.Slice) -> list[tuple[str, list[str]]]:
    out: list[tuple[str, list[str]]] = []
    for b in s.gates:
        cmds: list[str] = []
        for item in b.items:
            if item.command is not None:
                cmds.append(item.command)
            elif item.gate is not None:
                g = facts(rb).gates.get(item.gate.id)
                cmds.extend(gate_invocation(rb, g) if g else [item.gate.id])
        out.append((b.cadence.id, cmds))
    return _merge_cadences(out)


def _merge_cadences(bindings: list[tuple[str, list[str]]]) -> list[tuple[str, list[str]]]:
    """One entry per cadence (first-appearance order): a YAML map has unique keys."""
    merged: dict[str, list[str]] = {}
    for cadence, cmds in bindings:
        merged.setdefault(cadence, []).extend(cmds)
    return list(merged.items())


def artifact_path(rb: ir.Runbook, ref: ir.Ref) -> str:
    """``<outputs root>/<name>`` of the artifact, or the id as written when there is none."""
    return facts(rb).artifact_paths.get(ref.id, ref.id)


def trigger_text(rb: ir.Runbook, t: ir.Trigger) -> str:
    if t.gate is not None:
        g = facts(rb).gates.get(t.gate.id)
        name = g.script if g and g.script else t.gate.id
        return f"{name} {t.text}"
    return t.text


def _unique(items: Iterable[T]) -> list[T]:
    """Keep the first of repeated entries (lists of ids and paths are sets in source order)."""
    return list(dict.fromkeys(items))


def _files(s: ir.Slice) -> list[dict]:
    """The slice's files, first mention of each path: ``optional`` and ``when`` (the path of a
    conditional or branching slice it belongs to) are kept."""
    out: dict[str, dict] = {}
    for f in s.files:
        out.setdefault(f.path, {"path": f.path, "optional": f.optional, "when": f.when})
    return list(out.values())


def _requirements(rb: ir.Runbook, s: ir.Slice) -> list[dict]:
    out: dict[str, dict] = {}
    for r in s.requires:
        path = artifact_path(rb, r)
        out.setdefault(path, {"path": path, "when": s.requires_when.get(r.id)})
    return list(out.values())


def workbreakdown_context(rb: ir.Runbook, assume: dict[str, str] | None = None) -> dict:
    """The template's data.  ``assume`` resolves conditional slices (`--assume C4=deferred`):
    the slice is marked `assumed`, and dependencies on it become hard (triggered) or
    disappear (deferred)."""
    assume = assume or {}
    phase = rb.phase
    slices = []
    for s in rb.slices:
        hard = [d.slice.id for d in s.after if not d.if_triggered]
        soft = []
        for d in s.after:
            if d.if_triggered:
                path = assume.get(d.slice.id)
                if path == "triggered":
                    hard.append(d.slice.id)
                elif path != "deferred":
                    soft.append(d.slice.id)
        slices.append(
            {
                "id": s.id,
                "title": s.title,
                "owner": s.owner.id if s.owner else None,
                "backup": s.backup.id if s.backup else None,
                "depends_on": _unique(hard),
                "depends_on_if_triggered": _unique(soft),
                "requires_artifacts": _requirements(rb, s),
                "objective": s.objective.text if s.objective else None,
                "files": _files(s),
                # As the hand-written work breakdowns use it: the slice has a conditional
                # outcome (a branching slice is also marked `branching`).
                "conditional": s.outcome_conditional,
                "branching": s.branching,
                "assumed": assume.get(s.id) if s.outcome_conditional else None,
                "trigger_criteria": [trigger_text(rb, t) for t in s.triggers],
                "acceptance": _unique(a.id for a in s.accept if a.id),
                "gates": slice_gates(rb, s) if inline_only(s) else [],
                "failure_triggers": [{"id": sig.id, "text": sig.text, "response": sig.response} for sig in s.signals],
            }
        )
    gates = []
    for s in rb.slices:
        if inline_only(s):
            continue
        bindings = slice_gates(rb, s)
        if bindings:
            gates.append({"slice": s.id, "bindings": bindings})
    if rb.exit is not None and rb.exit.gates:
        cmds: list[str] = []
        for ref in rb.exit.gates:
            g = facts(rb).gates.get(ref.id)
            cmds.extend(gate_invocation(rb, g) if g else [ref.id])
        gates.append({"slice": "phase_exit", "bindings": [("full", cmds)]})
    invariants = []
    for inv in rb.invariants:
        invariants.append({"id": inv.id, "text": inv.text or inv.title, "entries": _prose_texts(inv.items)})
    return {
        "source": rb.path,
        "sha256": rb.sha256,
        "phase": phase.id if phase else "",
        "status": phase.status if phase else None,
        # the first status stays `status:` (the reference format); all of them only when there are several
        "statuses": [{"value": x.value, "aspect": x.aspect} for x in phase.statuses]
        if phase and len(phase.statuses) > 1
        else [],
        "landed_through": phase.landed_through.id if phase and phase.landed_through else None,
        "entrypoint": phase.entrypoint if phase else None,
        "invariants": invariants,
        "slices": slices,
        "gates": gates,
        "deferred": _unique(d.id for d in rb.deferred),
    }


def emit(rb: ir.Runbook, options: EmitOptions) -> dict[str, str]:
    ctx = workbreakdown_context(rb, options.assume)
    text = environment(options.templates).get_template("WORKBREAKDOWN.yaml.j2").render(**ctx)
    return {f"PHASE_{ctx['phase']}_WORKBREAKDOWN.yaml": text}
