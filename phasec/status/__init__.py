"""`phasec status`: the runbook held against the live repository (docs/status.md).

:func:`collect` reads the repository (read-only, through the ``git`` command line)
and returns a :class:`~phasec.status.model.Report`: the state of every slice, of
the phase, and the drift from the plan as phasec Diagnostics.
"""

from __future__ import annotations

from phasec.status.collect import collect
from phasec.status.git import GitError

__all__ = ["GitError", "collect"]
