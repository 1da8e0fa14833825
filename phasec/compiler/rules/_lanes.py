"""Which slices are lanes of a plain-git runbook (helpers for PC3xx/PC8xx rules).

Not a rule module (the name does not match ``pcNNN_*``), so the registry skips it.
"""

from __future__ import annotations


def lanes(rb) -> list:
    """Slices that get a branch and merge: they have a `branch` or an `approval`, are in a
    `merge_wave`, or another slice waits until they are merged (`after X merged`)."""
    waved = {r.id for w in (rb.repo.merge_waves if rb.repo else []) for r in w.slices}
    merged = {d.slice.id for s in rb.slices for d in s.after if d.merged}
    return [s for s in rb.slices if s.branch or s.approval is not None or s.id in waved or s.id in merged]
