"""The state of a phase, as ``phasec status`` reports it (and as its JSON schema describes it)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

#: slice states, in the order a slice goes through them (``blocked`` aside)
STATES = ("not started", "in progress", "ready for review", "approved", "merged", "blocked")
#: the states in which a slice's work is done (its dependants may start)
DONE = ("ready for review", "approved", "merged")
#: the states in which a slice's agents are at work
ACTIVE = ("in progress", "ready for review", "approved")

SCHEMA_ID = "phasec-status/1"


@dataclass
class BranchState:
    name: str
    exists: bool
    commit: str | None = None
    parent: str | None = None  # what it is compared with: its stack parent (Graphite) or the base (plain git)
    ahead: int | None = None
    behind: int | None = None
    merged: bool = False
    merged_into: str | None = None


@dataclass
class WorktreeState:
    path: str
    declared: bool  # the runbook names this path (else: where the branch happens to be checked out)
    present: bool
    branch: str | None = None  # what it has checked out
    clean: bool | None = None
    dirty: list[str] = field(default_factory=list)


@dataclass
class RecordState:
    """A gate pass (``kind`` cadence or exit) or an attested check, from ``gates.sh``."""

    name: str  # the cadence, the check id, or "exit"
    kind: str  # "cadence" | "check" | "exit"
    status: str  # "passed" | "stale" | "missing"
    required: bool = False  # needed by submit.sh
    commit: str | None = None
    at: str | None = None
    by: str | None = None


@dataclass
class ApprovalState:
    required: bool
    status: str  # "approved" | "changes_requested" | "stale" | "missing"
    commit: str | None = None
    by: str | None = None
    at: str | None = None


@dataclass
class ArtifactState:
    id: str
    path: str
    present: bool
    kind: str = "output"  # "output" (declared in `outputs`) | "final" (the protocol's final report)
    missing_sections: list[str] = field(default_factory=list)


@dataclass
class SliceState:
    id: str
    title: str
    state: str
    why: list[str] = field(default_factory=list)
    conditional: str | None = None  # "conditional" | "branching"
    disposition: str | None = None  # "triggered" | "deferred" | "undecided" (conditional slices)
    agents: list[str] = field(default_factory=list)
    after: list[str] = field(default_factory=list)
    branch: BranchState | None = None
    worktree: WorktreeState | None = None
    gates: list[RecordState] = field(default_factory=list)
    approval: ApprovalState | None = None
    artifacts: list[ArtifactState] = field(default_factory=list)
    line: int = 0


@dataclass
class Disposition:
    slice: str
    disposition: str
    evidence: str | None = None


@dataclass
class ExitGate:
    can_run: bool
    why: list[str] = field(default_factory=list)
    record: RecordState | None = None


@dataclass
class DriftItem:
    code: str
    severity: str
    message: str
    file: str
    line: int
    column: int


@dataclass
class PhaseState:
    id: str | None
    startable: list[str] = field(default_factory=list)
    active_agents: list[str] = field(default_factory=list)
    max_active: int | None = None
    conditional: list[Disposition] = field(default_factory=list)
    exit_gate: ExitGate | None = None


@dataclass
class Report:
    runbook: str
    repo: str
    head: str | None
    tool: str  # "graphite" | "git"
    base: str | None
    phase: PhaseState
    slices: list[SliceState]
    drift: list[DriftItem] = field(default_factory=list)
    #: the drift as phasec Diagnostics (not serialised: ``drift`` is their JSON form)
    diagnostics: list = field(default_factory=list, repr=False)

    def slice(self, sid: str) -> SliceState | None:
        return next((s for s in self.slices if s.id == sid), None)

    def to_json(self) -> dict:
        d = asdict(self)
        d.pop("diagnostics")
        for s in d["slices"]:
            s.pop("line")
        return {"schema": SCHEMA_ID, **d}
