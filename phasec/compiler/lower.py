"""Lowering: bound statements -> typed IR.

``bind`` has already checked every keyword, value and block against the
schema, so lowering is a direct, total translation: one ``_lower_<thing>``
function per construct.  It builds the nodes with ``model_construct``, without
pydantic validation (phasec/compiler/ir.py, ``Node``): the values are already
checked, and a lint then builds no pydantic schema (issue 12, start-up).
tests/test_ir_construct.py validates what lowering builds for every example,
fixture and corpus runbook.
"""

from __future__ import annotations

from typing import Literal, cast

from phasec.compiler import ir
from phasec.compiler.bind import Bound
from phasec.compiler.schema import CONTEXTS
from phasec.grammar.tree import HANDLE, STRING, Value
from phasec.source import SourceFile


def _ref(kind: str, v: Value) -> ir.Ref:
    return ir.Ref.model_construct(kind=kind, id=v.value, span=v.span)


def _opt_ref(kind: str, v: Value | None) -> ir.Ref | None:
    return _ref(kind, v) if v is not None else None


def _need(v: Value | None) -> Value:
    """A value the grammar requires (the statement cannot parse without it)."""
    if v is None:
        raise ValueError("a required value is missing (the grammar requires it)")
    return v


def _refs(kind: str, vs: list[Value]) -> list[ir.Ref]:
    return [_ref(kind, v) for v in vs]


def _items(b: Bound) -> list[ir.Prose]:
    """The nested prose of a statement whose block is a prose list (`item`, `note`)."""
    if b.spec.block is None:
        return []
    allowed = CONTEXTS[b.spec.block].statements
    return [_prose(c) for c in b.children if c.keyword in ("item", "note") and c.keyword in allowed]


def _prose(b: Bound, text: str = "text") -> ir.Prose:
    """A prose statement: its text, its id when its signature has one, its nested items."""
    has_id = "id" in b.spec.signature.param_names
    return ir.Prose.model_construct(
        span=b.span, id=b.text("id") if has_id else None, text=b.text(text) or "", items=_items(b)
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
    return ir.Phase.model_construct(
        span=b.span,
        id=b.text("id") or "",
        title=b.text("title") or "",
        pass_kind=_word(b, "pass", "kind"),
        summary=_proses(b, "summary"),
        posture=[v.value for v in posture.values("words")] if posture else [],
        locked=_proses(b, "locked"),
        activation=_one(b, "activation"),
        status=_word(b, "status", "status"),
        statuses=[
            ir.Status.model_construct(span=k.span, value=k.text("status") or "", aspect=k.clause_text("for", "aspect"))
            for k in b.kids("status")
        ],
        assertions=_proses(b, "assert"),
        slice_prefix=_word(b, "slice_prefix", "prefix"),
        landed_through=_opt_ref("slice", landed.get("slice")) if (landed := b.kid("landed_through")) else None,
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
        after = k.clause_value("opens_after", "stage")
        name = k.get("name")
        branches.append(
            ir.Branch.model_construct(
                span=k.span,
                id=k.text("id") or "",
                name=name.value if name else "",
                name_span=name.span if name else k.span,
                parent=_ref("branch", parent) if parent and parent.kind != STRING else None,
                parent_name=parent.value if parent and parent.kind == STRING else None,
                choose=k.clause_text("choose", "rule"),
                opens_after=_ref("stage", after) if after else None,
                worktree=k.clause_text("worktree", "path"),
                create=k.clause_text("create", "command"),
            )
        )
    root = b.kid("root")
    base = b.kid("base")
    wts = b.kid("worktrees")
    merge = b.kid("merge")
    slice_base = b.kid("slice_base")
    clean = b.kid("clean")
    end = b.kid("end_state")
    return ir.Repo.model_construct(
        span=b.span,
        tool=_word(b, "tool", "name"),
        root=root.text("path") if root else None,
        root_span=path.span if root and (path := root.get("path")) else None,
        base=base.text("name") if base else None,
        remote=(base.clause_text("remote", "r") if base else None) or "origin",
        worktrees=wts.text("mode") if wts else None,
        worktree_template=wts.clause_text("at", "template") if wts else None,
        merge=ir.Merge.model_construct(
            span=merge.span,
            after_approval=merge.has("after_approval"),
            rebase_unmerged=merge.has("rebase_unmerged"),
            into=merge.clause_text("into", "target"),
        )
        if merge
        else None,
        merge_waves=[
            ir.MergeWave.model_construct(span=k.span, id=k.text("id") or "", slices=_refs("slice", k.values("slices")))
            for k in b.kids("merge_wave")
        ],
        branches=branches,
        slice_base=_opt_ref("branch", slice_base.get("branch")) if slice_base else None,
        sync=[
            ir.Command.model_construct(span=k.span, command=k.text("command") or "", only=k.has("only"))
            for k in b.kids("sync")
        ],
        submit=[
            ir.Command.model_construct(span=k.span, command=k.text("command") or "", per_slice=k.has("per_slice"))
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
    return ir.Agent.model_construct(
        span=k.span,
        id=k.text("id") or "",
        responsibility=k.text("responsibility") or "",
        wave=wave,
        skills=skills,
        release_after=_ref("stage|slice", release) if release else None,
        charter=_proses(k, "charter"),
        outputs=[c.text("template") or "" for c in k.kids("output")],
        docs=[c.text("path") or "" for c in k.kids("doc")],
        equivalents=[
            ir.Equivalent.model_construct(span=c.span, name=c.text("name") or "", text=c.text("text") or "")
            for c in k.kids("equivalent")
        ],
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
                ir.Wave.model_construct(
                    span=c.span,
                    id=wid,
                    title=c.text("title"),
                    stages=_refs("stage", st.values("stages")) if (st := c.kid("stages")) else [],
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
        lifecycle = ir.Lifecycle.model_construct(
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
    release = b.kid("release")
    return ir.Team.model_construct(
        span=b.span,
        max_active=int(_need(cap.get("n")).value) if cap else None,
        max_active_span=cap.span if cap else None,
        target_low=int(_need(target.get("low")).value) if target else None,
        target_high=int(high.value) if high else None,
        agent_type=_word(b, "agent_type", "type"),
        waves=waves,
        agents=agents,
        lifecycle=lifecycle,
        release=release.text("rule") if release else None,
        release_unless_reused=release.has("unless_reused") if release else False,
        release_span=release.span if release else None,
        rules=_proses(b, "rule"),
        notes=_proses(b, "note"),
    )


def _lower_protocol(b: Bound) -> ir.Protocol:
    intro = b.kid("introspect")
    return ir.Protocol.model_construct(
        span=b.span,
        introspect=_prose(intro) if intro else None,
        artifacts=[
            ir.ProtocolArtifact.model_construct(
                span=k.span,
                id=k.text("id") or "",
                template=k.text("template") or "",
                note=k.clause_text("note", "text"),
            )
            for k in b.kids("artifact")
        ],
        sections=[
            ir.Section.model_construct(
                span=k.span,
                title=k.text("title") or "",
                note=k.clause_text("note", "text"),
            )
            for k in b.kids("section")
        ],
        prompts=[k.text("template") or "" for k in b.kids("prompt")],
        rules=_proses(b, "rule"),
        notes=_proses(b, "note"),
    )


def _lower_docs(b: Bound, agents: list[ir.Ref]) -> ir.DocList:
    return ir.DocList.model_construct(
        span=b.span,
        title=b.text("title") if "title" in b.spec.signature.param_names else None,
        agents=agents,
        docs=[
            ir.Doc.model_construct(
                span=k.span,
                path=k.text("path") or "",
                note=k.clause_text("note", "text"),
            )
            for k in b.kids("doc")
        ],
        equivalents=[
            ir.Equivalent.model_construct(span=k.span, name=k.text("name") or "", text=k.text("text") or "")
            for k in b.kids("equivalent")
        ],
        notes=_proses(b, "note"),
    )


def _lower_outputs(b: Bound) -> ir.Outputs:
    oid = b.text("id") or ""
    root = b.get("root")
    arts = []
    for k in b.kids("artifact"):
        by = k.clause_value("by", "producer")
        arts.append(
            ir.Artifact.model_construct(
                span=k.span,
                id=k.text("id") or "",
                name=k.text("name") or "",
                root=oid,
                producer=_ref("slice|stage", by) if by else None,
                conditional=k.has("conditional"),
                either_path=k.has("either_path"),
                note=k.clause_text("note", "text"),
            )
        )
    return ir.Outputs.model_construct(
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
        has = k.spec.signature.clause  # guards take no `by`/`for`, checkpoints no `produces`/`submits`
        submits = k.clause_value("submits", "branch") if has("submits") else None
        return ir.Step.model_construct(
            span=k.span,
            kind=cast(ir.StepKind, k.keyword),  # step, checkpoint or guard (the loop below)
            number=len(steps) + 1,
            text=k.text("text") or "",
            agents=_refs("agent|role", k.clause_values("by", "agents")) if has("by") else [],
            slices=_refs("slice", k.clause_values("for", "slices")) if has("for") else [],
            produces=_refs("artifact", k.clause_values("produces", "artifacts")) if has("produces") else [],
            submits=_ref("branch|slice", submits) if submits else None,
            items=_items(k),
            group=group,
        )

    for c in b.children:
        if c.keyword in ("step", "checkpoint", "guard"):
            steps.append(step(c, None))
        elif c.keyword == "parallel":
            groups.append(ir.ParallelGroup.model_construct(span=c.span, title=c.text("title")))
            for k in c.kids("step"):
                steps.append(step(k, len(groups) - 1))
    return ir.Stage.model_construct(
        span=b.span,
        id=b.text("id") or "",
        title=b.text("title") or "",
        order=order,
        covers=[_ref("slice", v) for k in b.kids("covers") for v in k.values("slices")],
        steps=steps,
        groups=groups,
        notes=_proses(b, "note"),
    )


def _owner_ref(v: Value) -> ir.Ref:
    """An `@handle` is an owner; a bare name is an agent or a role."""
    return _ref("owner" if v.kind == HANDLE else "agent|role", v)


def _lower_slice(b: Bound) -> ir.Slice:
    owner = b.kid("owner")
    agent = b.kid("agent")
    branch = b.kid("branch")
    lens = b.kid("lens")
    approval = b.kid("approval")
    backup = owner.clause_value("backup", "b") if owner else None
    gates = []
    for k in b.kids("gate"):
        items = []
        for v in k.values("gates"):
            if v.kind == "string":
                items.append(ir.GateItem.model_construct(span=v.span, command=v.value))
            else:
                items.append(ir.GateItem.model_construct(span=v.span, gate=_ref("gate", v)))
        gates.append(
            ir.GateBinding.model_construct(
                span=k.span,
                cadence=_ref("cadence", _need(k.get("cadence"))),
                items=items,
                always=k.has("always"),
                when=k.clause_text("when", "cond"),
            )
        )
    defer = []
    for k in b.kids("defer_record"):
        a = k.clause_value("artifact", "a")
        defer.append(
            ir.DeferRecord.model_construct(
                span=k.span,
                target=_ref("slice|artifact", _need(k.get("target"))),
                artifact=_ref("artifact", a) if a else None,
            )
        )
    return ir.Slice.model_construct(
        span=b.span,
        id=b.text("id") or "",
        title=b.text("title") or "",
        conditional=b.has("conditional"),
        branching=b.has("branching"),
        kind=_word(b, "kind", "kind"),
        objective=_one(b, "objective"),
        agents=_refs("agent|role", agent.values("agents")) if agent else [],
        owner=_owner_ref(who) if owner and (who := owner.get("owner")) else None,
        backup=_owner_ref(backup) if backup else None,
        after=[
            ir.Dependency.model_construct(
                span=v.span, slice=_ref("slice", v), if_triggered=k.has("if_triggered"), merged=k.has("merged")
            )
            for k in b.kids("after")
            for v in k.values("slices")
        ],
        starts_after=[_ref("gate", v) for k in b.kids("starts_after") for v in k.values("gates")],
        approval=ir.Approval.model_construct(
            span=approval.span, by=_opt_ref("role|agent", approval.clause_value("by", "who"))
        )
        if approval
        else None,
        prereqs=_proses(b, "prereq"),
        branch=branch.text("name") if branch else None,
        branch_span=branch_name.span if branch and (branch_name := branch.get("name")) else None,
        worktree=branch.clause_text("worktree", "path") if branch else None,
        files=[
            ir.FileRef.model_construct(
                span=k.span,
                path=k.text("path") or "",
                new=k.has("new"),
                optional=k.has("optional"),
                dir=k.has("dir"),
                adds=[v.value for v in k.clause_values("adds", "scripts")],
                when=k.clause_text("when", "cond"),
                note=k.clause_text("note", "text"),
            )
            for k in b.kids("file")
        ],
        implement=[
            ir.Implement.model_construct(
                span=k.span,
                id=k.text("id"),
                text=k.text("text") or "",
                items=_items(k),
                last=k.has("last"),
            )
            for k in b.kids("implement")
        ],
        accept=[
            ir.Acceptance.model_construct(span=k.span, id=k.text("id"), text=k.text("text")) for k in b.kids("accept")
        ],
        gates=gates,
        requires=[_ref("artifact", v) for k in b.kids("requires") for v in k.values("artifacts")],
        requires_when={
            v.value: when
            for k in b.kids("requires")
            if (when := k.clause_text("when", "cond"))
            for v in k.values("artifacts")
        },
        signals=[
            ir.Signal.model_construct(
                span=k.span,
                id=k.text("id"),
                text=k.text("text") or "",
                response=k.clause_text("response", "r"),
            )
            for k in b.kids("signal")
        ],
        lenses=_refs("lens", lens.values("lenses")) if lens else [],
        triggers=[
            ir.Trigger.model_construct(
                span=k.span,
                id=k.text("id") or "",
                text=k.text("text") or "",
                gate=_opt_ref("gate", k.clause_value("by", "gate")),
                precondition=k.has("precondition"),
            )
            for k in b.kids("trigger")
        ],
        trigger_logic=_word(b, "trigger_logic", "mode") or "any",
        always=_proses(b, "always"),
        triggered=_proses(b, "triggered"),
        not_triggered=_proses(b, "not_triggered"),
        defer_records=defer,
        notes=_proses(b, "note"),
    )


def _lower_gate(b: Bound) -> ir.Gate:
    steps = []
    if b.get("command") is not None:
        steps.append(
            ir.GateStep.model_construct(span=_need(b.get("command")).span, kind="run", command=b.text("command"))
        )
    for k in b.children:
        if k.keyword == "run":
            steps.append(ir.GateStep.model_construct(span=k.span, kind="run", command=k.text("command")))
        elif k.keyword == "use":
            steps.append(ir.GateStep.model_construct(span=k.span, kind="use", gates=_refs("gate", k.values("gates"))))
    d = b.kid("defined_by")
    script = b.kid("script")
    added_by = script.clause_value("added_by", "slice") if script else None
    origin: Literal["existing", "planned"] | None = None
    if script is not None and script.has("existing"):
        origin = "existing"
    elif script is not None and (added_by is not None or script.has("runs")):
        origin = "planned"
    return ir.Gate.model_construct(
        span=b.span,
        id=b.text("id") or "",
        title=_word(b, "title", "text"),
        script=_word(b, "script", "name"),
        script_origin=origin,
        script_added_by=_ref("slice", added_by) if added_by else None,
        script_runs=script.clause_text("runs", "command") if script else None,
        steps=steps,
        defined_by=_opt_ref("slice", d.get("slice")) if d else None,
        notes=_proses(b, "note"),
    )


def _titled(b: Bound, *, title: str | None = "title", text: str | None = "text") -> ir.Titled:
    kind = b.clause_value("kind", "k") if b.spec.signature.clause("kind") else None
    return ir.Titled.model_construct(
        span=b.span,
        id=b.text("id") or "",
        title=b.text(title) if title else None,
        text=b.text(text) if text else None,
        kind=kind.value if kind else None,
        items=_items(b),
    )


def _lower_review(b: Bound) -> ir.Review:
    by = b.kid("by")
    who = by.get("who") if by else None
    return ir.Review.model_construct(
        span=b.span,
        by=_ref("role|agent", who) if who else None,
        stop=[k.text("token") or "" for k in b.kids("stop")],
        verdicts=[
            ir.Verdict.model_construct(
                span=k.span, verdict=cast(ir.VerdictKind, k.text("verdict")), token=k.text("token") or ""
            )
            for k in b.kids("verdict")
        ],
        rules=_proses(b, "rule"),
        notes=_proses(b, "note"),
    )


def _lower_procedure(b: Bound) -> ir.Procedure:
    return ir.Procedure.model_construct(
        span=b.span,
        id=b.text("id") or "",
        title=b.text("title"),
        on=cast("ir.ProcedureEvent | None", b.clause_text("on", "event")),
        roles=_refs("role|agent", b.clause_values("for", "roles")),
        steps=[
            ir.ProcedureStep.model_construct(
                span=k.span,
                text=k.text("text") or "",
                by=_opt_ref("role|agent", k.clause_value("by", "who")),
                run=k.clause_text("run", "command"),
                items=_items(k),
            )
            for k in b.kids("step")
        ],
        notes=_proses(b, "note"),
    )


def lower(bound: list[Bound], src: SourceFile, reuse=None, into: ir.Runbook | None = None) -> ir.Runbook:
    """Build the IR from the bound top-level statements.

    ``reuse(b, lower_fn)``: gives the node of a top-level slice or gate (by default
    ``lower_fn(b)``); the language server passes one that reuses the nodes of
    statements it lowered before (phasec/lsp/incremental.py).  A ``reuse`` whose
    ``statements`` attribute is true is asked for every other top-level statement
    too: ``lower_fn(b)`` then gives the :class:`Part` ``b`` alone contributes
    (:func:`add_part` adds it).  ``into``: the runbook to lower into (default: a new one).
    """
    one = reuse or (lambda b, fn: fn(b))
    alone = getattr(reuse, "statements", False)
    rb = (
        into
        if into is not None
        else ir.Runbook.model_construct(span=src.span(0, len(src.text)), path=src.path, sha256=src.sha256)
    )
    if alone:
        # Every statement through ``reuse`` (the language server): slices and gates are its nodes,
        # the others the parts they contribute, added in order as lowering in place would.
        many = getattr(reuse, "lower_all", None)
        if many is not None:  # the same, in one loop of the reuse's own
            many(bound, rb, _lower_slice, _lower_gate, _lower_part(src))
            return rb
        slices, gates = rb.slices, rb.gates
        for b in bound:
            kw = b.stmt.keyword
            if kw == "slice":
                slices.append(one(b, _lower_slice))
            elif kw == "gate":
                gates.append(one(b, _lower_gate))
            else:
                add_part(rb, one(b, _lower_part(src)))
        return rb
    for b in bound:
        kw = b.keyword
        if alone and kw != "slice" and kw != "gate":
            add_part(
                rb,
                one(
                    b, lambda b: Part(lower([b], src, into=ir.Runbook.model_construct(span=b.span, path="", sha256="")))
                ),
            )
        elif kw == "phase":
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
                ir.Owner.model_construct(
                    span=k.span,
                    handle=k.text("handle") or "",
                    title=k.text("title"),
                    backup=_opt_ref("owner", k.clause_value("backup", "b")),
                )
                for k in b.kids("owner")
            ]
        elif kw == "invariant":
            rb.invariants.append(_titled(b, title=None))
        elif kw == "stage":
            rb.stages.append(_lower_stage(b, len(rb.stages)))
        elif kw == "slice":
            rb.slices.append(one(b, _lower_slice))
        elif kw == "gate":
            rb.gates.append(one(b, _lower_gate))
        elif kw == "check":
            rb.gates.append(
                ir.Gate.model_construct(span=b.span, id=b.text("id") or "", kind="check", title=b.text("text"))
            )
        elif kw == "scripts":
            added = b.kid("added_in")
            rb.scripts = ir.Scripts.model_construct(
                span=b.span,
                runner=_word(b, "runner", "command") or "",
                manifest=_word(b, "manifest", "path"),
                added_in=_refs("slice", added.values("slices")) if added else [],
                existing=[v.value for k in b.kids("existing") for v in k.values("names")],
                notes=_proses(b, "note"),
            )
        elif kw == "cadence":
            rb.cadences.append(
                ir.Cadence.model_construct(
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
            rb.exit = ir.Exit.model_construct(
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
        elif kw == "baseline":
            rb.baseline = ir.Baseline.model_construct(
                span=b.span, gates=_refs("gate", b.values("gates")), items=_items(b)
            )
        elif kw == "input":
            rb.inputs.append(
                ir.Artifact.model_construct(
                    span=b.span,
                    id=b.text("id") or "",
                    name=b.text("name") or "",
                    root="",
                    external=True,
                    source_phase=b.clause_text("from", "phase"),
                    note=b.clause_text("note", "text"),
                )
            )
        elif kw == "role":
            a = b.clause_value("agent", "a")
            rb.roles.append(
                ir.Role.model_construct(
                    span=b.span,
                    id=b.text("id") or "",
                    title=b.text("title") or "",
                    agent=_ref("agent", a) if a else None,
                    duties=_proses(b, "duty"),
                    notes=_proses(b, "note"),
                )
            )
        elif kw == "review":
            rb.review = _lower_review(b)
        elif kw == "procedure":
            rb.procedures.append(_lower_procedure(b))
        elif kw == "orchestrator":
            rb.orchestrator = ir.Orchestrator.model_construct(
                span=b.span,
                duties=_proses(b, "duty"),
                fields=[
                    ir.RegistryField.model_construct(span=k.span, name=k.text("name") or "", text=k.text("text"))
                    for k in b.kids("field")
                ],
                checks=[
                    ir.OrchestratorCheck.model_construct(
                        span=k.span, command=k.text("command") or "", at=k.clause_text("at", "when")
                    )
                    for k in b.kids("check")
                ],
                notes=_proses(b, "note"),
            )
        elif kw == "ledger":
            states = b.kid("states")
            rb.ledgers.append(
                ir.Ledger.model_construct(
                    span=b.span,
                    id=b.text("id") or "",
                    title=b.text("title") or "",
                    path=b.clause_text("in", "path"),
                    append_only=b.has("append_only"),
                    fields=[
                        ir.RegistryField.model_construct(span=k.span, name=k.text("name") or "", text=k.text("text"))
                        for k in b.kids("field")
                    ],
                    states=[v.value for v in states.values("names")] if states else [],
                    rules=_proses(b, "rule"),
                    entries=_proses(b, "entry"),
                    notes=_proses(b, "note"),
                )
            )
        elif kw == "note":
            rb.notes.append(_prose(b))
    return rb


def _lower_part(src: SourceFile):
    """``b`` -> the :class:`Part` it alone contributes to a runbook."""
    return lambda b: Part(lower([b], src, into=ir.Runbook.model_construct(span=b.span, path="", sha256="")))


_NOT_PARTS = frozenset({"span", "path", "sha256"})


class Part:
    """What one top-level statement lowered alone (``lower([b], src, into=...)``) contributes to a
    runbook: ``entries``, (field, value, assigned) for each field it set (``assigned``: the
    statement sets the field, the last one wins) or appended to (a non-empty list)."""

    __slots__ = ("entries",)

    def __init__(self, rb: ir.Runbook):
        assigned = rb.__pydantic_fields_set__
        self.entries = [
            (name, v, name in assigned)
            for name, v in rb.__dict__.items()
            if name not in _NOT_PARTS and (name in assigned or (v.__class__ is list and v))
        ]

    def nodes(self):
        """The IR nodes the part puts into a runbook."""
        for _, v, _ in self.entries:
            if isinstance(v, list):
                yield from v
            elif isinstance(v, ir.Node):
                yield v


def add_part(rb: ir.Runbook, part: Part) -> None:
    """Add to ``rb`` what one top-level statement contributes, as lowering it in place would: the
    fields it assigned replace ``rb``'s (the last statement wins), the nodes it appended are
    appended.  A stage gets its position among ``rb``'s stages: when it differs, a copy, kept in
    ``part`` for the next time (``part`` is a container no runbook holds; the stage it held is
    not changed).  tests/test_lsp_incremental.py compares with lowering in place."""
    d = rb.__dict__
    for k, (name, v, assigned) in enumerate(part.entries):
        if assigned:
            setattr(rb, name, v)
            continue
        if name == "stages" and any(s.order != len(d["stages"]) + i for i, s in enumerate(v)):
            n = len(d["stages"])
            v = [s.model_copy(update={"order": n + i}) for i, s in enumerate(v)]
            part.entries[k] = (name, v, False)
        d[name].extend(v)
