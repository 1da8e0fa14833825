"""Generate large synthetic runbooks for benchmarks and scale tests.

`lanes(n_slices, n_lanes)`: one stage with `n_lanes` independent chains of
slices, each chain executed by its own agent, plus cross-lane dependencies
that keep the lanes unordered (a lane's slice i depends on slice i-1 of the
same lane and, every 7th slice, on an earlier slice of the previous lane).
Its agent width is exactly `n_lanes`.
"""

from __future__ import annotations


def lanes(n_slices: int = 10_000, n_lanes: int = 50, cap: int = 6) -> str:
    per = n_slices // n_lanes
    out = ['phase X "Synthetic" {', "  posture forward_only", "}", "team {", f"  max_active {cap}"]
    for lane in range(n_lanes):
        out.append(f'  agent A{lane} "lane {lane}"')
    out.append("}")
    ids = [[f"X{lane}_{i}" for i in range(per)] for lane in range(n_lanes)]
    out.append('stage 1 "Work" {')
    for lane in range(n_lanes):
        out.append("  covers " + " ".join(ids[lane]))
    out.append("}")
    out.append("owners {")
    out.append('  owner @synthetic-owner "Synthetic owner"')
    out.append("}")
    for lane in range(n_lanes):
        for i in range(per):
            sid = ids[lane][i]
            out.append(f'slice {sid} "slice {i} of lane {lane}" {{')
            out.append(f"  agent A{lane}")
            out.append("  owner @synthetic-owner")
            deps = []
            if i:
                deps.append(ids[lane][i - 1])
            if lane and i % 7 == 0 and i >= 2:
                deps.append(ids[lane - 1][i - 2])
            if deps:
                out.append("  after " + " ".join(deps))
            out.append(f'  file "src/lane{lane}/file{i}.ts"')
            out.append("}")
    return "\n".join(out) + "\n"


if __name__ == "__main__":  # pragma: no cover
    import sys

    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    sys.stdout.write(lanes(n))
