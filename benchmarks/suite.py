"""The speed budgets of issue 12, measured side by side in one run.

    nice -n 10 python benchmarks/suite.py                  # everything (10,000 slices: minutes)
    nice -n 10 python benchmarks/suite.py --sizes 1,1000   # without the largest runbook
    python benchmarks/suite.py --json out.json             # also the raw figures

What runs, each as a process, alternately (round after round, so that load from
other processes hits them alike), median of ``--repeat`` rounds:

* ``phasec --help``;
* ``phasec lint`` of the Phase C example, ``check-jsonschema`` (the work
  breakdown's JSON Schema) and ``yamllint`` (relaxed) on the reference YAML
  (tests/data/corpus/phase-c/PHASE_C_WORKBREAKDOWN.yaml);
* ``phasec lint`` of 200 copies of the example in one call (``--files 0``: not);
* with ``--baseline DIR`` (a copy of another version's ``phasec`` package folder, e.g.
  ``git archive COMMIT phasec | tar -x -C DIR``): that version's ``phasec lint`` of
  the example and ``phasec --help``, and this tree's, both as ``python -m phasec``
  with ``PYTHONPATH`` set and from a neutral folder, in the same alternation; the
  median of the paired differences (baseline minus this tree, per round) is printed;
* per generated runbook of realistic density (``generate.realistic``: 1, 1,000,
  10,000 slices): ``phasec lint``, ``phasec compile`` and the bare Lark parse of the
  same file with phasec's grammar and parser options, as a process
  (``benchmarks/bare_parse.py``: the floor); peak memory (max RSS) of each.

In process (best of 3, CPU time of this process, the collector tuned as the
``phasec`` command tunes it): the bare Lark parse, ``pipeline.analyze`` (lint) and
``analyze(compiling=True)`` + ``emit_all`` (compile) of the same texts.

The language server (the real server over stdio, debounce 0): edit sent ->
diagnostics received for one-character edits in a slice title, on the Phase C
example and the 1,000-slice runbook, next to the bare Lark parse of the same text
in this process; measured twice, by pygls' client (``bench_lsp.Bench``, whose own
decoding of each message into lsprotocol objects is in its figure) and by a
minimal client (``lsp_raw``: framed JSON read as bytes), which also times a
one-line runbook: the transport floor.

Timings live here, never as assertions in tests; the figures go into
docs/performance.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import generate  # noqa: E402

YAML = ROOT / "tests/data/corpus/phase-c/PHASE_C_WORKBREAKDOWN.yaml"
SCHEMA = ROOT / "phasec/emitters/schemas/workbreakdown.schema.json"
EXAMPLE = ROOT / "examples/phase-c.phc"
BIN = Path(sys.executable).parent


def tool(name: str) -> str:
    found = BIN / name
    return str(found) if found.exists() else (shutil.which(name) or name)


def run_process(argv: list[str]) -> tuple[float, float, float, int]:
    """(wall ms, CPU ms, peak RSS MB, exit code) of one process.

    CPU time (user + system) is reported next to wall time: on a shared machine it
    moves much less with the load than the wall time does.  An ``argv`` that starts
    with ``PYTHONPATH=DIR`` runs with that ``PYTHONPATH``, from a neutral folder (so
    that the current folder's ``phasec`` does not shadow DIR's).
    """
    env, cwd = None, None
    if argv[0].startswith("PYTHONPATH="):
        env = dict(os.environ, PYTHONPATH=argv[0].split("=", 1)[1])
        cwd = tempfile.gettempdir()
        argv = argv[1:]
    t = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, cwd=cwd)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = (time.perf_counter() - t) * 1000
    proc.returncode = os.waitstatus_to_exitcode(status)
    return wall, (usage.ru_utime + usage.ru_stime) * 1000, usage.ru_maxrss / 1024, proc.returncode


def alternate(commands: dict[str, list[str]], rounds: int) -> dict[str, dict]:
    """Each command once per round, in turn; median wall and CPU time, max peak memory."""
    walls: dict[str, list[float]] = {k: [] for k in commands}
    cpus: dict[str, list[float]] = {k: [] for k in commands}
    mem: dict[str, float] = dict.fromkeys(commands, 0.0)
    codes: dict[str, int] = {}
    for _ in range(rounds):
        for name, argv in commands.items():
            wall, cpu, rss, code = run_process(argv)
            walls[name].append(wall)
            cpus[name].append(cpu)
            mem[name] = max(mem[name], rss)
            codes[name] = code
    return {
        k: {
            "ms": statistics.median(v),
            "cpu_ms": statistics.median(cpus[k]),
            "all_ms": v,
            "all_cpu_ms": cpus[k],
            "rss_mb": mem[k],
            "exit": codes[k],
        }
        for k, v in walls.items()
    }


def best_of(fn, repeat: int, clock=time.process_time) -> float:
    """Best of ``repeat`` runs in ms, by default of this process' CPU time: on a
    shared machine the wall clock also counts the time other processes run."""
    import gc

    best = float("inf")
    for _ in range(repeat):
        gc.collect()
        t = clock()
        fn()
        best = min(best, (clock() - t) * 1000)
    return best


def in_process(name: str, text: str, repeat: int) -> dict:
    from phasec.compiler.pipeline import analyze
    from phasec.emitters import EmitOptions, emit_all
    from phasec.grammar.parser import _lark

    lark = _lark()
    bare = best_of(lambda: lark.parse(text), repeat)
    lint = best_of(lambda: analyze(text, name), repeat)
    res = analyze(text, name, compiling=True)
    assert not res.has_errors, [d.message for d in res.diagnostics][:3]
    emit_all(res.runbook, EmitOptions())  # templates compiled once

    def compile_():
        r = analyze(text, name, compiling=True)
        emit_all(r.runbook, EmitOptions())

    comp = best_of(compile_, repeat)
    return {"bare_ms": bare, "lint_ms": lint, "compile_ms": comp}


def server(inputs: list[tuple[str, str]], edits: int) -> list[dict]:
    import bench_lsp

    from phasec.grammar.parser import _lark

    lark = _lark()

    async def go():
        bench = bench_lsp.Bench()
        await bench.start()
        out = []
        try:
            with tempfile.TemporaryDirectory() as d:
                for i, (name, text) in enumerate(inputs):
                    r = await bench.run(name, text, Path(d) / f"lsp{i}.phc", edits)
                    r["bare_ms"] = best_of(lambda text=text: lark.parse(text), 5)
                    r["bare_wall_ms"] = best_of(lambda text=text: lark.parse(text), 5, time.perf_counter)
                    out.append(r)
        finally:
            await bench.stop()
        return out

    out = asyncio.run(go())
    import lsp_raw

    floor = [("one-line runbook (floor)", lsp_raw.FLOOR_TEXT)]
    raw = {r["input"]: r for r in lsp_raw.measure(floor + inputs, edits)}
    for r in out:
        r["raw"] = raw[r["input"]]
    out.append({"input": floor[0][0], "raw": raw[floor[0][0]]})
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5, help="rounds of the small process commands")
    ap.add_argument("--sizes", default="1,1000,10000")
    ap.add_argument("--edits", type=int, default=9, help="edits per runbook in the server")
    ap.add_argument("--files", type=int, default=200, help="copies of the example in one call (0: none)")
    ap.add_argument("--baseline", help="a folder holding another version's phasec package, timed alongside")
    ap.add_argument("--json", help="write the raw figures here")
    ap.add_argument("--no-server", action="store_true")
    ap.add_argument(
        "--no-small", action="store_true", help="skip the small commands (help, Phase C, YAML tools, many files)"
    )
    ap.add_argument("--server-only", action="store_true", help="only the language server (Phase C and 1,000 slices)")
    ap.add_argument("--in-process-max", type=int, default=1000, help="in-process timings only up to this many slices")
    args = ap.parse_args()
    from phasec.cli.main import tune_gc

    tune_gc()
    # phasec's bytecode, as a pip install writes it: an editable install under
    # PYTHONDONTWRITEBYTECODE would otherwise compile every module in every process
    # (about 75 ms CPU per `phasec lint`, docs/performance.md).
    import compileall

    compileall.compile_dir(str(ROOT / "phasec"), quiet=1)
    from phasec.grammar.reading import MAX_BYTES

    sizes = [int(s) for s in args.sizes.split(",") if s]
    report: dict = {"load_before": os.getloadavg()}
    py = sys.executable
    phasec = [py, "-m", "phasec"]
    if (BIN / "phasec").exists():
        phasec = [str(BIN / "phasec")]
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        many = tmp / "many"
        many.mkdir()
        example_text = EXAMPLE.read_text(encoding="utf-8")
        for k in range(args.files):
            (many / f"copy{k:03d}.phc").write_text(example_text, encoding="utf-8")
        one = tmp / "one.phc"
        one.write_text(example_text, encoding="utf-8")
        small = {
            "phasec --help": [*phasec, "--help"],
            "phasec lint (Phase C)": [*phasec, "lint", "-f", "concise", str(one)],
            "check-jsonschema (YAML)": [tool("check-jsonschema"), "--schemafile", str(SCHEMA), str(YAML)],
            "yamllint (YAML)": [tool("yamllint"), "-d", "relaxed", str(YAML)],
        }
        if args.files:
            small[f"phasec lint ({args.files} copies)"] = [*phasec, "lint", "-f", "concise", str(many)]
        if args.baseline:
            for name, tree in (("baseline", str(Path(args.baseline).resolve())), ("this tree", str(ROOT))):
                small[f"{name}: lint (Phase C)"] = [
                    f"PYTHONPATH={tree}",
                    py,
                    "-m",
                    "phasec",
                    "lint",
                    "-f",
                    "concise",
                    str(one),
                ]
                small[f"{name}: --help"] = [f"PYTHONPATH={tree}", py, "-m", "phasec", "--help"]
            compileall.compile_dir(str(Path(args.baseline) / "phasec"), quiet=1)
        if args.server_only:
            sizes = []
        if args.no_small or args.server_only:
            small = {}
        print(f"processes, median of {args.repeat} alternating rounds (load {os.getloadavg()[0]:.1f})", flush=True)
        report["processes"] = alternate(small, args.repeat)
        for name, r in report["processes"].items():
            print(
                f"  {name:<32} {r['ms']:>8.0f} ms  cpu {r['cpu_ms']:>8.0f} ms  {r['rss_mb']:>6.0f} MB  exit {r['exit']}",
                flush=True,
            )
        p = report["processes"]
        if args.baseline and small:
            for what in ("lint (Phase C)", "--help"):
                before, after = p[f"baseline: {what}"], p[f"this tree: {what}"]
                diffs = [b - a for b, a in zip(before["all_cpu_ms"], after["all_cpu_ms"], strict=True)]
                print(
                    f"  baseline - this tree, {what}: CPU {before['cpu_ms']:.0f} -> {after['cpu_ms']:.0f} ms, "
                    f"paired difference median {statistics.median(diffs):.0f} ms",
                    flush=True,
                )
        lint1 = p["phasec lint (Phase C)"]["ms"] if small else 1
        cpu1 = p["phasec lint (Phase C)"]["cpu_ms"] if small else 1
        report["ratios"] = (
            {}
            if not small
            else {
                "lint / check-jsonschema": lint1 / p["check-jsonschema (YAML)"]["ms"],
                "lint / yamllint": lint1 / p["yamllint (YAML)"]["ms"],
                f"{args.files} copies / one": p[f"phasec lint ({args.files} copies)"]["ms"] / lint1
                if args.files
                else None,
                "lint / check-jsonschema (cpu)": cpu1 / p["check-jsonschema (YAML)"]["cpu_ms"],
                "lint / yamllint (cpu)": cpu1 / p["yamllint (YAML)"]["cpu_ms"],
                f"{args.files} copies / one (cpu)": (
                    p[f"phasec lint ({args.files} copies)"]["cpu_ms"] / cpu1 if args.files else None
                ),
            }
        )
        report["sizes"] = {}
        for n in sizes:
            text = generate.realistic(n)
            f = tmp / f"realistic{n}.phc"
            f.write_text(text, encoding="utf-8")
            out = tmp / f"out{n}"
            rounds = args.repeat if n <= 1000 else 1
            # Past the read limit (PC010: the 10,000-slice runbook is about 15 MB), the same
            # entry point with the limit lifted.
            cmd = phasec if f.stat().st_size <= MAX_BYTES else [py, str(HERE / "phasec_unlimited.py")]
            cmds = {
                "bare Lark parse": [py, str(HERE / "bare_parse.py"), str(f)],
                "phasec lint": [*cmd, "lint", "-f", "concise", str(f)],
                "phasec compile": [*cmd, "compile", str(f), "--out", str(out)],
            }
            procs = alternate(cmds, rounds)
            inproc = in_process(f"realistic{n}.phc", text, 3) if n <= args.in_process_max else None
            row = {"lines": text.count("\n"), "processes": procs, "in_process": inproc}
            report["sizes"][n] = row
            print(f"{n:,} slices ({row['lines']:,} lines), processes median of {rounds}:", flush=True)
            for name, r in procs.items():
                print(
                    f"  {name:<32} {r['ms']:>8.0f} ms  cpu {r['cpu_ms']:>8.0f} ms  {r['rss_mb']:>6.0f} MB  exit {r['exit']}",
                    flush=True,
                )
            if inproc:
                print(
                    f"  in process: bare {inproc['bare_ms']:.0f} ms, lint {inproc['lint_ms']:.0f} ms "
                    f"({inproc['lint_ms'] / inproc['bare_ms']:.2f}x), compile {inproc['compile_ms']:.0f} ms "
                    f"({inproc['compile_ms'] / inproc['lint_ms']:.2f}x lint)",
                    flush=True,
                )
        if 1000 in report["sizes"] and 10000 in report["sizes"]:
            a, b = report["sizes"][1000], report["sizes"][10000]
            report["growth 1,000 -> 10,000"] = {
                "lint process": b["processes"]["phasec lint"]["ms"] / a["processes"]["phasec lint"]["ms"],
                "compile process": b["processes"]["phasec compile"]["ms"] / a["processes"]["phasec compile"]["ms"],
            }
        if not args.no_server:
            inputs = [("examples/phase-c.phc", example_text)]
            if 1000 in sizes or args.server_only:
                inputs.append(("realistic 1,000 slices", generate.realistic(1000)))
            report["server"] = server(inputs, args.edits)
            print(f"server, median of {args.edits} edits (debounce 0):", flush=True)
            for r in report["server"]:
                if "round_trip" not in r:
                    continue
                print(
                    f"  {r['input']:<26} edit->diagnostics {r['round_trip']:.1f} ms (in server {r['change_to_publish']:.1f}, "
                    f"analyze {r['analyze']:.1f}, its CPU {r['analyze_cpu']:.1f}); bare parse wall {r['bare_wall_ms']:.1f} ms "
                    f"-> {r['round_trip'] / r['bare_wall_ms']:.2f}x; CPU {r['bare_ms']:.1f} ms -> "
                    f"analyze CPU {r['analyze_cpu'] / r['bare_ms']:.2f}x",
                    flush=True,
                )
            print("server, minimal client (lsp_raw), same edits:", flush=True)
            for r in report["server"]:
                raw = r["raw"]
                ratio = (
                    f"; bare parse wall {r['bare_wall_ms']:.1f} ms -> {raw['round_trip'] / r['bare_wall_ms']:.2f}x"
                    if "bare_wall_ms" in r
                    else ""
                )
                print(
                    f"  {r['input']:<26} edit->diagnostics {raw['round_trip']:.1f} ms (in server {raw['change_to_publish']:.1f}, "
                    f"analysis CPU {raw['analyze_cpu']:.1f}){ratio}",
                    flush=True,
                )
    report["load_after"] = os.getloadavg()
    print(json.dumps({k: v for k, v in report.items() if k in ("ratios", "growth 1,000 -> 10,000")}, indent=2))
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2, default=str), encoding="utf-8")


if __name__ == "__main__":
    main()
