"""Where each agent protocol file is written: one source of truth for the
``agent_protocol`` emitter (which writes the files) and rule PC815 (which
reports two files computed to the same path before ``compile`` refuses).

See :mod:`phasec.emitters.agent_protocol` for the naming and placement rules.
"""

from __future__ import annotations

import re
import unicodedata

from phasec.compiler import ir
from phasec.compiler.facts import facts


class PathEscape(ValueError):
    """A path part climbs above its folder (PC806 reports it in the runbook)."""


def upper_snake(text: str) -> str:
    """``"C1 + C4 runtime owner"`` -> ``"C1_C4_RUNTIME_OWNER"`` (ASCII letters and digits only)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^A-Za-z0-9]+", "_", ascii_text).strip("_").upper()


def relpath(*parts: str) -> str:
    """Join path parts into a relative POSIX path inside the folder (absolute prefixes dropped)."""
    segments: list[str] = []
    for part in parts:
        for seg in re.split(r"[\\/]+", part):
            if seg in ("", ".") or seg == "~" or re.fullmatch(r"[A-Za-z]:", seg):
                continue
            if seg == "..":
                if not segments:
                    raise PathEscape(f"output name `{'/'.join(parts)}` leaves the output folder")
                segments.pop()
                continue
            segments.append(seg)
    if not segments:
        raise PathEscape(f"empty output name from `{'/'.join(parts)}`")
    return "/".join(segments)


def planning_root(rb: ir.Runbook) -> ir.Outputs | None:
    f = facts(rb)
    order = f.slice_order
    if order:
        first = order[0].id
        produced = {a.id for _, a in f.artifacts_by_producer.get(first, [])}
        for st in rb.stages:
            only = [r.id for r in st.covers]
            for step in st.steps:
                targets = [r.id for r in step.slices] or (only if len(only) == 1 else [])
                if first in targets:
                    produced |= {r.id for r in step.produces}
        for o in rb.outputs:
            if any(a.id in produced for a in o.artifacts):
                return o
    return rb.outputs[0] if rb.outputs else None


def _is_machine_path(path: str) -> bool:
    return path.startswith(("/", "~", "\\")) or re.match(r"[A-Za-z]:[\\/]", path) is not None


def root_dir(o: ir.Outputs) -> str:
    """Where an outputs block's agent files go, under ``agents/``: its repo-relative root, or its id."""
    return o.id if _is_machine_path(o.root) else relpath(o.root)


def wave_root(rb: ir.Runbook, wave: ir.Wave) -> ir.Outputs | None:
    """The outputs block holding the most artifacts the wave produces (ties: declaration order)."""
    stages = {r.id for r in wave.stages}
    producers = set(stages)
    produced: set[str] = set()
    for st in rb.stages:
        if st.id not in stages:
            continue
        producers |= {r.id for r in st.covers}
        for step in st.steps:
            producers |= {r.id for r in step.slices}
            produced |= {r.id for r in step.produces}
    best, best_count = None, 0
    for o in rb.outputs:
        count = sum(
            1 for a in o.artifacts if a.id in produced or (a.producer is not None and a.producer.id in producers)
        )
        if count > best_count:
            best, best_count = o, count
    return best


def agent_root(rb: ir.Runbook, agent: ir.Agent) -> ir.Outputs | None:
    wave = next((w for w in rb.team.waves if agent.id in w.agents), None) if rb.team else None
    return (wave_root(rb, wave) if wave is not None else None) or planning_root(rb)


def objective(agent: ir.Agent, templates: list[str]) -> tuple[str, str]:
    """(OBJECTIVE, "declared" | "derived")."""
    for template in templates:
        if "<OBJECTIVE>" not in template:
            continue
        parts = re.split(r"(<N>|<OBJECTIVE>)", template)
        rx = "".join(
            re.escape(agent.id) if p == "<N>" else "([A-Z0-9_]+)" if p == "<OBJECTIVE>" else re.escape(p) for p in parts
        )
        for out in agent.outputs:
            m = re.fullmatch(rx, out.rsplit("/", 1)[-1])
            if m:
                return m.group(1), "declared"
    derived = upper_snake(re.sub(r"\([^)]*\)", " ", agent.responsibility)) or upper_snake(agent.responsibility)
    return derived or "OBJECTIVE", "derived"


def names(protocol: ir.Protocol, agent: ir.Agent, obj: str) -> dict[str, str]:
    """Each protocol artifact's file name for ``agent`` (``<N>`` and ``<OBJECTIVE>`` filled in)."""
    return {a.id: a.template.replace("<N>", agent.id).replace("<OBJECTIVE>", obj) for a in protocol.artifacts}


def file_path(root: ir.Outputs | None, name: str) -> str:
    """The file's path in the output folder: ``agents/[<root>/]<name>`` (raises :class:`PathEscape`)."""
    root_path = root.root if root is not None else ""
    return "/".join(["agents", *([root_dir(root)] if root is not None and root_path else []), relpath(name)])


def agent_files(rb: ir.Runbook) -> list[tuple[ir.Agent, ir.ProtocolArtifact, str | None]]:
    """(agent, protocol artifact, path in the output folder or None when it leaves the folder), in write order."""
    protocol = rb.protocol
    if protocol is None or not protocol.artifacts or not rb.agents():
        return []
    templates = [a.template for a in protocol.artifacts]
    out = []
    for agent in rb.agents():
        obj, _ = objective(agent, templates)
        named = names(protocol, agent, obj)
        root = agent_root(rb, agent)
        for a in protocol.artifacts:
            try:
                rel: str | None = file_path(root, named[a.id])
            except PathEscape:
                rel = None
            out.append((agent, a, rel))
    return out
