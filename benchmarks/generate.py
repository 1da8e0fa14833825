"""Generate large synthetic runbooks for benchmarks and scale tests.

`lanes(n_slices, n_lanes)`: one stage with `n_lanes` independent chains of
slices, each chain executed by its own agent, plus cross-lane dependencies
that keep the lanes unordered (a lane's slice i depends on slice i-1 of the
same lane and, every 7th slice, on an earlier slice of the previous lane).
Its agent width is exactly `n_lanes`.

`realistic(n_slices)`: the density of a real runbook (Phase C has about 100
lines per slice counting its gates): stages, waves of agents, owners with
backups, cadences, a repo with branches; per slice a kind, a multi-line
objective, owner and backup, dependencies, a branch, several files (new,
optional, conditional), implementation steps, acceptance criteria, gates per
cadence, a signal and notes; per slice three gates (a command gate and two
composite suites using it); every 25th slice is conditional (triggers, paths
taken on either outcome, a defer record), and nothing depends on it hard.
Lint reports no error on it and it compiles.
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


def realistic(n_slices: int = 1_000, per_lane: int = 200) -> str:
    lanes_n = max(1, -(-n_slices // per_lane))
    per_stage = 100
    ids = [f"X{i}" for i in range(n_slices)]
    lane_of = [i // per_lane for i in range(n_slices)]
    conditional = {i for i in range(n_slices) if i % 25 == 24}
    n_stages = max(1, -(-min(n_slices, per_lane) // per_stage))
    out = [
        'phase X "Synthetic runbook of realistic density" {',
        "  posture forward_only",
        '  summary "A generated runbook for benchmarks: every construct a real one uses, many times over."',
        '  objective """',
        "    Land the synthetic work in independent lanes, one agent per lane,",
        "    with per-slice gates and conditional slices that may not run.",
        '    """',
        "}",
        "repo {",
        "  tool graphite",
        '  branch parent "codex/phase-x-prep"',
        '  branch runtime "codex/phase-x-runtime" from parent',
        "  slice_base runtime",
        '  submit "gt submit --ai" per_slice',
        "}",
        "team {",
        f"  max_active {lanes_n}",
        '  wave runtime "Runtime lanes" {',
        "    stages " + " ".join(str(s) for s in range(1, n_stages + 1)),
    ]
    out += [f'    agent A{lane} "Lane {lane} implementation owner" skills typescript' for lane in range(lanes_n)]
    out += ["  }", "}", "owners {"]
    out += [f'  owner @team-{t} "Team {t}" backup @team-{(t + 1) % 5}' for t in range(5)]
    out += [
        "}",
        "scripts {",
        '  runner "bun run"',
        '  note "Every gate script is declared by the slice that first runs it."',
        "}",
        'cadence quick "Quick suite" for runtime {',
        '  on "every implementation commit in the active slice"',
        "}",
        'cadence full "Full suite" for runtime {',
        '  on "end of each slice"',
        '  on "before phase exit"',
        "}",
    ]
    for s in range(1, n_stages + 1):
        covered = [ids[i] for i in range(n_slices) if (i % per_lane) // per_stage == s - 1]
        out.append(f'stage {s} "Implementation, part {s}" {{')
        for k in range(0, len(covered), 20):
            out.append("  covers " + " ".join(covered[k : k + 20]))
        out.append(f'  step "Run the lanes of part {s} in parallel."')
        out.append("}")
    for i, sid in enumerate(ids):
        lane = lane_of[i]
        cond = i in conditional
        head = f'slice {sid} "Slice {i}: lane {lane} module {i % per_lane} hardening"'
        out.append(head + (" conditional {" if cond else " {"))
        out += [
            "  kind runtime",
            '  objective """',
            f"    Harden module {i % per_lane} of lane {lane}: deterministic writes,",
            "    explicit contracts at its seams, and tests that pin the behaviour.",
            '    """',
            f"  agent A{lane}",
            f"  owner @team-{i % 5} backup @team-{(i + 1) % 5}",
        ]
        deps = []
        j = i - 1
        while j >= lane * per_lane and j in conditional:
            j -= 1
        if j >= lane * per_lane:
            deps.append(ids[j])
        if lane and i % 7 == 0:
            k = i - per_lane - 2
            while k >= (lane - 1) * per_lane and k in conditional:
                k -= 1
            if k >= (lane - 1) * per_lane:
                deps.append(ids[k])
        if deps:
            out.append("  after " + " ".join(deps))
        if i - 1 in conditional and i - 1 >= lane * per_lane:
            out.append(f"  after {ids[i - 1]} if_triggered")
        out += [
            f'  branch "codex/phase-x-{sid.lower()}-module"',
            f'  file "packages/lane{lane}/src/module{i}/index.ts"',
            f'  file "packages/lane{lane}/src/module{i}/types.ts" note "additive changes only"',
            f'  file "packages/lane{lane}/test/module{i}.test.ts" new',
            f'  file "scripts/phase-x/verify-{sid.lower()}.mjs" new',
            f'  file "packages/lane{lane}/src/module{i}/legacy.ts" optional',
        ]
        if cond:
            out += [
                # evaluated by the scan of the slice before it (PC410: never by a scan only this slice creates)
                f'  trigger t{i} "detects contract drift in module {i}" by {ids[i - 1].lower()}_static',
                f'  triggered "Tighten the contract of module {i}."',
                f'  not_triggered "Record the defer rationale for module {i}."',
                f"  defer_record {sid}_DISPOSITION",
            ]
        out += [
            f'  implement "Make the writes of module {i} collision-safe and deterministic."',
            f'  implement "Preserve the callers\' contracts of module {i}; additive changes only."',
            f'  accept "Concurrent writes to module {i} do not corrupt its state."',
            f'  accept "No caller-visible behaviour of module {i} drifts."',
            f"  gate quick {sid.lower()}_quick",
            f"  gate full {sid.lower()}_full",
            f'  signal "State corruption in module {i} under contention." response "Isolate the mutation primitive and rerun the suite."',
            f'  note "Lane {lane}, module {i % per_lane}: no file is shared with another lane."',
            "}",
        ]
        g = sid.lower()
        out += [
            f"gate {g}_static {{",
            f'  script "phase-x:{g}:static"',
            f'  run "bun scripts/phase-x/verify-{g}.mjs"',
            f"  defined_by {sid}",
            "}",
            f"gate {g}_quick {{",
            f'  script "phase-x:{g}:quick"',
            f"  use {g}_static",
            f"  defined_by {sid}",
            "}",
            f"gate {g}_full {{",
            f'  script "phase-x:{g}:full"',
            f"  use {g}_quick",
            f'  run "bunx vitest run packages/lane{lane}/test/module{i}.test.ts"',
            f"  defined_by {sid}",
            "}",
        ]
    out.append('outputs runtime "docs/phase-x" {')
    out += [
        f'  artifact {ids[i]}_DISPOSITION "{ids[i]}_DISPOSITION.md" by {ids[i]} either_path'
        for i in sorted(conditional)
    ]
    out.append('  note "Dispositions of the conditional slices, written on either path."')
    out.append("}")
    return "\n".join(out) + "\n"


if __name__ == "__main__":  # pragma: no cover
    import sys

    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    sys.stdout.write(lanes(n))
