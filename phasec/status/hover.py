"""A slice's `phasec status` as hover text, for the language server.

Shown when the runbook being edited lives in a git repository that holds the
phase: at least one of its slice branches exists there, or the generated
scripts have written records.  Otherwise (a runbook read anywhere else) the
hover stays as it was.  The report of one runbook text is kept for a few
seconds, so moving the mouse over several slices reads the repository once.
"""

from __future__ import annotations

import time

from phasec.compiler import ir
from phasec.status.model import Report, SliceState

#: seconds a report is reused for the same runbook text and repository
TTL = 5.0
_cache: dict[tuple[str, str], tuple[float, Report | None]] = {}


def _report(rb: ir.Runbook, folder: str) -> Report | None:
    from phasec.status.collect import Collector
    from phasec.status.git import Git, GitError

    key = (folder, rb.sha256 or "")
    hit = _cache.get(key)
    now = time.monotonic()
    if hit is not None and now - hit[0] < TTL:
        return hit[1]
    report = None
    try:
        git = Git(folder)
        own = {s.branch for s in rb.slices if s.branch}
        if own & set(git.branches) or git.records.is_dir():
            report = Collector(rb, git).collect()
    except (GitError, OSError):
        report = None
    _cache.clear()  # one runbook at a time: never grows
    _cache[key] = (now, report)
    return report


def describe(st: SliceState, report: Report) -> list[str]:
    lines = [f"**status:** {st.state}" + (f" ({st.disposition})" if st.disposition else "")]
    for reason in st.why:
        lines.append(f"- {reason}")
    b = st.branch
    if b is not None:
        if not b.exists:
            where = "absent" + (f", merged into `{b.merged_into}`" if b.merged else "")
        elif b.merged:
            where = f"merged into `{b.merged_into}`"
        else:
            where = f"{b.ahead} ahead, {b.behind} behind `{(b.parent or '?')}`"
        lines.append(f"- branch `{b.name}`: {where}")
    w = st.worktree
    if w is not None:
        lines.append(f"- worktree `{w.path}`: " + ("absent" if not w.present else "clean" if w.clean else "dirty"))
    for g in st.gates:
        extra = f" by {g.by}" if g.by else ""
        at = f" at {g.at}" if g.at else ""
        lines.append(f"- {g.kind} `{g.name}`: {g.status}{extra}{at}")
    a = st.approval
    if a is not None and (a.required or a.status != "missing"):
        lines.append(f"- approval: {a.status}" + (f" by {a.by}" if a.by else ""))
    return lines


def slice_status(rb: ir.Runbook, sid: str, path: str | None) -> str | None:
    """Markdown for the slice's state in the repository the runbook at ``path`` is in (None: not shown)."""
    import os

    if not path:
        return None
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        return None
    report = _report(rb, folder)
    if report is None:
        return None
    st = report.slice(sid)
    if st is None:
        return None
    return "\n".join(describe(st, report))
