"""Benchmark harness: time the pipeline stages on real and generated runbooks.

    python benchmarks/bench.py            # the default set
    python benchmarks/bench.py --repeat 5

Prints a table of median wall times (ms) per stage: parse, lower (schema,
IR, names), rules, and the total; plus the cost of `phasec lint` as a process
(interpreter start and imports included).  Figures go into docs/performance.md.
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
    """Median wall time in ms; the cycle collector is paused as pipeline.analyze does."""
    import gc

    times = []
    result = None
    for _ in range(repeat):
        gc.collect()
        gc.disable()
        try:
            t = time.perf_counter()
            result = fn()
            times.append((time.perf_counter() - t) * 1000)
        finally:
            gc.enable()
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


def bench_process(path: Path, repeat: int) -> float:
    def run():
        subprocess.run([sys.executable, "-m", "phasec", "lint", "-f", "concise", str(path)], capture_output=True)

    return timed(run, repeat)[0]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--sizes", default="2000,10000")
    args = ap.parse_args()
    rows = [bench_text("examples/phase-c.phc", (ROOT / "examples/phase-c.phc").read_text(), args.repeat)]
    for n in (int(s) for s in args.sizes.split(",") if s):
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
        print(f"\n`phasec lint examples/phase-c.phc` as a process: {bench_process(p, args.repeat):.0f} ms (median of {args.repeat})")


if __name__ == "__main__":
    main()
