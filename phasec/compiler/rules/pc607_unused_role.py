"""A role is declared and never referenced.

## What it does
Reports a `role` that nothing names: no slice `agent`, `owner`, backup or
`approval by`, no stage step `by`, no `review { by }`, no `procedure ... for`
or procedure step `by`.  The diagnostic points at the role's id.

## Why it matters
A role is declared once so that the work can name it.  A role nobody names
has duties nobody is asked to perform: the reviewer who never reviews, the
steward who signs nothing.  Usually a slice or the review was meant to name
it and names an agent (or another role) instead.

## Example
```
role reviewer "Reviewer" { duty "Answer each stop token with a verdict." }
role steward "Steward"
review { by reviewer }
```
reports `role `steward` is never referenced`.  Name it where its duties
apply, or remove it.
"""

from __future__ import annotations

from pydantic import BaseModel

from phasec.compiler import ir
from phasec.compiler.rules._locate import id_span
from phasec.compiler.rules.base import rule


def _refs(node, out: set[str]) -> None:
    """Ids of every reference that may name a role, anywhere in the IR."""
    if isinstance(node, ir.Ref):
        if "role" in node.kind.split("|"):
            out.add(node.id)
        return
    if isinstance(node, BaseModel):
        for name in type(node).model_fields:
            _refs(getattr(node, name), out)
    elif isinstance(node, (list, tuple)):
        for x in node:
            _refs(x, out)
    elif isinstance(node, dict):
        for x in node.values():
            _refs(x, out)


@rule("PC607", "unused-role", "warning", reads_prose=False)
def check(ctx):
    rb = ctx.rb
    if not rb.roles:
        return
    used: set[str] = set()
    _refs(rb, used)
    for role in rb.roles:
        if role.id in used:
            continue
        yield ctx.diag(
            id_span(ctx, role.span),
            f"role `{role.id}` is never referenced",
            help=f"name `{role.id}` where its duties apply (a slice's `agent` or `owner`, a step's `by`, "
            "`review { by ... }`, `approval by ...`), or remove it",
        )
