"""Benchmark the language server: re-lint time per edit, measured inside the server.

    python benchmarks/bench_lsp.py                # examples/phase-c.phc and 2,000 generated slices
    python benchmarks/bench_lsp.py --repeat 10 --sizes 2000,10000
    python benchmarks/bench_lsp.py --in-process --sizes 1000 [--profile]   # where a re-lint goes
    python benchmarks/bench_lsp.py --realistic --sizes 1000 --interval 0.1 --index-delay-ms 0   # typing

Starts the real server (`python -m phasec lsp`) over stdio with
``initializationOptions = {"debounceMs": 0, "timings": true}``, opens each runbook,
then makes ``--repeat`` one-character edits (inside a slice title, so the runbook
stays valid), 0.3 s apart, and, for each, waits for the diagnostics of that version.  The server
reports, per analysis:

* ``analyze`` — the analysis (parse, lower, resolve, rules; incremental since
  issue 12), and its thread's CPU time (``analyze_cpu_ms``);
* ``snapshot`` — analyze plus configuration lookup, symbol index and LSP conversion;
* ``change→publish`` — from receiving `didChange` to sending `publishDiagnostics`.

The client adds the round trip (``edit→diagnostics``: sending the edit to receiving
the diagnostics).  Also timed: a hover and a completion request on the current
version.  With the default debounce (150 ms) every change→publish figure is 150 ms
longer.  Figures go into docs/performance.md.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

from lsprotocol import types
from pygls.lsp.client import LanguageClient

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import generate  # noqa: E402

args_verbose = "-v" in sys.argv


class Bench:
    def __init__(self, interval: float = 0.3, index_delay_ms: float | None = None) -> None:
        self.interval = interval
        self.index_delay_ms = index_delay_ms
        self.client = LanguageClient("phasec-bench", "1")
        self.published: dict[tuple[str, int | None], float] = {}
        self.timings: dict[tuple[str, int | None], dict] = {}

        @self.client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        def _published(params: types.PublishDiagnosticsParams) -> None:
            self.published[(params.uri, params.version)] = time.perf_counter()

        @self.client.feature(types.WINDOW_LOG_MESSAGE)
        def _log(params: types.LogMessageParams) -> None:
            if params.message.startswith("phasec-timings "):
                t = json.loads(params.message.split(" ", 1)[1])
                self.timings[(t["uri"], t["version"])] = t

    async def start(self) -> None:
        await self.client.start_io(sys.executable, "-m", "phasec", "lsp")
        await self.client.initialize_async(
            types.InitializeParams(
                capabilities=types.ClientCapabilities(),
                initialization_options={"debounceMs": 0, "timings": True}
                | ({} if self.index_delay_ms is None else {"indexDelayMs": self.index_delay_ms}),
            )
        )
        self.client.initialized(types.InitializedParams())

    async def stop(self) -> None:
        await self.client.shutdown_async(None)
        self.client.exit(None)
        await self.client.stop()

    async def wait(self, uri: str, version: int, timeout: float = 120.0) -> float:
        deadline = time.perf_counter() + timeout
        while (uri, version) not in self.published or (uri, version) not in self.timings:
            if time.perf_counter() > deadline:
                raise TimeoutError(f"no diagnostics for {uri} v{version}")
            await asyncio.sleep(0.001)
        return self.published[(uri, version)]

    async def run(self, name: str, text: str, path: Path, repeat: int) -> dict:
        uri = path.as_uri()
        path.write_text(text, encoding="utf-8")
        self.client.text_document_did_open(
            types.DidOpenTextDocumentParams(
                text_document=types.TextDocumentItem(uri=uri, language_id="phasec", version=1, text=text)
            )
        )
        await self.wait(uri, 1)
        lines = text.split("\n")
        line = next(i for i, ln in enumerate(lines) if ln.startswith("slice "))
        col = lines[line].index('"') + 1  # first character of the title
        rows = []
        for n in range(repeat):
            await asyncio.sleep(self.interval)  # a pause between edits, as when typing
            version = n + 2
            pos = types.Position(line=line, character=col)
            sent = time.perf_counter()
            self.client.text_document_did_change(
                types.DidChangeTextDocumentParams(
                    text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
                    content_changes=[
                        types.TextDocumentContentChangePartial(range=types.Range(start=pos, end=pos), text="x")
                    ],
                )
            )
            got = await self.wait(uri, version)
            t = self.timings[(uri, version)]
            rows.append(
                (
                    t["analyze_ms"],
                    t["snapshot_ms"],
                    t["change_to_publish_ms"],
                    (got - sent) * 1000,
                    t.get("analyze_cpu_ms", 0.0),
                )
            )
            if args_verbose:
                print(name, version, t, file=sys.stderr)
        # A hover on the slice id and a completion on the current version (after the
        # collection that follows an analysis: see PhasecServer.gc_paused).
        await asyncio.sleep(0.5)
        sid_col = lines[line].index(" ") + 1
        t0 = time.perf_counter()
        await self.client.text_document_hover_async(
            types.HoverParams(
                text_document=types.TextDocumentIdentifier(uri=uri),
                position=types.Position(line=line, character=sid_col + 1),
            )
        )
        hover_ms = (time.perf_counter() - t0) * 1000
        t0 = time.perf_counter()
        await self.client.text_document_completion_async(
            types.CompletionParams(
                text_document=types.TextDocumentIdentifier(uri=uri),
                position=types.Position(line=len(lines) - 2, character=0),
            )
        )
        completion_ms = (time.perf_counter() - t0) * 1000
        self.client.text_document_did_close(
            types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
        )
        med = [statistics.median(col) for col in zip(*rows, strict=True)]
        return {
            "input": name,
            "lines": text.count("\n"),
            "analyze": med[0],
            "snapshot": med[1],
            "change_to_publish": med[2],
            "round_trip": med[3],
            "analyze_cpu": med[4],
            "hover": hover_ms,
            "completion": completion_ms,
        }


async def main_async(args) -> None:
    inputs = [("examples/phase-c.phc", (ROOT / "examples" / "phase-c.phc").read_text(encoding="utf-8"))]
    for n in (int(s) for s in args.sizes.split(",") if s):
        if args.realistic:
            inputs.append((f"realistic {n:,} slices", generate.realistic(n)))
        else:
            inputs.append((f"generated {n:,} slices", generate.lanes(n, 10 if n <= 2000 else max(2, n // 200))))
    bench = Bench(args.interval, args.index_delay_ms)
    await bench.start()
    try:
        results = []
        with tempfile.TemporaryDirectory() as d:
            for i, (name, text) in enumerate(inputs):
                results.append(await bench.run(name, text, Path(d) / f"bench{i}.phc", args.repeat))
    finally:
        await bench.stop()
    print(
        f"median of {args.repeat} edits {args.interval * 1000:.0f} ms apart; debounce 0 ms (the default 150 ms adds"
        " 150 ms to change→publish)"
        + ("" if args.index_delay_ms is None else f"; index delay {args.index_delay_ms:g} ms")
    )
    print(
        f"{'input':<26} {'lines':>7} {'analyze':>9} {'snapshot':>9} {'chg→pub':>9} {'edit→diag':>10} {'hover':>8} {'complete':>9}"
    )
    for r in results:
        print(
            f"{r['input']:<26} {r['lines']:>7} {r['analyze']:>7.1f}ms {r['snapshot']:>7.1f}ms "
            f"{r['change_to_publish']:>7.1f}ms {r['round_trip']:>8.1f}ms {r['hover']:>6.1f}ms {r['completion']:>7.1f}ms"
        )


def in_process(args) -> None:
    """Where a warm re-lint goes, in this process (no server, no client): ``--in-process``.

    For Phase C and ``generate.realistic(n)`` of each ``--sizes``: one-character edits in the
    first slice's title, each version built with ``build_snapshot(..., previous=)`` as the
    server does; every phase (parse, bind, lower, resolve, rules, suppressions) timed by the
    thread's CPU time and every rule on its own (in run order: the first rule to ask for a
    shared graph or fact pays for it); medians.  ``--profile`` adds cProfile of one more edit.
    """
    import cProfile
    import pstats

    import phasec.compiler.bind as bind
    import phasec.compiler.lower as lower
    import phasec.compiler.resolve as resolve
    import phasec.compiler.rules as rules
    import phasec.compiler.suppress as suppress
    import phasec.lsp.incremental as incremental
    from phasec.cli.main import tune_gc
    from phasec.lsp.analysis import build_snapshot

    tune_gc()  # as the `phasec lsp` command does
    phases: dict[str, float] = {}
    per_rule: dict[str, float] = {}

    depth: dict[str, int] = {}

    def timed(mod, name: str, label: str) -> None:
        fn = getattr(mod, name)

        def wrapper(*a, **k):
            if depth.get(label):  # a call inside one already timed (a block's statements): counted once
                return fn(*a, **k)
            depth[label] = 1
            c = time.thread_time()
            try:
                return fn(*a, **k)
            finally:
                depth[label] = 0
                phases[label] = phases.get(label, 0.0) + (time.thread_time() - c) * 1000

        setattr(mod, name, wrapper)

    def timed_rule(label: str, fn, drain=list):
        """``fn`` with its CPU time added to ``per_rule[label]`` (a rule's check drained as it runs)."""

        def wrapper(*a, **k):
            c = time.thread_time()
            try:
                return drain(fn(*a, **k))
            finally:
                per_rule[label] = per_rule.get(label, 0.0) + (time.thread_time() - c) * 1000

        return wrapper

    # Each rule's check timed where `rules.run_rules` calls it (a rule kept across the edit is not
    # called: it shows as 0), and the classification of the edit (RuleReuse.keep) beside them.
    timed_all = tuple(dataclasses.replace(r, check=timed_rule(r.code, r.check)) for r in rules.all_rules())
    rules.all_rules = lambda: timed_all
    incremental.RuleReuse.keep = timed_rule("(classify)", incremental.RuleReuse.keep, dict)

    timed(incremental, "parse_incremental", "parse")
    timed(bind.Binder, "bind_block", "bind")
    timed(incremental.CachingBinder, "bind_block", "bind")  # its own loop at top level
    timed(lower, "lower", "lower")
    timed(resolve, "resolve", "resolve")
    timed(suppress, "apply_suppressions", "suppress")
    timed(rules, "run_rules", "rules")
    inputs = [("examples/phase-c.phc", (ROOT / "examples" / "phase-c.phc").read_text(encoding="utf-8"))]
    inputs += [(f"realistic {n:,} slices", generate.realistic(n)) for n in (int(x) for x in args.sizes.split(",") if x)]
    uri = (Path(tempfile.gettempdir()) / "bench-lsp-in-process.phc").as_uri()
    for name, text in inputs:
        lines = text.split("\n")
        li = next(i for i, ln in enumerate(lines) if ln.startswith("slice "))
        at = sum(len(ln) + 1 for ln in lines[:li]) + lines[li].index('"') + 1
        snap = build_snapshot(uri, text, 1)
        rows, rule_rows = [], []
        for k in range(args.repeat):
            phases.clear()
            per_rule.clear()
            text = text[:at] + "x" + text[at:]
            snap = build_snapshot(uri, text, k + 2, previous=snap)
            rows.append({**phases, "analysis": snap.analyze_cpu_ms})
            rule_rows.append(dict(per_rule))
        med = {k: statistics.median(r.get(k, 0.0) for r in rows) for k in rows[0]}
        print(f"{name}: CPU ms, median of {args.repeat} edits: " + ", ".join(f"{k} {v:.1f}" for k, v in med.items()))
        by_rule = sorted(((statistics.median(r[c] for r in rule_rows), c) for c in rule_rows[0]), reverse=True)
        print("  rules: " + ", ".join(f"{c} {v:.1f}" for v, c in by_rule[:15]))
        if args.profile:
            prof = cProfile.Profile()
            text = text[:at] + "x" + text[at:]
            prof.enable()
            build_snapshot(uri, text, args.repeat + 2, previous=snap)
            prof.disable()
            pstats.Stats(prof).sort_stats("tottime").print_stats(25)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--sizes", default="2000")
    ap.add_argument("-v", action="store_true", help="print every analysis's timings")
    ap.add_argument("--interval", type=float, default=0.3, help="seconds between edits (default 0.3)")
    ap.add_argument(
        "--realistic", action="store_true", help="generate.realistic(n) for --sizes (default: generate.lanes)"
    )
    ap.add_argument(
        "--index-delay-ms",
        type=float,
        default=None,
        help="the server's indexDelayMs (default: the server's own, 250; 0 builds the index right after each publish)",
    )
    ap.add_argument(
        "--in-process", action="store_true", help="no server: phases and rules of a warm re-lint, in this process"
    )
    ap.add_argument("--profile", action="store_true", help="with --in-process: cProfile one more edit")
    args = ap.parse_args()
    if args.in_process:
        in_process(args)
        return
    asyncio.run(main_async(args))


if __name__ == "__main__":
    main()
