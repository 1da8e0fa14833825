"""Hover: what an id is, for declarations and references alike; keywords show their signature.

Each kind has a small renderer that reads the IR: an agent's responsibility,
wave and the slices and steps it executes; a slice's title, owner and backup,
dependencies, stage and gates; a gate's invocation, steps, expansion and
defining slice; an owner's title, backup and slices; artifacts, stages,
cadences, branches, lenses and waves.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from lsprotocol import types

from phasec.compiler import ir
from phasec.compiler.facts import GateStep, facts
from phasec.lsp.analysis import Snapshot
from phasec.lsp.index import Occurrence, SymbolIndex

#: At most this many entries of a list are shown (long runbooks have long lists).
LIMIT = 12


def code(text: str) -> str:
    """``text`` as inline Markdown code, whatever backticks it contains."""
    text = text.replace("\n", " ")
    if "`" not in text:
        return f"`{text}`"
    fence = "``" if "``" not in text else "```"
    return f"{fence} {text} {fence}"


def _clip(items: list[str], limit: int = LIMIT) -> str:
    if len(items) > limit:
        return ", ".join(items[:limit]) + f", … ({len(items) - limit} more)"
    return ", ".join(items)


def _bullets(items: list[str], limit: int = LIMIT) -> list[str]:
    out = [f"- {i}" for i in items[:limit]]
    if len(items) > limit:
        out.append(f"- … ({len(items) - limit} more)")
    return out


def _ids(refs: Iterable[ir.Ref]) -> list[str]:
    return [code(r.id) for r in refs]


def _slice_label(rb: ir.Runbook, sid: str) -> str:
    s = rb.slice(sid)
    return f"{code(sid)} {s.title}" if s is not None and s.title else code(sid)


def _stage(rb: ir.Runbook, sid: str) -> ir.Stage | None:
    return next((st for st in rb.stages if st.id == sid), None)


def _step_label(st: ir.Stage, step: ir.Step) -> str:
    text = step.text if len(step.text) <= 80 else step.text[:77] + "…"
    word = {"step": "step", "checkpoint": "checkpoint", "guard": "guard"}[step.kind]
    return f"stage {code(st.id)} {word} {step.number}: {text}"


def gate_invocation(rb: ir.Runbook, g: ir.Gate) -> str | None:
    """How the gate is run as one command (``<runner> <script>``, or its single command), as gates.sh runs it."""
    steps = facts(rb).expand_gate(g.id)
    if len(steps) == 1 and steps[0].kind == "run":
        return steps[0].text
    return None


def _step_line(step: GateStep) -> str:
    if step.kind == "run":
        return step.text
    if step.kind == "check":
        return f"# check {step.gate}" + (f": {step.text}" if step.text != step.gate else "")
    if step.kind == "cycle":
        return f"# cycle: {step.text}"
    return f"# unknown gate {step.gate}"


def gate_expansion(rb: ir.Runbook, g: ir.Gate, limit: int = 20) -> list[str]:
    """The commands the gate runs, in order, through composite suites, at most ``limit``.

    Read from :class:`phasec.compiler.facts.Facts` (the one gate expansion; cycle-safe).
    """
    steps = facts(rb).flatten_gate(g)
    out = [_step_line(st) for st in steps[:limit]]
    if len(steps) > limit:
        out.append(f"# … and {len(steps) - limit} more")
    return out


# -- per kind ---------------------------------------------------------------


def slice_hover(rb: ir.Runbook, s: ir.Slice) -> list[str]:
    head = f"**slice {code(s.id)}** — {s.title}"
    if s.conditional:
        head += " *(conditional)*"
    out = [head]
    facts = []
    if s.kind:
        facts.append(f"kind {code(s.kind)}")
    if s.stage:
        st = _stage(rb, s.stage)
        facts.append(f"stage {code(s.stage)}" + (f" ({st.title})" if st else ""))
    if s.branch:
        facts.append(f"branch {code(s.branch)}")
    if facts:
        out.append(" · ".join(facts))
    if s.objective and s.objective.text:
        out.append(f"\n{s.objective.text}")
    rows = []
    if s.agents:
        rows.append("**agents:** " + _clip([_agent_label(rb, r.id) for r in s.agents]))
    if s.owner:
        owner = "**owner:** " + _owner_label(rb, s.owner.id)
        if s.backup:
            owner += " · **backup:** " + _owner_label(rb, s.backup.id)
        rows.append(owner)
    if s.after:
        rows.append(
            "**after:** " + _clip([code(d.slice.id) + (" (if triggered)" if d.if_triggered else "") for d in s.after])
        )
    dependents = [code(o.id) for o in rb.slices if any(d.slice.id == s.id for d in o.after)]
    if dependents:
        rows.append("**needed by:** " + _clip(dependents))
    for b in s.gates:
        items = [code(i.gate.id) if i.gate else code(i.command or "") for i in b.items]
        rows.append(f"**gate {code(b.cadence.id)}:** " + _clip(items) + (" (always)" if b.always else ""))
    if s.requires:
        rows.append("**requires:** " + _clip(_ids(s.requires)))
    produced = [
        code(a.id) for a in rb.artifacts() if a.producer and a.producer.id == s.id and "slice" in a.producer.kind
    ]
    if produced:
        rows.append("**produces:** " + _clip(produced))
    for t in s.triggers:
        rows.append(f"**trigger {code(t.id)}**" + (f" by {code(t.gate.id)}" if t.gate else "") + f": {t.text}")
    for d in s.defer_records:
        rows.append(
            "**defer recorded in:** " + code(d.target.id) + (f" artifact {code(d.artifact.id)}" if d.artifact else "")
        )
    if s.files:
        rows.append(f"**files:** {len(s.files)}")
    if rows:
        out.append("")
        out.extend(f"- {r}" for r in rows)
    return out


def _agent_label(rb: ir.Runbook, aid: str) -> str:
    a = next((x for x in rb.agents() if x.id == aid), None)
    return f"{code(aid)} ({a.responsibility})" if a and a.responsibility else code(aid)


def _owner_label(rb: ir.Runbook, handle: str) -> str:
    o = next((x for x in rb.owners or [] if x.handle == handle), None)
    return f"{code(handle)} ({o.title})" if o and o.title else code(handle)


def agent_hover(rb: ir.Runbook, a: ir.Agent) -> list[str]:
    out = [f"**agent {code(a.id)}** — {a.responsibility}"]
    facts = []
    if a.wave:
        w = next((w for w in (rb.team.waves if rb.team else []) if w.id == a.wave), None)
        facts.append(f"wave {code(a.wave)}" + (f" ({w.title})" if w and w.title else ""))
        if w and w.stages:
            facts.append("stages " + ", ".join(code(r.id) for r in w.stages))
    if a.skills:
        facts.append("skills " + ", ".join(code(x) for x in a.skills))
    if a.release_after:
        facts.append(f"released after {code(a.release_after.id)}")
    if facts:
        out.append(" · ".join(facts))
    slices = [_slice_label(rb, s.id) for s in rb.slices if any(r.id == a.id for r in s.agents)]
    steps = [_step_label(st, step) for st in rb.stages for step in st.steps if any(r.id == a.id for r in step.agents)]
    out.append("")
    out.append("**executes slices:** " + (_clip(slices) if slices else "none"))
    if steps:
        out.append("")
        out.append("**steps:**")
        out.extend(_bullets(steps))
    for c in a.charter[:3]:
        out.append(f"\n> {c.text}")
    return out


def gate_hover(rb: ir.Runbook, g: ir.Gate) -> list[str]:
    if g.kind == "check":
        out = [f"**check {code(g.id)}** — symbolic closure check (no command)"]
        if g.title:
            out.append(f"\n{g.title}")
    else:
        out = [f"**gate {code(g.id)}**" + (f" — {g.title}" if g.title else "")]
        inv = gate_invocation(rb, g)
        if inv:
            out.append(f"\nruns as {code(inv)}")
        if g.steps:
            out.append("")
            out.append("**steps:**")
            lines = []
            for st in g.steps:
                if st.kind == "run":
                    lines.append(f"run {code(st.command or '')}")
                else:
                    parts = []
                    for r in st.gates:
                        sub = rb.gate(r.id)
                        sub_inv = gate_invocation(rb, sub) if sub else None
                        parts.append(code(r.id) + (f" → {code(sub_inv)}" if sub_inv else ""))
                    lines.append("use " + ", ".join(parts))
            out.extend(_bullets(lines, 20))
        expanded = gate_expansion(rb, g)
        if expanded and (len(expanded) > 1 or not inv or expanded[0] != inv):
            out.append("")
            out.append("**expands to:**")
            out.append("```sh")
            out.extend(expanded)
            out.append("```")
    facts = []
    if g.defined_by:
        facts.append("**defined by:** " + _slice_label(rb, g.defined_by.id))
    elif g.script and rb.scripts and rb.scripts.added_in:
        facts.append("**defined by:** the slices that add the scripts: " + ", ".join(_ids(rb.scripts.added_in)))
    bound = []
    for s in rb.slices:
        for b in s.gates:
            if any(i.gate and i.gate.id == g.id for i in b.items):
                bound.append(f"{code(s.id)} ({b.cadence.id})")
        for t in s.triggers:
            if t.gate and t.gate.id == g.id:
                bound.append(f"{code(s.id)} trigger {code(t.id)}")
    if rb.exit and any(r.id == g.id for r in rb.exit.gates):
        bound.append("the phase exit")
    users = [code(o.id) for o in rb.gates if any(r.id == g.id for st in o.steps for r in st.gates)]
    if bound:
        facts.append("**used by:** " + _clip(bound))
    if users:
        facts.append("**part of:** " + _clip(users))
    if facts:
        out.append("")
        out.extend(f"- {f}" for f in facts)
    return out


def owner_hover(rb: ir.Runbook, handle: str, o: ir.Owner | None) -> list[str]:
    if o is None:
        note = "not in the owners registry" if rb.owners is not None else "no owners registry; declared by use"
        out = [f"**owner {code(handle)}** — *{note}*"]
    else:
        out = [f"**owner {code(handle)}**" + (f" — {o.title}" if o.title else "")]
        if o.backup:
            out.append(f"\nbackup: {_owner_label(rb, o.backup.id)}")
    owned = [_slice_label(rb, s.id) for s in rb.slices if s.owner and s.owner.id == handle]
    backing = [code(s.id) for s in rb.slices if s.backup and s.backup.id == handle]
    backs = [code(x.handle) for x in rb.owners or [] if x.backup and x.backup.id == handle]
    out.append("")
    out.append("- **accountable for:** " + (_clip(owned) if owned else "no slice"))
    if backing:
        out.append("- **backup for slices:** " + _clip(backing))
    if backs:
        out.append("- **backup of owners:** " + _clip(backs))
    return out


def artifact_hover(rb: ir.Runbook, a: ir.Artifact) -> list[str]:
    out = [f"**artifact {code(a.id)}** — {code(a.name)}"]
    root = next((o for o in rb.outputs if o.id == a.root), None)
    if root is not None:
        path = f"{root.root.rstrip('/')}/{a.name}" if root.root else a.name
        out.append(f"\nunder outputs {code(root.id)}: {code(path)}")
    facts = []
    if a.producer:
        pid = a.producer.id
        if rb.slice(pid) is not None and "slice" in a.producer.kind:
            facts.append("**produced by:** slice " + _slice_label(rb, pid))
        else:
            st = _stage(rb, pid)
            facts.append("**produced by:** stage " + code(pid) + (f" ({st.title})" if st else ""))
    if a.conditional:
        facts.append("*conditional*: only on a path that may not run")
    if a.either_path:
        facts.append("*either path*: produced whether or not its conditional slice is triggered")
    steps = [_step_label(st, step) for st in rb.stages for step in st.steps if any(r.id == a.id for r in step.produces)]
    if steps:
        facts.append("**written by:** " + "; ".join(steps[:4]))
    required = [code(s.id) for s in rb.slices if any(r.id == a.id for r in s.requires)]
    if required:
        facts.append("**required by:** " + _clip(required))
    defer = [
        code(s.id)
        for s in rb.slices
        for d in s.defer_records
        if d.target.id == a.id or (d.artifact and d.artifact.id == a.id)
    ]
    if defer:
        facts.append("**records the defer disposition of:** " + _clip(list(dict.fromkeys(defer))))
    if facts:
        out.append("")
        out.extend(f"- {f}" for f in facts)
    if a.note:
        out.append(f"\n{a.note}")
    return out


def stage_hover(rb: ir.Runbook, st: ir.Stage) -> list[str]:
    out = [f"**stage {code(st.id)}** — {st.title} ({st.order + 1} of {len(rb.stages)})"]
    if st.covers:
        out.append("\n**covers:** " + _clip([_slice_label(rb, r.id) for r in st.covers]))
    waves = [code(w.id) for w in (rb.team.waves if rb.team else []) if any(r.id == st.id for r in w.stages)]
    if waves:
        out.append("\n**waves:** " + ", ".join(waves))
    if st.steps:
        out.append("")
        out.append("**steps:**")
        lines = []
        for step in st.steps:
            extra = []
            if step.agents:
                extra.append("by " + " ".join(r.id for r in step.agents))
            if step.slices:
                extra.append("for " + " ".join(r.id for r in step.slices))
            text = step.text if len(step.text) <= 70 else step.text[:67] + "…"
            kind = "" if step.kind == "step" else f"*{step.kind}* "
            par = " ‖" if step.group is not None else ""
            lines.append(f"{step.number}.{par} {kind}{text}" + (f" ({'; '.join(extra)})" if extra else ""))
        out.extend(_bullets(lines, 15))
    return out


def cadence_hover(rb: ir.Runbook, c: ir.Cadence) -> list[str]:
    out = [f"**cadence {code(c.id)}**" + (f" — {c.title}" if c.title else "")]
    if c.for_kinds:
        out.append("\nrequired for slices of kind " + ", ".join(code(k) for k in c.for_kinds))
    if c.on:
        out.append("")
        out.append("**runs:**")
        out.extend(_bullets([o.text for o in c.on]))
    bound = [
        f"{code(s.id)}: " + ", ".join(code(i.gate.id) if i.gate else code(i.command or "") for i in b.items)
        for s in rb.slices
        for b in s.gates
        if b.cadence.id == c.id
    ]
    if bound:
        out.append("")
        out.append("**bindings:**")
        out.extend(_bullets(bound))
    return out


def branch_hover(rb: ir.Runbook, b: ir.Branch) -> list[str]:
    out = [f"**branch {code(b.id)}** — {code(b.name)}"]
    rows = []
    if b.parent:
        parent = next((x for x in rb.repo.branches if x.id == b.parent.id), None) if rb.repo else None
        rows.append(f"**from:** {code(b.parent.id)}" + (f" ({code(parent.name)})" if parent else ""))
    if b.worktree:
        rows.append(f"**worktree:** {code(b.worktree)}")
    if b.create:
        rows.append(f"**created with:** {code(b.create)}")
    if rb.repo and rb.repo.slice_base and rb.repo.slice_base.id == b.id:
        rows.append("**slice base:** slice branches stack on it")
    children = [code(x.id) for x in (rb.repo.branches if rb.repo else []) if x.parent and x.parent.id == b.id]
    if children:
        rows.append("**parent of:** " + ", ".join(children))
    if rb.repo and any(r.id == b.id for r in rb.repo.clean):
        rows.append("must be clean at preflight")
    submits = [
        _step_label(st, step) for st in rb.stages for step in st.steps if step.submits and step.submits.id == b.id
    ]
    if submits:
        rows.append("**submitted by:** " + "; ".join(submits[:4]))
    if rows:
        out.append("")
        out.extend(f"- {r}" for r in rows)
    return out


def lens_hover(rb: ir.Runbook, lens: ir.Titled) -> list[str]:
    out = [f"**lens {code(lens.id)}**" + (f" — {lens.title}" if lens.title else "")]
    if lens.kind:
        out.append(f"\nkind {code(lens.kind)}")
    used = [code(s.id) for s in rb.slices if any(r.id == lens.id for r in s.lenses)]
    out.append("\n**applied by:** " + (_clip(used) if used else "no slice"))
    return out


def wave_hover(rb: ir.Runbook, w: ir.Wave) -> list[str]:
    out = [f"**wave {code(w.id)}**" + (f" — {w.title}" if w.title else "")]
    if w.stages:
        out.append("\n**stages:** " + ", ".join(code(r.id) for r in w.stages))
    if w.agents:
        out.append("\n**agents:** " + _clip([_agent_label(rb, a) for a in w.agents]))
    return out


def describe(rb: ir.Runbook, index: SymbolIndex, occ: Occurrence) -> str:
    kind, ident = occ.kind, occ.id
    node = index.node(kind, ident)
    if kind == "owner":
        lines = owner_hover(rb, ident, node)
    elif node is None:
        what = " or ".join(kind.split("|"))
        lines = [f"**unknown {what}** {code(ident)} — not declared in this runbook"]
    else:
        hovers: dict[str, Callable[..., list[str]]] = {
            "slice": slice_hover,
            "agent": agent_hover,
            "gate": gate_hover,
            "stage": stage_hover,
            "artifact": artifact_hover,
            "cadence": cadence_hover,
            "branch": branch_hover,
            "lens": lens_hover,
            "wave": wave_hover,
        }
        fn = hovers[kind]
        lines = fn(rb, node)
    n_decl = len(index.declarations(kind, ident))
    n_refs = len(index.references(kind, ident))
    if n_decl > 1:
        lines.append(f"\n*declared {n_decl} times*")
    if not occ.decl or n_refs:
        lines.append(f"\n*{n_refs} reference{'s' if n_refs != 1 else ''}*")
    return "\n".join(lines)


def keyword_hover(st, ctx: str, spec) -> str:
    from phasec.compiler.schema import CONTEXTS

    title = CONTEXTS[ctx].title if ctx in CONTEXTS else ctx
    if spec is None:
        return f"{code(st.keyword)} is not a statement of {title}"
    sig = f"{spec.keyword} {spec.sig}".strip()
    lines = [f"```phasec\n{sig}\n```", spec.doc]
    facts = [f"in {title}"]
    if spec.block:
        facts.append("block required" if spec.block_required else "block optional")
    facts.append("may repeat" if spec.many else "at most once")
    if spec.required:
        facts.append("required")
    lines.append("*" + " · ".join(facts) + "*")
    return "\n\n".join(lines)


def repo_state(rb: ir.Runbook, sid: str, path: str | None) -> str:
    """The slice's `phasec status` when the runbook is in the git repository of its phase (else nothing)."""
    from phasec.status.hover import slice_status

    text = slice_status(rb, sid, path)
    return "\n\n---\n" + text if text else ""


def hover(snap: Snapshot, pos: types.Position) -> types.Hover | None:
    line, col = snap.mapper.to_point(pos)
    rb = snap.runbook
    occ = snap.index.at(line, col)
    if occ is not None and rb is not None:
        value = describe(rb, snap.index, occ)
        if occ.kind == "slice" and snap.index.node("slice", occ.id) is not None:
            value += repo_state(rb, occ.id, snap.path)
        return types.Hover(
            contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=value),
            range=snap.mapper.range(occ.span),
        )
    kw = snap.index.keyword_at(line, col)
    if kw is not None:
        st, ctx, spec = kw
        return types.Hover(
            contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=keyword_hover(st, ctx, spec)),
            range=snap.mapper.range(st.keyword_span),
        )
    return None
