"""A `conditional` slice with `always` steps or `always` gate bindings: it always runs, so it is `branching`.

## What it does
Reports a slice declared `conditional` (and not `branching`) that has
`always "..."` steps or gate bindings marked `always`.  The diagnostic
points at the word `conditional`, with notes at the `always` parts.

## Why it matters
`conditional` means "runs only when triggered".  A slice with work that runs
whether or not it is triggered (the assessment, the disposition, the gates
that prove it) always runs: its *outcome* branches, which is what
`branching` says.  Runbooks written before `branching` existed used the
`conditional` + `always` form; reading them as conditional makes the
dependency and artifact checks (PC403, PC404) treat a slice that always runs
as one that may not run at all.

## Example
```
slice C4 "Decision tightening" conditional {
  trigger d009 "middleware chains without a dedupe marker" by c4_scan
  always "Assess the trigger and record the disposition."
  triggered "Tighten D-009."
  gate quick drift_core always
}
```
reports `conditional slice `C4` has work that runs whether or not it is
triggered (`always` steps and gate bindings): it always runs, so it is
`branching``.

## Fix
Rewrites `conditional` to `branching` and removes the `always` flags of the
gate bindings (in a branching slice every unmarked part runs on both paths).
The fix is safe (applied by `phasec lint --fix`) when it provably changes
nothing else: every gate binding of the slice is `always` or marked
`when ...`, and every `file` and `requires` of the slice is marked
`when ...` — then each part runs on exactly the same paths as before.
Otherwise the unmarked parts, which ran only on the triggered path, would
run on both; the fix is then offered to editors only, and you should mark
those parts `when triggered` first.
"""

from __future__ import annotations

from phasec.compiler.diagnostics import Edit, Fix
from phasec.compiler.rules._fixes import _between
from phasec.compiler.rules._locate import id_span, word_span
from phasec.compiler.rules._values import statement_at
from phasec.compiler.rules.base import rule


def _fix(ctx, s, cond_span) -> Fix | None:
    if ctx.doc is None or cond_span is None:
        return None
    edits = [Edit(span=cond_span, replacement="branching")]
    for b in s.gates:
        if not b.always:
            continue
        st = statement_at(ctx, b.span)
        if st is None:
            return None
        i = next((k for k, v in enumerate(st.values) if k > 0 and v.kind == "name" and v.value == "always"), None)
        if i is None:
            return None
        prev = st.values[i - 1].span
        edits.append(Edit(span=_between(prev, st.values[i].span), replacement=""))
    unmarked = [b for b in s.gates if not b.always and not b.when]
    unmarked += [f for f in s.files if not f.when]
    unmarked += [r for r in s.requires if r.id not in s.requires_when]
    safe = not unmarked
    desc = "declare the slice `branching` and drop the now-redundant `always` flags"
    if not safe:
        desc += " (its unmarked files, gates or requirements would then run on both paths: mark them `when triggered`)"
    return Fix(description=desc, edits=edits, safe=safe)


@rule("PC408", "conditional-always-runs", "warning", reads_prose=False)
def check(ctx):
    for s in ctx.rb.slices:
        if not s.conditional or s.branching:
            continue
        always_bindings = [b for b in s.gates if b.always]
        if not s.always and not always_bindings:
            continue
        what = " and ".join(
            w for w, present in (("`always` steps", s.always), ("`always` gate bindings", always_bindings)) if present
        )
        cond = word_span(ctx, s.span, "conditional")
        related = [(p.span, "runs whether or not the slice is triggered") for p in s.always[:3]]
        related += [(b.span, "bound on both paths") for b in always_bindings[:3]]
        yield ctx.diag(
            cond or id_span(ctx, s.span),
            f"conditional slice `{s.id}` has work that runs whether or not it is triggered ({what}): "
            "it always runs, so it is `branching`",
            related=related,
            help=f"declare `{s.id}` `branching` and drop `always` from its gate bindings; mark the parts of the "
            "triggered path `when triggered`",
            fix=_fix(ctx, s, cond),
        )
