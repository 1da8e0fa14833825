"""A `when triggered` or `when deferred` part, or a trigger statement, on a slice that is neither conditional nor branching.

## What it does
Reports, in a slice declared neither `conditional` nor `branching`:

* a `file`, a `gate` binding or a `requires` marked `when triggered` or
  `when deferred`;
* a trigger statement: `trigger`, `triggered`, `not_triggered`,
  `trigger_logic`.

Each is reported where it is written, with a note at the slice's id.

## Why it matters
Such a slice has one outcome: it always runs, and nothing decides whether it
is "triggered".  The outputs silently drop what only belongs to a triggered
or deferred path, so a file boundary, a gate or a requirement the author
wrote never reaches the packet or the scripts.  Usually the slice was meant
to be `branching` (it always runs, its outcome branches) and the keyword was
forgotten.

## Example
```
slice C4 "Decision tightening" {
  trigger d009 "middleware chains without a dedupe marker" by c4_scan
  file "docs/DECISIONS.md" when triggered
}
```
reports `trigger `d009` in slice `C4`, which is neither conditional nor
branching: nothing evaluates it` and `file `docs/DECISIONS.md` of slice `C4`
is marked `when triggered`, but `C4` is neither conditional nor branching:
it has no triggered path`.  Declare the slice `branching` (or `conditional`),
or drop the trigger statements and the `when` clauses.
"""

from __future__ import annotations

from phasec.compiler.rules._locate import id_span, word_span
from phasec.compiler.rules._values import statement_at
from phasec.compiler.rules.base import rule

_HELP = "declare `{s}` `branching` (it always runs and its outcome branches) or `conditional`, or remove it"


@rule("PC407", "outcome-part-on-unconditional", "error", reads_prose=False)
def check(ctx):
    for s in ctx.rb.slices:
        if not s.outcome_conditional:
            yield from ctx.per_node(s, lambda s: list(_of_slice(ctx, s)))  # a function of the slice alone


def _of_slice(ctx, s):
    found = []  # (span, message)

    def marked(span, what: str, when: str) -> None:
        found.append(
            (
                span,
                f"{what} of slice `{s.id}` is marked `when {when}`, but `{s.id}` is neither conditional nor "
                f"branching: it has no {when} path",
            )
        )

    for f in s.files:
        if f.when:
            marked(word_span(ctx, f.span, "when") or f.span, f"file `{f.path}`", f.when)
    for b in s.gates:
        if b.when:
            marked(word_span(ctx, b.span, "when") or b.span, f"gate binding `{b.cadence.id}`", b.when)
    for ref in s.requires:
        when = s.requires_when.get(ref.id)
        if when:
            marked(ref.span, f"requirement `{ref.id}`", when)
    for t in s.triggers:
        found.append(
            (
                id_span(ctx, t.span),
                f"trigger `{t.id}` in slice `{s.id}`, which is neither conditional nor branching: nothing evaluates it",
            )
        )
    for kw, items in (("triggered", s.triggered), ("not_triggered", s.not_triggered)):
        for p in items:
            found.append(
                (
                    p.span,
                    f"`{kw}` step in slice `{s.id}`, which is neither conditional nor branching: "
                    "it has no such path, and the outputs drop it",
                )
            )
    st = statement_at(ctx, s.span)
    for kid in (st.block or []) if st is not None else []:
        if kid.keyword == "trigger_logic":
            found.append(
                (
                    kid.keyword_span,
                    f"`trigger_logic` in slice `{s.id}`, which is neither conditional nor branching: "
                    "it has no triggers to combine",
                )
            )
    if not found:
        return
    decl = [(id_span(ctx, s.span), f"`{s.id}` is declared here, without `conditional` or `branching`")]
    found.sort(key=lambda x: (x[0].line, x[0].column))
    for span, message in found:
        yield ctx.diag(span, message, related=decl, help=_HELP.format(s=s.id))
