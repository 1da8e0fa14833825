"""Emitters: pure functions of the IR returning {relative path: text}.

Every module of this package that sets ``EMITTER = True`` and defines
``emit(rb, options) -> dict[str, str]`` contributes files; they run in module
name order (their outputs are keyed by path, so order carries no meaning).
``manifest.json`` is computed last from everything else.  Writing files
happens in one place (``phasec.emitters.write``).
"""

from __future__ import annotations

import gc
import hashlib
import importlib
import json
import pkgutil
from dataclasses import dataclass, field
from types import ModuleType

from phasec.compiler.ir import Runbook

PATHS = ("triggered", "deferred")


@dataclass(frozen=True)
class EmitOptions:
    #: conditional or branching slice id -> "triggered" | "deferred" (default: emit both paths)
    assume: dict[str, str] = field(default_factory=dict)
    #: a folder whose templates override the shipped ones (same file names)
    templates: str | None = None
    #: opt-in outputs, e.g. {"ci"}
    extras: frozenset[str] = frozenset()

    def path_of(self, slice_id: str) -> str | None:
        return self.assume.get(slice_id)


class EmitError(ValueError):
    """A problem with the emit options (reported as a usage error)."""


def validate_options(rb: Runbook, options: EmitOptions) -> None:
    for sid, path in options.assume.items():
        s = rb.slice(sid)
        if s is None:
            known = ", ".join(x.id for x in rb.slices if x.outcome_conditional) or "none"
            raise EmitError(f"--assume {sid}={path}: no slice `{sid}` (conditional and branching slices: {known})")
        if not s.outcome_conditional:
            raise EmitError(f"--assume {sid}={path}: slice `{sid}` is neither conditional nor branching")
        if path not in PATHS:
            raise EmitError(f"--assume {sid}={path}: expected `triggered` or `deferred`")


def emitter_modules() -> list[ModuleType]:
    import phasec.emitters as pkg

    mods = []
    for info in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda i: i.name):
        mod = importlib.import_module(f"{pkg.__name__}.{info.name}")
        if getattr(mod, "EMITTER", False):
            mods.append(mod)
    return mods


def emit_all(rb: Runbook, options: EmitOptions | None = None) -> dict[str, str]:
    """Every output file of the packet, as {relative path: text}, sorted by path."""
    from phasec import __version__

    options = options or EmitOptions()
    validate_options(rb, options)
    outputs: dict[str, str] = {}
    for mod in emitter_modules():
        for path, text in mod.emit(rb, options).items():
            if path in outputs:
                raise RuntimeError(f"two emitters produce {path}")
            outputs[path] = text
        # What an emitter built for its templates is partly cyclic garbage (a 10,000-slice
        # execution packet's: about 50 MB), which the `phasec` command's raised collector
        # thresholds would keep past the next emitters: collect the young generations, which
        # hold it (a few ms; docs/performance.md, *Memory*).
        gc.collect(1)
    manifest = {
        "generator": f"phasec {__version__}",
        "source": {"path": rb.path, "sha256": rb.sha256},
        "assume": dict(sorted(options.assume.items())),
        "files": [
            {"path": p, "sha256": hashlib.sha256(t.encode("utf-8")).hexdigest()} for p, t in sorted(outputs.items())
        ],
    }
    outputs["manifest.json"] = json.dumps(manifest, indent=2, sort_keys=True) + "\n"
    return dict(sorted(outputs.items()))
