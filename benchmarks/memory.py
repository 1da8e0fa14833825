"""Where the memory of one analysis goes: resident size after each stage, in one process.

    python benchmarks/memory.py FILE                # stages of `phasec lint` (and compile with --compile)
    python benchmarks/memory.py FILE --whole        # the whole-file parse (Lark's tree of the whole file)
    python benchmarks/memory.py FILE --full-tree    # the parser's full syntax tree kept (before round 3)
    python benchmarks/memory.py FILE --trace        # also tracemalloc: the top allocation sites (slow)
    python benchmarks/memory.py --generate 10000 --compile

After each stage it prints the resident set (VmRSS), its peak so far (VmHWM)
and, with ``--trace``, the traced Python heap; the stages are those of
``pipeline.analyze``: parse (into the compact syntax tree, Lark's tree one
block at a time; ``--full-tree``: phasec's full tree, as before round 3),
bind + lower + resolve (``pipeline.lower``), the rules (with the graphs) and,
with ``--compile``, a collection of the rules' garbage and the emitters.  ``--whole`` runs the stages one after
the other as the pipeline did before (the whole file's Lark tree, then the whole
bound tree, then the IR) to show what each holds.
The collector is tuned as the ``phasec`` command tunes it.  Run it niced, one
size at a time: the 10,000-slice runbook takes minutes on a loaded machine.
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def status() -> tuple[int, int]:
    """(VmRSS, VmHWM) in MB."""
    rss = hwm = 0
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1]) // 1024
            elif line.startswith("VmHWM:"):
                hwm = int(line.split()[1]) // 1024
    return rss, hwm


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("file", nargs="?")
    ap.add_argument("--generate", type=int, help="use generate.realistic(N) instead of a file")
    ap.add_argument(
        "--whole",
        action="store_true",
        help="as before issue 12's memory work: the whole file's Lark tree, the whole bound tree, then the IR",
    )
    ap.add_argument(
        "--full-tree", action="store_true", help="keep the whole syntax tree for the rules (as before round 3)"
    )
    ap.add_argument("--compile", action="store_true", help="also run the compile checks and the emitters")
    ap.add_argument("--trace", action="store_true", help="tracemalloc: traced heap and top sites per stage")
    args = ap.parse_args()

    from phasec.cli.main import tune_gc

    tune_gc()
    if args.trace:
        import tracemalloc

        tracemalloc.start()
    rows: list[tuple[str, float, int, int, int]] = []
    t0 = time.process_time()

    def stage(name: str) -> None:
        rss, hwm = status()
        traced = 0
        if args.trace:
            import tracemalloc

            traced = tracemalloc.get_traced_memory()[0] // (1024 * 1024)
        rows.append((name, time.process_time() - t0, rss, hwm, traced))
        print(
            f"{name:<28} cpu {rows[-1][1]:7.1f} s  rss {rss:6,} MB  peak {hwm:6,} MB  traced {traced:6,} MB", flush=True
        )

    stage("start (imports)")
    from phasec.compiler import pipeline
    from phasec.compiler.diagnostics import DiagnosticBag
    from phasec.compiler.rules import run_rules

    if args.generate:
        import generate

        text = generate.realistic(args.generate)
        path = f"realistic{args.generate}.phc"
    else:
        path = args.file
        text = Path(path).read_text(encoding="utf-8")
    stage("text read")
    if args.whole:
        from phasec.compiler.schema import top_level_only
        from phasec.grammar.parser import _lark, parse

        tree = _lark().parse(text)
        stage("Lark tree (whole file)")
        del tree
        gc.collect()
        doc, _ = parse(text, path, top_level=top_level_only())
    else:
        doc, _ = pipeline.parse(text, path, compact=not args.full_tree)
    stage("parsed: statements" if args.whole or args.full_tree else "parsed: compact statements")
    if args.trace:
        top(5)
    if args.whole:
        from phasec.compiler.bind import Binder
        from phasec.compiler.lower import lower
        from phasec.compiler.resolve import resolve

        bag = DiagnosticBag()
        bound = Binder(bag).bind_block(doc.statements, "file", doc.source.span(0, 0))
        stage("bound")
        rb = lower(bound, doc.source)
        stage("lowered: IR")
        del bound
        gc.collect()
        stage("bound clauses freed")
        resolve(rb, bag)
    else:
        rb, _ = pipeline.lower(doc)  # bind, lower (slices and gates one at a time), resolve
    stage("resolved")
    if args.trace:
        top(8)
    found = run_rules(rb, doc)
    stage(f"rules ({len(found)} findings)")
    if args.trace:
        top(15)
    if args.compile:
        from phasec.emitters import emit_all

        del doc
        gc.collect()  # as `phasec compile` does before emitting: the rules' graphs are cyclic garbage
        stage("collected (compile)")
        out = emit_all(rb)
        stage(f"emitted ({len(out)} outputs)")
    if args.trace:
        top(10)
    print(f"\nexit: peak RSS {status()[1]:,} MB, CPU {time.process_time():.1f} s")


def top(n: int) -> None:
    import tracemalloc

    snap = tracemalloc.take_snapshot()
    for s in snap.statistics("lineno")[:n]:
        f = s.traceback[0]
        print(
            f"      {s.size / 2**20:7.1f} MB {s.count:9,} blocks  {f.filename.split('site-packages/')[-1]}:{f.lineno}"
        )


if __name__ == "__main__":
    main()
