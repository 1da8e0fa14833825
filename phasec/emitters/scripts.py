"""scripts/*.sh: bash scripts that drive the phase from the runbook.

* ``stack.sh`` creates the branch stack and worktrees (git, plus ``gt track``
  with ``tool graphite``);
* ``gates.sh SLICE CADENCE`` / ``gates.sh exit`` runs a slice's gates and
  records a pass at the current commit;
* ``submit.sh SLICE`` refuses a dirty worktree or a missing gate pass, then
  runs the runbook's ``submit`` commands;
* ``preflight.sh`` checks the ``clean`` branches and their worktrees.

Every value from the runbook reaches the scripts through :func:`shell_quote`
(or :func:`shell_comment` in comments); the templates never interpolate a raw
value.  See docs/scripts.md for the behaviour of the scripts.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field

from phasec.compiler import ir
from phasec.compiler.facts import GateStep, facts, topo_order, unique_by_id
from phasec.emitters.env import environment
from phasec.emitters.filters import shell_comment, shell_quote  # noqa: F401 (re-exported)

EMITTER = True

#: the emitted scripts, in the order they are documented
SCRIPTS = ("stack.sh", "gates.sh", "submit.sh", "preflight.sh")

#: the cadence whose recorded pass ``submit.sh`` requires
SUBMIT_CADENCE = "full"

# Quoting lives in phasec/emitters/filters.py (the jinja environment uses it too).


# ─── gates ───────────────────────────────────────────────────────────────────


@dataclass
class GateTarget:
    key: str  # "SLICE/CADENCE" or "exit"
    record: str  # the record file name, without ".ok"
    slice: str | None
    cadence: str | None
    steps: list[GateStep] = field(default_factory=list)
    #: why the target does not apply (a conditional slice assumed deferred)
    not_applicable: str | None = None


def _slice_path(s: ir.Slice, options) -> str | None:
    """`triggered`/`deferred` for a resolved conditional or branching slice, None otherwise."""
    return options.path_of(s.id) if s.outcome_conditional else None


def _runnable(steps: list[GateStep]) -> list[GateStep]:
    """Only ``run`` steps are executed; anything else (checks, and the unknown gates and
    composition cycles that never reach a compile) is listed as a manual check."""
    return [st if st.kind in ("run", "check") else GateStep("check", st.gate, st.text) for st in steps]


def gate_targets(rb: ir.Runbook, options) -> list[GateTarget]:
    targets: list[GateTarget] = []
    for s in rb.slices:
        by_cadence: dict[str, GateTarget] = {}
        path = _slice_path(s, options)
        for b in s.gates:
            cad = b.cadence.id
            applies = path is None or path in s.binding_paths(b)
            t = by_cadence.get(cad)
            if t is None:
                t = by_cadence[cad] = GateTarget(f"{s.id}/{cad}", f"{s.id}-{cad}", s.id, cad)
                t.not_applicable = (
                    f"{s.id} is assumed {path} (--assume {s.id}={path}): its `{cad}` gates do not run on that path"
                    if not applies
                    else None
                )
            if applies:
                t.not_applicable = None
                t.steps.extend(_runnable(facts(rb).binding_steps(b, shlex.quote)))
        targets.extend(by_cadence.values())
    if rb.exit is not None and rb.exit.gates:
        t = GateTarget("exit", "exit", None, None)
        for ref in rb.exit.gates:
            t.steps.extend(_runnable(facts(rb).expand_gate(ref.id, shlex.quote)))
        targets.append(t)
    return targets


def submit_cadences(s: ir.Slice, targets: list[GateTarget]) -> list[str]:
    """The cadences whose recorded passes ``submit.sh`` requires for a slice.

    The ``full`` record when the slice binds a ``full`` gate; otherwise a record
    for every cadence it binds (that applies); none when it binds no gates.
    """
    mine = [t for t in targets if t.slice == s.id and t.not_applicable is None]
    full = [t for t in mine if t.cadence == SUBMIT_CADENCE]
    return [t.cadence for t in (full or mine) if t.cadence]


# ─── the branch stack ────────────────────────────────────────────────────────


@dataclass
class StackBranch:
    name: str
    kind: str  # "root" | "repo" | "slice"
    id: str  # the repo branch id or the slice id
    title: str | None = None  # slices: the slice title
    parent: str | None = None  # repo branches: the parent's git name
    worktree: str | None = None
    create: str | None = None  # the runbook's `create` command (documentation)
    #: slices: "always" | "optional" (conditional, unresolved)
    inclusion: str = "always"
    #: slices: parent candidates, latest dependency first; the first one that
    #: exists (or is created by the run) is the parent; the last always exists
    candidates: list[str] = field(default_factory=list)
    #: slices: which candidates are branches of optional (conditional) slices
    optional_candidates: list[str] = field(default_factory=list)
    #: slices: with no slice base declared, the branch checked out when the
    #: script runs is the last candidate
    fallback_current: bool = False


def repo_branches(rb: ir.Runbook) -> list[ir.Branch]:
    """The repo branches, parents before children (source order otherwise)."""
    if rb.repo is None:
        return []
    return topo_order(unique_by_id(rb.repo.branches), lambda b: b.id, lambda b: [b.parent.id] if b.parent else [])


def stack(rb: ir.Runbook, options) -> tuple[list[StackBranch], str | None, list[tuple[ir.Slice, str]]]:
    """(branches in creation order, the slice base's git name, skipped slices with why)."""
    repo = repo_branches(rb)
    names = {b.id: b.name for b in repo}
    out: list[StackBranch] = []
    for b in repo:
        parent = names.get(b.parent.id) if b.parent else None
        out.append(
            StackBranch(
                name=b.name,
                kind="repo" if parent else "root",
                id=b.id,
                parent=parent,
                worktree=b.worktree,
                create=b.create,
            )
        )
    base = None
    if rb.repo is not None and rb.repo.slice_base is not None:
        base = names.get(rb.repo.slice_base.id)
    elif repo:
        base = out[-1].name

    taken = {b.name for b in out}
    order = facts(rb).slice_order
    position = {s.id: i for i, s in enumerate(order)}
    own: dict[str, StackBranch] = {}
    skipped: list[tuple[ir.Slice, str]] = []
    for s in order:
        if not s.branch:
            continue
        if s.branch in taken:
            why = "it is a repo branch" if s.branch in names.values() else "an earlier slice declares it"
            skipped.append((s, f"branch {s.branch} already in the stack ({why})"))
            continue
        path = _slice_path(s, options)
        if path == "deferred":
            skipped.append((s, f"conditional, assumed deferred (--assume {s.id}=deferred)"))
            continue
        inclusion = "optional" if s.conditional and path is None else "always"
        taken.add(s.branch)
        own[s.id] = StackBranch(name=s.branch, kind="slice", id=s.id, title=s.title, inclusion=inclusion)

    # Per slice, the slices whose branches may hold its work, looking through slices
    # without one: computed in slice order (dependencies first), so each is one union
    # of its dependencies' sets (no recursion; a cycle, refused by compile, adds nothing).
    reach: dict[str, frozenset[str]] = {}
    for s in order:
        b = own.get(s.id)
        if b is not None and b.inclusion == "always":
            reach[s.id] = frozenset((s.id,))
            continue
        found: set[str] = {s.id} if b is not None else set()
        for d in s.after:
            found |= reach.get(d.slice.id, frozenset())
        reach[s.id] = frozenset(found)

    for s in order:
        b = own.get(s.id)
        if b is None:
            continue
        deps: set[str] = set()
        for d in s.after:
            deps.update(reach.get(d.slice.id, ()))
        cands: list[str] = []
        for sid in sorted(deps, key=lambda x: -position[x]):
            cands.append(own[sid].name)
            if own[sid].inclusion == "optional":
                b.optional_candidates.append(own[sid].name)
            else:
                break
        else:
            if base is not None:
                cands.append(base)
            else:
                b.fallback_current = True
        b.candidates = cands
        out.append(b)
    return out, base, skipped


# ─── emit ────────────────────────────────────────────────────────────────────


def scripts_context(rb: ir.Runbook, options) -> dict:
    phase = rb.phase
    repo = rb.repo
    graphite = bool(repo and repo.tool == "graphite")
    branches, base, skipped = stack(rb, options)
    targets = gate_targets(rb, options)
    by_slice: dict[str, list[GateTarget]] = {}
    for t in targets:
        if t.slice is not None:
            by_slice.setdefault(t.slice, []).append(t)
    slices = []
    for s in rb.slices:
        mine = by_slice.get(s.id, [])
        slices.append(
            {
                "id": s.id,
                "title": s.title,
                "branch": s.branch,
                "conditional": s.conditional,
                "path": _slice_path(s, options),
                "submit_cadences": submit_cadences(s, mine),
                "cadences": [t.cadence for t in mine],
            }
        )
    clean = []
    if repo is not None:
        ids = {b.id: b for b in repo.branches}
        for ref in repo.clean:
            b = ids.get(ref.id)
            if b is not None:
                clean.append({"id": b.id, "name": b.name, "worktree": b.worktree})
    return {
        "source": rb.path,
        "sha256": rb.sha256,
        "phase": phase.id if phase else "",
        "phase_title": phase.title if phase else "",
        "graphite": graphite,
        "tool": (repo.tool if repo and repo.tool else "git"),
        "branches": branches,
        "roots": [b for b in branches if b.kind == "root"],
        "needs_current_branch": any(b.fallback_current for b in branches),
        "slice_branch": {s.id: s.branch for s in rb.slices},
        "skipped": skipped,
        "targets": targets,
        "slices": slices,
        "submit": [c.command for c in repo.submit] if repo else [],
        "sync": [c.command for c in repo.sync] if repo else [],
        "clean": clean,
        "submit_cadence": SUBMIT_CADENCE,
    }


def emit(rb: ir.Runbook, options) -> dict[str, str]:
    ctx = scripts_context(rb, options)
    env = environment(options.templates)
    return {f"scripts/{name}": env.get_template(f"{name}.j2").render(script=name, **ctx) for name in SCRIPTS}
