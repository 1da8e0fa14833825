"""The phasec language: which statements exist, where, and what they take.

The grammar (phasec/grammar/phasec.lark) only knows the generic shape
``keyword value... [{ block }]``.  This module is the language itself: for each
context (the file, a ``phase`` block, a ``slice`` block, ...) the statements it
allows, each with a *signature* describing its values.  ``bind`` checks every
statement against it; ``lower`` builds the typed IR from what was bound.

Signature mini-language (space separated)::

    name:type      a required value
    name:type?     an optional value (taken when the next value has that type)
    name:type*     zero or more values;  name:type+  one or more
    [word]         an optional flag:     ``after C4 if_triggered``
    [word p:type]  an optional clause:   ``owner @a backup @b``

Types: ``id`` (a name or number being declared), ``name``, ``str`` (a quoted
string), ``int``, ``handle`` (``@owner``); references ``@slice``, ``@agent``,
``@gate``, ``@stage``, ``@owner``, ``@artifact``, ``@cadence``, ``@branch``,
``@lens``, ``@role``; and unions such as ``@gate|str``.  ``name=a,b`` is a name
that must be one of the listed words (``trigger_logic mode:name=any,all``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache, cached_property, lru_cache

#: Reference kinds and the value kinds that spell them.
REF_KINDS = ("slice", "agent", "gate", "stage", "owner", "artifact", "cadence", "branch", "lens", "wave", "role")


@dataclass(frozen=True)
class Param:
    name: str
    types: tuple[str, ...]  # e.g. ("@gate", "str")
    quant: str = ""  # "", "?", "*", "+"
    choices: tuple[str, ...] = ()  # for ``name=a,b``: the words allowed

    @property
    def many(self) -> bool:
        return self.quant in ("*", "+")

    @property
    def optional(self) -> bool:
        return self.quant in ("?", "*")

    def describe(self) -> str:
        words = {
            "id": "an identifier",
            "name": "a name",
            "str": "a quoted string",
            "int": "a whole number",
            "handle": "an owner handle (`@name`)",
        }
        if self.choices:
            return "one of " + ", ".join(f"`{c}`" for c in self.choices)
        parts = []
        for t in self.types:
            if t.startswith("@"):
                parts.append(f"{t[1:]} id" if t != "@owner" else "an owner handle")
            else:
                parts.append(words.get(t, t))
        return " or ".join(parts)


@dataclass(frozen=True)
class Clause:
    word: str
    params: tuple[Param, ...]


@dataclass(frozen=True)
class Signature:
    params: tuple[Param, ...]
    clauses: tuple[Clause, ...]
    text: str

    @cached_property
    def param_names(self) -> frozenset[str]:
        return frozenset(p.name for p in self.params)

    def clause(self, word: str) -> Clause | None:
        for c in self.clauses:
            if c.word == word:
                return c
        return None


def _param(tok: str) -> Param:
    name, _, types = tok.partition(":")
    quant = ""
    if types and types[-1] in "?*+":
        quant = types[-1]
        types = types[:-1]
    types, _, choices = types.partition("=")
    return Param(name, tuple(types.split("|")), quant, tuple(choices.split(",")) if choices else ())


@cache
def parse_signature(text: str) -> Signature:
    params: list[Param] = []
    clauses: list[Clause] = []
    i = 0
    toks = text.replace("[", " [ ").replace("]", " ] ").split()
    while i < len(toks):
        tok = toks[i]
        if tok == "[":
            j = toks.index("]", i)
            word, *rest = toks[i + 1 : j]
            clauses.append(Clause(word, tuple(_param(t) for t in rest)))
            i = j + 1
            continue
        params.append(_param(tok))
        i += 1
    return Signature(tuple(params), tuple(clauses), text)


@dataclass(frozen=True)
class Stmt:
    """One statement of the language."""

    keyword: str
    sig: str
    doc: str
    block: str | None = None  # the context of its block, if it may have one
    block_required: bool = False
    many: bool = False
    required: bool = False

    @property
    def signature(self) -> Signature:
        return parse_signature(self.sig)


@dataclass
class Context:
    name: str
    title: str
    statements: dict[str, Stmt] = field(default_factory=dict)


def _ctx(name: str, title: str, *stmts: Stmt) -> Context:
    return Context(name, title, {s.keyword: s for s in stmts})


NOTE = Stmt("note", "text:str", "Free prose that belongs here but fits no other statement.", block="items", many=True)
ITEM = Stmt("item", "id:id? text:str", "One entry of a prose list; may nest further items.", block="items", many=True)

CONTEXTS: dict[str, Context] = {}


def _register(*ctxs: Context) -> None:
    for c in ctxs:
        CONTEXTS[c.name] = c


_register(
    _ctx(
        "file",
        "top level",
        Stmt(
            "phase",
            "id:id title:str",
            "The phase this runbook carries: its id and title.",
            block="phase",
            required=True,
        ),
        Stmt("repo", "", "Branches, worktrees, sync and submission rules, end state.", block="repo"),
        Stmt("team", "", "The agent team: cap, concurrency target, waves, agents, lifecycle.", block="team"),
        Stmt(
            "protocol", "", "The mandatory agent protocol: artifact templates, final sections, rules.", block="protocol"
        ),
        Stmt("grounding", "title:str?", "The grounding corpus every agent reads.", block="docs", block_required=True),
        Stmt(
            "introspect",
            "agents:@agent+",
            "Workflow documents the named agents must introspect.",
            block="docs",
            block_required=True,
            many=True,
        ),
        Stmt(
            "outputs",
            "id:id root:str",
            "An artifact root and the artifacts produced under it.",
            block="outputs",
            block_required=True,
            many=True,
        ),
        Stmt(
            "owners",
            "",
            "The owners registry: accountable handles and their backups.",
            block="owners",
            block_required=True,
        ),
        Stmt("invariant", "id:id text:str?", "An invariant, declared once.", block="items", many=True),
        Stmt(
            "stage",
            "id:id title:str",
            "An ordered stage of the execution flow.",
            block="stage",
            block_required=True,
            many=True,
        ),
        Stmt(
            "slice",
            "id:id title:str [conditional] [branching]",
            "A slice of work. `conditional`: runs only when triggered; `branching`: always runs, "
            "and its outcome branches (its `when triggered` parts run only when triggered).",
            block="slice",
            block_required=True,
            many=True,
        ),
        Stmt(
            "gate", "id:id command:str?", "A named gate: commands, a composite suite, or both.", block="gate", many=True
        ),
        Stmt("check", "id:id text:str?", "A symbolic closure check (a gate with no command).", many=True),
        Stmt(
            "scripts",
            "",
            "The command contract: how gate scripts are run and where they live.",
            block="scripts",
            block_required=True,
        ),
        Stmt(
            "cadence",
            "id:id title:str? [for kinds:name+]",
            "When a gate class runs; `for` makes it required for slices of those kinds.",
            block="cadence",
            many=True,
        ),
        Stmt("exit", "", "The phase exit gate.", block="exit", block_required=True),
        Stmt("interface", "id:id title:str", "A change to public APIs, interfaces or types.", block="items", many=True),
        Stmt("scenario", "id:id title:str text:str?", "A test scenario.", block="items", many=True),
        Stmt("assumption", "id:id text:str", "An assumption or default.", block="items", many=True),
        Stmt("deferred", "id:id text:str?", "An item deferred out of this phase (non-blocking).", many=True),
        Stmt(
            "authority", "", "The arbitration authority order, highest first.", block="authority", block_required=True
        ),
        Stmt(
            "lens",
            "id:id title:str [kind k:name]",
            "A review or structural lens (`kind review|structural`).",
            block="items",
            many=True,
        ),
        Stmt(
            "baseline",
            "gates:@gate+",
            "The always-on baseline gate chain (e.g. drift core): declared once, run with every quick gate, never computed away.",
            block="items",
        ),
        Stmt(
            "input",
            "id:id name:str [from phase:str] [note text:str]",
            "An artifact from outside this phase (e.g. a previous phase's output) that `requires` may name.",
            many=True,
        ),
        Stmt(
            "role",
            "id:id title:str [agent a:@agent]",
            "A role (the steward, the reviewer, ...): defined once, referenced by id.",
            block="role",
            many=True,
        ),
        Stmt(
            "review",
            "",
            "The review protocol: stop tokens, reviewer verdicts, who reviews.",
            block="review",
            block_required=True,
        ),
        Stmt(
            "procedure",
            "id:id title:str? [on event:name=slice,merge,handoff,stage] [for roles:@role|@agent+]",
            "A procedure written once and applied at every event (`on slice`: after each slice; `on merge`: after each merge).",
            block="procedure",
            block_required=True,
            many=True,
        ),
        Stmt(
            "orchestrator",
            "",
            "The orchestrator's own protocol: duties, registry fields, checks at each handoff.",
            block="orchestrator",
            block_required=True,
        ),
        Stmt(
            "ledger",
            "id:id title:str [in path:str] [append_only]",
            "A shared log the agents write to (instruction log, progress ledger, signoff): its file, fields, states, rules and entries.",
            block="ledger",
            block_required=True,
            many=True,
        ),
        NOTE,
    ),
    _ctx(
        "phase",
        "phase",
        Stmt("pass", "kind:name", "The pass kind: planning, implementation, prep, runtime, ..."),
        Stmt("summary", "text:str", "A summary paragraph.", many=True),
        Stmt("posture", "words:name+", "Posture words, e.g. `forward_only continuous_wave`."),
        Stmt("locked", "id:id? text:str", "A locked choice that may not be re-opened.", block="items", many=True),
        Stmt("activation", "text:str", "When execution of the runbook begins."),
        Stmt(
            "status",
            "status:name [for aspect:name]",
            "A packet status, e.g. `planning_ready_pending_steward_review`; several with `for planning|handoff|runtime|...`.",
            many=True,
        ),
        Stmt("assert", "text:str", "A phase-level mandatory assertion.", block="items", many=True),
        Stmt("slice_prefix", "prefix:str", 'The prefix slice ids carry (default: the phase id); `""` for none.'),
        Stmt("landed_through", "slice:@slice", "The last slice landed (for an as-landed packet)."),
        Stmt("entrypoint", "path:str", "The packet's single entrypoint document."),
        Stmt("objective", "text:str", "The phase objective."),
        Stmt("entry", "text:str", "An entry-state condition.", many=True),
        Stmt("scope", "text:str", "In scope.", many=True),
        Stmt("out_of_scope", "text:str", "Out of scope.", many=True),
        Stmt("order", "text:str", "An execution-order rule for the start-here list.", many=True),
        NOTE,
    ),
    _ctx(
        "repo",
        "repo",
        Stmt("tool", "name:name", "The branch tool: `git` or `graphite`."),
        Stmt(
            "branch",
            "id:id name:str [from parent:@branch|str] [choose rule:str] [opens_after stage:@stage] [worktree path:str] [create command:str]",
            "A named branch: its parent (a declared branch or a branch name), a run-time rule for choosing the parent, "
            "the stage after which it is opened, its worktree and creation command.",
            many=True,
        ),
        Stmt(
            "root",
            "path:str",
            "The repository root of a single checkout: absolute paths under it are made repo-relative.",
        ),
        Stmt(
            "base",
            "name:str [remote r:name]",
            "Plain git: the base branch slice worktrees are created from and merged into (`remote`: default `origin`).",
        ),
        Stmt(
            "worktrees",
            "mode:name=per_slice,none [at template:str]",
            'Plain git: one worktree per slice (`at "../wt-<SLICE>"`), or none.',
        ),
        Stmt(
            "merge",
            "[after_approval] [rebase_unmerged] [into target:str]",
            "How slice branches merge: only after approval; after each merge rebase the lanes not yet merged.",
        ),
        Stmt(
            "merge_wave",
            "id:id slices:@slice+",
            "A merge wave: orders merges without being a barrier for the work.",
            many=True,
        ),
        Stmt("slice_base", "branch:@branch", "The branch that slice branches stack on."),
        Stmt("sync", "command:str [only]", "The sync command (`only`: no other sync is allowed).", many=True),
        Stmt(
            "submit",
            "command:str [per_slice]",
            "The submit command (`per_slice`: each closed slice branch).",
            many=True,
        ),
        Stmt("clean", "branches:@branch+", "Preflight: these branches and their worktrees must be clean."),
        Stmt("end_state", "text:str", "The end-state rule."),
        Stmt("rule", "text:str", "Another branch or submission rule.", many=True),
        NOTE,
    ),
    _ctx(
        "team",
        "team",
        Stmt("max_active", "n:int", "The most agents active at once.", required=True),
        Stmt("target", "low:int high:int?", "The concurrency target (a number or a range)."),
        Stmt("agent_type", "type:name", "The agent type to use, e.g. `default`."),
        Stmt("wave", "id:id title:str?", "A wave of agents.", block="wave", block_required=True, many=True),
        Stmt(
            "agent",
            "id:id responsibility:str [skills names:name+] [release_after point:@stage|@slice]",
            "An agent not in a wave.",
            block="agent",
            many=True,
        ),
        Stmt("lifecycle", "", "Agent lifecycle rules.", block="lifecycle", block_required=True),
        Stmt(
            "release",
            "rule:name=after_last_activity,at_phase_end [unless_reused]",
            "The team-wide release rule: an agent frees its slot after its last activity (unless reused), or only at the end.",
        ),
        Stmt("rule", "text:str", "Another team rule.", many=True),
        NOTE,
    ),
    _ctx(
        "wave",
        "wave",
        Stmt("stages", "stages:@stage+", "The stages this wave works in; its agents act only there."),
        Stmt(
            "agent",
            "id:id responsibility:str [skills names:name+] [release_after point:@stage|@slice]",
            "An agent: id, responsibility, skills, release point.",
            block="agent",
            many=True,
        ),
        NOTE,
    ),
    _ctx(
        "agent",
        "agent",
        Stmt("skill", "names:name+", "Skills the agent introspects.", many=True),
        Stmt("charter", "text:str", "A line of the agent's charter.", many=True),
        Stmt("output", "template:str", "A file the agent must write.", many=True),
        Stmt("doc", "path:str", "A document the agent must read.", many=True),
        Stmt("equivalent", "name:str text:str", "An accepted equivalent document name and how to log it.", many=True),
        NOTE,
    ),
    _ctx(
        "lifecycle",
        "lifecycle",
        Stmt(
            "sweep", "text:str [classify states:name+]", "The active-agent sweep and its classification.", block="items"
        ),
        Stmt("close", "text:str", "When agents are closed.", many=True),
        Stmt("reuse", "text:str", "When agents may be reused (e.g. after `/compact`).", many=True),
        Stmt("compact", "text:str", "The compaction rule on reassignment.", many=True),
        Stmt("fresh", "text:str", "The freshness policy.", many=True),
        NOTE,
    ),
    _ctx(
        "protocol",
        "protocol",
        Stmt("introspect", "text:str", "The skill-introspection rule."),
        Stmt(
            "artifact",
            "id:id template:str [note text:str]",
            "A file template each agent writes (`<N>`, `<OBJECTIVE>`).",
            many=True,
        ),
        Stmt("section", "title:str [note text:str]", "A section every final document must include.", many=True),
        Stmt(
            "prompt",
            "template:str",
            "The prompt each agent is started with (`<AGENT>`, `<N>` are filled in).",
            many=True,
        ),
        Stmt("rule", "text:str", "Another protocol rule.", many=True),
        NOTE,
    ),
    _ctx(
        "docs",
        "document list",
        Stmt("doc", "path:str [note text:str]", "A document to read.", many=True),
        Stmt("equivalent", "name:str text:str", "An accepted equivalent document name and how to log it.", many=True),
        NOTE,
    ),
    _ctx(
        "outputs",
        "outputs",
        Stmt(
            "artifact",
            "id:id name:str [by producer:@slice|@stage] [conditional] [either_path] [note text:str]",
            "An artifact and who produces it. `conditional`: only on a path that may not run; "
            "`either_path`: a conditional slice produces it whether or not it is triggered.",
            many=True,
        ),
        NOTE,
    ),
    _ctx(
        "owners",
        "owners",
        Stmt("owner", "handle:handle title:str? [backup b:@owner]", "An accountable owner handle.", many=True),
    ),
    _ctx(
        "stage",
        "stage",
        Stmt("covers", "slices:@slice+", "The slices this stage carries (may be split over several lines).", many=True),
        Stmt(
            "step",
            "text:str [by agents:@agent|@role+] [for slices:@slice+] [produces artifacts:@artifact+] [submits branch:@branch|@slice]",
            "A step, run in order; `for` names the slices it carries out (it runs within them).",
            block="items",
            many=True,
        ),
        Stmt("parallel", "title:str?", "Steps that run in parallel.", block="parallel", block_required=True, many=True),
        Stmt(
            "checkpoint",
            "text:str [by agents:@agent|@role+] [for slices:@slice+]",
            "A checkpoint: work stops until it holds.",
            block="items",
            many=True,
        ),
        Stmt("guard", "text:str", "A stop or guard rule for the stage.", block="items", many=True),
        NOTE,
    ),
    _ctx(
        "parallel",
        "parallel group",
        Stmt(
            "step",
            "text:str [by agents:@agent|@role+] [for slices:@slice+] [produces artifacts:@artifact+] [submits branch:@branch|@slice]",
            "A step of the group.",
            block="items",
            many=True,
        ),
    ),
    _ctx(
        "slice",
        "slice",
        Stmt("kind", "kind:name", "planning, runtime, review, structural, docs, readiness, ..."),
        Stmt("objective", "text:str", "What the slice achieves."),
        Stmt(
            "agent", "agents:@agent|@role+", "The agents (or roles, such as the orchestrator) that execute the slice."
        ),
        Stmt(
            "owner",
            "owner:@owner|@agent|@role [backup b:@owner|@agent|@role]",
            "The accountable owner and backup: an `@handle`, an agent or a role.",
        ),
        Stmt(
            "after",
            "slices:@slice+ [if_triggered] [merged]",
            "Dependencies (`if_triggered`: only when they run; `merged`: only once they are merged).",
            many=True,
        ),
        Stmt(
            "starts_after",
            "gates:@gate+",
            "Precondition gates: the slice cannot start until these gates pass.",
            many=True,
        ),
        Stmt("approval", "[by who:@role|@agent]", "The slice may merge only after a reviewer's approval."),
        Stmt("prereq", "text:str", "A prerequisite outside this phase.", many=True),
        Stmt("branch", "name:str [worktree path:str]", "The slice branch (and, in plain git, its worktree)."),
        Stmt(
            "file",
            "path:str [new] [optional] [dir] [adds scripts:str+] [when cond:name=triggered,deferred] [note text:str]",
            "A file, folder (`dir`) or glob (`src/**`) the slice touches; `adds`: the scripts this slice adds to the "
            "script manifest; `when triggered`: only on the triggered path.",
            many=True,
        ),
        Stmt(
            "implement",
            "id:id? text:str [last]",
            "An implementation step (`last`: it must land last).",
            block="items",
            many=True,
        ),
        Stmt("accept", "id:id? text:str?", "An acceptance criterion.", many=True),
        Stmt(
            "gate",
            "cadence:@cadence gates:@gate|str+ [always] [when cond:name=triggered,deferred]",
            "Gates for a cadence (named gates or inline commands); `always`: on both paths of a conditional slice; "
            "`when triggered`: only on the triggered path.",
            many=True,
        ),
        Stmt(
            "always",
            "text:str",
            "Conditional slices: a step that runs whether or not the slice is triggered.",
            many=True,
        ),
        Stmt(
            "requires",
            "artifacts:@artifact+ [when cond:name=triggered,deferred]",
            "Artifacts (or inputs) that must exist before the slice starts; `when triggered`: only on that path.",
            many=True,
        ),
        Stmt(
            "signal",
            "id:id? text:str [response r:str]",
            "A first-failure signal (optionally with an id) and the immediate response.",
            many=True,
        ),
        Stmt("lens", "lenses:@lens+", "Review lenses applied."),
        Stmt(
            "trigger",
            "id:id text:str [by gate:@gate] [precondition]",
            "Conditional and branching slices: a trigger criterion and the gate that detects it "
            "(`precondition`: a condition that holds or not, not a scan).",
            many=True,
        ),
        Stmt("trigger_logic", "mode:name=any,all", "How the trigger criteria combine: `any` (default) or `all`."),
        Stmt("triggered", "text:str", "Conditional slices: a step of the triggered path.", many=True),
        Stmt("not_triggered", "text:str", "Conditional slices: a step of the not-triggered path.", many=True),
        Stmt(
            "defer_record",
            "target:@slice|@artifact [artifact a:@artifact]",
            "Conditional slices: where the defer disposition is recorded.",
            many=True,
        ),
        NOTE,
    ),
    _ctx(
        "gate",
        "gate",
        Stmt(
            "script",
            "name:str [existing] [added_by slice:@slice] [runs command:str]",
            "The manifest script the gate runs as `<runner> <script>`: `existing` in the repository, or planned "
            "(`added_by` a slice, with what it `runs`); neither: undefined.",
        ),
        Stmt("run", "command:str", "A command, run in order.", many=True),
        Stmt("use", "gates:@gate+", "Other gates, run in order (a composite suite).", many=True),
        Stmt("defined_by", "slice:@slice", "The slice that brings this gate into existence."),
        Stmt("title", "text:str", "A human title."),
        NOTE,
    ),
    _ctx(
        "scripts",
        "scripts",
        Stmt("runner", "command:str", "How scripts run, e.g. `bun run`.", required=True),
        Stmt("manifest", "path:str", "Where scripts are declared, e.g. `package.json`."),
        Stmt("added_in", "slices:@slice+", "Slices that add the planned scripts."),
        Stmt("existing", "names:str+", "Scripts that already exist in the manifest.", many=True),
        NOTE,
    ),
    _ctx(
        "cadence",
        "cadence",
        Stmt("on", "text:str", "An event at which this cadence runs.", many=True),
        NOTE,
    ),
    _ctx(
        "exit",
        "exit",
        Stmt("gate", "gates:@gate+", "The phase exit gate(s)."),
        Stmt("covers", "slices:@slice+", "The slices the exit gate must cover."),
        Stmt("require", "text:str", "An exit condition.", block="items", many=True),
    ),
    _ctx(
        "authority",
        "authority",
        Stmt("source", "text:str", "An authority, highest first.", many=True),
    ),
    _ctx(
        "role",
        "role",
        Stmt("duty", "text:str", "A duty of the role.", block="items", many=True),
        NOTE,
    ),
    _ctx(
        "review",
        "review",
        Stmt("by", "who:@role|@agent", "Who reviews."),
        Stmt("stop", "token:str", "The worker's stop token, exact (`<AGENT>` and `<SLICE>` are filled in).", many=True),
        Stmt(
            "verdict",
            "verdict:name=ready,approved,changes_requested token:str",
            "A reviewer verdict and its exact token.",
            many=True,
        ),
        Stmt("rule", "text:str", "Another review rule.", block="items", many=True),
        NOTE,
    ),
    _ctx(
        "procedure",
        "procedure",
        Stmt(
            "step",
            "text:str [by who:@role|@agent] [run command:str]",
            "A step of the procedure, in order (`run`: the command it runs; `<SLICE>`, `<BRANCH>`, `<WORKTREE>` are filled in).",
            block="items",
            many=True,
        ),
        NOTE,
    ),
    _ctx(
        "orchestrator",
        "orchestrator",
        Stmt("duty", "text:str", "An orchestrator duty.", block="items", many=True),
        Stmt("field", "name:str text:str?", "A field of the orchestrator's registry.", many=True),
        Stmt(
            "check",
            "command:str [at when:str]",
            "A command the orchestrator runs (`at`: when, e.g. `every 30 minutes`, `each handoff`).",
            many=True,
        ),
        NOTE,
    ),
    _ctx(
        "ledger",
        "ledger",
        Stmt("field", "name:str text:str?", "A field (column) of each entry.", many=True),
        Stmt("states", "names:str+", "The values the status field may take, in lifecycle order."),
        Stmt("rule", "text:str", "A rule for writing the ledger.", block="items", many=True),
        Stmt("entry", "text:str", "A recorded entry (a row as written).", block="items", many=True),
        NOTE,
    ),
    _ctx("items", "prose list", ITEM, NOTE),
)


def keywords() -> list[str]:
    """Every keyword and clause word of the language, sorted."""
    words: set[str] = set()
    for ctx in CONTEXTS.values():
        for st in ctx.statements.values():
            words.add(st.keyword)
            words.update(c.word for c in st.signature.clauses)
    return sorted(words)


def contexts_allowing(keyword: str) -> list[str]:
    return sorted(c.title for c in CONTEXTS.values() if keyword in c.statements)


@lru_cache(maxsize=1)
def top_level_only() -> frozenset[str]:
    """Keywords valid at top level and nowhere else (used by parser recovery)."""
    top = set(CONTEXTS["file"].statements)
    for name, ctx in CONTEXTS.items():
        if name != "file":
            top -= set(ctx.statements)
    return frozenset(top)


_CONTEXT_ORDER = [
    "file",
    "phase",
    "repo",
    "team",
    "wave",
    "agent",
    "lifecycle",
    "protocol",
    "docs",
    "outputs",
    "owners",
    "stage",
    "parallel",
    "slice",
    "gate",
    "scripts",
    "cadence",
    "exit",
    "authority",
    "role",
    "review",
    "procedure",
    "orchestrator",
    "ledger",
    "items",
]


def render_reference() -> str:
    """The statement reference of docs/language.md (generated; a test keeps it current)."""
    where: dict[str, list[str]] = {}
    for ctx in CONTEXTS.values():
        for st in ctx.statements.values():
            if st.block:
                where.setdefault(st.block, []).append(f"`{st.keyword}`")
    out = []
    for name in _CONTEXT_ORDER:
        ctx = CONTEXTS[name]
        heading = "Top level" if name == "file" else f"Inside {', '.join(sorted(set(where.get(name, []))))}"
        out.append(f"### {heading}")
        out.append("")
        out.append("| statement | values | block | may repeat | meaning |")
        out.append("|---|---|---|---|---|")
        for st in ctx.statements.values():
            escaped = st.sig.replace("|", "\\|")
            sig = f"`{escaped}`" if st.sig else ""
            block = "required" if st.block_required else ("optional" if st.block else "")
            rep = "yes" if st.many else "no"
            doc = ("**Required.** " if st.required else "") + st.doc.replace("|", "/")
            out.append(f"| `{st.keyword}` | {sig} | {block} | {rep} | {doc} |")
        out.append("")
    return "\n".join(out)
