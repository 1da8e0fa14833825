"""Where each slice's checkout is (helpers for PC314 and PC814).

Not a rule module (the name does not match ``pcNNN_*``), so the registry skips it.
"""

from __future__ import annotations

import posixpath


def resolve(rb, path: str) -> str:
    """``path`` made absolute against the declared `repo { root }` when it is relative (normalised)."""
    root = rb.repo.root if rb.repo is not None else None
    if not path.startswith("/") and root:
        path = posixpath.join(root, path)
    return posixpath.normpath(path)


def slice_worktrees(rb) -> dict[str, tuple[str, str]]:
    """Per slice with a worktree: (the path as written, the path resolved against the root)."""
    out = {}
    for s in rb.slices:
        if s.worktree:
            out[s.id] = (s.worktree, resolve(rb, s.worktree))
    return out
