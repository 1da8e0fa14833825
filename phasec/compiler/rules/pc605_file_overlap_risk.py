"""Two slices that can run concurrently touch the same file.

## What it does
Reports each pair of slices that have no order between them and list the
same `file` (or where one lists a folder with `file "..." dir` that holds a
file or folder the other lists).  Paths are compared after normalisation, so
an absolute path under a declared worktree matches its repo-relative form.
Globs (`src/bin/**`, `guides/*.md`; `*` stays within a folder, `**` crosses
folders) are file boundaries: a glob touches every path it matches, so a lane
owning `dev/scripts/devctl/**` overlaps one that lists
`dev/scripts/devctl/cli.py`, and not one that lists `dev/scripts/README.md`.
Two globs overlap unless they clearly cannot match one path (different folders,
or last parts such as `*.rs` and `*.md` with different literal endings).

The file of an append-only `ledger` is shared by design: an overlap on
exactly that file is left to PC609 (one cause, one finding), which reports
it when the ledger has no rule about merging it.
Two slices are ordered when one must end before the other begins: through
their dependencies (`after`, including `after ... if_triggered`, transitively)
or because they are covered by different stages, which run in sequence (the
same order PC501 uses).  Each pair is reported once, at the second slice's
first shared file, naming the first shared path and how many others there are.
The order is one bitset pass over the graph, so the check stays fast on
runbooks with thousands of slices; past 1000 pairs one more diagnostic says
the list was cut.

## Why it matters
Slices that may run at the same time are usually worked on separate
branches by separate agents.  If both edit one file, the second to land
meets a conflict that nobody planned for — or worse, silently overwrites the
first slice's change during a restack.  Runbooks mark such lanes
"non-overlap" in prose; this check makes it a fact.

## Example
```
slice C2 "Telemetry" {
  after C1
  file "packages/core/src/orpc/runtime-router.ts"
}
slice C3 "Distribution" {
  after C1
  file "packages/core/src/orpc/runtime-router.ts"
}
```
reports `` slices `C2` and `C3` can run concurrently and both touch `packages/core/src/orpc/runtime-router.ts` ``.
Order them (`after C2` in C3), or move the change to one slice.
"""

from __future__ import annotations

from bisect import bisect_left

from phasec.compiler.rules._paths import glob_re as _glob_re
from phasec.compiler.rules._paths import glob_suffix as _suffix
from phasec.compiler.rules._paths import norm as _norm
from phasec.compiler.rules._paths import split_glob as _split_glob
from phasec.compiler.rules._values import value_span
from phasec.compiler.rules.base import rule


def _may_overlap(a, b) -> bool:
    """Whether two entries (path, is_dir, glob) can name one file."""
    pa, da, ga = a[2], a[3], a[5]
    pb, db, gb = b[2], b[3], b[5]
    if ga is None and gb is None:
        return True
    if ga is not None and gb is not None:
        sa, sb = _suffix(ga), _suffix(gb)
        return not (sa and sb and not (sa.endswith(sb) or sb.endswith(sa)))
    glob, under, (plain, is_dir) = (ga, pa, (pb, db)) if ga is not None else (gb, pb, (pa, da))
    if _glob_re(glob).fullmatch(plain):
        return True
    # A folder that holds the glob's literal folder holds everything the glob matches.
    if is_dir and (under == plain or under.startswith(plain.rstrip("/") + "/")):
        return True
    # A folder may hold files the glob matches (`packages/*/package.json` and `packages/core`), or lie
    # in a folder it matches (`docs/*` and `docs/a/b`): compared part by part, `**` crossing folders.
    return is_dir and _reaches(glob, plain)


def _reaches(glob: str, folder: str) -> bool:
    """Whether the parts of `glob` and `folder` match as far as both go (so one can hold the other)."""
    for g, p in zip(glob.split("/"), folder.split("/"), strict=False):  # as far as the shorter goes
        if "**" in g:
            return True
        if not _glob_re(g).fullmatch(p):
            return False
    return True


#: Pairs reported at most; past it one more diagnostic says the list is cut.
LIMIT = 1000


def _bits(mask: int):
    while mask:
        low = mask & -mask
        yield low.bit_length() - 1
        mask ^= low


@rule("PC605", "file-overlap-risk", "warning", reads_prose=False)
def check(ctx):
    rb = ctx.rb
    order: dict[str, int] = {}
    for i, s in enumerate(rb.slices):
        order.setdefault(s.id, i)
    # entry: (slice index, file index, path, is_dir, FileRef)
    entries = []
    for si, s in enumerate(rb.slices):
        if order[s.id] != si:
            continue  # a duplicate slice id (PC201)
        for fi, f in enumerate(s.files):
            if f.path:
                p, d = _norm(f.path, f.dir)
                folder, glob = _split_glob(p)
                entries.append((si, fi, folder, d or glob is not None, f, glob))
    by_path: dict[str, list] = {}
    for e in entries:
        by_path.setdefault(e[2], []).append(e)
    if not any(len({e[0] for e in g}) > 1 for g in by_path.values()) and not any(e[3] for e in entries):
        return  # nothing is shared: skip the order computation
    bit, before, after = ctx.graph.slice_precedence
    sid = [s.id for s in rb.slices]
    of_bit = {bit[sid[e[0]]]: e[0] for e in entries}
    # Slices whose order with slice i is unknown: neither before nor after it.
    loose_of = {i: ~(before[sid[i]] | after[sid[i]] | (1 << bit[sid[i]])) for i in {e[0] for e in entries}}
    by_slice: dict[int, list] = {}
    for e in entries:
        by_slice.setdefault(e[0], []).append(e)
    pairs: dict[tuple[int, int], dict[tuple[int, int], tuple]] = {}

    # An append-only ledger's file is shared on purpose: PC609 reports it (or its merge rule settles it).
    ledgers = {_norm(lg.path, False)[0] for lg in rb.ledgers if lg.path and lg.append_only}

    def add(a, b) -> bool:
        if not _may_overlap(a, b):
            return True
        if ledgers and any(e[5] is None and not e[3] and e[2] in ledgers for e in (a, b)):
            return True
        if a[0] > b[0]:
            a, b = b, a
        pairs.setdefault((a[0], b[0]), {})[(a[1], b[1])] = (a, b)
        return len(pairs) < LIMIT

    def collect() -> bool:
        """Fill `pairs`; False when LIMIT is reached."""
        # The same path: one mask operation per slice against the slices before it in the group.
        for group in by_path.values():
            first: dict[int, tuple] = {}
            for e in group:
                first.setdefault(e[0], e)
            if len(first) < 2:
                continue
            seen = 0
            for si, e in first.items():
                for b in _bits(seen & loose_of[si]):
                    if not add(first[of_bit[b]], e):
                        return False
                seen |= 1 << bit[sid[si]]
        # A folder and what lies under it.
        keys = sorted(by_path)
        mask_of = dict.fromkeys(keys, 0)
        for e in entries:
            mask_of[e[2]] |= 1 << bit[sid[e[0]]]
        under: dict[str, int] = {}
        for e in entries:
            if not e[3]:
                continue
            if e[2] == "/" and e[5] is not None and not e[5].startswith("/"):
                prefix = ""  # a glob at the top (`*.md`): everything relative lies under it
            else:
                prefix = e[2] + "/" if e[2] != "/" else "/"
            if prefix not in under:
                m = 0
                k = bisect_left(keys, prefix)
                while k < len(keys) and keys[k].startswith(prefix):
                    m |= mask_of[keys[k]]
                    k += 1
                under[prefix] = m
            for b in _bits(under[prefix] & loose_of[e[0]]):
                si = of_bit[b]
                for other in by_slice[si]:
                    if other[2].startswith(prefix) and not add(e, other):
                        return False
        return True

    complete = collect()
    last = None
    for (i, j), found in sorted(pairs.items()):
        first_s, second = rb.slices[i], rb.slices[j]
        overlaps = sorted(found.values(), key=lambda ab: (ab[1][1], ab[0][1]))
        shared: list[str] = []
        for a, b in overlaps:
            what = _describe(a, b)
            if what not in shared:
                shared.append(what)
        a, b = overlaps[0]
        others = len(shared) - 1
        more = f" (and {others} other file{'s' if others != 1 else ''})" if others else ""
        fa, fb = a[4], b[4]
        last = value_span(ctx, fb.span, text=fb.written or fb.path)
        yield ctx.diag(
            last,
            f"slices `{first_s.id}` and `{second.id}` can run concurrently and both touch {shared[0]}{more}",
            related=[
                (value_span(ctx, fa.span, text=fa.written or fa.path), f"slice `{first_s.id}` lists `{fa.path}` here")
            ],
            help=f"order them (`after {first_s.id}` in slice {second.id}, or cover them in different stages), "
            "or move the change to one slice",
        )
    if not complete and last is not None:
        yield ctx.diag(
            last,
            f"more pairs of slices that can run concurrently touch the same files; only {LIMIT} pairs are reported",
            help="order the slices (`after`, stages), then lint again to see the rest",
        )


def _describe(a, b) -> str:
    if a[5] is not None or b[5] is not None:
        return f"`{a[5] or a[2]}` and `{b[5] or b[2]}`" if (a[5] or a[2]) != (b[5] or b[2]) else f"`{a[5]}`"
    pa, da, pb, db = a[2], a[3], b[2], b[3]
    if pa == pb:
        return f"`{pa}`" + (" (a folder)" if da and db else "")
    # One is a folder holding the other.
    inner, outer = (pb, pa) if len(pa) < len(pb) else (pa, pb)
    return f"`{inner}` (in folder `{outer}`)"
