"""Several lanes append to one shared ledger file, with no rule about merging it.

## What it does
For each `ledger ... in "PATH" append_only` that has no `rule` mentioning
merging (a rule whose text contains "merge" or "conflict"), finds the slices
that write it: those whose `file`s cover PATH — the path itself, a folder
above it (`dir`), or a glob that matches it — and those executed by an agent
that the ledger's recorded `entry` rows name in their actor column (a field
named Actor, Agent, Author, By, Signer, From or Owner).  When two or more of them can run at the same time
(neither is ordered before the other, as in PC605), reports the ledger's
path, naming the slices.

## Why it matters
An append-only ledger in the repository is one file that every lane writes
to on its own branch.  Each lane's appends land at the end of the same file,
so every merge after the first conflicts — and the usual "resolution" keeps
one side and drops the other lane's rows, which is exactly the history an
append-only ledger exists to keep.  PC605 reports file overlaps in general;
this rule says what to do about this one: write down how the ledger merges
(keep both sides' rows, in time order) or keep it outside the lanes.

## Example
```
ledger progress "Shared Ledger" in "dev/active/RUNBOOK.md" append_only {
  rule "Append only."
}
slice A1 "Rust lane" { file "dev/active/**" }
slice A2 "Control plane" { file "dev/active/RUNBOOK.md" }
```
reports `several lanes append to one shared ledger file `dev/active/RUNBOOK.md`
(`A1`, `A2`), and the ledger has no rule about merging it`.
Add a rule (`rule "On merge conflicts keep both sides' rows in time order."`),
or have one lane (the orchestrator) own the file.
"""

from __future__ import annotations

from phasec.compiler.rules._paths import glob_re, norm
from phasec.compiler.rules._values import value_span
from phasec.compiler.rules.base import rule


def _covers(f, path: str) -> bool:
    p, is_dir = norm(f.path, f.dir)
    if f.glob:
        return bool(glob_re(p).fullmatch(path))
    return p == path or (is_dir and path.startswith(p.rstrip("/") + "/"))


#: Fields whose cells name who wrote an entry.
_ACTOR_FIELDS = {"actor", "agent", "author", "by", "signer", "from", "owner"}


def _actors(ledger, agents: set[str]) -> set[str]:
    """The declared agents that the ledger's recorded entries name in their actor column."""
    cols = [i for i, f in enumerate(ledger.fields) if f.name.strip().lower() in _ACTOR_FIELDS]
    out = set()
    for e in ledger.entries:
        cells = [c.strip().strip("`").strip() for c in e.text.split("|")]
        for i in cols:
            if i < len(cells) and cells[i] in agents:
                out.add(cells[i])
    return out


def _writer_note(s, path: str, actors: set[str]):
    f = next((f for f in s.files if _covers(f, path)), None)
    if f is not None:
        return f.span, f"`{s.id}` writes it"
    who = next(r.id for r in s.agents if r.id in actors)
    return s.span, f"`{s.id}` writes it: its agent `{who}` appends entries to the ledger"


# reads_prose: reads the ledger's entries and rules (prose)
@rule("PC609", "shared-ledger-appends", "warning", reads_prose=True)
def check(ctx):
    rb = ctx.rb
    for ledger in rb.ledgers:
        if not ledger.path or not ledger.append_only:
            continue
        if any("merge" in r.text.lower() or "conflict" in r.text.lower() for r in ledger.rules):
            continue
        path, _ = norm(ledger.path, False)
        writers = [s for s in rb.slices if any(_covers(f, path) for f in s.files)]
        actors = _actors(ledger, {a.id for a in rb.agents()})
        if actors:
            ids = {s.id for s in writers}
            writers += [s for s in rb.slices if s.id not in ids and any(r.id in actors for r in s.agents)]
        concurrent = sorted(
            {a.id for a in writers for b in writers if a.id != b.id and not ctx.graph.ordered(a.id, b.id)}
        )
        if len(concurrent) < 2:
            continue
        by_id = {s.id: s for s in writers}
        yield ctx.diag(
            value_span(ctx, ledger.span, text=ledger.path),
            f"several lanes append to one shared ledger file `{ledger.path}` ({', '.join(f'`{i}`' for i in concurrent)}), "
            "and the ledger has no rule about merging it",
            related=[_writer_note(by_id[i], path, actors) for i in concurrent[:5]],
            help="add a rule saying how the ledger merges (e.g. `rule \"On merge conflicts keep both sides' rows in "
            'time order."`), or let one lane own the file',
        )
