"""Fuzzing at scale: mutated real runbooks and generated valid ones, through the whole front end.

    nice -n 19 python benchmarks/fuzz.py                       # 100,000 cases (the default)
    python benchmarks/fuzz.py --cases 2000 --seed 7
    python benchmarks/fuzz.py --cases 100000 --failures /tmp/fuzz-failures

Cases (tests/fuzzing.py holds the generators and the checks):

* **mutation** (most cases): a seed file — every example, fixture and corpus
  runbook, in turn — with 1-3 random edits (bytes, tokens, keywords of the
  language, truncations, duplicated ranges and lines).  Checked: the bytes are
  decoded or get PC008; lint never raises; every diagnostic is in range; a text
  without syntax errors formats to one that parses to the same IR, and
  formatting it again changes nothing.
* **generated** (``--generated-share``, 5% by default): valid runbooks from the
  schema (a hypothesis strategy).  Checked: no front-end error; lint never
  raises; parse -> fmt -> parse gives an equal IR; compile (when there are no
  errors) gives the same files twice.

Every case runs within ``--timeout`` seconds (a timeout is a failure).  The
report gives the number of cases, the rate, and each failure (kind, seed file,
mutations); ``--failures DIR`` saves the failing inputs.  Exit 1 if anything
failed.  Figures go into docs/reliability.md.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

import fuzzing  # noqa: E402  (tests/fuzzing.py)


def generated_case(text: str) -> str | None:
    """The properties of a generated valid runbook; None when they hold."""
    from phasec.compiler.pipeline import analyze

    res = analyze(text, "gen.phc")
    front = [d for d in res.diagnostics if d.code[:3] in ("PC0", "PC1", "PC2")]
    if front:
        return f"generated runbook rejected by the front end: {front[0].code} {front[0].message}"
    problem = fuzzing.check_text(text, "gen.phc")
    if problem:
        return problem
    if not res.has_errors:
        from phasec.emitters import EmitOptions, emit_all

        a = emit_all(res.runbook, EmitOptions())
        b = emit_all(analyze(text, "gen.phc").runbook, EmitOptions())
        if a != b:
            return "compile is not deterministic"
    return None


def run(cases: int, seed: int, share: float, timeout: float, failures_dir: Path | None, progress: int) -> dict:
    import gc

    gc.set_threshold(50_000, 20, 20)  # as the phasec command does
    rng = random.Random(seed)
    seeds = [(p.relative_to(ROOT).as_posix(), p.read_bytes()) for p in fuzzing.seed_files()]
    n_generated = int(cases * share)
    n_mutated = cases - n_generated
    failures: list[dict] = []
    counts = {"mutation": 0, "generated": 0, "undecodable": 0, "syntax_clean": 0}
    start = time.perf_counter()

    def fail(kind: str, what: str, data: bytes, detail: dict) -> None:
        entry = {"kind": kind, "problem": what, **detail}
        failures.append(entry)
        print(f"FAIL {kind}: {what} {detail}", flush=True)
        if failures_dir is not None:
            failures_dir.mkdir(parents=True, exist_ok=True)
            (failures_dir / f"case-{len(failures):04d}.phc").write_bytes(data)

    for i in range(n_mutated):
        name, data = seeds[i % len(seeds)]
        mutated, ops = fuzzing.mutate(data, rng)
        problem = fuzzing.check_case(mutated, seconds=timeout)
        counts["mutation"] += 1
        if problem:
            fail("mutation", problem, mutated, {"seed_file": name, "mutations": ops, "case": i})
        if progress and (i + 1) % progress == 0:
            rate = (i + 1) / (time.perf_counter() - start)
            print(f"{i + 1} mutation cases, {len(failures)} failures, {rate:.0f} cases/s", flush=True)

    if n_generated:
        from hypothesis import HealthCheck, given, settings

        @settings(
            max_examples=n_generated,
            deadline=None,
            database=None,
            derandomize=False,
            suppress_health_check=list(HealthCheck),
        )
        @given(fuzzing.runbooks())
        def one(text: str) -> None:
            counts["generated"] += 1
            try:
                with fuzzing.time_bound(timeout):
                    problem = generated_case(text)
            except Exception as exc:  # noqa: BLE001
                problem = f"{type(exc).__name__}: {exc}"
            if problem:
                fail("generated", problem, text.encode(), {"case": counts["generated"]})

        one()

    elapsed = time.perf_counter() - start
    total = counts["mutation"] + counts["generated"]
    return {
        "cases": total,
        "mutation_cases": counts["mutation"],
        "generated_cases": counts["generated"],
        "seed_files": len(seeds),
        "seconds": round(elapsed, 1),
        "cases_per_second": round(total / elapsed, 1) if elapsed else None,
        "failures": failures,
    }


def _worker(job: tuple) -> dict:
    cases, seed, share, timeout, failures, progress = job
    return run(cases, seed, share, timeout, failures, progress)


def run_parallel(args) -> dict:
    """``--jobs N``: N processes, each with its own seed and an equal share of the cases."""
    from concurrent.futures import ProcessPoolExecutor

    per = [args.cases // args.jobs + (1 if k < args.cases % args.jobs else 0) for k in range(args.jobs)]
    jobs = [
        (
            n,
            args.seed + k,
            args.generated_share,
            args.timeout,
            args.failures / f"job{k}" if args.failures else None,
            args.progress,
        )
        for k, n in enumerate(per)
    ]
    start = time.perf_counter()
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        reports = list(pool.map(_worker, jobs))
    elapsed = time.perf_counter() - start
    total = sum(r["cases"] for r in reports)
    return {
        "cases": total,
        "mutation_cases": sum(r["mutation_cases"] for r in reports),
        "generated_cases": sum(r["generated_cases"] for r in reports),
        "seed_files": reports[0]["seed_files"],
        "jobs": args.jobs,
        "seconds": round(elapsed, 1),
        "cases_per_second": round(total / elapsed, 1),
        "failures": [f for r in reports for f in r["failures"]],
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cases", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--generated-share", type=float, default=0.05)
    ap.add_argument("--timeout", type=float, default=10.0, help="seconds per case")
    ap.add_argument("--failures", type=Path, default=None, help="a folder to save failing inputs in")
    ap.add_argument("--progress", type=int, default=5000)
    ap.add_argument("--json", type=Path, default=None, help="also write the report as JSON")
    ap.add_argument("--jobs", type=int, default=1, help="worker processes (each its own seed: SEED+k)")
    args = ap.parse_args()
    if args.jobs > 1:
        report = run_parallel(args)
    else:
        report = run(args.cases, args.seed, args.generated_share, args.timeout, args.failures, args.progress)
    summary = {k: v for k, v in report.items() if k != "failures"}
    print(json.dumps({**summary, "failure_count": len(report["failures"])}, indent=2))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n")
    return 1 if report["failures"] else 0


if __name__ == "__main__":
    sys.exit(main())
