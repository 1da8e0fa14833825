"""The garbage collector's settings for the ``phasec`` console script's own process.

Imports nothing: the console script (phasec/cli/entry.py) applies them before
typer and the other libraries are loaded.  Library code never calls these
(docs/performance.md, *The garbage collector*).
"""

from __future__ import annotations

import gc

#: The cycle collector's thresholds for the ``phasec`` command (Python's default: 700, 10, 10).
#: The pipeline allocates many small, mostly acyclic objects that reference counting
#: frees; at the default the collector spends a large share of a big run rescanning
#: them (docs/performance.md).  Only the console script sets this, once, before any
#: command runs (`phasec lsp` included: before the server starts its threads), for a
#: process that is its own.  The collector stays enabled; library code (the pipeline,
#: the language server's modules) never touches it.
GC_THRESHOLDS = (50_000, 20, 20)


def tune_gc() -> None:
    """Raise the collector's thresholds for this process (only from the console script)."""
    gc.set_threshold(*GC_THRESHOLDS)
