"""``phasec status`` output: a text table (colour only on a terminal), JSON (status.schema.json), markdown."""

from __future__ import annotations

import json

from phasec.status.model import Report, SliceState

_COLOURS = {
    "merged": "32",
    "approved": "32",
    "ready for review": "36",
    "in progress": "33",
    "blocked": "31",
    "not started": "2",
}


def _branch(st: SliceState) -> str:
    b = st.branch
    if b is None:
        return "-"
    if not b.exists:
        return "absent" + (" (merged)" if b.merged else "")
    if b.merged:
        return f"merged into {b.merged_into}"
    if b.ahead is None:
        return "present"
    return f"+{b.ahead}/-{b.behind} vs {b.parent}"


def _worktree(st: SliceState) -> str:
    w = st.worktree
    if w is None:
        return "-"
    if not w.present:
        return "absent"
    if w.branch != (st.branch.name if st.branch else None):
        return f"has {w.branch or 'detached HEAD'}"
    return "clean" if w.clean else ("dirty" if w.clean is False else "?")


def _gates(st: SliceState) -> str:
    if not st.gates:
        return "-"
    parts = []
    for g in st.gates:
        mark = {"passed": "ok", "stale": "stale", "missing": "-"}[g.status]
        parts.append(f"{g.name}:{mark}")
    return " ".join(parts)


def _approval(st: SliceState) -> str:
    a = st.approval
    if a is None or (not a.required and a.status == "missing"):
        return "-"
    return a.status + (f" ({a.by})" if a.by and a.status != "missing" else "")


def _artifacts(st: SliceState) -> str:
    if not st.artifacts:
        return "-"
    present = sum(a.present for a in st.artifacts)
    lacking = sum(bool(a.missing_sections) for a in st.artifacts)
    return f"{present}/{len(st.artifacts)}" + (f" ({lacking} lacking sections)" if lacking else "")


def _rows(report: Report) -> list[list[str]]:
    rows = []
    for st in report.slices:
        state = st.state + (f" [{st.disposition}]" if st.disposition else "")
        rows.append([st.id, state, _branch(st), _worktree(st), _gates(st), _approval(st), _artifacts(st)])
    return rows


HEADER = ["slice", "state", "branch", "worktree", "gates", "approval", "artifacts"]


def _phase_lines(report: Report) -> list[str]:
    p = report.phase
    lines = [f"startable now: {', '.join(p.startable) or 'none'}"]
    cap = f" of max_active {p.max_active}" if p.max_active is not None else ""
    lines.append(
        f"active agents: {len(p.active_agents)}{cap}" + (f" ({', '.join(p.active_agents)})" if p.active_agents else "")
    )
    for d in p.conditional:
        lines.append(f"conditional {d.slice}: {d.disposition}" + (f" ({d.evidence})" if d.evidence else ""))
    if p.exit_gate is not None:
        e = p.exit_gate
        rec = f"; last pass: {e.record.status}" if e.record else ""
        lines.append(("exit gate: can run" if e.can_run else f"exit gate: not yet ({'; '.join(e.why)})") + rec)
    return lines


def _attested(report: Report) -> list[str]:
    """Who attested each check, and when (current at the slice's tip, or stale)."""
    return [
        f"{st.id} {g.name}: {g.by} at {g.at or '?'}" + ("" if g.status == "passed" else f" ({g.status})")
        for st in report.slices
        for g in st.gates
        if g.kind == "check" and g.status != "missing"
    ]


def _why(report: Report) -> list[str]:
    return [f"{st.id}: {'; '.join(st.why)}" for st in report.slices if st.why]


def render_text(report: Report, colour: bool = False) -> str:
    rows = _rows(report)
    widths = [max(len(r[i]) for r in rows + [HEADER]) for i in range(len(HEADER))]
    out = [f"phase {report.phase.id or '?'} in {report.repo} ({report.tool}, base {report.base or '-'})", ""]

    def line(cells: list[str], state: str | None = None) -> str:
        padded = [c.ljust(w) for c, w in zip(cells, widths, strict=True)]
        if colour and state is not None:
            code = _COLOURS.get(state)
            if code:
                padded[1] = f"\x1b[{code}m{padded[1]}\x1b[0m"
        return "  ".join(padded).rstrip()

    out.append(line(HEADER))
    for st, row in zip(report.slices, rows, strict=True):
        out.append(line(row, st.state))
    out.append("")
    out.extend(_phase_lines(report))
    why = _why(report)
    if why:
        out.append("")
        out.append("waiting:")
        out.extend(f"  {w}" for w in why)
    attested = _attested(report)
    if attested:
        out.append("")
        out.append("attested:")
        out.extend(f"  {a}" for a in attested)
    out.append("")
    if report.drift:
        out.append(f"drift ({len(report.drift)}):")
        for d in report.drift:
            out.append(f"  {d.file}:{d.line}:{d.column}: {d.severity} {d.code}: {d.message}")
    else:
        out.append("no drift")
    return "\n".join(out) + "\n"


def render_json(report: Report) -> str:
    return json.dumps(report.to_json(), indent=2, sort_keys=False) + "\n"


def _md(text: str) -> str:
    return text.replace("|", "\\|")


def render_markdown(report: Report) -> str:
    out = [f"### Phase {report.phase.id or '?'}: status", ""]
    out.append("| " + " | ".join(HEADER) + " |")
    out.append("|" + "---|" * len(HEADER))
    for row in _rows(report):
        out.append("| " + " | ".join(_md(c) for c in row) + " |")
    out.append("")
    out.extend(f"- {_md(line)}" for line in _phase_lines(report))
    why = _why(report)
    if why:
        out.append("")
        out.append("**Waiting**")
        out.append("")
        out.extend(f"- {_md(w)}" for w in why)
    attested = _attested(report)
    if attested:
        out.append("")
        out.append("**Attested**")
        out.append("")
        out.extend(f"- {_md(a)}" for a in attested)
    out.append("")
    if report.drift:
        out.append(f"**Drift ({len(report.drift)})**")
        out.append("")
        out.extend(f"- `{d.file}:{d.line}:{d.column}` {d.code}: {_md(d.message)}" for d in report.drift)
    else:
        out.append("No drift.")
    return "\n".join(out) + "\n"


RENDERERS = {"json": render_json, "markdown": render_markdown}
