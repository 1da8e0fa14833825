"""Parse-speed benchmark: bare Lark against phasec's parser, both paths.

    python benchmarks/bench_parse.py            # phase-c.phc and a 10,000-slice runbook
    python benchmarks/bench_parse.py --repeat 7

For each input it prints the best of ``--repeat`` runs (the machine is shared;
the minimum is the least disturbed figure), with the cycle collector paused as
``pipeline.analyze`` does:

* *lark* — ``Lark.parse(text)`` alone: the LALR parse into Lark's tree;
* *fast* — ``phasec.grammar.parser.parse``: the same Lark parse, plus the
  syntax tree (statements, decoded values, spans) and the comments;
* *recovering* — the same with ``fast=False``: tokens fed one by one to Lark's
  interactive parser with token repair and panic-mode recovery (what the fast
  path falls back to when the text has a syntax error);
* *build* — the syntax-tree step alone, over a tree Lark already made;
* *parser load* — building the LALR parser from the grammar, and loading it
  from the cache file (``$XDG_CACHE_HOME/phasec``).
Figures go into docs/performance.md.
"""

from __future__ import annotations

import argparse
import gc
import io
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import generate  # noqa: E402


def best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        gc.collect()
        gc.disable()
        try:
            t = time.perf_counter()
            fn()
            times.append((time.perf_counter() - t) * 1000)
        finally:
            gc.enable()
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--slices", type=int, default=10_000)
    args = ap.parse_args()

    from lark import Lark

    from phasec.compiler.schema import top_level_only
    from phasec.diagnostics import DiagnosticBag
    from phasec.grammar import parser as P
    from phasec.source import SourceFile

    lark = P._lark()
    top = top_level_only()
    inputs = [
        ("examples/phase-c.phc", (ROOT / "examples/phase-c.phc").read_text()),
        (f"generated {args.slices:,} slices", generate.lanes(args.slices, max(2, args.slices // 200))),
    ]
    print(f"{'input':<26} {'lines':>7} {'lark':>9} {'fast':>9} {'recovering':>11} {'build':>9}")
    for name, text in inputs:
        tree = lark.parse(text)
        src = SourceFile(name, text)
        r = max(1, args.repeat if len(text) < 100_000 else (args.repeat + 1) // 2)
        # Each lambda binds this iteration's input (B023), though best() calls it at once.
        bare = best(lambda text=text: lark.parse(text), r)
        fast = best(lambda text=text, name=name: P.parse(text, name, top_level=top), r)
        slow = best(lambda text=text, name=name: P.parse(text, name, top_level=top, fast=False), r)
        build = best(lambda src=src, tree=tree: P._build(src, tree, DiagnosticBag()), r)
        print(f"{name:<26} {text.count(chr(10)):>7} {bare:>7.0f}ms {fast:>7.0f}ms {slow:>9.0f}ms {build:>7.0f}ms")

    def fresh():
        return Lark(P.grammar_text(), lexer_callbacks=P._CALLBACKS, **P._LARK_OPTIONS)

    buf = io.BytesIO()
    fresh().save(buf)
    data = buf.getvalue()
    t_build = best(fresh, args.repeat)
    t_load = best(lambda: Lark.load(io.BytesIO(data)), args.repeat)
    print(f"\nparser from the grammar: {t_build:.1f} ms; from the cache ({len(data):,} bytes): {t_load:.1f} ms")


if __name__ == "__main__":
    main()
