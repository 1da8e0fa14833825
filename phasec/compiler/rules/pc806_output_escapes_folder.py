"""An artifact name or protocol template would be written outside its output folder.

## What it does
Reports artifact names (`outputs ROOT "..." { artifact ID "NAME" }`) and
protocol artifact templates (`protocol { artifact ID "TEMPLATE" }`) that are
absolute (`/...`, `~/...`, `C:\\...`) or whose `..` path components climb
above the folder (`../X.md`, `reviews/../../X.md`; `/` and `\\` both count as
separators).  Names are relative to their output folder; subfolders
(`reviews/R1.md`) are fine.

## Why it matters
Artifact names are joined to the output root by the generated scripts and
documents.  An absolute name ignores the root; a `..` climbs out of it — into
another phase's pass folder, the repository's source tree, or outside the
repository.  Cleanup manifests, which prune the pass folder, then miss the
file, and a later phase may overwrite it.

## Example
```
outputs runtime "docs/_phase-c-runtime-pass" {
  artifact C6_CLEANUP_MANIFEST "../C6_CLEANUP_MANIFEST.md" by C6
}
```
reports ``artifact `C6_CLEANUP_MANIFEST` name `../C6_CLEANUP_MANIFEST.md` leaves the output folder of `runtime` (through `..`)``.
Write the name relative to the folder: `C6_CLEANUP_MANIFEST.md`.
"""

from __future__ import annotations

import re

from phasec.compiler.rules._values import machine_path, value_span
from phasec.compiler.rules.base import rule


def escape(name: str) -> str | None:
    """Why ``name`` leaves the folder it is relative to (None when it stays inside)."""
    why = machine_path(name)
    if why is not None:
        return f"it is {why}"
    depth = 0
    for part in re.split(r"[\\/]", name):
        if part == "..":
            depth -= 1
            if depth < 0:
                return "through `..`"
        elif part not in ("", "."):
            depth += 1
    return None


def inside(name: str) -> str:
    """A name for the same file inside the folder: what follows the last `..`, or the base name."""
    parts = [p for p in re.split(r"[\\/]", name) if p and p != "."]
    if machine_path(name) is not None:
        return parts[-1] if parts else name
    if ".." in parts:
        parts = parts[len(parts) - parts[::-1].index("..") :]
    return "/".join(parts) or name


@rule("PC806", "output-escapes-folder", "error", reads_prose=False)
def check(ctx):
    rb = ctx.rb
    for o in rb.outputs:
        for a in o.artifacts:
            why = escape(a.name)
            if why is None:
                continue
            yield ctx.diag(
                value_span(ctx, a.span, text=a.name, index=1),
                f"artifact `{a.id}` name `{a.name}` leaves the output folder of `{o.id}` ({why})",
                related=[(o.root_span, f"the output folder of `{o.id}`")],
                help=f"write the name relative to its output folder, e.g. `{inside(a.name)}` (subfolders are "
                "fine); for a file elsewhere, declare another `outputs` root",
            )
    if rb.protocol is not None:
        for pa in rb.protocol.artifacts:
            why = escape(pa.template)
            if why is None:
                continue
            yield ctx.diag(
                value_span(ctx, pa.span, text=pa.template, index=1),
                f"protocol artifact `{pa.id}` template `{pa.template}` leaves the output folder ({why})",
                help=f"agent artifacts are written in the pass's output folder; write the template "
                f"relative to it, e.g. `{inside(pa.template)}`",
            )
