"""The typed IR: one pydantic model per construct, every node with its span.

Lowering (``phasec.compiler.lower``) builds it from the bound syntax tree.
References to other declarations are :class:`Ref` nodes (kind + id + span);
name resolution (``phasec.compiler.resolve``) checks them.
"""

from __future__ import annotations

from typing import Any, Literal, NamedTuple, Self

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr

from phasec.source import Span

_setattr = object.__setattr__

#: The closed vocabularies of some fields (the schema's choices; bind checks them).
StepKind = Literal["step", "checkpoint", "guard"]
VerdictKind = Literal["ready", "approved", "changes_requested"]
ProcedureEvent = Literal["slice", "merge", "handoff", "stage"]

#: The two outcomes of a conditional or branching slice.
PATHS: frozenset[str] = frozenset({"triggered", "deferred"})


class EmptyList(list):
    """An empty list that refuses to change: the one value of the IR's empty list fields.

    A 10,000-slice runbook's IR has about 230,000 empty lists (a slice's triggers,
    a file's ``adds``, a prose item's ``items`` ...), 56 bytes each; after lowering
    they are all replaced by :data:`EMPTY` (``pipeline.FieldsSets``).  Sharing one
    list is only correct if nothing appends to it, so every mutating method raises
    ``TypeError`` instead of changing all the nodes at once (tests/test_memory_sharing.py
    runs the whole pipeline and the language server over the corpus with it).
    Code that wants to add to such a field assigns a new list.  A copy, a deep copy
    or a pickle of it is an ordinary empty list; it compares, serialises and
    validates as ``[]``.
    """

    __slots__ = ()

    def _refuse(self, *args: Any, **kwargs: Any) -> Any:
        raise TypeError("an IR node's empty list is shared (ir.EMPTY): assign a new list instead of changing it")

    append = extend = insert = remove = pop = clear = _refuse
    __setitem__ = __delitem__ = __iadd__ = __imul__ = _refuse

    def sort(self, *args: Any, **kwargs: Any) -> None:  # an empty list is sorted
        return None

    def reverse(self) -> None:
        return None

    def copy(self) -> list:
        return []

    def __copy__(self) -> list:
        return []

    def __deepcopy__(self, memo: Any) -> list:
        return []

    def __reduce__(self) -> tuple:
        return (list, ())

    def __repr__(self) -> str:
        return "[]"


#: The shared empty list (see :class:`EmptyList`).
EMPTY = EmptyList()


class _Plan(NamedTuple):
    """How :meth:`Node.model_construct` fills a class's fields (computed once per class)."""

    template: dict[str, Any]  # every field in declaration order: its default (required ones: None, overwritten)
    factories: tuple[tuple[str, Any], ...]  # (name, default factory)
    required: frozenset[str]
    post_init: bool  # private attributes to set up (Runbook's index and facts)


_PLANS: dict[type, _Plan] = {}


def _plan(cls: type[Node]) -> _Plan:
    template: dict[str, Any] = {}
    factories = []
    required = set()
    for name, f in cls.model_fields.items():
        template[name] = None
        if f.default_factory is not None:
            factories.append((name, f.default_factory))
        elif f.is_required():
            required.add(name)
        elif isinstance(f.default, (type(None), bool, int, str)):  # shared as is: must be immutable
            template[name] = f.default
        else:
            raise TypeError(f"{cls.__name__}.{name}: a mutable default needs a default_factory")
    plan = _PLANS[cls] = _Plan(template, tuple(factories), frozenset(required), bool(cls.__pydantic_post_init__))
    return plan


class Node(BaseModel):
    """The base of every IR node.

    The IR is built by lowering from values ``bind`` has already checked, so it is
    constructed *without validation* (:meth:`model_construct`), and the classes
    build their pydantic schemas only when something validates or serialises them
    (``defer_build``: ``--emit ir``, ``Runbook.model_validate``, the JSON schema).
    A lint builds none (issue 12: start-up; tests/test_lint_imports.py checks it),
    and tests/test_ir_construct.py validates the constructed IR of every example,
    fixture and corpus runbook, so a lowering that puts a wrong type into a node
    fails a test.
    """

    model_config = ConfigDict(extra="forbid", defer_build=True)

    span: Span

    @classmethod
    def model_construct(cls, _fields_set: set[str] | None = None, **values: Any) -> Self:  # type: ignore[override]
        """A node from trusted values, without validation (as pydantic's ``model_construct``).

        Unlike pydantic's, it refuses a missing required field or an unknown one
        (``TypeError``: the IR forbids extras), and it is several times faster: the
        fields, defaults and default factories of each class are looked up once.
        The values are used as given: no coercion (an enum stays what was passed, a
        list is not copied).
        """
        plan = _PLANS.get(cls) or _plan(cls)
        if not plan.required <= values.keys():
            raise TypeError(f"{cls.__name__}: missing required field(s) {sorted(plan.required - values.keys())}")
        d = plan.template.copy()
        for name, factory in plan.factories:
            if name not in values:
                d[name] = factory()
        d.update(values)
        if len(d) != len(plan.template):
            raise TypeError(f"{cls.__name__}: unknown field(s) {sorted(values.keys() - plan.template.keys())}")
        m = cls.__new__(cls)
        _setattr(m, "__dict__", d)
        _setattr(m, "__pydantic_fields_set__", set(values) if _fields_set is None else _fields_set)
        _setattr(m, "__pydantic_extra__", None)
        _setattr(m, "__pydantic_private__", None)
        if plan.post_init:
            m.model_post_init(None)
        return m


class Ref(Node):
    """A reference to a declaration: ``kind`` may be a union such as ``stage|slice``."""

    kind: str
    id: str


class Prose(Node):
    """A piece of prose, optionally id'd, with nested items."""

    id: str | None = None
    text: str
    items: list[Prose] = Field(default_factory=list)


class Status(Node):
    """A packet status; ``aspect`` says which one when there are several (planning, handoff, runtime)."""

    value: str
    aspect: str | None = None


class Phase(Node):
    id: str
    title: str
    pass_kind: str | None = None
    summary: list[Prose] = Field(default_factory=list)
    posture: list[str] = Field(default_factory=list)
    locked: list[Prose] = Field(default_factory=list)
    activation: Prose | None = None
    status: str | None = None  # the first status (the only one in most runbooks)
    statuses: list[Status] = Field(default_factory=list)
    assertions: list[Prose] = Field(default_factory=list)
    slice_prefix: str | None = None  # None: the phase id
    landed_through: Ref | None = None
    entrypoint: str | None = None
    objective: Prose | None = None
    entry: list[Prose] = Field(default_factory=list)
    scope: list[Prose] = Field(default_factory=list)
    out_of_scope: list[Prose] = Field(default_factory=list)
    order: list[Prose] = Field(default_factory=list)
    notes: list[Prose] = Field(default_factory=list)


class Branch(Node):
    id: str
    name: str
    name_span: Span
    parent: Ref | None = None  # a declared branch
    parent_name: str | None = None  # or a branch outside the runbook, by name (`from "develop"`)
    choose: str | None = None  # a run-time rule for choosing the parent
    opens_after: Ref | None = None  # the stage after which the branch is opened
    worktree: str | None = None
    create: str | None = None


class Command(Node):
    command: str
    only: bool = False
    per_slice: bool = False


class Merge(Node):
    after_approval: bool = False
    rebase_unmerged: bool = False
    into: str | None = None


class MergeWave(Node):
    id: str
    slices: list[Ref] = Field(default_factory=list)


class Repo(Node):
    tool: str | None = None
    root: str | None = None  # the repository root of a single checkout
    root_span: Span | None = None
    base: str | None = None  # plain git: the base branch
    remote: str = "origin"
    worktrees: str | None = None  # "per_slice" | "none"
    worktree_template: str | None = None
    merge: Merge | None = None
    merge_waves: list[MergeWave] = Field(default_factory=list)
    branches: list[Branch] = Field(default_factory=list)
    slice_base: Ref | None = None
    sync: list[Command] = Field(default_factory=list)
    submit: list[Command] = Field(default_factory=list)
    clean: list[Ref] = Field(default_factory=list)
    end_state: Prose | None = None
    rules: list[Prose] = Field(default_factory=list)
    notes: list[Prose] = Field(default_factory=list)


class Equivalent(Node):
    name: str
    text: str


class Agent(Node):
    id: str
    responsibility: str
    wave: str | None = None
    skills: list[str] = Field(default_factory=list)
    release_after: Ref | None = None
    charter: list[Prose] = Field(default_factory=list)
    outputs: list[str] = Field(default_factory=list)
    docs: list[str] = Field(default_factory=list)
    equivalents: list[Equivalent] = Field(default_factory=list)
    notes: list[Prose] = Field(default_factory=list)


class Wave(Node):
    id: str
    title: str | None = None
    stages: list[Ref] = Field(default_factory=list)
    agents: list[str] = Field(default_factory=list)
    notes: list[Prose] = Field(default_factory=list)


class Lifecycle(Node):
    sweep: Prose | None = None
    classify: list[str] = Field(default_factory=list)
    close: list[Prose] = Field(default_factory=list)
    reuse: list[Prose] = Field(default_factory=list)
    compact: list[Prose] = Field(default_factory=list)
    fresh: list[Prose] = Field(default_factory=list)
    notes: list[Prose] = Field(default_factory=list)


class Team(Node):
    max_active: int | None = None
    max_active_span: Span | None = None
    target_low: int | None = None
    target_high: int | None = None
    agent_type: str | None = None
    waves: list[Wave] = Field(default_factory=list)
    agents: list[Agent] = Field(default_factory=list)
    lifecycle: Lifecycle | None = None
    release: str | None = None  # "after_last_activity" | "at_phase_end"
    release_unless_reused: bool = False
    release_span: Span | None = None
    rules: list[Prose] = Field(default_factory=list)
    notes: list[Prose] = Field(default_factory=list)


class ProtocolArtifact(Node):
    id: str
    template: str
    note: str | None = None


class Section(Node):
    title: str
    note: str | None = None


class Protocol(Node):
    introspect: Prose | None = None
    artifacts: list[ProtocolArtifact] = Field(default_factory=list)
    sections: list[Section] = Field(default_factory=list)
    prompts: list[str] = Field(default_factory=list)
    rules: list[Prose] = Field(default_factory=list)
    notes: list[Prose] = Field(default_factory=list)


class Doc(Node):
    path: str
    note: str | None = None


class DocList(Node):
    title: str | None = None
    agents: list[Ref] = Field(default_factory=list)
    docs: list[Doc] = Field(default_factory=list)
    equivalents: list[Equivalent] = Field(default_factory=list)
    notes: list[Prose] = Field(default_factory=list)


class Artifact(Node):
    id: str
    name: str
    root: str
    producer: Ref | None = None
    conditional: bool = False
    either_path: bool = False
    note: str | None = None
    external: bool = False  # an `input` from outside the phase
    source_phase: str | None = None


class Outputs(Node):
    id: str
    root: str  # repo-relative when written under a declared worktree
    root_span: Span
    root_written: str | None = None
    worktree: str | None = None
    artifacts: list[Artifact] = Field(default_factory=list)
    notes: list[Prose] = Field(default_factory=list)


class Owner(Node):
    handle: str
    title: str | None = None
    backup: Ref | None = None


class Step(Node):
    """One activity of a stage: a step, a checkpoint or a guard."""

    kind: StepKind
    number: int
    text: str
    agents: list[Ref] = Field(default_factory=list)
    slices: list[Ref] = Field(default_factory=list)  # the slices this step carries out
    produces: list[Ref] = Field(default_factory=list)
    submits: Ref | None = None
    items: list[Prose] = Field(default_factory=list)
    group: int | None = None  # index into Stage.groups when the step is in a parallel group


class ParallelGroup(Node):
    title: str | None = None


class Stage(Node):
    id: str
    title: str
    order: int
    covers: list[Ref] = Field(default_factory=list)
    steps: list[Step] = Field(default_factory=list)
    groups: list[ParallelGroup] = Field(default_factory=list)
    notes: list[Prose] = Field(default_factory=list)


class Dependency(Node):
    slice: Ref
    if_triggered: bool = False
    merged: bool = False  # `after X merged`: once X is merged, not only done


class FileRef(Node):
    path: str  # repo-relative when written under a declared worktree
    written: str | None = None  # the path as written, when it was normalised
    worktree: str | None = None  # the branch whose worktree it was under
    new: bool = False
    optional: bool = False
    dir: bool = False
    adds: list[str] = Field(default_factory=list)  # scripts this slice adds to the manifest
    when: str | None = None  # "triggered" | "deferred": only on that path
    note: str | None = None

    @property
    def glob(self) -> bool:
        return any(c in self.path for c in "*?[")


class Acceptance(Node):
    id: str | None = None
    text: str | None = None


class GateItem(Node):
    """One entry of a slice's gate list: a named gate or an inline command."""

    gate: Ref | None = None
    command: str | None = None


class GateBinding(Node):
    cadence: Ref
    items: list[GateItem] = Field(default_factory=list)
    always: bool = False
    when: str | None = None  # "triggered" | "deferred": only on that path


class Signal(Node):
    id: str | None = None
    text: str
    response: str | None = None


class Trigger(Node):
    id: str
    text: str
    gate: Ref | None = None
    precondition: bool = False  # a condition that holds or not, not a scan


class DeferRecord(Node):
    target: Ref
    artifact: Ref | None = None


class Implement(Prose):
    last: bool = False  # this item must land last


class Approval(Node):
    by: Ref | None = None


class Slice(Node):
    id: str
    title: str
    conditional: bool = False  # runs only when triggered
    branching: bool = False  # always runs; its outcome branches
    kind: str | None = None
    objective: Prose | None = None
    agents: list[Ref] = Field(default_factory=list)
    owner: Ref | None = None
    backup: Ref | None = None
    after: list[Dependency] = Field(default_factory=list)
    starts_after: list[Ref] = Field(default_factory=list)  # precondition gates
    approval: Approval | None = None
    prereqs: list[Prose] = Field(default_factory=list)
    branch: str | None = None
    branch_span: Span | None = None
    worktree: str | None = None
    files: list[FileRef] = Field(default_factory=list)
    implement: list[Implement] = Field(default_factory=list)
    accept: list[Acceptance] = Field(default_factory=list)
    gates: list[GateBinding] = Field(default_factory=list)
    requires: list[Ref] = Field(default_factory=list)
    requires_when: dict[str, str] = Field(default_factory=dict)  # artifact id -> "triggered" | "deferred"
    signals: list[Signal] = Field(default_factory=list)
    lenses: list[Ref] = Field(default_factory=list)
    triggers: list[Trigger] = Field(default_factory=list)
    trigger_logic: str = "any"  # "any" | "all"
    always: list[Prose] = Field(default_factory=list)
    triggered: list[Prose] = Field(default_factory=list)
    not_triggered: list[Prose] = Field(default_factory=list)
    defer_records: list[DeferRecord] = Field(default_factory=list)
    notes: list[Prose] = Field(default_factory=list)
    stage: str | None = None  # the stage that covers it (filled by resolution)

    @property
    def outcome_conditional(self) -> bool:
        """Conditional or branching: it has a triggered and a deferred outcome."""
        return self.conditional or self.branching

    def part_paths(self, when: str | None = None, always: bool = False) -> frozenset[str]:
        """The outcomes (``PATHS``) on which a part of the slice (a file, a gate binding, a
        requirement) holds: `when triggered|deferred` names one; in a conditional slice
        everything else is the triggered path unless marked `always`; otherwise both."""
        if when is not None:
            return frozenset({when})
        if self.conditional and not always:
            return frozenset({"triggered"})
        return PATHS

    def binding_paths(self, b: GateBinding) -> frozenset[str]:
        return self.part_paths(b.when, b.always)


class GateStep(Node):
    kind: Literal["run", "use"]
    command: str | None = None
    gates: list[Ref] = Field(default_factory=list)


class Gate(Node):
    id: str
    kind: Literal["gate", "check"] = "gate"
    title: str | None = None
    script: str | None = None
    script_origin: Literal["existing", "planned"] | None = None  # None: undefined (unless the scripts block says)
    script_added_by: Ref | None = None
    script_runs: str | None = None
    steps: list[GateStep] = Field(default_factory=list)
    defined_by: Ref | None = None
    notes: list[Prose] = Field(default_factory=list)


class Scripts(Node):
    runner: str
    manifest: str | None = None
    added_in: list[Ref] = Field(default_factory=list)
    existing: list[str] = Field(default_factory=list)
    notes: list[Prose] = Field(default_factory=list)


class Cadence(Node):
    id: str
    title: str | None = None
    for_kinds: list[str] = Field(default_factory=list)
    on: list[Prose] = Field(default_factory=list)
    notes: list[Prose] = Field(default_factory=list)


class Exit(Node):
    gates: list[Ref] = Field(default_factory=list)
    covers: list[Ref] = Field(default_factory=list)
    require: list[Prose] = Field(default_factory=list)


class Titled(Node):
    """Interfaces, scenarios, invariants, assumptions, deferred items, lenses."""

    id: str
    title: str | None = None
    text: str | None = None
    kind: str | None = None
    items: list[Prose] = Field(default_factory=list)


class Role(Node):
    id: str
    title: str
    agent: Ref | None = None
    duties: list[Prose] = Field(default_factory=list)
    notes: list[Prose] = Field(default_factory=list)


class Verdict(Node):
    verdict: VerdictKind
    token: str


class Review(Node):
    by: Ref | None = None
    stop: list[str] = Field(default_factory=list)
    verdicts: list[Verdict] = Field(default_factory=list)
    rules: list[Prose] = Field(default_factory=list)
    notes: list[Prose] = Field(default_factory=list)


class ProcedureStep(Node):
    text: str
    by: Ref | None = None
    run: str | None = None
    items: list[Prose] = Field(default_factory=list)


class Procedure(Node):
    id: str
    title: str | None = None
    on: ProcedureEvent | None = None
    roles: list[Ref] = Field(default_factory=list)
    steps: list[ProcedureStep] = Field(default_factory=list)
    notes: list[Prose] = Field(default_factory=list)


class OrchestratorCheck(Node):
    command: str
    at: str | None = None


class RegistryField(Node):
    name: str
    text: str | None = None


class Orchestrator(Node):
    duties: list[Prose] = Field(default_factory=list)
    fields: list[RegistryField] = Field(default_factory=list)
    checks: list[OrchestratorCheck] = Field(default_factory=list)
    notes: list[Prose] = Field(default_factory=list)


class Ledger(Node):
    id: str
    title: str
    path: str | None = None
    append_only: bool = False
    fields: list[RegistryField] = Field(default_factory=list)
    states: list[str] = Field(default_factory=list)
    rules: list[Prose] = Field(default_factory=list)
    entries: list[Prose] = Field(default_factory=list)
    notes: list[Prose] = Field(default_factory=list)


class Baseline(Node):
    gates: list[Ref] = Field(default_factory=list)
    items: list[Prose] = Field(default_factory=list)


class Runbook(Node):
    path: str
    sha256: str
    phase: Phase | None = None
    repo: Repo | None = None
    team: Team | None = None
    protocol: Protocol | None = None
    grounding: DocList | None = None
    introspections: list[DocList] = Field(default_factory=list)
    outputs: list[Outputs] = Field(default_factory=list)
    owners: list[Owner] | None = None
    owners_span: Span | None = None
    invariants: list[Titled] = Field(default_factory=list)
    stages: list[Stage] = Field(default_factory=list)
    slices: list[Slice] = Field(default_factory=list)
    gates: list[Gate] = Field(default_factory=list)
    scripts: Scripts | None = None
    cadences: list[Cadence] = Field(default_factory=list)
    exit: Exit | None = None
    interfaces: list[Titled] = Field(default_factory=list)
    scenarios: list[Titled] = Field(default_factory=list)
    assumptions: list[Titled] = Field(default_factory=list)
    deferred: list[Titled] = Field(default_factory=list)
    authority: list[Prose] = Field(default_factory=list)
    lenses: list[Titled] = Field(default_factory=list)
    baseline: Baseline | None = None
    inputs: list[Artifact] = Field(default_factory=list)
    roles: list[Role] = Field(default_factory=list)
    review: Review | None = None
    procedures: list[Procedure] = Field(default_factory=list)
    orchestrator: Orchestrator | None = None
    ledgers: list[Ledger] = Field(default_factory=list)
    notes: list[Prose] = Field(default_factory=list)

    # Convenience lookups (not serialised): id -> position in ``slices``/``gates``
    # (the first declaration of each id).  A hit is verified against the list
    # (O(1)), so an element replaced or removed after the index was built is never
    # returned stale; a miss rebuilds the index once before answering None, so an
    # element added later is found.
    _index: dict | None = PrivateAttr(default=None)
    #: the derived facts (phasec.compiler.facts.facts), computed on first use
    _facts: Any = PrivateAttr(default=None)

    def _rebuild(self) -> dict:
        idx: dict = {"slice": {}, "gate": {}}
        for i, s in enumerate(self.slices):
            idx["slice"].setdefault(s.id, i)
        for i, g in enumerate(self.gates):
            idx["gate"].setdefault(g.id, i)
        self._index = idx
        return idx

    def _lookup(self, kind: str, items: list, ident: str):
        idx = self._index if self._index is not None else self._rebuild()
        pos = idx[kind].get(ident)
        if pos is not None and pos < len(items) and items[pos].id == ident:
            return items[pos]
        pos = self._rebuild()[kind].get(ident)
        return items[pos] if pos is not None else None

    def slice(self, sid: str) -> Slice | None:
        return self._lookup("slice", self.slices, sid)

    def gate(self, gid: str) -> Gate | None:
        return self._lookup("gate", self.gates, gid)

    def artifacts(self) -> list[Artifact]:
        return [a for o in self.outputs for a in o.artifacts]

    def agents(self) -> list[Agent]:
        return list(self.team.agents) if self.team else []


#: The *prose* fields: (class, field) of the IR whose value is free text that only prose rules read.
#: A rule declared ``reads_prose=False`` (``phasec.compiler.rules.base.rule``) reads none of them, and
#: no text of the syntax tree beyond the IR; so when an edit changed only these fields (their content:
#: a value turned empty or no longer empty counts as a structural change), the language server keeps
#: such a rule's findings of the previous version (phasec/lsp/incremental.py, ``RuleReuse``).
#: Chosen per field by what the rules read: a field a structural rule reads (a slice's ``kind``,
#: a protocol artifact's ``template``, a branch's ``choose``) is not prose, even if it is text; nor is
#: an agent's ``responsibility``, which names the agent's protocol files when a template asks for
#: ``<OBJECTIVE>`` (phasec/compiler/agent_files.py; PC815 compares those names).
#: tests/test_rule_prose.py rewrites every prose value of the examples, the corpus runbooks and the
#: rule fixtures and checks that no ``reads_prose=False`` rule finds anything different.
PROSE: frozenset[tuple[type, str]] = frozenset(
    {
        (Prose, "text"),
        (Implement, "text"),
        (Phase, "title"),
        (Wave, "title"),
        (ProtocolArtifact, "note"),
        (Section, "title"),
        (Section, "note"),
        (Doc, "note"),
        (DocList, "title"),
        (Artifact, "note"),
        (Owner, "title"),
        (Step, "text"),
        (ParallelGroup, "title"),
        (Stage, "title"),
        (FileRef, "note"),
        (Acceptance, "text"),
        (Signal, "text"),
        (Signal, "response"),
        (Trigger, "text"),
        (Slice, "title"),
        (Gate, "title"),
        (Cadence, "title"),
        (Titled, "title"),
        (Titled, "text"),
        (Role, "title"),
        (ProcedureStep, "text"),
        (Procedure, "title"),
        (RegistryField, "text"),
        (Ledger, "title"),
        (Equivalent, "text"),
        # a digest of the whole text: every edit changes it, no rule reads it (the emitters do)
        (Runbook, "sha256"),
    }
)
