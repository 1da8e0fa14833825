"""Read-only access to a git repository through the ``git`` command line.

Every call is a query: nothing here writes a ref, the index or a worktree.
``GIT_OPTIONAL_LOCKS=0`` keeps ``git status`` from refreshing the index (its
one side effect), so ``phasec status`` can run while agents work in the same
repository.  Answers that do not change during one run (refs, worktrees,
ancestry) are read once and cached.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path


class GitError(Exception):
    """``git`` is missing, or the folder is not inside a git repository."""


@dataclass(frozen=True)
class Worktree:
    path: str  # absolute, as git lists it
    head: str | None
    branch: str | None  # short name; None when detached
    main: bool  # the repository's main checkout (listed first)


class Git:
    """One repository, queried from ``path`` (any folder inside a checkout of it)."""

    def __init__(self, path: str | Path):
        self.cwd = str(path)
        self.env = {**os.environ, "GIT_OPTIONAL_LOCKS": "0", "LC_ALL": "C"}
        self._ancestor: dict[tuple[str, str], bool] = {}
        self._files: dict[str, set[str]] = {}
        try:
            top = self._run("rev-parse", "--show-toplevel")
        except FileNotFoundError:
            raise GitError("git is not installed (not on PATH)") from None
        if top.returncode != 0:
            raise GitError(f"{path}: not a git repository (or not inside a checkout of one)")
        self.top = top.stdout.strip()

    def _run(self, *args: str, cwd: str | None = None) -> subprocess.CompletedProcess:
        return subprocess.run(
            ["git", *args], cwd=cwd or self.cwd, env=self.env, capture_output=True, text=True, errors="replace"
        )

    def out(self, *args: str, cwd: str | None = None) -> str | None:
        """stdout of a query (trailing newline removed), or None when git fails."""
        r = self._run(*args, cwd=cwd)
        return r.stdout.rstrip("\n") if r.returncode == 0 else None

    @cached_property
    def common_dir(self) -> Path:
        out = self.out("rev-parse", "--git-common-dir") or ".git"
        return (Path(self.top) / out).resolve() if not Path(out).is_absolute() else Path(out).resolve()

    @cached_property
    def records(self) -> Path:
        """Where the generated scripts keep their records (docs/scripts.md, *Records*)."""
        return self.common_dir / "phasec"

    @cached_property
    def head(self) -> str | None:
        return self.out("rev-parse", "--verify", "--quiet", "HEAD")

    @cached_property
    def refs(self) -> dict[str, str]:
        """Local branches (``refs/heads/X`` as ``X``) and remote-tracking refs (``origin/X``) -> commit."""
        out = self.out("for-each-ref", "--format=%(refname)%00%(objectname)", "refs/heads/", "refs/remotes/") or ""
        refs: dict[str, str] = {}
        for line in out.splitlines():
            name, _, sha = line.partition("\0")
            if name.startswith("refs/heads/"):
                refs[name[len("refs/heads/") :]] = sha
            elif name.startswith("refs/remotes/") and not name.endswith("/HEAD"):
                refs["remotes/" + name[len("refs/remotes/") :]] = sha
        return refs

    @property
    def branches(self) -> dict[str, str]:
        return {k: v for k, v in self.refs.items() if not k.startswith("remotes/")}

    def tip(self, branch: str) -> str | None:
        return self.refs.get(branch)

    def remote_tip(self, remote: str, branch: str) -> str | None:
        return self.refs.get(f"remotes/{remote}/{branch}")

    @cached_property
    def worktrees(self) -> list[Worktree]:
        out = self.out("worktree", "list", "--porcelain") or ""
        wts: list[Worktree] = []
        cur: dict[str, str] = {}
        for line in out.splitlines() + [""]:
            if not line:
                if "worktree" in cur:
                    br = cur.get("branch")
                    wts.append(
                        Worktree(
                            cur["worktree"],
                            cur.get("HEAD"),
                            br[len("refs/heads/") :] if br and br.startswith("refs/heads/") else None,
                            not wts,
                        )
                    )
                cur = {}
                continue
            key, _, val = line.partition(" ")
            cur[key] = val
        return wts

    def is_ancestor(self, ancestor: str, ref: str) -> bool:
        key = (ancestor, ref)
        hit = self._ancestor.get(key)
        if hit is None:
            hit = self._ancestor[key] = self._run("merge-base", "--is-ancestor", ancestor, ref).returncode == 0
        return hit

    def merge_base(self, a: str, b: str) -> str | None:
        return self.out("merge-base", a, b) or None

    def _patch_ids(self, diff: str) -> list[str]:
        """``git patch-id --stable`` of a diff or of ``git log -p`` output: the ids, in order."""
        r = subprocess.run(
            ["git", "patch-id", "--stable"],
            cwd=self.cwd,
            env=self.env,
            input=diff,
            capture_output=True,
            text=True,
            errors="replace",
        )
        return [line.split()[0] for line in r.stdout.splitlines() if line.strip()] if r.returncode == 0 else []

    def landed_as_patches(self, tip: str, target: str) -> bool:
        """Whether the work of ``tip`` (its commits since it forked from ``target``) is in ``target``
        although ``tip`` is not an ancestor of it: merged by *rebase* (every commit has a
        patch-equivalent commit in ``target``, ``git cherry``) or by *squash* (one commit of
        ``target`` since the fork has the same patch id as the branch's whole diff).  Read-only:
        patch ids are computed from diffs, nothing is written.  A squash merge that also changed
        something else (a conflict resolved by hand) is not recognised."""
        base = self.merge_base(tip, target)
        if base is None or base == tip:
            return False
        cherry = self.out("cherry", target, tip, base)
        lines = cherry.splitlines() if cherry else []
        if lines and all(line.startswith("- ") for line in lines):
            return True
        whole = self.out("diff", "--full-index", base, tip)
        if not whole:
            return False
        mine = self._patch_ids(whole + "\n")
        if len(mine) != 1:
            return False
        log = self.out("log", "-p", "--full-index", "--no-merges", "--format=commit %H", f"{base}..{target}")
        return bool(log) and mine[0] in self._patch_ids(f"{log}\n")

    def count(self, rng: str) -> int | None:
        out = self.out("rev-list", "--count", rng)
        return int(out) if out and out.isdigit() else None

    def created_at(self, branch: str) -> str | None:
        """The commit a branch pointed to when it was created: its oldest reflog entry (None without a reflog)."""
        out = self.out("reflog", "show", "--format=%H", f"refs/heads/{branch}", "--")
        lines = out.splitlines() if out else []
        return lines[-1] if lines else None

    def dirty(self, worktree: str) -> list[str] | None:
        """The changed and untracked paths of a worktree (``git status --porcelain``); None when unreadable."""
        out = self.out("status", "--porcelain", cwd=worktree)
        return None if out is None else [line for line in out.splitlines() if line]

    def files(self, commit: str) -> set[str]:
        """Every file in the tree of ``commit`` (read once per commit)."""
        hit = self._files.get(commit)
        if hit is None:
            out = self.out("ls-tree", "-r", "--name-only", "-z", commit) or ""
            hit = self._files[commit] = {f for f in out.split("\0") if f}
        return hit

    def show(self, commit: str, path: str) -> str | None:
        """The text of ``path`` at ``commit`` (None when it is not there)."""
        if path not in self.files(commit):
            return None
        return self.out("cat-file", "-p", f"{commit}:{path}")

    def added_in(self, commit: str, path: str) -> str | None:
        """The commit, reachable from ``commit``, that added ``path`` (the latest one)."""
        return self.out("log", "-1", "--diff-filter=A", "--format=%H", commit, "--", path) or None
