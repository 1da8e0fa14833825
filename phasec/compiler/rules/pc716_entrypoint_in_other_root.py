"""The packet's entrypoint lives in one folder while the slice that writes it produces it in another.

## What it does
Compares the phase `entrypoint` with the artifacts of the same file name
(`artifact ID "NAME" by ...` in an `outputs` block): when an artifact with
the entrypoint's file name is produced under a different folder (its
`outputs` root joined with its name, after making roots under a declared
worktree repo-relative), reports the entrypoint with a note at the artifact.
When some artifact of that name *is* at the entrypoint's path, or a slice
lists the entrypoint's path among its `file`s (it writes the published copy),
nothing is reported.

## Why it matters
The entrypoint is where every agent starts reading.  If the planning slice
writes the packet into its pass folder
(`docs/spec/_phase-c-planning-pass-01/PHASE_C_EXECUTION_PACKET.md`) while the
entrypoint names the canonical copy (`docs/spec/PHASE_C_EXECUTION_PACKET.md`),
either nobody writes the entrypoint, or two copies exist and drift — the
one agents read is not the one that was reviewed.

## Example
```
phase C "Phase C" { entrypoint "docs/spec/PHASE_C_EXECUTION_PACKET.md" }
outputs planning "docs/spec/_phase-c-planning-pass-01" {
  artifact PACKET "PHASE_C_EXECUTION_PACKET.md" by C0
}
```
reports ``entrypoint `docs/spec/PHASE_C_EXECUTION_PACKET.md` is not where slice `C0` produces it (`docs/spec/_phase-c-planning-pass-01/PHASE_C_EXECUTION_PACKET.md`)``.
Point the entrypoint at the produced file, or say who publishes the packet at
the entrypoint (an artifact at that path, or the path among the slice's `file`s).
"""

from __future__ import annotations

import posixpath

from phasec.compiler.rules._paths import norm
from phasec.compiler.rules._values import child_value_span
from phasec.compiler.rules.base import rule


@rule("PC716", "entrypoint-in-other-root", "warning", reads_prose=False)
def check(ctx):
    rb = ctx.rb
    ph = rb.phase
    if ph is None or not ph.entrypoint:
        return
    entry = norm(ph.entrypoint, False)[0]
    base = posixpath.basename(entry)
    same_name = []
    for o in rb.outputs:
        for a in o.artifacts:
            full = norm(posixpath.join(o.root, a.name), False)[0]
            if posixpath.basename(full) == base:
                same_name.append((full, a))
    if not same_name or any(full == entry for full, _ in same_name):
        return
    if any(norm(f.path, f.dir)[0] == entry for s in rb.slices for f in s.files if f.path):
        return  # a slice writes the published copy at the entrypoint
    full, a = same_name[0]
    who = (
        f"slice `{a.producer.id}`"
        if a.producer is not None and ctx.facts.slices.get(a.producer.id)
        else (f"`{a.producer.id}`" if a.producer is not None else "its `outputs` block")
    )
    yield ctx.diag(
        child_value_span(ctx, ph.span, "entrypoint"),
        f"entrypoint `{ph.entrypoint}` is not where {who} produces it (`{full}`)",
        related=[(a.span, f"artifact `{a.id}` is produced here, under `{posixpath.dirname(full)}`")],
        help="point the entrypoint at the produced file, or declare the published copy (an artifact at the "
        "entrypoint's path, with its producer)",
    )
