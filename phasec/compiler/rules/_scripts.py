"""Where a gate's script comes from (helpers for PC701 and PC711).

Not a rule module (the name does not match ``pcNNN_*``), so the registry skips it.

A script is *existing* (`script "..." existing`, or listed in
`scripts { existing ... }`), *added* by a slice (`added_by`, a slice's
`file "<manifest>" adds "..."`, or `scripts { added_in ... }`), or has a
*planned contract* (the gate says what it `runs`, or has a body of `run` and
`use` steps: the script's definition in the command contract).

Runbooks written before provenance existed (v1: no `existing`, `added_by`,
`adds` or `added_in` anywhere) say nothing about any script; there only a
script named for this very phase (`phase-c:...` in phase C) is taken to be
new in it, since a phase's own scripts cannot predate the phase.
"""

from __future__ import annotations

import re
from functools import cached_property

from phasec.compiler.rules._paths import norm

DEFAULT_MANIFEST = "package.json"

_PHASE_PREFIX = re.compile(r"^phase[-_]?([A-Za-z0-9]+)[:\-_]", re.I)


def declares_provenance(rb) -> bool:
    """The runbook says, somewhere, where some script comes from."""
    sc = rb.scripts
    if sc is not None and (sc.existing or sc.added_in):
        return True
    if any(g.script_origin is not None or g.script_added_by is not None for g in rb.gates):
        return True
    return any(f.adds for s in rb.slices for f in s.files)


def own_phase_script(rb, script: str) -> bool:
    """The script is named for this runbook's phase (`phase-c:gate:x` in phase C)."""
    m = _PHASE_PREFIX.match(script)
    return bool(m and rb.phase is not None and m.group(1).lower() == rb.phase.id.lower())


def is_existing(rb, gate) -> bool:
    if gate.script_origin == "existing":
        return True
    return rb.scripts is not None and gate.script in rb.scripts.existing


def has_contract(gate) -> bool:
    """The runbook says what the script runs (`runs`, or a body of `run`/`use` steps)."""
    if gate.script_runs:
        return True
    return any((st.kind == "run" and st.command) or (st.kind == "use" and st.gates) for st in gate.steps)


class Provenance:
    """The runbook-wide script facts, each computed once and only when asked (a rule asks per
    gate and per use; most runbooks never need the manifest edits)."""

    def __init__(self, rb):
        self.rb = rb

    @cached_property
    def declared(self) -> bool:
        return declares_provenance(self.rb)

    @cached_property
    def adds(self) -> dict[str, list]:
        out: dict[str, list] = {}
        for s in self.rb.slices:
            for f in s.files:
                for name in f.adds:
                    out.setdefault(name, []).append((s, f))
        return out

    @cached_property
    def editors(self) -> list:
        return manifest_editors(self.rb)

    @cached_property
    def manifest(self) -> str:
        return manifest_path(self.rb)

    def adding_files(self, script: str):
        """(slice, file) pairs whose `file ... adds` names ``script``."""
        return self.adds.get(script, [])

    def new_in_phase(self, gate) -> bool:
        """The gate's script is not existing and is taken to be new in this phase (see the module docstring)."""
        if not gate.script or gate.kind != "gate" or is_existing(self.rb, gate):
            return False
        return self.declared or own_phase_script(self.rb, gate.script)


def manifest_path(rb) -> str:
    sc = rb.scripts
    return norm(sc.manifest if sc is not None and sc.manifest else DEFAULT_MANIFEST, False)[0]


def manifest_editors(rb):
    """(slice, file) pairs of slices that touch the script manifest without saying which scripts they add."""
    manifest = manifest_path(rb)
    return [(s, f) for s in rb.slices for f in s.files if not f.adds and norm(f.path, f.dir)[0] == manifest]
