"""What several emitters need: how gates expand into steps, and orders.

Not an emitter (no ``EMITTER`` flag): the work breakdown, the documents, the
scripts and the CI workflow all expand gates and order slices the same way,
here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from phasec.compiler import ir


def runner(rb: ir.Runbook) -> str:
    """How scripts run (`scripts { runner ... }`), `npm run` when the runbook does not say."""
    return rb.scripts.runner if rb.scripts and rb.scripts.runner else "npm run"


@dataclass(frozen=True)
class GateStep:
    """One step of a gate run: a command to run, or a manual (symbolic) check."""

    kind: str  # "run" | "check"
    gate: str  # the gate id, or "inline" for an inline command
    text: str  # the command, or the check's description


def expand_gate(
    rb: ir.Runbook, gate_id: str, quote: Callable[[str], str] = str, _stack: tuple[str, ...] = ()
) -> list[GateStep]:
    """The steps a named gate runs, in order.

    A gate with a ``script`` runs as ``<runner> <script>`` (its body is the
    script's definition in the command contract; ``quote`` is applied to the
    script name); otherwise its ``run`` commands and ``use``d gates run in
    order.  A ``check`` is a manual step.  Composition cycles (PC703) stop the
    expansion instead of looping.
    """
    g = rb.gate(gate_id)
    if g is None:
        return [GateStep("check", gate_id, f"unknown gate `{gate_id}`")]
    if g.kind == "check":
        return [GateStep("check", g.id, g.title or g.id)]
    if g.script:
        return [GateStep("run", g.id, f"{runner(rb)} {quote(g.script)}")]
    if gate_id in _stack:
        return []
    steps: list[GateStep] = []
    for st in g.steps:
        if st.kind == "run" and st.command is not None:
            steps.append(GateStep("run", g.id, st.command))
        else:
            for ref in st.gates:
                steps.extend(expand_gate(rb, ref.id, quote, _stack + (gate_id,)))
    return steps


def binding_steps(rb: ir.Runbook, b: ir.GateBinding, quote: Callable[[str], str] = str) -> list[GateStep]:
    """The steps of one `gate CADENCE ...` binding: inline commands and expanded named gates."""
    steps: list[GateStep] = []
    for item in b.items:
        if item.command is not None:
            steps.append(GateStep("run", "inline", item.command))
        elif item.gate is not None:
            steps.extend(expand_gate(rb, item.gate.id, quote))
    return steps


def topo_order(items: list, key, deps) -> list:
    """Kahn's algorithm; ties in source order.  Items left on a cycle (an error the
    rules report, so emitters never see one) follow in source order."""
    keys = [key(i) for i in items]
    pending = {k: {d for d in deps(i) if d in keys and d != k} for k, i in zip(keys, items)}
    order: list = []
    done: set = set()
    by_key = dict(zip(keys, items))
    while len(order) < len(items):
        ready = [k for k in keys if k not in done and pending[k] <= done]
        if not ready:
            ready = [k for k in keys if k not in done]
        k = ready[0]
        done.add(k)
        order.append(by_key[k])
    return order


def unique_by_id(items: list) -> list:
    """The first declaration of each id (duplicates are PC201 errors)."""
    seen: set[str] = set()
    out = []
    for i in items:
        if i.id not in seen:
            seen.add(i.id)
            out.append(i)
    return out


def slice_order(rb: ir.Runbook) -> list[ir.Slice]:
    """Slices in dependency order (`after`, both kinds); declaration order among independent ones."""
    return topo_order(unique_by_id(rb.slices), lambda s: s.id, lambda s: [d.slice.id for d in s.after])
