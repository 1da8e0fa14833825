"""Per-agent protocol skeletons: one file per agent and ``protocol { artifact ... }`` template.

Names: ``<N>`` is the agent id; ``<OBJECTIVE>`` is the agent's objective in
upper snake case — taken from an ``output`` the agent declares that matches the
template (``output "AGENT_I1_FINAL_STORAGE_LOCK.md"``), else derived from its
responsibility with parenthesised asides dropped (``"C1 + C4 runtime
implementation owner"`` -> ``C1_C4_RUNTIME_IMPLEMENTATION_OWNER``).

Place: ``agents/<root>/`` inside the output folder, where ``<root>`` is the
repo-relative root of the agent's ``outputs`` block:

* for an agent of a ``wave``, the block holding the most artifacts produced in the
  wave (by its stages, by the slices those stages cover, or by their steps' ``produces``;
  ties go to declaration order);
* otherwise (or when nothing of the wave produces an artifact) the planning block:
  the one holding an artifact of the first slice (in slice order), else the first block.

A root that is still absolute after resolution (not under a declared worktree or
repository root) is a machine path: the files then go under ``agents/<outputs id>/``
instead, never under the machine path.

Review: when the runbook has a ``review`` block, the plan skeleton names the stop
and verdict tokens of each slice the agent executes that waits for an approval
(``<AGENT>``/``<SLICE>`` filled in), as the execution packet does per lane.

Roles: the first artifact is the agent's plan (assignment, reading list, then
an empty plan section); an artifact whose id is ``final`` or whose template
has ``<OBJECTIVE>`` is the final document (one ``## <section>`` per protocol
``section``; the last artifact when none qualifies); any other is a log.
"""

from __future__ import annotations

from phasec.compiler import ir
from phasec.compiler.agent_files import PathEscape, agent_root, file_path, names, objective
from phasec.compiler.facts import facts
from phasec.emitters import EmitError, EmitOptions
from phasec.emitters import _documents as d

EMITTER = True
TEMPLATE = "AGENT_ARTIFACT.md.j2"


def review_lanes(rb: ir.Runbook, agent: ir.Agent) -> list[dict]:
    """The agent's slices that wait for an approval, with the review tokens filled in."""
    r = rb.review
    if r is None:
        return []
    from phasec.emitters.execution_packet import fill_agent

    out = []
    for s, _via in d.facts(rb).slices_executed_by.get(agent.id, []):
        if s.approval is None:
            continue
        out.append(
            {
                "slice": s.id,
                "by": s.approval.by.id if s.approval.by else (r.by.id if r.by else None),
                "stop": [fill_agent(t, agent.id, s.id) for t in r.stop],
                "verdicts": [{"verdict": v.verdict, "token": fill_agent(v.token, agent.id, s.id)} for v in r.verdicts],
            }
        )
    return out


def roles(protocol: ir.Protocol) -> dict[str, str]:
    arts = protocol.artifacts
    finals = {a.id for a in arts if a.id == "final" or "<OBJECTIVE>" in a.template}
    if not finals and len(arts) > 1:
        finals = {arts[-1].id}
    out = {}
    for i, a in enumerate(arts):
        out[a.id] = "final" if a.id in finals else "plan" if i == 0 else "log"
    return out


def agent_context(rb: ir.Runbook, agent: ir.Agent) -> dict:
    team = rb.team
    wave = next((w for w in team.waves if agent.id in w.agents), None) if team else None
    f = facts(rb)
    slices = [{"id": s.id, "title": s.title, "via": via} for s, via in f.slices_executed_by.get(agent.id, [])]
    steps = [
        {"stage": st.id, "stage_title": st.title, "kind": step.kind, "text": step.text, "via": via}
        for st, step, via in f.steps_executed_by.get(agent.id, [])
    ]
    reading = [{"path": doc.path, "note": doc.note} for doc in (rb.grounding.docs if rb.grounding else [])]
    equivalents = []
    for lst in rb.introspections:
        if any(r.id == agent.id for r in lst.agents):
            reading += [{"path": doc.path, "note": doc.note} for doc in lst.docs]
            equivalents += [{"name": e.name, "text": e.text} for e in lst.equivalents]
    reading += [{"path": p, "note": None} for p in agent.docs]
    equivalents += [{"name": e.name, "text": e.text} for e in agent.equivalents]
    return {
        "id": agent.id,
        "responsibility": agent.responsibility,
        "wave": {"id": wave.id, "title": wave.title, "stages": [r.id for r in wave.stages]} if wave else None,
        "skills": list(agent.skills),
        "release_after": agent.release_after.id if agent.release_after else None,
        "charter": d.prose_block(agent.charter, ordered=False),
        "notes": d.prose_block(agent.notes, ordered=False),
        "slices": slices,
        "steps": steps,
        "reading": reading,
        "reading_title": rb.grounding.title if rb.grounding and rb.grounding.title else None,
        "equivalents": equivalents,
    }


def emit(rb: ir.Runbook, options: EmitOptions) -> dict[str, str]:
    protocol = rb.protocol
    if protocol is None or not protocol.artifacts or not rb.agents():
        return {}
    role_of = roles(protocol)
    templates = [a.template for a in protocol.artifacts]
    base = d.base_context(rb, options)
    out: dict[str, str] = {}
    for agent in rb.agents():
        obj, obj_source = objective(agent, templates)
        named = names(protocol, agent, obj)
        actx = agent_context(rb, agent)
        actx["review"] = review_lanes(rb, agent)
        root = agent_root(rb, agent)
        root_path = root.root if root is not None else ""
        for a in protocol.artifacts:
            # The root and the name are each kept inside (PC806 semantics), then joined under agents/;
            # the same function as PC815's, which reports two files computed to one path.
            try:
                rel = file_path(root, named[a.id])
            except PathEscape as e:
                raise EmitError(str(e)) from None
            if rel in out:
                raise EmitError(f"two agent protocol files would be written to {rel}")
            ctx = dict(base)
            ctx.update(
                {
                    "agent": actx,
                    "objective": obj,
                    "objective_source": obj_source,
                    "artifact": {
                        "id": a.id,
                        "template": a.template,
                        "note": a.note,
                        "name": named[a.id],
                        "role": role_of[a.id],
                    },
                    "files": [
                        {"id": x.id, "name": named[x.id], "note": x.note, "role": role_of[x.id]}
                        for x in protocol.artifacts
                    ],
                    "root": root_path,
                    "root_id": root.id if root is not None else None,
                    "sections": [{"title": s.title, "note": s.note} for s in protocol.sections],
                    "introspect": protocol.introspect.text if protocol.introspect else None,
                    "rules": d.prose_block(protocol.rules),
                }
            )
            template = [f"AGENT_{d.upper_snake(a.id)}.md.j2", TEMPLATE]
            out[rel] = d.render(options, template, **ctx)
    return out
