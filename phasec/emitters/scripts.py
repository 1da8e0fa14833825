"""scripts/*.sh: bash scripts that drive the phase from the runbook.

* ``stack.sh`` creates the branch stack and worktrees (git, plus ``gt track``
  with ``tool graphite``);
* ``gates.sh SLICE CADENCE`` / ``gates.sh exit`` runs a slice's gates and
  records a pass at the current commit;
* ``review.sh SLICE VERDICT --by WHO`` records a reviewer's verdict;
* ``submit.sh SLICE [--merge]`` refuses a dirty worktree, a missing gate pass,
  an unmerged dependency or (to merge) a missing approval, then runs the
  runbook's ``submit`` commands or merges the slice into the base;
* ``sync.sh`` (plain git) rebases the lanes not yet merged onto the base;
* ``cleanup.sh`` (plain git) removes merged lanes' worktrees and branches;
* ``preflight.sh`` checks the ``clean`` branches and their worktrees.

Every value from the runbook reaches the scripts through :func:`shell_quote`
(or :func:`shell_comment` in comments); the templates never interpolate a raw
value.  See docs/scripts.md for the behaviour of the scripts.
"""

from __future__ import annotations

import bisect
import re
import shlex
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from phasec.compiler import ir
from phasec.compiler.facts import GateStep, facts, topo_order, unique_by_id
from phasec.emitters.env import environment
from phasec.emitters.filters import shell_comment, shell_quote  # noqa: F401 (re-exported)

if TYPE_CHECKING:
    from phasec.emitters import EmitOptions

EMITTER = True

#: the emitted scripts, in the order they are documented
SCRIPTS = ("stack.sh", "gates.sh", "review.sh", "submit.sh", "sync.sh", "cleanup.sh", "preflight.sh")

#: branch names that are placeholders, not names: `<...>`, TBD, TODO, `...`
_PLACEHOLDER = re.compile(r"<[^>]*>|\bTBD\b|\bTODO\b|\.\.\.|\u2026")

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
    #: the gates run only on the triggered path: without the slice's branch
    #: (an unresolved conditional slice not created yet) they are not run
    needs_branch: bool = False


def _slice_path(s: ir.Slice, options: EmitOptions) -> str | None:
    """`triggered`/`deferred` for a resolved conditional or branching slice, None otherwise."""
    return options.path_of(s.id) if s.outcome_conditional else None


def _runnable(steps: list[GateStep]) -> list[GateStep]:
    """Only ``run`` steps are executed; anything else (checks, and the unknown gates and
    composition cycles that never reach a compile) is listed as a manual check."""
    return [st if st.kind in ("run", "check") else GateStep("check", st.gate, st.text) for st in steps]


def gate_targets(rb: ir.Runbook, options: EmitOptions) -> list[GateTarget]:
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
        for cad, t in by_cadence.items():
            bindings = [b for b in s.gates if b.cadence.id == cad]
            runs_always = any("deferred" in s.binding_paths(b) for b in bindings)
            t.needs_branch = s.outcome_conditional and _slice_path(s, options) is None and not runs_always
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
    #: slices: with --include-conditional, the conditional slices placed before
    #: this one in dependency order (latest first), tried before `candidates`
    conditional_candidates: list[str] = field(default_factory=list)
    #: slices: with no slice base declared, the branch checked out when the
    #: script runs is the last candidate
    fallback_current: bool = False
    #: roots: the parent by name (`from "develop"`) when it is not declared
    parent_name: str | None = None
    #: roots: the run-time rule for choosing the parent (`choose "..."`)
    choose: str | None = None
    #: `opens_after STAGE`: that stage and the ones after it (any marker opens it)
    opens_after: str | None = None
    opens_stages: list[str] = field(default_factory=list)


def is_placeholder(name: str) -> bool:
    """A branch name that stands for one not chosen yet (`<...>`, TBD, TODO, `...`)."""
    return bool(_PLACEHOLDER.search(name))


def is_graphite(rb: ir.Runbook) -> bool:
    return bool(rb.repo and rb.repo.tool == "graphite")


def plain_base(rb: ir.Runbook) -> str | None:
    """Plain git: the branch lanes are created from and merged into (None: the current branch)."""
    repo = rb.repo
    if repo is None:
        return None
    if repo.base:
        return repo.base
    if repo.merge is not None and repo.merge.into:
        return repo.merge.into
    names = {b.id: b.name for b in repo.branches}
    if repo.slice_base is not None and repo.slice_base.id in names:
        return names[repo.slice_base.id]
    branches = repo_branches(rb)
    return branches[-1].name if branches else None


def slice_worktree(rb: ir.Runbook, s: ir.Slice) -> str | None:
    """A slice's worktree: its own `worktree`, or the repo's `worktrees per_slice at TEMPLATE`."""
    if s.worktree:
        return s.worktree
    repo = rb.repo
    if repo is not None and repo.worktrees == "per_slice" and repo.worktree_template:
        return repo.worktree_template.replace("<SLICE>", s.id)
    return None


def repo_branches(rb: ir.Runbook) -> list[ir.Branch]:
    """The repo branches, parents before children (source order otherwise)."""
    if rb.repo is None:
        return []
    return topo_order(unique_by_id(rb.repo.branches), lambda b: b.id, lambda b: [b.parent.id] if b.parent else [])


def _stages_from(rb: ir.Runbook, stage_id: str) -> list[str]:
    ids = [st.id for st in rb.stages]
    return ids[ids.index(stage_id) :] if stage_id in ids else [stage_id]


def stack(rb: ir.Runbook, options: EmitOptions) -> tuple[list[StackBranch], str | None, list[tuple[ir.Slice, str]]]:
    """(branches in creation order, the slice base's git name, skipped slices with why)."""
    repo = repo_branches(rb)
    names = {b.id: b.name for b in repo}
    graphite = is_graphite(rb)
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
                parent_name=b.parent_name if not parent else None,
                choose=b.choose if not parent else None,
                opens_after=b.opens_after.id if b.opens_after else None,
                opens_stages=_stages_from(rb, b.opens_after.id) if b.opens_after else [],
            )
        )
    base = None
    if not graphite:
        base = plain_base(rb)
    elif rb.repo is not None and rb.repo.slice_base is not None:
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
        own[s.id] = StackBranch(
            name=s.branch,
            kind="slice",
            id=s.id,
            title=s.title,
            inclusion=inclusion,
            worktree=None if graphite else slice_worktree(rb, s),
        )

    if not graphite:
        # Plain git: no stacking; every lane branches from the base.
        for s in order:
            sb = own.get(s.id)
            if sb is None:
                continue
            if base is not None:
                sb.candidates = [base]
            else:
                sb.fallback_current = True
            out.append(sb)
        return out, base, skipped

    # Per slice, the slices whose branches may hold its work, looking through slices
    # without one: computed in slice order (dependencies first), so each is one union
    # of its dependencies' sets (no recursion; a cycle, refused by compile, adds nothing).
    reach: dict[str, frozenset[str]] = {}
    for s in order:
        sb = own.get(s.id)
        if sb is not None and sb.inclusion == "always":
            reach[s.id] = frozenset((s.id,))
            continue
        found: set[str] = {s.id} if sb is not None else set()
        for d in s.after:
            found |= reach.get(d.slice.id, frozenset())
        reach[s.id] = frozenset(found)

    optional = [o for o in order if o.id in own and own[o.id].inclusion == "optional"]
    optional_positions = [position[o.id] for o in optional]
    optional_names = [own[o.id].name for o in optional]
    parent_of: dict[str, str | None] = {}  # slice id -> the slice id of its first always-present candidate
    for s in order:
        sb = own.get(s.id)
        if sb is None:
            continue
        deps: set[str] = set()
        for d in s.after:
            deps.update(reach.get(d.slice.id, ()))
        cands: list[str] = []
        parent_of[s.id] = None
        for sid in sorted(deps, key=lambda x: -position[x]):
            cands.append(own[sid].name)
            if own[sid].inclusion == "optional":
                sb.optional_candidates.append(own[sid].name)
            else:
                parent_of[s.id] = sid
                break
        else:
            if base is not None:
                cands.append(base)
            else:
                sb.fallback_current = True
        sb.candidates = cands
        # --include-conditional: a conditional slice between this slice's parent
        # and this slice in dependency order goes into the stack, not beside it.
        if sb.inclusion == "always":
            parent = parent_of[s.id]
            low = position[parent] if parent else -1
            # The optional slices in slice order, by position: a bisect finds the run
            # between the parent and this slice (no scan of every slice per slice).
            lo = bisect.bisect_right(optional_positions, low)
            hi = bisect.bisect_left(optional_positions, position[s.id])
            between = [n for n in optional_names[lo:hi] if n not in cands]
            if between:
                sb.conditional_candidates = between[::-1]
        out.append(sb)
    return out, base, skipped


# ─── emit ────────────────────────────────────────────────────────────────────


def _root_advice(b: StackBranch, graphite: bool) -> str:
    """What to do about a missing stack root stack.sh cannot create: what stack.sh says when it refuses."""
    if b.choose:
        track = f"; gt track {b.name} -p <PARENT>" if graphite else ""
        return f"its parent is chosen at run time ({b.choose}): run: git branch {b.name} <PARENT>{track}"
    if graphite:
        return "it is a stack root: create it first (and track it with Graphite)"
    return "it is a stack root: create it first (stack.sh creates it only from the remote's copy)"


def _advice(b: ir.Branch, graphite: bool) -> str:
    """What to do about a missing `clean` branch: the same thing stack.sh does (or refuses)."""
    if is_placeholder(b.name):
        return "its name is a placeholder: write the real name in the runbook (stack.sh refuses placeholders)"
    if b.opens_after is not None:
        return f"it opens after stage {b.opens_after.id}: stack.sh --after-stage {b.opens_after.id} creates it then"
    if b.parent is None and b.parent_name is None:
        if b.choose:
            track = f"; gt track {b.name} -p <PARENT>" if graphite else ""
            return (
                f"its parent is chosen at run time ({b.choose}): stack.sh does not create it; "
                f"run: git branch {b.name} <PARENT>{track}"
            )
        remote = "" if graphite else " (stack.sh creates it only from the remote's copy)"
        return f"it is a stack root: create it first{remote}"
    return "stack.sh creates it"


def _fill(template: str, s: ir.Slice) -> str:
    """A review token for a slice: `<AGENT>` is its first agent (or its id), `<SLICE>` its id."""
    agent = s.agents[0].id if s.agents else s.id
    return template.replace("<AGENT>", agent).replace("<SLICE>", s.id)


def scripts_context(rb: ir.Runbook, options: EmitOptions) -> dict:
    phase = rb.phase
    repo = rb.repo
    graphite = is_graphite(rb)
    branches, base, skipped = stack(rb, options)
    targets = gate_targets(rb, options)
    merge = repo.merge if repo else None
    after_approval = bool(merge and merge.after_approval)
    waves = list(repo.merge_waves) if repo else []
    wave_of: dict[str, int] = {}
    for i, w in enumerate(waves):
        for ref in w.slices:
            wave_of.setdefault(ref.id, i)
    by_id = {s.id: s for s in rb.slices}
    review = rb.review
    stacked = {b.id: b for b in branches if b.kind == "slice"}
    by_slice: dict[str, list[GateTarget]] = {}
    for t in targets:
        if t.slice is not None:
            by_slice.setdefault(t.slice, []).append(t)
    slices = []
    for s in unique_by_id(rb.slices):
        wave = wave_of.get(s.id)
        mine = by_slice.get(s.id, [])
        checks = []
        for t in mine:
            for st in t.steps:
                if st.kind == "check" and st.gate not in checks:
                    checks.append(st.gate)
        slices.append(
            {
                "id": s.id,
                "title": s.title,
                "branch": s.branch,
                "worktree": slice_worktree(rb, s),
                "conditional": s.conditional,
                "outcome_conditional": s.outcome_conditional,
                "stacked": s.id in stacked,
                "path": _slice_path(s, options),
                "submit_cadences": submit_cadences(s, mine),
                "cadences": [t.cadence for t in mine],
                "checks": checks,
                "approval": after_approval or s.approval is not None,
                "approval_by": s.approval.by.id if s.approval and s.approval.by else None,
                "after": [
                    {
                        "id": d.slice.id,
                        "merged": d.merged,
                        "if_triggered": d.if_triggered,
                        "branch": (by_id[d.slice.id].branch if d.slice.id in by_id else None) or "",
                    }
                    for d in s.after
                ],
                "wave": wave,
                "wave_id": waves[wave].id if wave is not None else None,
                # the lanes of earlier merge waves (slices with a branch of their own)
                "earlier_waves": [
                    {"id": r.id, "branch": stacked[r.id].name, "optional": stacked[r.id].inclusion == "optional"}
                    for w in waves[: wave or 0]
                    for r in w.slices
                    if r.id in stacked
                ],
                "stop": [_fill(t, s) for t in review.stop] if review else [],
                "verdicts": [(v.verdict, _fill(v.token, s)) for v in review.verdicts] if review else [],
            }
        )
    clean = []
    if repo is not None:
        ids = {b.id: b for b in repo.branches}
        for ref in repo.clean:
            b = ids.get(ref.id)
            if b is not None:
                clean.append({"id": b.id, "name": b.name, "worktree": b.worktree, "advice": _advice(b, graphite)})
    # stack roots stack.sh cannot create (no parent, or one chosen at run time), not already in `clean`
    clean_names = {c["name"] for c in clean}
    manual_roots = [
        {"name": b.name, "advice": _root_advice(b, graphite)}
        for b in branches
        if b.kind == "root" and not b.parent_name and not b.opens_after and b.name not in clean_names
    ]
    on_merge = [st.run for p in rb.procedures if p.on == "merge" for st in p.steps if st.run]
    lanes = [x for x in slices if x["branch"] and x["stacked"]]
    return {
        "source": rb.path,
        "sha256": rb.sha256,
        "phase": phase.id if phase else "",
        "phase_title": phase.title if phase else "",
        "graphite": graphite,
        "tool": (repo.tool if repo and repo.tool else "git"),
        "branches": branches,
        "roots": [b for b in branches if b.kind == "root"],
        "manual_roots": manual_roots,
        "placeholders": [b.name for b in branches if is_placeholder(b.name)],
        "stages": [st.id for st in rb.stages],
        "needs_current_branch": any(b.fallback_current for b in branches),
        "slice_branch": {s.id: s.branch for s in rb.slices},
        "slice_worktree": {s.id: slice_worktree(rb, s) for s in rb.slices},
        "skipped": skipped,
        "targets": targets,
        "slices": slices,
        "lanes": lanes,
        "base": base,
        "remote": repo.remote if repo else "origin",
        "merge_into": (merge.into if merge and merge.into else base),
        "after_approval": after_approval,
        "rebase_unmerged": bool(merge and merge.rebase_unmerged),
        "on_merge": on_merge,
        "review_by": review.by.id if review and review.by else None,
        "submit": [c.command for c in repo.submit] if repo else [],
        "sync": [c.command for c in repo.sync] if repo else [],
        "clean": clean,
        "submit_cadence": SUBMIT_CADENCE,
    }


def emit(rb: ir.Runbook, options: EmitOptions) -> dict[str, str]:
    ctx = scripts_context(rb, options)
    env = environment(options.templates)
    return {f"scripts/{name}": env.get_template(f"{name}.j2").render(script=name, **ctx) for name in SCRIPTS}
