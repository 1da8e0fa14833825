"""Merge waves that merge a slice before a slice it waits to be merged.

## What it does
Reports `A after B merged` when A is in a merge wave declared before B's
wave.  The diagnostic points at B in A's `after`, with notes at both waves.

## Why it matters
`after B merged` says A starts only once B is merged; merge waves say A is
merged before B.  A cannot be merged before it has even started, so the
merge order and the work order contradict each other and one of them will be
broken at run time (usually by merging out of order without noticing).

## Example
```
repo { merge_wave first A1; merge_wave second A2 }
slice A2 "Control plane" { branch "feature/a2" }
slice A1 "Rust lane" { branch "feature/a1"; after A2 merged }
```
reports `slice `A1` waits until `A2` is merged, but merge wave `first` merges
`A1` before wave `second` merges `A2``.  Swap the waves, or drop `merged`.
"""

from __future__ import annotations

from phasec.compiler import ir
from phasec.compiler.rules.base import rule


@rule("PC309", "merge-wave-order-contradicts", "error", reads_prose=False)
def check(ctx):
    rb = ctx.rb
    if rb.repo is None or not rb.repo.merge_waves:
        return
    wave_of: dict[str, tuple[int, ir.MergeWave, ir.Ref]] = {}
    for i, wave in enumerate(rb.repo.merge_waves):
        for ref in wave.slices:
            wave_of.setdefault(ref.id, (i, wave, ref))
    for s in rb.slices:
        if s.id not in wave_of:
            continue
        mine, my_wave, my_ref = wave_of[s.id]
        for dep in s.after:
            if not dep.merged or dep.slice.id not in wave_of:
                continue
            theirs, their_wave, their_ref = wave_of[dep.slice.id]
            if mine >= theirs:
                continue
            yield ctx.diag(
                dep.slice.span,
                f"slice `{s.id}` waits until `{dep.slice.id}` is merged, but merge wave `{my_wave.id}` merges "
                f"`{s.id}` before wave `{their_wave.id}` merges `{dep.slice.id}`",
                related=[
                    (my_ref.span, f"`{s.id}` merges in wave `{my_wave.id}`"),
                    (their_ref.span, f"`{dep.slice.id}` merges in the later wave `{their_wave.id}`"),
                ],
                help=f"put `{dep.slice.id}` in an earlier wave than `{s.id}`, or drop `merged` from the dependency",
            )
