"""Where the start-up of a `phasec lint` goes (docs/performance.md, *Start-up*).

    python benchmarks/startup.py stages [--runs 9] [FILE]     # CPU per import stage, then the lint
    python benchmarks/startup.py shutdown [--runs 7] [--entry MODULE] [FILE]   # CPU after `atexit` (shutdown)
    python benchmarks/startup.py networkx FILE...             # every networkx call, by rule

``stages`` runs ``--runs`` fresh interpreters, each importing the lint path's
libraries and modules in lint order with the collector tuned first (as the
console script does), timing each step by ``time.process_time``, then running
the lint in process; it prints the median of each step.  ``shutdown`` compares
the CPU time seen by an ``atexit`` handler with the whole process' (``os.wait4``),
through the console script's entry point.  ``networkx`` runs the pipeline with
networkx's algorithms and the graph layer's graphs wrapped, and lists which rule
called what.  FILE defaults to a copy of the Phase C example outside the
repository (as ``suite.py`` lints it).  Timings live here, never in tests.
"""

from __future__ import annotations

import argparse
import ast
import collections
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples/phase-c.phc"

_STAGES = """
import gc; gc.set_threshold(50_000, 20, 20)  # as phasec.cli.entry does first
import contextlib, io, sys, time
T = time.process_time
marks = [("interpreter start", T() * 1000)]
t = T()
def mark(name):
    global t
    now = T(); marks.append((name, (now - t) * 1000)); t = now
import typer; mark("typer")
import phasec.cli.main; mark("phasec.cli (main, common, the command modules)")
import typer._adapters; mark("pydantic (typer's parameter adapters)")
import pydantic.plugin._loader; mark("pydantic's plugin loader (importlib.metadata)")
import lark; mark("Lark")
import phasec.compiler.ir, phasec.diagnostics; mark("phasec.compiler.ir and the diagnostics")
import phasec.compiler.pipeline, phasec.cli.lint_files, phasec.compiler.render, phasec.compiler.config
mark("the other phasec modules of the lint path")
import networkx; mark("networkx")
import phasec.compiler.graph
from phasec.compiler.rules import all_rules; all_rules(); mark("the rule modules and the graph module")
sys.argv = ["phasec", "lint", "-f", "concise", FILE]
with contextlib.redirect_stdout(io.StringIO()):
    try:
        phasec.cli.main.run()
    except SystemExit:
        pass
mark("the lint (typer's parsing, parse, lower, rules, output)")
print("STAGES" + repr(marks))
"""

_SHUTDOWN = """
import atexit, sys, time
atexit.register(lambda: print("ATEXIT", time.process_time() * 1000, file=sys.stderr))
sys.argv = ["phasec", "lint", "-f", "concise", FILE]
from ENTRY import run
run()
"""


def _example_copy() -> str:
    d = tempfile.mkdtemp(prefix="phasec-startup-")
    return str(shutil.copy(EXAMPLE, Path(d) / "phase-c.phc"))


def stages(file: str, runs: int) -> None:
    code = f"FILE = {file!r}\n" + _STAGES
    rows: dict[str, list[float]] = collections.defaultdict(list)
    for _ in range(runs):
        r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tempfile.gettempdir())
        line = next((ln for ln in r.stdout.splitlines() if ln.startswith("STAGES")), None)
        if line is None:
            sys.exit(r.stdout + r.stderr)
        for name, ms in ast.literal_eval(line[len("STAGES") :]):
            rows[name].append(ms)
    print(f"CPU per stage, median of {runs} processes (load {os.getloadavg()[0]:.1f}):")
    total = 0.0
    for name, values in rows.items():
        m = statistics.median(values)
        total += m
        print(f"  {name:<58} {m:6.1f} ms")
    print(f"  {'sum of the medians':<58} {total:6.1f} ms")


def shutdown(file: str, runs: int, entry: str) -> None:
    code = f"FILE = {file!r}\n" + _SHUTDOWN.replace("ENTRY", entry)
    at_exit, whole = [], []
    for _ in range(runs):
        p = subprocess.Popen(
            [sys.executable, "-c", code], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=tempfile.gettempdir()
        )
        assert p.stderr is not None
        err = p.stderr.read().decode()
        _, _, usage = os.wait4(p.pid, 0)
        at_exit.append(float(err.split("ATEXIT", 1)[1].split()[0]))
        whole.append((usage.ru_utime + usage.ru_stime) * 1000)
    a, w = statistics.median(at_exit), statistics.median(whole)
    print(f"median of {runs}: CPU {a:.0f} ms at atexit, {w:.0f} ms in all: {w - a:.0f} ms after atexit")


def trace_networkx(files: list[str]) -> None:
    import dataclasses
    import functools

    import networkx as nx
    from networkx.algorithms import bipartite

    from phasec.compiler import graph as graph_module
    from phasec.compiler import rules as rules_package
    from phasec.compiler.pipeline import analyze

    calls: collections.Counter = collections.Counter()
    current = {"rule": None}

    def counted(owner, name: str) -> None:
        real = getattr(owner, name)

        @functools.wraps(real)
        def wrapper(*args, **kwargs):
            calls[(current["rule"], name)] += 1
            return real(*args, **kwargs)

        setattr(owner, name, wrapper)

    for name in ("strongly_connected_components", "find_cycle", "topological_sort", "condensation"):
        counted(nx, name)
    for name in ("hopcroft_karp_matching", "to_vertex_cover"):
        counted(bipartite, name)
    for name in ("slice_graph", "branch_graph", "gate_graph", "activity_graph"):
        prop = graph_module.RunbookGraph.__dict__[name]

        def built(self, _f=prop.func, _n=name):
            calls[(current["rule"], f"builds RunbookGraph.{_n} (nx.DiGraph)")] += 1
            return _f(self)

        wrapped = functools.cached_property(built)
        wrapped.__set_name__(graph_module.RunbookGraph, name)
        setattr(graph_module.RunbookGraph, name, wrapped)

    def traced(rule):
        def check(ctx):
            current["rule"] = rule.code
            return list(rule.check(ctx))

        return dataclasses.replace(rule, check=check)

    rules = rules_package.all_rules()
    rules_package.all_rules = lambda: tuple(traced(r) for r in rules)  # type: ignore[assignment]
    for f in files:
        calls.clear()
        analyze(Path(f).read_text(encoding="utf-8"), f)
        print(f"{f}:")
        for (rule, what), n in sorted(calls.items(), key=lambda kv: (str(kv[0][0]), kv[0][1])):
            print(f"  {rule}: {what} x{n}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("what", choices=("stages", "shutdown", "networkx"))
    ap.add_argument("files", nargs="*")
    ap.add_argument("--runs", type=int, default=9)
    ap.add_argument(
        "--entry",
        default="phasec.cli.entry",
        help="shutdown: the module whose run() to call (phasec.cli.main: without the console script's freeze)",
    )
    args = ap.parse_args()
    files = args.files or [_example_copy()]
    if args.what == "stages":
        stages(files[0], args.runs)
    elif args.what == "shutdown":
        shutdown(files[0], args.runs, args.entry)
    else:
        trace_networkx(files)


if __name__ == "__main__":
    main()
