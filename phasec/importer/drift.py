"""`phasec lint RUNBOOK.phc --packet DIR`: check a hand-written packet against the runbook.

For teams that keep editing a hand-written packet after adopting phasec.  The
runbook's work breakdown is generated (the same emitter as `phasec compile`)
and compared, key by key, with the packet's ``*_WORKBREAKDOWN.yaml``: slices
present in one and not the other, titles, owners, backups, dependencies,
objectives, paths, trigger criteria, statuses and gate lists.  The cadence
events of the acceptance gates and the branches of the execution packet are
compared with the runbook's.  Each difference is a PC952 warning at the
runbook's statement, with the packet's ``file:line`` as a related location.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from phasec.diagnostics import Diagnostic, Related, Severity
from phasec.source import Span

if TYPE_CHECKING:
    from phasec.compiler import ir


def _flat(node: object, prefix: str, acc: dict) -> dict:
    if isinstance(node, dict):
        for k, v in node.items():
            _flat(v, f"{prefix}.{k}" if prefix else str(k), acc)
    elif isinstance(node, list) and node and all(isinstance(x, dict) and "id" in x for x in node):
        for x in node:
            acc[f"{prefix}.{x['id']}"] = True
            _flat({k: v for k, v in x.items() if k != "id"}, f"{prefix}.{x['id']}", acc)
    elif isinstance(node, list) and node and all(isinstance(x, dict) and "path" in x for x in node):
        acc[prefix] = sorted(str(x["path"]) for x in node)
    else:
        acc[prefix] = node
    return acc


def flatten(workbreakdown: dict) -> dict:
    """Leaf key -> value: slices by id, file lists as sorted paths (what two work breakdowns are compared on)."""
    return _flat(workbreakdown, "", {})


def _span(path: str, line: int, width: int = 1) -> Span:
    return Span(file=path, line=max(1, line), column=1, end_line=max(1, line), end_column=1 + max(1, width))


def drift_check(runbook: ir.Runbook, phc_path: str, packet_dir: str) -> tuple[list[Diagnostic], dict]:
    """The packet's disagreements with a compiled runbook, and the packet's texts (for rendering)."""
    import yaml

    from phasec.emitters import EmitOptions
    from phasec.emitters import workbreakdown as wb
    from phasec.importer.packet import read_packet
    from phasec.source import SourceFile

    pk = read_packet(packet_dir)
    sources = {p: SourceFile(p, t) for p, t in pk.texts.items()}
    out: list[Diagnostic] = []
    for d in pk.diags:
        out.append(
            Diagnostic(
                code=d.code,
                severity=Severity.ERROR,
                message=d.message,
                span=_span(getattr(d, "path", packet_dir), d.line),
            )
        )
    slice_span = {s.id: s.span for s in runbook.slices}
    phase_span = runbook.phase.span if runbook.phase else _span(phc_path, 1)

    def where(key: str) -> Span:
        parts = key.split(".")
        if len(parts) > 1 and parts[0] in ("slices", "gates") and parts[1] in slice_span:
            return slice_span[parts[1]]
        return phase_span

    def add(message: str, span: Span, related: list[tuple[str, int, str]]) -> None:
        out.append(
            Diagnostic(
                code="PC952",
                severity=Severity.WARNING,
                message=message,
                span=span,
                related=[Related(span=_span(f, ln), message=m) for f, ln, m in related],
                help="bring the packet and the runbook back into agreement (the runbook is the source)",
            )
        )

    if pk.yaml and pk.yaml_path is not None:  # both are set together, when the packet has a work breakdown
        emitted = yaml.safe_load(
            next(v for k, v in wb.emit(runbook, EmitOptions()).items() if k.endswith("_WORKBREAKDOWN.yaml"))
        )
        mine, theirs = flatten(emitted), flatten(pk.yaml)
        ypath = pk.yaml_path
        for key in sorted(set(theirs) | set(mine), key=lambda k: (k.split(".")[:2], k)):
            a, b = mine.get(key), theirs.get(key)
            if a == b or (key not in theirs and a is not True):
                continue  # what the packet's format does not carry is not a disagreement
            if key not in mine and b in (None, [], False):
                continue
            line = pk.yaml_lines.get(key) or pk.yaml_lines.get(".".join(key.split(".")[:2]), 1)
            if a is True and key not in theirs:
                add(
                    f"{key}: in the runbook, not in the packet", where(key), [(ypath, 1, "the packet's work breakdown")]
                )
            elif b is True and key not in mine:
                add(f"{key}: in the packet, not in the runbook", where(key), [(ypath, line, "here in the packet")])
            elif a is True or b is True:
                continue
            else:
                add(
                    f"{key}: {_show(a)} in the runbook, {_show(b)} in the packet",
                    where(key),
                    [(ypath, line, "the packet's value")],
                )
    for cid, (events, loc) in pk.cadences.items():
        cad = next((c for c in runbook.cadences if c.id == cid), None)
        if cad is not None and cad.on and len(cad.on) != len(events):
            add(
                f"cadence {cid}: {len(cad.on)} event(s) in the runbook, {len(events)} in the packet",
                cad.span,
                [(loc.file, loc.line, "the packet's events")],
            )
    if runbook.repo is not None and pk.branches:
        names = {n for _, n, _ in pk.branches}
        for br in runbook.repo.branches:
            if br.name not in names and not re.search(r"^(main|master|develop)$", br.name):
                first = pk.branches[0][2]
                add(
                    f"branch `{br.name}` is not among the packet's branches ({', '.join(sorted(names))})",
                    br.span,
                    [(first.file, first.line, "the packet's branches")],
                )
    out.sort(key=Diagnostic.sort_key)
    return out, sources


def _show(v: object) -> str:
    text = repr(v) if not isinstance(v, str) else f'"{v}"'
    return text if len(text) <= 80 else text[:79] + "…"
