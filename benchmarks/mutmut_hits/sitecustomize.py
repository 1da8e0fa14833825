"""Subprocess hits for mutmut's statistics run (mutation testing only; docs/testing.md).

`benchmarks/mutation.py` puts this folder on ``PYTHONPATH`` (after ``mutants/``)
and names a hits folder in ``PHASEC_MUTMUT_HITS``.  Python imports
``sitecustomize`` at start-up, so every ``python -m phasec ...`` a test starts
runs this first.  During mutmut's statistics run (``MUTANT_UNDER_TEST=stats``,
inherited from the pytest process) the trampolines of the mutated copy record
which functions ran; in a subprocess that record would be lost.  Here the
record goes to a set that is written, at exit, to a file in the hits folder;
the ``pytest_runtest_teardown`` hook of ``tests/conftest.py`` adds those names
to mutmut's in-process record before mutmut attributes it to the test.

Inert otherwise: without both variables nothing is imported or changed.  The
recording is replaced (not only dumped) because mutmut's own
``record_trampoline_hit`` reads ``pyproject.toml`` from the working directory,
which a CLI test's subprocess usually does not have.
"""

from __future__ import annotations

import os

if os.environ.get("MUTANT_UNDER_TEST") == "stats" and os.environ.get("PHASEC_MUTMUT_HITS"):

    def _install(folder: str) -> None:
        import atexit
        import uuid

        try:
            from mutmut.mutation import trampoline
        except ImportError:  # not the mutation venv: nothing to record
            return
        hits: set[str] = set()

        def record(name: str, caller: str | None = None) -> None:
            hits.add(name)

        trampoline.record_trampoline_hit = record

        def dump() -> None:
            if not hits:
                return
            path = os.path.join(folder, f"{os.getpid()}-{uuid.uuid4().hex}.hits")
            tmp = path + ".tmp"
            with open(tmp, "w", encoding="utf-8") as f:
                f.write("\n".join(sorted(hits)) + "\n")
            os.replace(tmp, path)  # whole files only: the hook may read the folder at any time

        atexit.register(dump)

    _install(os.environ["PHASEC_MUTMUT_HITS"])
