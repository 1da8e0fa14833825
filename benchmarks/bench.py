"""Benchmark harness: time the pipeline stages on real and generated runbooks.

    python benchmarks/bench.py            # the default set
    python benchmarks/bench.py --repeat 5
    python benchmarks/bench.py --gc default   # the collector as a library caller has it
    python benchmarks/bench.py --compile  # also: compile vs lint, in process and as processes

Prints a table of median wall times (ms) per stage: parse, lower (schema,
IR, names), rules, and the total; plus the cost of `phasec lint` as a process
(interpreter start and imports included), on the Phase C example and on the
largest generated runbook.  Figures go into docs/performance.md.

``--compare-gc`` times ``pipeline.analyze`` under three collector settings in
turn, round after round in one process (so that load from other processes hits
them alike), and prints the fastest run of each: Python's defaults (a library
caller, the language server before the console script tunes it), the thresholds
the ``phasec`` command sets, and the collector disabled (what ``analyze`` did
before it stopped touching the collector).

``--gc cli`` (the default) measures with the collector tuned as the ``phasec``
command tunes it in its own process (``phasec.cli.main.tune_gc``); ``--gc
default`` with Python's default thresholds, as the language server and any
program calling ``pipeline.analyze`` run it.

With ``--compile``, the cost of a compile next to the lint of the same text:
``analyze`` (what `phasec lint` runs) against ``analyze(compiling=True)`` plus
``emit_all`` with the CI workflow (what `phasec compile --emit ci` runs before
writing), and both commands as processes.
"""

from __future__ import annotations

import argparse
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


def timed(fn, repeat: int):
    """Median wall time in ms (a full collection before each run; the collector as configured)."""
    import gc

    times = []
    result = None
    for _ in range(repeat):
        gc.collect()
        t = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times), result


def bench_text(name: str, text: str, repeat: int) -> dict:
    from phasec.compiler.pipeline import check, lower, parse

    t_parse, (doc, _) = timed(lambda: parse(text, name), repeat)
    t_lower, (rb, _) = timed(lambda: lower(doc), repeat)
    t_rules, diags = timed(lambda: check(rb, doc), repeat)
    return {
        "input": name,
        "lines": text.count("\n"),
        "slices": len(rb.slices),
        "parse": t_parse,
        "lower": t_lower,
        "rules": t_rules,
        "total": t_parse + t_lower + t_rules,
        "findings": len(diags),
    }


def bench_compile(name: str, text: str, repeat: int) -> dict:
    """Lint against compile of the same text, in process (median ms)."""
    from phasec.compiler.pipeline import analyze
    from phasec.emitters import EmitOptions, emit_all

    t_lint, _ = timed(lambda: analyze(text, name), repeat)
    t_front, res = timed(lambda: analyze(text, name, compiling=True), repeat)
    assert not res.has_errors, [d.message for d in res.diagnostics if d.severity.value == "error"][:3]
    opts = EmitOptions(extras=frozenset({"ci"}))
    emit_all(res.runbook, opts)  # templates compiled once, as in any process that compiles more than one file
    t_emit, outputs = timed(lambda: emit_all(res.runbook, opts), repeat)
    return {
        "input": name,
        "slices": len(res.runbook.slices),
        "lint": t_lint,
        "front": t_front,
        "emit": t_emit,
        "compile": t_front + t_emit,
        "files": len(outputs),
        "bytes": sum(len(t) for t in outputs.values()),
    }


def bench_commands(path: Path, repeat: int) -> tuple[float, float]:
    """`phasec lint` and `phasec compile --emit ci --out DIR` as processes (median ms)."""

    def lint():
        subprocess.run([sys.executable, "-m", "phasec", "lint", "-f", "concise", str(path)], capture_output=True)

    def compile_():
        with tempfile.TemporaryDirectory() as out:
            subprocess.run(
                [sys.executable, "-m", "phasec", "compile", str(path), "--emit", "ci", "--out", out],
                capture_output=True,
            )

    return timed(lint, repeat)[0], timed(compile_, repeat)[0]


def compile_report(sizes: list[int], repeat: int) -> None:
    print(f"\n{'input':<24} {'slices':>7} {'lint':>10} {'compile':>10} {'(front':>10} {'+ emit)':>10} {'ratio':>6}")
    texts = [("examples/phase-c.phc", (ROOT / "examples/phase-c.phc").read_text())]
    texts += [(f"generated {n} slices", generate.lanes(n, max(2, n // 200), cap=max(6, n // 200))) for n in sizes]
    for name, text in texts:
        r = bench_compile(name, text, repeat)
        print(
            f"{r['input']:<24} {r['slices']:>7} {r['lint']:>8.0f}ms {r['compile']:>8.0f}ms {r['front']:>8.0f}ms "
            f"{r['emit']:>8.0f}ms {r['compile'] / r['lint']:>5.2f}x  ({r['files']} files, {r['bytes'] / 1e6:.1f} MB)"
        )
        with tempfile.TemporaryDirectory() as d:
            p = Path(d) / "runbook.phc"
            p.write_text(text)
            lint_ms, compile_ms = bench_commands(p, max(1, repeat // 2) if r["slices"] > 100 else repeat)
            print(
                f"{'':<24} {'process':>7} {lint_ms:>8.0f}ms {compile_ms:>8.0f}ms {'':>21} {compile_ms / lint_ms:>5.2f}x"
            )


def bench_process(path: Path, repeat: int) -> float:
    def run():
        subprocess.run([sys.executable, "-m", "phasec", "lint", "-f", "concise", str(path)], capture_output=True)

    return timed(run, repeat)[0]


def compare_gc(sizes: list[int], rounds: int) -> None:
    import gc

    from phasec.cli.main import GC_THRESHOLDS
    from phasec.compiler.pipeline import analyze

    defaults = gc.get_threshold()
    modes = {"default": defaults, "cli": GC_THRESHOLDS, "disabled": None}
    inputs = [("examples/phase-c.phc", (ROOT / "examples/phase-c.phc").read_text())]
    inputs += [(f"generated {n} slices", generate.lanes(n, max(2, n // 200))) for n in sizes]
    print(f"analyze, fastest of {rounds} rounds; thresholds default {defaults}, cli {GC_THRESHOLDS}")
    print(f"{'input':<24} " + " ".join(f"{m:>10}" for m in modes))
    for name, text in inputs:
        analyze(text, name)  # warm up
        best = {m: float("inf") for m in modes}
        for _ in range(rounds):
            for mode, th in modes.items():
                gc.collect()
                if th is None:
                    gc.disable()
                else:
                    gc.set_threshold(*th)
                t = time.perf_counter()
                analyze(text, name)
                best[mode] = min(best[mode], (time.perf_counter() - t) * 1000)
                gc.enable()
                gc.set_threshold(*defaults)
        print(f"{name:<24} " + " ".join(f"{best[m]:>8.0f}ms" for m in modes))
    # the language server's case: build_snapshot while the previous snapshot is alive,
    # after the server's warm-up freeze
    from phasec.lsp.analysis import build_snapshot

    n = min(sizes) if sizes else 0
    if not n:
        return
    text = generate.lanes(n, max(2, n // 200))
    gc.collect()
    gc.freeze()
    prev = build_snapshot("file:///bench.phc", text, 0)
    best = {m: float("inf") for m in modes}
    for i in range(rounds):
        for mode, th in modes.items():
            gc.collect()
            if th is None:
                gc.disable()
            else:
                gc.set_threshold(*th)
            t = time.perf_counter()
            snap = build_snapshot("file:///bench.phc", text, i + 1)
            best[mode] = min(best[mode], (time.perf_counter() - t) * 1000)
            gc.enable()
            gc.set_threshold(*defaults)
            prev = snap  # noqa: F841 - the previous snapshot stays alive, as in the server
    print(f"{f'snapshot, {n} slices':<24} " + " ".join(f"{best[m]:>8.0f}ms" for m in modes))
    gc.unfreeze()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--sizes", default="2000,10000")
    ap.add_argument("--gc", choices=("cli", "default"), default="cli")
    ap.add_argument("--compare-gc", action="store_true", help="analyze under three collector settings, alternately")
    ap.add_argument("--compile", action="store_true", help="also measure compile against lint")
    args = ap.parse_args()
    if args.compare_gc:
        compare_gc([int(s) for s in args.sizes.split(",") if s], max(3, args.repeat))
        return
    if args.gc == "cli":
        from phasec.cli.main import tune_gc

        tune_gc()
    import gc

    print(f"collector thresholds: {gc.get_threshold()}")
    if args.compile:
        compile_report([int(s) for s in args.sizes.split(",") if s], args.repeat)
        return
    sizes = [int(s) for s in args.sizes.split(",") if s]
    rows = [bench_text("examples/phase-c.phc", (ROOT / "examples/phase-c.phc").read_text(), args.repeat)]
    for n in sizes:
        rows.append(bench_text(f"generated {n} slices", generate.lanes(n, max(2, n // 200)), max(1, args.repeat // 2)))
    print(f"{'input':<24} {'lines':>7} {'slices':>7} {'parse':>9} {'lower':>9} {'rules':>9} {'total':>9}")
    for r in rows:
        print(
            f"{r['input']:<24} {r['lines']:>7} {r['slices']:>7} {r['parse']:>8.1f}ms {r['lower']:>8.1f}ms "
            f"{r['rules']:>8.1f}ms {r['total']:>8.1f}ms"
        )
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "phase-c.phc"
        p.write_text((ROOT / "examples/phase-c.phc").read_text())
        print(
            f"\n`phasec lint examples/phase-c.phc` as a process: {bench_process(p, args.repeat):.0f} ms (median of {args.repeat})"
        )
        if sizes:
            n = max(sizes)
            big = Path(d) / "big.phc"
            big.write_text(generate.lanes(n, max(2, n // 200)))
            print(f"`phasec lint` on {n:,} generated slices as a process: {bench_process(big, 1):.0f} ms")


if __name__ == "__main__":
    main()
