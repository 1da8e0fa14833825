"""Shared helpers for the markdown packet emitters (not an emitter itself).

The packet documents (acceptance gates, execution packet, implementation spec,
planning handoff, agent protocol skeletons) are rendered by jinja2 templates in
``templates/``; the functions here only prepare data for them: deterministic
slice order, expanded gate steps, flattened prose trees (with the indentation
markdown needs), conditional-slice assumptions and safe output paths.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from phasec.compiler import ir
from phasec.compiler.agent_files import upper_snake
from phasec.compiler.facts import Facts, GateStep, facts
from phasec.emitters import EmitOptions
from phasec.emitters.env import environment
from phasec.emitters.filters import html_comment, json_string, md_code, mermaid_label, table_cell  # noqa: F401 (re-exported)
from phasec.emitters.workbreakdown import artifact_path

if TYPE_CHECKING:
    import jinja2

# ─── environment ─────────────────────────────────────────────────────────────
# The markdown filters live in phasec/emitters/filters.py (the environment imports them).


def doc_environment(template_dir: str | None = None) -> jinja2.Environment:
    """The emitters' environment (:func:`phasec.emitters.env.environment`; it has the markdown filters)."""
    return environment(template_dir)


def render(options: EmitOptions, template: str | list[str], **ctx: object) -> str:
    """Render a template; runs of blank lines collapse to one and the text ends with one newline.

    (The normalisation lets templates use blank lines freely around optional
    sections; it never touches non-blank lines.)
    """
    env = doc_environment(options.templates)
    tpl = env.select_template(template) if isinstance(template, list) else env.get_template(template)
    return normalised(tpl.generate(**ctx))


#: :func:`normalised` normalises the text a piece at a time, pieces of about this many characters.
CHUNK_CHARS = 1 << 16
_TRAILING_BLANKS = re.compile(r"[ \t]+\n")
_BLANK_RUNS = re.compile(r"\n{3,}")


def _normalise(text: str) -> str:
    return _BLANK_RUNS.sub("\n\n", _TRAILING_BLANKS.sub("\n", text))


def normalised(pieces: Iterable[str], chunk: int = CHUNK_CHARS) -> str:
    """``"".join(pieces)`` with blanks before line ends dropped, runs of blank lines made one and
    one line end at the end: the text :func:`render` returns.

    The same as normalising the joined text (``tests/test_emit_documents.py`` checks it),
    but a piece of about ``chunk`` characters at a time, cut after a line end that a
    character other than a blank or a line end follows (no match of either pattern can
    cross such a cut): jinja's list of every piece of a document, and two or three
    copies of the whole text, are never alive together (a 10,000-slice execution packet
    is 11 million characters; docs/performance.md, *Memory*).
    """
    parts: list[str] = []
    buf: list[str] = []
    size = 0
    retry = chunk
    for piece in pieces:
        buf.append(piece)
        size += len(piece)
        if size < retry:
            continue
        text = "".join(buf)
        cut = _safe_cut(text)
        if cut:
            parts.append(_normalise(text[:cut]))
            text = text[cut:]
        buf = [text]
        size = len(text)
        retry = max(chunk, 2 * size)  # no cut in a long run: wait for twice as much before looking again
    parts.append(_normalise("".join(buf)))
    del buf
    # .strip("\n") of the joined text: leading line ends of the first parts, trailing of the last
    i = 0
    while i < len(parts):
        parts[i] = parts[i].lstrip("\n")
        if parts[i]:
            break
        i += 1
    j = len(parts) - 1
    while j >= 0:
        parts[j] = parts[j].rstrip("\n")
        if parts[j]:
            break
        j -= 1
    parts.append("\n")
    return "".join(parts)


def _safe_cut(text: str) -> int:
    """The offset after the last line end of ``text`` that a character other than a blank or line end
    follows (0: none)."""
    i = text.rfind("\n", 0, len(text) - 1)
    while i >= 0 and text[i + 1] in " \t\n":
        i = text.rfind("\n", 0, i)
    return i + 1


# ─── names ───────────────────────────────────────────────────────────────────


def phase_id(rb: ir.Runbook) -> str:
    return rb.phase.id if rb.phase else ""


def doc_name(rb: ir.Runbook, kind: str) -> str:
    """``PHASE_<ID>_<KIND>``: the packet file names (kind e.g. ``ACCEPTANCE_GATES.md``)."""
    return f"PHASE_{phase_id(rb)}_{kind}"


def packet_names(rb: ir.Runbook) -> dict[str, str | None]:
    return {
        "gates": doc_name(rb, "ACCEPTANCE_GATES.md"),
        "packet": doc_name(rb, "EXECUTION_PACKET.md"),
        "spec": doc_name(rb, "IMPLEMENTATION_SPEC.md") if rb.interfaces else None,
        "workbreakdown": doc_name(rb, "WORKBREAKDOWN.yaml"),
        "handoff": doc_name(rb, "PLANNING_HANDOFF.md"),
    }


# ─── header ──────────────────────────────────────────────────────────────────


def base_context(rb: ir.Runbook, options: EmitOptions) -> dict:
    """Context every packet template receives."""
    phase = rb.phase
    return {
        "source": rb.path,
        "sha256": rb.sha256,
        "phase": phase_id(rb),
        "phase_title": phase.title if phase else "",
        "names": packet_names(rb),
        "assumed": assumptions(rb, options),
    }


# ─── conditional slices ──────────────────────────────────────────────────────


def assumptions(rb: ir.Runbook, options: EmitOptions) -> list[dict]:
    """The conditional slices resolved by ``--assume``, in slice order."""
    out = []
    for s in facts(rb).slice_order:
        path = options.path_of(s.id) if s.outcome_conditional else None
        if path:
            out.append({"slice": s.id, "title": s.title, "path": path})
    return out


def path_of(options: EmitOptions, s: ir.Slice) -> str | None:
    """None for both paths (slices with one outcome, or conditional/branching ones not assumed)."""
    return options.path_of(s.id) if s.outcome_conditional else None


def shows(options: EmitOptions, s: ir.Slice, path: str) -> bool:
    """Whether a conditional slice's ``path`` ("triggered"/"deferred") is shown."""
    assumed = path_of(options, s)
    return assumed is None or assumed == path


def dependencies(rb: ir.Runbook, s: ir.Slice, options: EmitOptions) -> list[dict]:
    """A slice's dependencies; an ``if_triggered`` one is dropped when its slice is assumed deferred."""
    out = []
    for d in s.after:
        target = facts(rb).slices.get(d.slice.id)
        assumed = options.path_of(d.slice.id) if target is not None and target.outcome_conditional else None
        if d.if_triggered and assumed == "deferred":
            continue
        out.append({"id": d.slice.id, "if_triggered": d.if_triggered and assumed != "triggered", "merged": d.merged})
    return out


# ─── order ───────────────────────────────────────────────────────────────────


def order_chain(rb: ir.Runbook, options: EmitOptions) -> list[dict]:
    """The slices in start order, each with its wave: 0 for a slice that waits for none, else one more than
    the latest wave among the slices it waits for (`after`, and the slices that define its `starts_after`
    gates).  Slices of one wave have no order between them: they may run in parallel."""
    f = facts(rb)
    wave: dict[str, int] = {}
    out: list[dict] = []
    for s in f.slice_order:
        deps = [d.slice.id for d in s.after] + [sid for sid, _ in f.precondition_slices(s)]
        wave[s.id] = 1 + max((wave[d] for d in deps if d in wave and d != s.id), default=-1)
        label = None
        if s.outcome_conditional:
            word = "conditional" if s.conditional else "branching"
            assumed = options.path_of(s.id)
            label = f"{word}, assumed {assumed}" if assumed else word
        out.append({"id": s.id, "label": label, "wave": wave[s.id]})
    out.sort(key=lambda c: c["wave"])  # stable: slice order within a wave
    return out


#: What braces in a chain mean; written after the chain, outside its code span.
CHAIN_NOTE = "in braces: slices that may run in parallel; each slice waits only for its own dependencies"


def chain_text(chain: list[dict]) -> str:
    """`A -> B -> C`; a wave of several slices is written `{B, C}` (they may run in parallel)."""
    parts: list[str] = []
    by_wave: dict[int, list[str]] = {}  # one pass over the chain, not one per wave
    for c in chain:
        by_wave.setdefault(c["wave"], []).append(c["id"] + (f" ({c['label']})" if c["label"] else ""))
    for w in sorted(by_wave):
        names = by_wave[w]
        parts.append(names[0] if len(names) == 1 else "{" + ", ".join(names) + "}")
    return " -> ".join(parts)


def chain_note(chain: list[dict]) -> str | None:
    """:data:`CHAIN_NOTE` when the chain has a wave of several slices (braces), else None."""
    waves = [c["wave"] for c in chain]
    return CHAIN_NOTE if len(set(waves)) < len(waves) else None


def _normal_chain(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("`", "")).strip().rstrip(".").strip()


def order_rules(rb: ir.Runbook) -> list[ir.Prose]:
    """The phase ``order`` rules, without one that only restates the slice order (see :func:`restated_order`)."""
    if rb.phase is None:
        return []
    plain = _normal_chain(chain_text(order_chain(rb, EmitOptions())))
    return [p for p in rb.phase.order if _normal_chain(p.text) != plain]


def restated_order(rb: ir.Runbook) -> ir.Prose | None:
    """The first ``order`` rule that only restates the computed slice order: the packet shows it, as
    written, in place of the computed chain (they say the same; nothing the runbook wrote is dropped)."""
    if rb.phase is None:
        return None
    plain = _normal_chain(chain_text(order_chain(rb, EmitOptions())))
    return next((p for p in rb.phase.order if _normal_chain(p.text) == plain), None)


# ─── prose ───────────────────────────────────────────────────────────────────


def _indent_text(text: str, indent: str) -> str:
    return text.replace("\n", "\n" + indent)


def flatten(
    items: list,
    ordered: bool = True,
    indent: str = "",
    text: Callable[[Any], str] = lambda p: p.text,
    children: Callable[[Any], list] | None = None,
) -> list[dict]:
    """A prose tree as markdown list lines: ``{indent, marker, text, node}``.

    Top-level entries are numbered when ``ordered``; nested ones are bullets.
    The indentation of nested lines follows the width of their parent's marker.
    """
    kids = children or (lambda p: getattr(p, "items", None) or [])
    lines: list[dict] = []
    depth = 0 if not indent else indent.count(" ")  # only compared with 0
    for n, node in enumerate(items, 1):
        marker = f"{n}." if ordered else "-"
        child_indent = indent + " " * (len(marker) + 1)
        lines.append(
            {
                "indent": indent,
                "marker": marker,
                "text": _indent_text(text(node), child_indent),
                "node": node,
                "top": depth == 0,
            }
        )
        lines.extend(flatten(kids(node), False, child_indent, text, children))
    return lines


def tree_lines(nodes: list[dict], ordered: bool = True) -> list[dict]:
    """Flatten dict nodes ``{"text", "children", ...}`` (see :func:`prose_tree`)."""
    return flatten(nodes, ordered, text=lambda n: n["text"], children=lambda n: n["children"])


def prose_tree(p: ir.Prose, kind: str = "item") -> dict:
    return {"kind": kind, "id": p.id, "text": p.text, "children": [prose_tree(i) for i in p.items]}


def prose_block(items: list[ir.Prose], ordered: bool = True) -> list[dict]:
    return flatten(items, ordered)


def implement_block(items: list[ir.Implement], ordered: bool = True) -> list[dict]:
    """A slice's `implement` items; the one that must land last says so."""
    return flatten(items, ordered, text=lambda p: p.text + (" (lands last)" if getattr(p, "last", False) else ""))


# ─── gates ───────────────────────────────────────────────────────────────────


def slice_order(rb: ir.Runbook) -> list[ir.Slice]:
    """The slice order (computed once per runbook: :attr:`phasec.compiler.facts.Facts.slice_order`)."""
    return facts(rb).slice_order


def runner(rb: ir.Runbook) -> str:
    return facts(rb).runner


def has_body(g: ir.Gate) -> bool:
    return Facts.has_body(g)


def invocation(rb: ir.Runbook, g: ir.Gate) -> str | None:
    """``<runner> <script>`` for a gate with a script, else None."""
    return facts(rb).invocation(g)


def _entry(step: GateStep, via: str | None) -> dict:
    """A gate step as a document entry; ``via`` is the gate the body names directly."""
    if step.kind == "run":
        return {"kind": "command", "command": step.text, "gate": via}
    if step.kind == "check":
        return {"kind": "check", "id": step.gate, "text": step.text}
    return {"kind": "unknown", "id": step.gate}


def gate_steps(rb: ir.Runbook, g: ir.Gate) -> list[dict]:
    """A gate's body, one entry per step: run commands, and each used gate as what it runs."""
    return [_entry(step, via) for via, step in facts(rb).gate_body_by_step(g)]


def script_origin(rb: ir.Runbook, g: ir.Gate) -> str | None:
    """Where a gate's script comes from: ``existing`` (``existing`` on the gate, or listed in
    ``scripts { existing }``), ``planned`` (``added_by`` a slice, or a body the runbook defines) or
    ``undefined`` (none of these); None for a gate without a script."""
    if g.kind != "gate" or not g.script:
        return None
    listed = set(rb.scripts.existing) if rb.scripts else set()
    if g.script_origin == "existing" or g.script in listed:
        return "existing"
    if g.script_origin == "planned" or g.script_added_by is not None or has_body(g):
        return "planned"
    return "undefined"


def gate_view(rb: ir.Runbook, g: ir.Gate) -> dict:
    """A named gate as the documents show it: its invocation (if any), title, and steps."""
    if g.kind == "check":
        return {
            "kind": "check",
            "id": g.id,
            "title": None,
            "text": Facts.check_text(g),
            "invocation": None,
            "steps": [],
            "notes": prose_block(g.notes, ordered=False),
        }
    inv = invocation(rb, g)
    if inv is not None and not has_body(g):
        kind = "script"  # a pre-existing script: shown as its invocation only
        steps: list[dict] = []
    elif inv is not None:
        kind = "suite"
        steps = gate_steps(rb, g)
    else:
        kind = "commands"
        steps = gate_steps(rb, g)
    return {
        "kind": kind,
        "id": g.id,
        "title": g.title,
        "text": None,
        "invocation": inv,
        "steps": steps,
        "notes": prose_block(g.notes, ordered=False),
        "origin": script_origin(rb, g),
    }


def exit_gates(rb: ir.Runbook) -> list[dict]:
    """The exit block's gates as :func:`gate_view` dicts (an undeclared id is shown as it is)."""
    out = []
    for ref in rb.exit.gates if rb.exit else []:
        g = facts(rb).gates.get(ref.id)
        if g is not None:
            out.append(gate_view(rb, g))
        else:
            out.append(
                {
                    "kind": "unknown",
                    "id": ref.id,
                    "title": None,
                    "text": None,
                    "invocation": None,
                    "steps": [],
                    "notes": [],
                }
            )
    return out


def binding_view(rb: ir.Runbook, s: ir.Slice, b: ir.GateBinding) -> dict:
    cad = next((c for c in rb.cadences if c.id == b.cadence.id), None)
    items = []
    for item in b.items:
        if item.command is not None:
            items.append({"kind": "command", "command": item.command})
        elif item.gate is not None:
            g = facts(rb).gates.get(item.gate.id)
            items.append(gate_view(rb, g) if g else {"kind": "unknown", "id": item.gate.id})
    executable = any(i["kind"] in ("command", "script", "suite", "commands") for i in items)
    return {
        "cadence": b.cadence.id,
        "title": cad.title if cad and cad.title else b.cadence.id,
        "always": b.always,
        "entries": items,
        "executable": executable,
        # One scripted suite: its invocation heads the list and its steps are the list.
        "single": items[0] if len(items) == 1 and items[0]["kind"] in ("suite", "commands") else None,
    }


def slice_bindings(rb: ir.Runbook, s: ir.Slice, options: EmitOptions) -> dict:
    """A slice's gate bindings, split by path for conditional and branching slices.

    ``always`` holds the bindings that hold on both paths (`always` in a conditional
    slice; everything not marked `when` in a branching one), ``triggered`` and
    ``deferred`` those of one path (``ir.Slice.binding_paths``).
    """
    views = [(binding_view(rb, s, b), s.binding_paths(b)) for b in s.gates]
    if not s.outcome_conditional:
        return {"all": [v for v, _ in views], "always": [], "triggered": [], "deferred": []}
    return {
        "all": [],
        "always": [v for v, p in views if p == ir.PATHS],
        "triggered": [v for v, p in views if p == {"triggered"}] if shows(options, s, "triggered") else [],
        "deferred": [v for v, p in views if p == {"deferred"}] if shows(options, s, "deferred") else [],
    }


def baseline_gates(rb: ir.Runbook) -> tuple[ir.Cadence | None, list[ir.Gate]]:
    """The baseline of the per-commit cadence: named gates every slice's gates for it use.

    The per-commit cadence is ``Facts.per_commit_cadence``.  Over the slices that
    bind named gates to it (at least two), take the gates each slice reaches
    through its bound gates' ``use`` steps (transitively), intersect, drop
    checks, and keep the outermost (those no other common gate uses).
    """
    cad = facts(rb).per_commit_cadence
    if cad is None:
        return None, []
    reach: list[set[str]] = []
    for s in rb.slices:
        roots = [i.gate.id for b in s.gates if b.cadence.id == cad.id for i in b.items if i.gate is not None]
        if roots:
            reach.append(facts(rb).gate_closure(roots))
    if len(reach) < 2:
        return cad, []
    common = set.intersection(*reach)
    common = {gid for gid in common if (g := facts(rb).gates.get(gid)) is not None and g.kind == "gate"}
    used_by_common = set()
    for gid in common:
        used_by_common |= facts(rb).gate_closure([gid]) - {gid}
    keep = common - used_by_common
    return cad, [g for g in rb.gates if g.id in keep and facts(rb).gates.get(g.id) is g]


def command_contract(rb: ir.Runbook) -> list[dict]:
    """The planned scripts: every gate with a script whose body the runbook defines, in declaration order."""
    out = []
    seen: set[str] = set()
    for g in rb.gates:
        if g.kind != "gate" or not g.script or not has_body(g) or g.script in seen:
            continue
        seen.add(g.script)
        parts = [st.text if st.kind == "run" else st.gate for st in facts(rb).gate_body(g)]
        out.append(
            {
                "key": g.script,
                "value": " && ".join(parts),
                "gate": g.id,
                "defined_by": g.defined_by.id if g.defined_by else None,
            }
        )
    return out


# ─── artifacts and agents ────────────────────────────────────────────────────


def produced_by(rb: ir.Runbook, producer: str) -> list[tuple[ir.Outputs, ir.Artifact]]:
    return facts(rb).artifacts_by_producer.get(producer, [])


def artifact_view(rb: ir.Runbook, o: ir.Outputs, a: ir.Artifact, options: EmitOptions) -> dict | None:
    """An artifact as shown; None when it exists only on a path assumed away."""
    producer = facts(rb).slices.get(a.producer.id) if a.producer is not None else None
    if (
        a.conditional
        and producer is not None
        and producer.outcome_conditional
        and not shows(options, producer, "triggered")
    ):
        return None
    return {
        "id": a.id,
        "name": a.name,
        "path": f"{o.root.rstrip('/')}/{a.name}" if o.root else a.name,
        "producer": a.producer.id if a.producer else None,
        "producer_kind": ("slice" if producer is not None else "stage") if a.producer else None,
        "steps": producing_steps(rb, a.id),
        "conditional": a.conditional,
        "either_path": a.either_path,
        "note": a.note,
    }


def producing_steps(rb: ir.Runbook, artifact_id: str) -> list[dict]:
    """The stage steps that name the artifact in ``produces``."""
    return [{"stage": st.id, "number": step.number} for st, step in facts(rb).producing_steps.get(artifact_id, [])]


__all__ = [
    "artifact_path",
    "assumptions",
    "base_context",
    "baseline_gates",
    "binding_view",
    "chain_note",
    "chain_text",
    "command_contract",
    "dependencies",
    "doc_environment",
    "doc_name",
    "flatten",
    "gate_steps",
    "gate_view",
    "order_chain",
    "order_rules",
    "packet_names",
    "phase_id",
    "render",
    "restated_order",
    "script_origin",
    "slice_bindings",
    "slice_order",
    "upper_snake",
]
