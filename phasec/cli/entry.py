"""The `phasec` console script: the process is phasec's own.

This module imports nothing heavy (no typer, pydantic, Lark, networkx), so that
what only a process of its own may do happens before they are loaded
(docs/performance.md, *Start-up* and *The garbage collector*):

* the cyclic collector's thresholds are raised first
  (:func:`phasec.cli.collector.tune_gc`), so that
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

from phasec.cli.collector import tune_gc


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
