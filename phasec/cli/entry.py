"""The `phasec` console script: the process is phasec's own.

This module imports nothing heavy (no typer, pydantic, Lark, networkx), so that
what only a process of its own may do happens before they are loaded
(docs/performance.md, *Start-up* and *The garbage collector*):

* the cyclic collector's thresholds are raised first (:func:`tune_gc`), so that
  importing the libraries does not trigger dozens of collections;
* when the command has finished, the objects left are frozen (``gc.freeze``):
  the interpreter's shutdown then does not rescan them in its final
  collections (about a fifth of the CPU time of a `phasec lint` of a small
  runbook).  Shutdown itself still runs: ``atexit`` handlers, module teardown,
  objects freed by reference counting, standard streams flushed.

Used as a library (the typer app in tests, other programs), phasec never
touches the collector; only this entry point does.
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


def run() -> None:
    """Console-script entry point (``phasec``, ``python -m phasec``): :func:`phasec.cli.main.run`
    with the collector tuned before anything is imported and the heap frozen at exit."""
    tune_gc()
    from phasec.cli.main import run as run_command

    try:
        run_command()
    finally:
        # Everything alive now lives until the process ends: keep the shutdown's
        # collections from rescanning it.
        gc.freeze()
