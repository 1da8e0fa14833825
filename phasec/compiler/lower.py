"""Lowering: bound statements -> typed IR.

``bind`` has already checked every keyword, value and block against the
schema, so lowering is a direct, total translation: one ``_lower_<thing>``
function per construct.
"""

from __future__ import annotations

from phasec.compiler import ir
from phasec.compiler.bind import Bound
from phasec.grammar.tree import Value
from phasec.source import SourceFile


def _ref(kind: str, v: Value) -> ir.Ref:
    return ir.Ref(kind=kind, id=v.value, span=v.span)


def _refs(kind: str, vs: list[Value]) -> list[ir.Ref]:
    return [_ref(kind, v) for v in vs]


def _prose(b: Bound, text: str = "text", id_: str | None = "id") -> ir.Prose:
    ident = b.get(id_) if id_ else None
    return ir.Prose(
        span=b.span,
        id=ident.value if ident is not None else None,
        text=b.text(text) or "",
        items=[_prose(c) for c in b.kids("item") + b.kids("note")],
    )


def _proses(b: Bound, keyword: str, text: str = "text") -> list[ir.Prose]:
    return [_prose(c, text) for c in b.kids(keyword)]


def _one(b: Bound, keyword: str, text: str = "text") -> ir.Prose | None:
    k = b.kid(keyword)
    return _prose(k, text) if k is not None else None


def _word(b: Bound, keyword: str, name: str) -> str | None:
    k = b.kid(keyword)
    return k.text(name) if k is not None else None


def _lower_phase(b: Bound) -> ir.Phase:
    posture = b.kid("posture")
    return ir.Phase(
        span=b.span,
        id=b.text("id") or "",
        title=b.text("title") or "",
        pass_kind=_word(b, "pass", "kind"),
        summary=_proses(b, "summary"),
        posture=[v.value for v in posture.values("words")] if posture else [],
        locked=_proses(b, "locked"),
        activation=_one(b, "activation"),
        status=_word(b, "status", "status"),
        landed_through=_ref("slice", b.kid("landed_through").get("slice")) if b.kid("landed_through") else None,
        entrypoint=_word(b, "entrypoint", "path"),
        objective=_one(b, "objective"),
        entry=_proses(b, "entry"),
        scope=_proses(b, "scope"),
        out_of_scope=_proses(b, "out_of_scope"),
        order=_proses(b, "order"),
        notes=_proses(b, "note"),
    )


def _lower_repo(b: Bound) -> ir.Repo:
    branches = []
    for k in b.kids("branch"):
        parent = k.clause_value("from", "parent")
        wt = k.clause_value("worktree", "path")
        create = k.clause_value("create", "command")
        name = k.get("name")
        branches.append(
            ir.Branch(
                span=k.span,
                id=k.text("id") or "",
                name=name.value if name else "",
                name_span=name.span if name else k.span,
                parent=_ref("branch", parent) if parent else None,
                worktree=wt.value if wt else None,
                create=create.value if create else None,
            )
        )
    base = b.kid("slice_base")
    clean = b.kid("clean")
    end = b.kid("end_state")
    return ir.Repo(
        span=b.span,
        tool=_word(b, "tool", "name"),
        branches=branches,
        slice_base=_ref("branch", base.get("branch")) if base and base.get("branch") else None,
        sync=[ir.Command(span=k.span, command=k.text("command") or "", only="only" in k.flags) for k in b.kids("sync")],
        submit=[
            ir.Command(span=k.span, command=k.text("command") or "", per_slice="per_slice" in k.flags)
            for k in b.kids("submit")
        ],
        clean=_refs("branch", clean.values("branches")) if clean else [],
        end_state=_prose(end) if end else None,
        rules=_proses(b, "rule"),
        notes=_proses(b, "note"),
    )


def _lower_agent(k: Bound, wave: str | None) -> ir.Agent:
    release = k.clause_value("release_after", "point")
    skills = [v.value for v in k.clause_values("skills", "names")]
    for s in k.kids("skill"):
        skills.extend(v.value for v in s.values("names"))
    return ir.Agent(
        span=k.span,
        id=k.text("id") or "",
        responsibility=k.text("responsibility") or "",
        wave=wave,
        skills=skills,
        release_after=_ref("stage|slice", release) if release else None,
        charter=_proses(k, "charter"),
        outputs=[c.text("template") or "" for c in k.kids("output")],
        docs=[c.text("path") or "" for c in k.kids("doc")],
        equivalents=[ir.Equivalent(span=c.span, name=c.text("name") or "", text=c.text("text") or "") for c in k.kids("equivalent")],
        notes=_proses(k, "note"),
    )


def _lower_team(b: Bound) -> ir.Team:
    agents: list[ir.Agent] = []
    waves: list[ir.Wave] = []
    for c in b.children:
        if c.keyword == "agent":
            agents.append(_lower_agent(c, None))
        elif c.keyword == "wave":
            wid = c.text("id") or ""
            members = [_lower_agent(a, wid) for a in c.kids("agent")]
            agents.extend(members)
            waves.append(
                ir.Wave(
                    span=c.span,
                    id=wid,
                    title=c.text("title"),
                    stages=_refs("stage", c.kid("stages").values("stages")) if c.kid("stages") else [],
                    agents=[a.id for a in members],
                    notes=_proses(c, "note"),
                )
            )
    cap = b.kid("max_active")
    target = b.kid("target")
    life = b.kid("lifecycle")
    lifecycle = None
    if life is not None:
        sweep = life.kid("sweep")
        lifecycle = ir.Lifecycle(
            span=life.span,
            sweep=_prose(sweep) if sweep else None,
            classify=[v.value for v in sweep.clause_values("classify", "states")] if sweep else [],
            close=_proses(life, "close"),
            reuse=_proses(life, "reuse"),
            compact=_proses(life, "compact"),
            fresh=_proses(life, "fresh"),
            notes=_proses(life, "note"),
        )
    high = target.get("high") if target else None
    return ir.Team(
        span=b.span,
        max_active=int(cap.text("n")) if cap else None,
        max_active_span=cap.span if cap else None,
        target_low=int(target.text("low")) if target else None,
        target_high=int(high.value) if high else None,
        agent_type=_word(b, "agent_type", "type"),
        waves=waves,
        agents=agents,
        lifecycle=lifecycle,
        rules=_proses(b, "rule"),
        notes=_proses(b, "note"),
    )


def _lower_protocol(b: Bound) -> ir.Protocol:
    intro = b.kid("introspect")
    return ir.Protocol(
        span=b.span,
        introspect=_prose(intro) if intro else None,
        artifacts=[
            ir.ProtocolArtifact(
                span=k.span,
                id=k.text("id") or "",
                template=k.text("template") or "",
                note=(k.clause_value("note", "text").value if k.clause_value("note", "text") else None),
            )
            for k in b.kids("artifact")
        ],
        sections=[
            ir.Section(
                span=k.span,
                title=k.text("title") or "",
                note=(k.clause_value("note", "text").value if k.clause_value("note", "text") else None),
            )
            for k in b.kids("section")
        ],
        rules=_proses(b, "rule"),
        notes=_proses(b, "note"),
    )


def _lower_docs(b: Bound, agents: list[ir.Ref]) -> ir.DocList:
    return ir.DocList(
        span=b.span,
        title=b.text("title"),
        agents=agents,
        docs=[
            ir.Doc(
                span=k.span,
                path=k.text("path") or "",
                note=(k.clause_value("note", "text").value if k.clause_value("note", "text") else None),
            )
            for k in b.kids("doc")
        ],
        equivalents=[ir.Equivalent(span=k.span, name=k.text("name") or "", text=k.text("text") or "") for k in b.kids("equivalent")],
        notes=_proses(b, "note"),
    )


def _lower_outputs(b: Bound) -> ir.Outputs:
    oid = b.text("id") or ""
    root = b.get("root")
    arts = []
    for k in b.kids("artifact"):
        by = k.clause_value("by", "producer")
        arts.append(
            ir.Artifact(
                span=k.span,
                id=k.text("id") or "",
                name=k.text("name") or "",
                root=oid,
                producer=_ref("slice|stage", by) if by else None,
                conditional="conditional" in k.flags,
                either_path="either_path" in k.flags,
                note=(k.clause_value("note", "text").value if k.clause_value("note", "text") else None),
            )
        )
    return ir.Outputs(
        span=b.span,
        id=oid,
        root=root.value if root else "",
        root_span=root.span if root else b.span,
        artifacts=arts,
        notes=_proses(b, "note"),
    )


def _lower_stage(b: Bound, order: int) -> ir.Stage:
    steps: list[ir.Step] = []
    groups: list[ir.ParallelGroup] = []

    def step(k: Bound, group: int | None) -> ir.Step:
        return ir.Step(
            span=k.span,
            kind=k.keyword,  # type: ignore[arg-type]
            number=len(steps) + 1,
            text=k.text("text") or "",
            agents=_refs("agent", k.clause_values("by", "agents")),
            slices=_refs("slice", k.clause_values("for", "slices")),
            produces=_refs("artifact", k.clause_values("produces", "artifacts")),
            submits=_ref("branch", k.clause_value("submits", "branch")) if k.clause_value("submits", "branch") else None,
            items=[_prose(c) for c in k.kids("item") + k.kids("note")],
            group=group,
        )

    for c in b.children:
        if c.keyword in ("step", "checkpoint", "guard"):
            steps.append(step(c, None))
        elif c.keyword == "parallel":
            groups.append(ir.ParallelGroup(span=c.span, title=c.text("title")))
            for k in c.kids("step"):
                steps.append(step(k, len(groups) - 1))
    return ir.Stage(
        span=b.span,
        id=b.text("id") or "",
        title=b.text("title") or "",
        order=order,
        covers=[_ref("slice", v) for k in b.kids("covers") for v in k.values("slices")],
        steps=steps,
        groups=groups,
        notes=_proses(b, "note"),
    )


def _lower_slice(b: Bound) -> ir.Slice:
    owner = b.kid("owner")
    agent = b.kid("agent")
    branch = b.kid("branch")
    lens = b.kid("lens")
    backup = owner.clause_value("backup", "b") if owner else None
    gates = []
    for k in b.kids("gate"):
        items = []
        for v in k.values("gates"):
            if v.kind == "string":
                items.append(ir.GateItem(span=v.span, command=v.value))
            else:
                items.append(ir.GateItem(span=v.span, gate=_ref("gate", v)))
        gates.append(
            ir.GateBinding(span=k.span, cadence=_ref("cadence", k.get("cadence")), items=items, always="always" in k.flags)
        )
    defer = []
    for k in b.kids("defer_record"):
        a = k.clause_value("artifact", "a")
        defer.append(
            ir.DeferRecord(span=k.span, target=_ref("slice|artifact", k.get("target")), artifact=_ref("artifact", a) if a else None)
        )
    return ir.Slice(
        span=b.span,
        id=b.text("id") or "",
        title=b.text("title") or "",
        conditional="conditional" in b.flags,
        kind=_word(b, "kind", "kind"),
        objective=_one(b, "objective"),
        agents=_refs("agent", agent.values("agents")) if agent else [],
        owner=_ref("owner", owner.get("owner")) if owner and owner.get("owner") else None,
        backup=_ref("owner", backup) if backup else None,
        after=[
            ir.Dependency(span=v.span, slice=_ref("slice", v), if_triggered="if_triggered" in k.flags)
            for k in b.kids("after")
            for v in k.values("slices")
        ],
        prereqs=_proses(b, "prereq"),
        branch=branch.text("name") if branch else None,
        branch_span=branch.get("name").span if branch and branch.get("name") else None,
        files=[
            ir.FileRef(
                span=k.span,
                path=k.text("path") or "",
                new="new" in k.flags,
                optional="optional" in k.flags,
                dir="dir" in k.flags,
                note=(k.clause_value("note", "text").value if k.clause_value("note", "text") else None),
            )
            for k in b.kids("file")
        ],
        implement=_proses(b, "implement"),
        accept=[ir.Acceptance(span=k.span, id=k.text("id"), text=k.text("text")) for k in b.kids("accept")],
        gates=gates,
        requires=[_ref("artifact", v) for k in b.kids("requires") for v in k.values("artifacts")],
        signals=[
            ir.Signal(
                span=k.span,
                text=k.text("text") or "",
                response=(k.clause_value("response", "r").value if k.clause_value("response", "r") else None),
            )
            for k in b.kids("signal")
        ],
        lenses=_refs("lens", lens.values("lenses")) if lens else [],
        triggers=[
            ir.Trigger(
                span=k.span,
                id=k.text("id") or "",
                text=k.text("text") or "",
                gate=_ref("gate", k.clause_value("by", "gate")) if k.clause_value("by", "gate") else None,
            )
            for k in b.kids("trigger")
        ],
        always=_proses(b, "always"),
        triggered=_proses(b, "triggered"),
        not_triggered=_proses(b, "not_triggered"),
        defer_records=defer,
        notes=_proses(b, "note"),
    )


def _lower_gate(b: Bound) -> ir.Gate:
    steps = []
    if b.get("command") is not None:
        steps.append(ir.GateStep(span=b.get("command").span, kind="run", command=b.text("command")))
    for k in b.children:
        if k.keyword == "run":
            steps.append(ir.GateStep(span=k.span, kind="run", command=k.text("command")))
        elif k.keyword == "use":
            steps.append(ir.GateStep(span=k.span, kind="use", gates=_refs("gate", k.values("gates"))))
    d = b.kid("defined_by")
    return ir.Gate(
        span=b.span,
        id=b.text("id") or "",
        title=_word(b, "title", "text"),
        script=_word(b, "script", "name"),
        steps=steps,
        defined_by=_ref("slice", d.get("slice")) if d and d.get("slice") else None,
        notes=_proses(b, "note"),
    )


def _titled(b: Bound, *, title: str | None = "title", text: str | None = "text") -> ir.Titled:
    kind = b.clause_value("kind", "k")
    return ir.Titled(
        span=b.span,
        id=b.text("id") or "",
        title=b.text(title) if title else None,
        text=b.text(text) if text else None,
        kind=kind.value if kind else None,
        items=[_prose(c) for c in b.kids("item") + b.kids("note")],
    )


def lower(bound: list[Bound], src: SourceFile) -> ir.Runbook:
    """Build the IR from the bound top-level statements."""
    rb = ir.Runbook(span=src.span(0, len(src.text)), path=src.path, sha256=src.sha256)
    for b in bound:
        kw = b.keyword
        if kw == "phase":
            rb.phase = _lower_phase(b)
        elif kw == "repo":
            rb.repo = _lower_repo(b)
        elif kw == "team":
            rb.team = _lower_team(b)
        elif kw == "protocol":
            rb.protocol = _lower_protocol(b)
        elif kw == "grounding":
            rb.grounding = _lower_docs(b, [])
        elif kw == "introspect":
            rb.introspections.append(_lower_docs(b, _refs("agent", b.values("agents"))))
        elif kw == "outputs":
            rb.outputs.append(_lower_outputs(b))
        elif kw == "owners":
            rb.owners_span = b.span
            rb.owners = [
                ir.Owner(
                    span=k.span,
                    handle=k.text("handle") or "",
                    title=k.text("title"),
                    backup=_ref("owner", k.clause_value("backup", "b")) if k.clause_value("backup", "b") else None,
                )
                for k in b.kids("owner")
            ]
        elif kw == "invariant":
            rb.invariants.append(_titled(b, title=None))
        elif kw == "stage":
            rb.stages.append(_lower_stage(b, len(rb.stages)))
        elif kw == "slice":
            rb.slices.append(_lower_slice(b))
        elif kw == "gate":
            rb.gates.append(_lower_gate(b))
        elif kw == "check":
            rb.gates.append(ir.Gate(span=b.span, id=b.text("id") or "", kind="check", title=b.text("text")))
        elif kw == "scripts":
            added = b.kid("added_in")
            rb.scripts = ir.Scripts(
                span=b.span,
                runner=_word(b, "runner", "command") or "",
                manifest=_word(b, "manifest", "path"),
                added_in=_refs("slice", added.values("slices")) if added else [],
                notes=_proses(b, "note"),
            )
        elif kw == "cadence":
            rb.cadences.append(
                ir.Cadence(
                    span=b.span,
                    id=b.text("id") or "",
                    title=b.text("title"),
                    for_kinds=[v.value for v in b.clause_values("for", "kinds")],
                    on=_proses(b, "on"),
                    notes=_proses(b, "note"),
                )
            )
        elif kw == "exit":
            g = b.kid("gate")
            c = b.kid("covers")
            rb.exit = ir.Exit(
                span=b.span,
                gates=_refs("gate", g.values("gates")) if g else [],
                covers=_refs("slice", c.values("slices")) if c else [],
                require=_proses(b, "require"),
            )
        elif kw == "interface":
            rb.interfaces.append(_titled(b, text=None))
        elif kw == "scenario":
            rb.scenarios.append(_titled(b))
        elif kw == "assumption":
            rb.assumptions.append(_titled(b, title=None))
        elif kw == "deferred":
            rb.deferred.append(_titled(b, title=None))
        elif kw == "authority":
            rb.authority = [_prose(k) for k in b.kids("source")]
        elif kw == "lens":
            rb.lenses.append(_titled(b, text=None))
        elif kw == "note":
            rb.notes.append(_prose(b))
    return rb
