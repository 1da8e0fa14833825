"""The runbook held against the repository: per-slice state, the phase, and drift.

Everything the runbook says is read from the compiler's facts
(``phasec.compiler.facts``: slice order, dependencies, agents) and from the
script emitter's own model of the phase (``phasec.emitters.scripts``: which
branches exist in the stack and on what, worktrees, the cadences ``submit.sh``
requires), so ``status`` reads exactly what the generated scripts create.
Everything about the repository comes from :class:`phasec.status.git.Git`
(read-only).  docs/status.md describes the states and the drift checks.
"""

from __future__ import annotations

import fnmatch
import os
import re
from pathlib import Path

from phasec.compiler import ir
from phasec.compiler.diagnostics import Diagnostic, Severity
from phasec.compiler.facts import facts
from phasec.emitters import EmitOptions
from phasec.emitters import scripts as sc
from phasec.source import Span
from phasec.status.git import Git
from phasec.status.model import (
    ACTIVE,
    DONE,
    ApprovalState,
    ArtifactState,
    BranchState,
    Disposition,
    DriftItem,
    ExitGate,
    PhaseState,
    RecordState,
    Report,
    SliceState,
    WorktreeState,
)

#: drift codes (docs/status.md)
UNEXPECTED_BRANCH = "PS101"
UNEXPECTED_WORKTREE = "PS102"
OUT_OF_ORDER_MERGE = "PS201"
STALE_RECORD = "PS301"
MISPLACED_ARTIFACT = "PS401"

#: an explicit disposition line in a disposition artifact: `state: triggered`, `Disposition: **deferred**` ...
_DISPOSITION = re.compile(r"\b(?:state|disposition|status|outcome)\b\W{0,3}[:=]\W{0,3}(triggered|deferred)\b", re.I)
_HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$", re.M)


def read_record(path: Path) -> dict[str, str] | None:
    """A record written by the scripts: the commit on the first line, then `key: value` lines."""
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return None
    if not lines or not lines[0].strip():
        return None
    rec = {"commit": lines[0].strip()}
    for line in lines[1:]:
        key, sep, val = line.partition(": ")
        if sep and key not in rec:
            rec[key] = val
    return rec


def _common_prefix(words: list[str]) -> str:
    """The longest common prefix, character by character: of branch or folder names, not of paths
    (``os.path.commonprefix`` does the same, but its name promises paths)."""
    first, last = min(words), max(words)
    k = 0
    while k < len(first) and first[k] == last[k]:
        k += 1
    return first[:k]


def _short(sha: str | None) -> str:
    return sha[:12] if sha else "?"


class Collector:
    def __init__(self, rb: ir.Runbook, git: Git):
        self.rb = rb
        self.git = git
        self.f = facts(rb)
        self.graphite = sc.is_graphite(rb)
        repo = rb.repo
        self.remote = repo.remote if repo else "origin"
        self.diags: list[Diagnostic] = []
        stack, self.base, _skipped = sc.stack(rb, EmitOptions())
        self.stack = {b.id: b for b in stack if b.kind == "slice"}
        self.repo_names = {b.id: b.name for b in sc.repo_branches(rb)}
        self.repo_parent = {
            b.name: (self.repo_names.get(b.parent.id) if b.parent else b.parent_name) for b in sc.repo_branches(rb)
        }
        merge = repo.merge if repo else None
        self.into: str | None
        if merge and merge.into:
            self.into = merge.into
        else:  # plain git: the base; Graphite: only a declared base (the slice base is a stack, not a target)
            self.into = self.base if not self.graphite else (repo.base if repo else None)
        self.after_approval = bool(merge and merge.after_approval)
        self.states: dict[str, SliceState] = {}
        self.tips: dict[str, str | None] = {}

    # -- helpers -----------------------------------------------------------
    def drift(self, code: str, message: str, span: Span) -> None:
        self.diags.append(Diagnostic(code=code, severity=Severity.WARNING, message=message, span=span))

    def path_of(self, p: str) -> str:
        """A runbook path as the scripts read it: absolute as written, else from the top of the checkout."""
        return os.path.normpath(p if os.path.isabs(p) else os.path.join(self.git.top, p))

    def merge_targets(self, branch: str | None) -> list[str]:
        """Where a slice's work lands: plain git, the base (`merge into`); Graphite, the slice base and the
        repo branches below it (for a slice on a repo branch: the repo branches below that one), and
        `merge into`/`base` when declared."""
        names: list[str] = []
        if self.into:
            names.append(self.into)
        if self.graphite and self.base:
            # a repo branch (a slice carried out on it) lands in the branches below it, never in those
            # stacked on it; a slice branch in the slice base and below
            b: str | None = self.repo_parent.get(branch) if branch in self.repo_parent else self.base
            while b and b not in names:
                names.append(b)
                b = self.repo_parent.get(b)
        return [n for n in names if n != branch]

    def parent_of(self, s: ir.Slice) -> str | None:
        """The ref a slice's branch is compared with: the base (plain git; the remote's copy when fetched),
        its stack parent (Graphite: the first of the emitter's candidates that exists)."""
        if not s.branch:
            return None
        if s.branch in self.repo_parent:
            return self.repo_parent[s.branch]
        if not self.graphite:
            if self.base is None:
                return None
            return f"remotes/{self.remote}/{self.base}" if self.git.remote_tip(self.remote, self.base) else self.base
        sb = self.stack.get(s.id)
        if sb is None:
            return None
        for name in sb.conditional_candidates + sb.candidates:
            if name in self.git.refs:
                return name
        return sb.candidates[-1] if sb.candidates else None

    # -- dispositions ------------------------------------------------------
    def disposition(self, s: ir.Slice) -> tuple[str, str | None]:
        """(triggered | deferred | undecided, the evidence) for a conditional or branching slice."""
        sources: list[str] = []
        for _, a in self.f.artifacts_by_producer.get(s.id, []):
            if a.either_path:
                sources.append(a.id)
        for rec in s.defer_records:
            aid = rec.artifact.id if rec.artifact else rec.target.id
            if aid in self.f.artifact_paths and aid not in sources:
                sources.append(aid)
        for aid in sources:
            text = self.artifact_text(aid, s)
            if text is None:
                continue
            m = _DISPOSITION.search(text)
            if m:
                return m.group(1).lower(), f"{self.f.artifact_paths[aid]}: {m.group(0).strip()}"
        for _, a in self.f.artifacts_by_producer.get(s.id, []):
            if a.conditional and self.artifact_text(a.id, s) is not None:
                return "triggered", f"{self.f.artifact_paths[a.id]} exists (a triggered-path artifact)"
        if s.conditional and s.branch and s.id in self.stack and s.branch in self.git.branches:
            return "triggered", f"its branch {s.branch} exists"
        return "undecided", None

    def artifact_commits(self, aid: str, s: ir.Slice | None) -> list[str]:
        """Where to look for an artifact: its producer's branch when that exists; else (no branch, or
        deleted once merged) the branch of the worktree its outputs root is under, then HEAD."""
        if s is not None and s.branch and (tip := self.git.tip(s.branch)):
            return [tip]  # made on its producer's branch, or not made yet
        out: list[str] = []
        for o in self.rb.outputs:
            if any(a.id == aid for a in o.artifacts) and o.worktree in self.repo_names:
                tip = self.git.tip(self.repo_names[o.worktree])
                if tip:
                    out.append(tip)
        if self.git.head:
            out.append(self.git.head)
        return list(dict.fromkeys(out))

    def artifact_text(self, aid: str, s: ir.Slice | None) -> str | None:
        path = self.f.artifact_paths.get(aid)
        if path is None or os.path.isabs(path):
            return None
        for c in self.artifact_commits(aid, s):
            text = self.git.show(c, path)
            if text is not None:
                return text
        return None

    # -- records -----------------------------------------------------------
    def record(
        self, name: str, kind: str, file: str, tip: str | None, required: bool, span: Span, who: str
    ) -> RecordState:
        rec = read_record(self.git.records / "gates" / file)
        if rec is None:
            return RecordState(name, kind, "missing", required)
        commit = rec["commit"]
        status = "passed" if tip is not None and commit == tip else "stale"
        if tip is not None and commit != tip and not self.git.is_ancestor(commit, tip):
            self.drift(
                STALE_RECORD,
                f"{who}: the {name} {'attestation' if kind == 'check' else 'gate pass'} was recorded at "
                f"{_short(commit)}, which is not an ancestor of {_short(tip)} (rebased or rewritten since): "
                "run the gates again",
                span,
            )
        return RecordState(name, kind, status, required, commit, rec.get("at"), rec.get("by"))

    # -- slices ------------------------------------------------------------
    def collect_slice(self, s: ir.Slice, targets: list[sc.GateTarget]) -> SliceState:
        git = self.git
        st = SliceState(id=s.id, title=s.title, state="not started", line=s.span.line)
        st.after = [d.slice.id for d in s.after]
        st.agents = [a for a in dict.fromkeys(self.f.acting_agent(r) for r in s.agents) if a]
        if s.outcome_conditional:
            st.conditional = "branching" if s.branching else "conditional"
            st.disposition = self.dispositions[s.id][0]
        tip = git.tip(s.branch) if s.branch else None
        self.tips[s.id] = tip
        # branch
        has_work = False
        merged = False
        if s.branch:
            parent = self.parent_of(s)
            shown = parent.removeprefix("remotes/") if parent else None  # `origin/develop`
            br = BranchState(name=s.branch, exists=tip is not None, commit=tip, parent=shown)
            ptip = git.refs.get(parent) if parent else None
            if tip and ptip:
                br.ahead = git.count(f"{ptip}..{tip}")
                br.behind = git.count(f"{tip}..{ptip}")
            merged, into = self.merged(s, tip)
            br.merged, br.merged_into = merged, into
            st.branch = br
            if tip and br.ahead:
                has_work = True
            elif tip and br.ahead is None and tip != git.created_at(s.branch):
                has_work = True  # no parent to compare with: it moved since it was created
        # worktree: the declared one when it has the branch, else any worktree that has it (as gates.sh finds it)
        declared = sc.slice_worktree(self.rb, s) if not self.graphite else None
        if self.rb.repo is not None and s.branch in self.repo_parent:
            declared = next((b.worktree for b in self.rb.repo.branches if b.name == s.branch), None)
        wt = None
        if declared:
            path = self.path_of(declared)
            found = next((w for w in git.worktrees if os.path.normpath(w.path) == path), None)
            wt = WorktreeState(
                path=path, declared=True, present=found is not None, branch=found.branch if found else None
            )
        if s.branch and (wt is None or wt.branch != s.branch):
            found = next((w for w in git.worktrees if w.branch == s.branch), None)
            if found is not None:
                wt = WorktreeState(path=found.path, declared=False, present=True, branch=found.branch)
        if wt is not None and wt.present and wt.branch == s.branch and s.branch:
            dirty = git.dirty(wt.path)
            wt.clean = dirty == [] if dirty is not None else None
            wt.dirty = dirty or []
            if dirty:
                has_work = True
        st.worktree = wt
        # gate records: at the tip of the slice's branch; a slice without a branch of its own runs its
        # gates in the top of the checkout (gates.sh), so at HEAD
        at = tip if s.branch else git.head
        mine = [t for t in targets if t.slice == s.id and t.not_applicable is None]
        required = set(sc.submit_cadences(s, mine))
        checks: list[str] = []
        for t in mine:
            assert t.cadence is not None  # only the exit's target has no cadence, and it has no slice
            span = next((b.span for b in s.gates if b.cadence.id == t.cadence), s.span)
            st.gates.append(self.record(t.cadence, "cadence", f"{t.record}.ok", at, t.cadence in required, span, s.id))
            for step in t.steps:
                if step.kind == "check" and step.gate not in checks:
                    checks.append(step.gate)
                    st.gates.append(
                        self.record(step.gate, "check", f"{s.id}-check-{step.gate}.ok", at, False, span, s.id)
                    )
        # approval
        rec = read_record(git.records / "reviews" / s.id)
        needs = self.after_approval or s.approval is not None
        if rec is None:
            st.approval = ApprovalState(needs, "missing")
        else:
            verdict = rec.get("verdict", "")
            if verdict not in ("approved", "changes_requested"):
                status = "missing"  # not a record review.sh writes
            else:
                status = verdict if verdict != "approved" or rec["commit"] == tip else "stale"
            st.approval = ApprovalState(needs, status, rec["commit"], rec.get("by"), rec.get("at"))
        # artifacts
        for _, a in self.f.artifacts_by_producer.get(s.id, []):
            path = self.f.artifact_paths[a.id]
            if a.conditional and st.disposition == "deferred":
                continue
            st.artifacts.append(ArtifactState(a.id, path, self.artifact_text(a.id, s) is not None))
        if tip:
            st.artifacts.extend(self.final_reports(s, tip, st.agents))
        # state
        st.why = [] if merged else self.waiting(s)  # a merged slice waits for nothing (out of order: drift)
        gates_ok = all(g.status == "passed" for g in st.gates if g.required)
        clean = wt is None or wt.clean is not False
        if merged:
            st.state = "merged"
        elif has_work:
            if st.approval.status == "approved" and gates_ok and clean:
                st.state = "approved"
            elif gates_ok and clean:
                st.state = "ready for review"
            else:
                st.state = "in progress"
        elif not s.branch and required and all(g.status != "missing" for g in st.gates if g.required):
            st.state = "ready for review"  # no branch to compare with: the records are all there is
        elif st.why:
            st.state = "blocked"
        else:
            st.state = "not started"
        return st

    def merged(self, s: ir.Slice, tip: str | None) -> tuple[bool, str | None]:
        """Plain git: as the scripts decide (a merge record whose commit is in the base); either mode:
        the branch has work of its own (it moved since it was created) and its tip is in a merge target,
        or its work landed there as patches (a rebase or squash merge, ``Git.landed_as_patches``)."""
        git = self.git
        targets = [t for t in self.merge_targets(s.branch) if git.tip(t)]
        rec = read_record(git.records / "merges" / s.id)
        if rec is not None:
            into = rec.get("into") or self.into
            for t in [into] + targets:
                if t and git.tip(t) and git.is_ancestor(rec["commit"], t):
                    return True, t
        if tip is None or not s.branch:
            return False, None
        created = git.created_at(s.branch)
        for t in targets:
            if tip != git.tip(t) and tip != created and git.is_ancestor(tip, t):
                return True, t
        for t in targets:  # merged by rebase or squash (a pull request's other merge methods)
            if tip != created and git.landed_as_patches(tip, t):
                return True, t
        return False, None

    def final_reports(self, s: ir.Slice, tip: str, agents: list[str]) -> list[ArtifactState]:
        """The protocol's final report of each of the slice's agents (`artifact final "AGENT_<N>_FINAL_..."`) found
        on the slice's branch, with the protocol's required sections it lacks."""
        proto = self.rb.protocol
        if proto is None:
            return []
        finals = [a for a in proto.artifacts if a.id == "final" or "FINAL" in a.template.upper()]
        if not finals:
            return []
        files = None
        out: list[ArtifactState] = []
        for art in finals:
            for agent in agents or [s.id]:
                pattern = re.sub(r"<(N|AGENT)>", agent.replace("AGENT-", ""), art.template, count=1)
                pattern = re.sub(r"<[^>]*>", "*", pattern)
                if files is None:
                    files = sorted(self.git.files(tip))
                for f in files:
                    if fnmatch.fnmatchcase(os.path.basename(f), pattern):
                        text = self.git.show(tip, f) or ""
                        heads = [h.strip().strip("*").lower() for h in _HEADING.findall(text)]
                        missing = [
                            sec.title
                            for sec in proto.sections
                            if not any(h.startswith(sec.title.lower()) for h in heads)
                        ]
                        out.append(ArtifactState(f"{art.id}:{agent}", f, True, "final", missing))
        return out

    def waiting(self, s: ir.Slice) -> list[str]:
        """Why the slice cannot start (or, started, cannot land): its unmet dependencies and disposition."""
        why: list[str] = []
        if s.conditional and self.dispositions[s.id][0] == "deferred":
            why.append(f"deferred ({self.dispositions[s.id][1]}): it does not run")
            return why
        if s.conditional and self.dispositions[s.id][0] == "undecided":
            why.append("conditional: no disposition recorded yet (triggered or deferred)")
        for d in s.after:
            x = self.states.get(d.slice.id)
            if x is None:
                continue
            if x.conditional and x.disposition == "deferred":
                continue
            if d.if_triggered and x.disposition == "undecided":
                why.append(f"waits for {x.id}'s disposition (after {x.id} if_triggered)")
                continue
            if d.merged:
                if x.state != "merged":
                    why.append(f"waits for {x.id} to be merged ({x.state})")
            elif x.state not in DONE:
                why.append(f"waits for {x.id} ({x.state})")
        for sid, ref in self.f.precondition_slices(s):
            x = self.states.get(sid)
            if x is not None and x.state not in DONE:
                why.append(f"waits for gate {ref.id}, brought in by {sid} ({x.state})")
        return why

    # -- drift ---------------------------------------------------------------
    def check_merge_order(self, s: ir.Slice, st: SliceState) -> None:
        if st.state != "merged":
            return
        for d in s.after:
            x = self.states.get(d.slice.id)
            if x is None or x.branch is None or (x.conditional and x.disposition != "triggered"):
                continue
            into = st.branch.merged_into if st.branch else None
            if x.branch.commit and into and self.git.is_ancestor(x.branch.commit, into):
                continue  # its work is in the branch S landed in (a stack below it): in order
            if x.state != "merged":
                self.drift(
                    OUT_OF_ORDER_MERGE,
                    f"{s.id} is merged, but it comes after {x.id}, which is not merged ({x.state})",
                    d.span,
                )
            elif self._merged_later(x.id, s.id):
                self.drift(OUT_OF_ORDER_MERGE, f"{s.id} was merged before {x.id}, which it comes after", d.span)
        repo = self.rb.repo
        if repo is None:
            return
        waves = repo.merge_waves
        mine = next((i for i, w in enumerate(waves) if any(r.id == s.id for r in w.slices)), None)
        if not mine:
            return  # in no wave, or in the first one
        for w in waves[:mine]:
            for r in w.slices:
                x = self.states.get(r.id)
                if (
                    x is not None
                    and x.branch is not None
                    and x.state != "merged"
                    and not (x.conditional and x.disposition != "triggered")
                ):
                    span = next(ref.span for ref in waves[mine].slices if ref.id == s.id)
                    self.drift(
                        OUT_OF_ORDER_MERGE,
                        f"{s.id} (merge wave {waves[mine].id}) is merged before {x.id} of the earlier wave {w.id}",
                        span,
                    )

    def _merged_later(self, first: str, then: str) -> bool:
        """Both merge records exist and ``first``'s is later than ``then``'s."""
        a = read_record(self.git.records / "merges" / first)
        b = read_record(self.git.records / "merges" / then)
        return bool(a and b and a.get("at") and b.get("at") and a["at"] > b["at"])

    def check_unexpected(self) -> None:
        repo = self.rb.repo
        span = repo.span if repo is not None else (self.rb.phase.span if self.rb.phase else self.rb.span)
        declared = set(self.repo_names.values()) | {s.branch for s in self.f.slices.values() if s.branch}
        if self.base:
            declared.add(self.base)
        own = [s.branch for s in self.f.slices.values() if s.branch and s.branch not in self.repo_parent]
        prefix = _common_prefix(own) if len(own) > 1 else ""
        cut = max(prefix.rfind("/"), prefix.rfind("-"))
        prefix = prefix[: cut + 1] if "/" in prefix[: cut + 1] else ""
        declared_wts = [b.worktree for b in (repo.branches if repo else []) if b.worktree]
        declared_wts += [wt for s in self.f.slices.values() if (wt := sc.slice_worktree(self.rb, s))]
        wt_paths = {self.path_of(p) for p in declared_wts}
        # the phase's worktree names: the common prefix of the declared ones' names (`wt-agent-codex-phase-c-`)
        names = sorted({os.path.basename(p) for p in wt_paths})
        wt_prefix = _common_prefix(names) if len(names) > 1 else ""
        cut = max(wt_prefix.rfind("/"), wt_prefix.rfind("-"), wt_prefix.rfind("_"))
        wt_prefix = wt_prefix[: cut + 1] if cut >= 2 else ""
        wt_dirs = {os.path.dirname(p) for p in wt_paths}
        odd_wt = []
        for w in self.git.worktrees:
            path = os.path.normpath(w.path)
            if w.main or path in wt_paths or w.branch in declared:
                continue
            ours = wt_prefix and os.path.dirname(path) in wt_dirs and os.path.basename(path).startswith(wt_prefix)
            if ours or (w.branch and prefix and w.branch.startswith(prefix)):
                odd_wt.append(w)
                self.drift(
                    UNEXPECTED_WORKTREE,
                    f"worktree {path} ({w.branch or 'detached'}) is not one the runbook declares",
                    span,
                )
        odd = {w.branch for w in odd_wt if w.branch}
        for name in sorted(self.git.branches):
            if name in declared:
                continue
            if (prefix and name.startswith(prefix)) or name in odd:
                self.drift(
                    UNEXPECTED_BRANCH,
                    f"branch {name} looks like part of the phase ({prefix}*), but the runbook names no such branch",
                    span,
                )

    def check_artifacts(self) -> None:
        """An artifact first committed on another slice's branch, not on its producer's."""
        own = {
            s.id: tip
            for s in self.f.slices.values()
            if s.branch and s.id in self.stack and (tip := self.tips.get(s.id))
        }
        trees: dict[str, set[str]] = {}
        for producer, items in self.f.artifacts_by_producer.items():
            if producer not in own:
                continue
            for _, a in items:
                path = self.f.artifact_paths[a.id]
                for sid, tip in own.items():
                    if sid == producer:
                        continue
                    if sid not in trees:
                        trees[sid] = self.git.files(tip)
                    if path not in trees[sid]:
                        continue
                    added = self.git.added_in(tip, path)
                    if added and not self.git.is_ancestor(added, own[producer]):
                        self.drift(
                            MISPLACED_ARTIFACT,
                            f"{a.id} ({path}) is produced by {producer}, but was committed on {sid}'s branch "
                            f"({_short(added)})",
                            a.span,
                        )

    # -- the whole ------------------------------------------------------------
    def collect(self) -> Report:
        rb, git = self.rb, self.git
        self.dispositions = {s.id: self.disposition(s) for s in self.f.slices.values() if s.outcome_conditional}
        assume = {k: v for k, (v, _) in self.dispositions.items() if v != "undecided"}
        targets = sc.gate_targets(rb, EmitOptions(assume=assume))
        for s in self.f.slice_order:
            self.states[s.id] = self.collect_slice(s, targets)
        for s in self.f.slice_order:
            self.check_merge_order(s, self.states[s.id])
        self.check_unexpected()
        self.check_artifacts()
        slices = [self.states[s.id] for s in self.f.slice_order]
        team = rb.team
        active = sorted({a for st in slices if st.state in ACTIVE for a in st.agents})
        phase = PhaseState(
            id=rb.phase.id if rb.phase else None,
            startable=[st.id for st in slices if st.state == "not started"],
            active_agents=active,
            max_active=team.max_active if team else None,
            conditional=[Disposition(k, v, e) for k, (v, e) in self.dispositions.items()],
            exit_gate=self.exit_gate(slices, targets),
        )
        self.diags.sort(key=Diagnostic.sort_key)
        drift = [
            DriftItem(d.code, d.severity.value, d.message, d.span.file, d.span.line, d.span.column) for d in self.diags
        ]
        return Report(
            runbook=rb.path,
            repo=git.top,
            head=git.head,
            tool="graphite" if self.graphite else "git",
            base=self.base,
            phase=phase,
            slices=slices,
            drift=drift,
            diagnostics=list(self.diags),
        )

    def exit_gate(self, slices: list[SliceState], targets: list[sc.GateTarget]) -> ExitGate | None:
        ex = self.rb.exit
        if ex is None:
            return None
        covered = [r.id for r in ex.covers] or [s.id for s in slices]
        why = []
        for sid in covered:
            st = self.states.get(sid)
            if st is None or (st.conditional == "conditional" and st.disposition == "deferred"):
                continue
            if st.state not in DONE:
                why.append(f"{sid} is {st.state}")
        record = None
        if any(t.key == "exit" for t in targets):
            record = self.record("exit", "exit", "exit.ok", self.git.head, True, ex.span, "exit")
        return ExitGate(can_run=not why, why=why, record=record)


def collect(rb: ir.Runbook, repo: str | Path) -> Report:
    """The status of ``rb`` in the repository at ``repo`` (raises GitError when it is not one)."""
    return Collector(rb, Git(repo)).collect()
