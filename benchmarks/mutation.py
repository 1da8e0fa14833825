"""Mutation testing of phasec with mutmut 3 (not run in CI; see docs/testing.md).

    python benchmarks/mutation.py                      # the default modules, then the report
    python benchmarks/mutation.py --report             # only report what the last runs found
    python benchmarks/mutation.py --rerun-survivors    # after writing tests: the survivors again
    python benchmarks/mutation.py 'phasec.compiler.config*' --children 1
    python benchmarks/mutation.py 'phasec.emitters*' --sample 400 --seed 1   # a random sample
    python benchmarks/mutation.py 'phasec.compiler.config*' --recheck tests/test_config.py

mutmut is configured in pyproject.toml (`[tool.mutmut]`: phasec/compiler/ and
phasec/emitters/, a fast test subset).  It copies the code into `mutants/`,
runs the test subset once to learn which tests reach which function, then runs
only those tests against each mutant.  Results are kept in `mutants/` between
runs, so a run can be stopped and resumed.

mutmut picks each mutant's tests by which ones called the mutated function in
its statistics run, recorded in process.  So that the tests that run ``phasec``
in a subprocess (the CLI tests) are picked too, mutmut runs here with
``PYTHONPATH`` = ``mutants/`` (subprocesses import the mutated copy, and run the
mutant under test) then ``benchmarks/mutmut_hits/`` (its ``sitecustomize``
writes, during the statistics run, the functions a subprocess ran to the
folder named by ``PHASEC_MUTMUT_HITS``), and the ``pytest_runtest_teardown``
hook of ``tests/conftest.py`` adds them to the test's record.  ``--recheck
TESTS`` runs each survivor and "no tests" mutant against the given test files
(in ``mutants/``, with ``MUTANT_UNDER_TEST`` set), and keeps the verdicts in
``mutants/recheck.json``; the report counts a mutant those tests kill as
"killed" (column ``rechecked``).

The report prints, per module, the mutants and how many were killed, survived,
timed out or not checked, and the list of survivors (`mutmut show NAME` shows
the diff of one).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT = [
    "phasec.compiler.graph*",
    "phasec.compiler.rules*",
    "phasec.compiler.suppress*",
    "phasec.compiler.config*",
]
RECHECK = ROOT / "mutants" / "recheck.json"
#: the folder whose sitecustomize.py reports subprocess hits during the statistics run
HITS_SITE = ROOT / "benchmarks" / "mutmut_hits"
#: the exit code a mutant gets in the report when --recheck's tests killed it
RECHECKED = -1000
STATUS = {
    1: "killed",
    3: "killed",
    0: "survived",
    5: "no tests",
    33: "no tests",
    34: "skipped",
    36: "timeout",
    24: "timeout",
    -24: "timeout",
    152: "timeout",
    255: "timeout",
    37: "type check",
    None: "not checked",
    RECHECKED: "rechecked",
}


def mutation_env() -> dict[str, str]:
    """The environment of a mutmut run: subprocesses import ``mutants/`` and report their hits."""
    hits = ROOT / "mutants" / "subprocess-hits"
    hits.mkdir(parents=True, exist_ok=True)
    for stale in hits.glob("*.hits"):
        stale.unlink()
    path = os.pathsep.join([str(ROOT / "mutants"), str(HITS_SITE), *filter(None, [os.environ.get("PYTHONPATH")])])
    env = dict(os.environ, PYTHONPATH=path, PHASEC_MUTMUT_HITS=str(hits))
    # A mutated module holds every mutant of its functions (lower.py: 10 MB): compiled anew by
    # each subprocess it costs ~10 s, so subprocesses may write their bytecode, and what
    # earlier runs generated is compiled once here.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    if (ROOT / "mutants" / "phasec").is_dir():
        subprocess.run([sys.executable, "-m", "compileall", "-q", "phasec"], cwd=ROOT / "mutants", env=env, check=False)
    return env


def module_of(name: str) -> str:
    """`phasec.compiler.graph.xǁRunbookGraphǁf__mutmut_3` -> `phasec.compiler.graph`."""
    parts = name.split(".")
    for i, p in enumerate(parts):
        if p.startswith(("x_", "xǁ")):
            return ".".join(parts[:i])
    return ".".join(parts[:-1])


def rechecked() -> dict[str, dict]:
    """name -> {"tests": [...], "exit": code} of the earlier --recheck runs."""
    return json.loads(RECHECK.read_text(encoding="utf-8")) if RECHECK.exists() else {}


def results(patterns: list[str] | None) -> dict[str, dict[str, int | None]]:
    out: dict[str, dict[str, int | None]] = defaultdict(dict)
    again = rechecked()
    for meta in sorted((ROOT / "mutants").rglob("*.py.meta")):
        data = json.loads(meta.read_text(encoding="utf-8"))
        for name, code in data.get("exit_code_by_key", {}).items():
            if STATUS.get(code) in ("survived", "no tests") and again.get(name, {}).get("exit") not in (None, 0, 5):
                code = RECHECKED
            out[module_of(name)][name] = code
    if patterns:
        import fnmatch

        keep = {m for m in out for n in out[m] if any(fnmatch.fnmatch(n, p) for p in patterns)}
        out = {m: v for m, v in out.items() if m in keep}
    return out


def sample(patterns: list[str], n: int, seed: int) -> list[str]:
    """N mutant names drawn uniformly from the unchecked ones the patterns match (mutmut
    generates every mutant on its first run, so run once with a pattern that matches none)."""
    import fnmatch
    import random

    pool = sorted(
        name
        for mod in results(None).values()
        for name, code in mod.items()
        if code is None and any(fnmatch.fnmatch(name, p) for p in patterns)
    )
    return sorted(random.Random(seed).sample(pool, min(n, len(pool))))


def wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """The Wilson score interval of k successes in n trials."""
    if not n:
        return (0.0, 1.0)
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * ((p * (1 - p) / n + z * z / (4 * n * n)) ** 0.5) / (1 + z * z / n)
    return (max(0.0, centre - half), min(1.0, centre + half))


def report(patterns: list[str] | None) -> int:
    res = results(patterns)
    if not res:
        print("no results: run the mutation test first")
        return 1
    cols = ["killed", "rechecked", "survived", "timeout", "no tests", "not checked"]
    print(f"{'module':45} {'mutants':>8} " + " ".join(f"{c:>11}" for c in cols) + f" {'score':>6}")
    total: Counter = Counter()
    survivors = []
    for mod in sorted(res):
        c = Counter(STATUS.get(code, "other") for code in res[mod].values())
        total.update(c)
        total["mutants"] += len(res[mod])
        tested = c["killed"] + c["rechecked"] + c["survived"] + c["timeout"]
        score = f"{100 * (c['killed'] + c['rechecked'] + c['timeout']) / tested:5.1f}%" if tested else "    -"
        print(f"{mod:45} {len(res[mod]):>8} " + " ".join(f"{c[k]:>11}" for k in cols) + f" {score:>6}")
        survivors += sorted(n for n, code in res[mod].items() if STATUS.get(code) == "survived")
    tested = total["killed"] + total["rechecked"] + total["survived"] + total["timeout"]
    score = f"{100 * (total['killed'] + total['rechecked'] + total['timeout']) / tested:5.1f}%" if tested else "    -"
    print(f"{'total':45} {total['mutants']:>8} " + " ".join(f"{total[k]:>11}" for k in cols) + f" {score:>6}")
    if total["not checked"] and tested:
        lo, hi = wilson(total["killed"] + total["rechecked"] + total["timeout"], tested)
        print(
            f"\n{tested} of {total['mutants']} mutants checked: if they are a uniform sample (--sample), "
            f"the score of all is in [{100 * lo:.1f}%, {100 * hi:.1f}%] (95% Wilson interval; equivalent "
            f"mutants not yet removed)"
        )
    print(f"\n{len(survivors)} survivor(s) (`mutmut show NAME` prints the diff):")
    for n in survivors:
        print("  " + n)
    return 0


def recheck(patterns: list[str], tests: list[str], timeout: int) -> None:
    """Run every survivor and "no tests" mutant the patterns match against ``tests`` (see the module doc)."""
    import fnmatch

    names = sorted(
        n
        for mod in results(patterns).values()
        for n, code in mod.items()
        if STATUS.get(code) in ("survived", "no tests") and any(fnmatch.fnmatch(n, p) for p in patterns)
    )
    done = rechecked()
    todo = [n for n in names if done.get(n, {}).get("tests") != tests]
    print(f"recheck: {len(todo)} mutant(s) against {' '.join(tests)}", flush=True)
    mutants = ROOT / "mutants"
    for i, name in enumerate(todo, 1):
        env = dict(os.environ, MUTANT_UNDER_TEST=name, PYTHONPATH=str(mutants))
        cmd = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", "-p", "no:randomly", *tests]
        try:
            code = subprocess.run(cmd, cwd=mutants, env=env, capture_output=True, timeout=timeout).returncode
        except subprocess.TimeoutExpired:
            code = 24
        done[name] = {"tests": tests, "exit": code}
        RECHECK.write_text(json.dumps(done, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        print(f"  [{i}/{len(todo)}] {name}: {'killed' if code not in (0, 5) else 'survived'}", flush=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("patterns", nargs="*", help="mutant name patterns (default: graph, rules, suppress, config)")
    ap.add_argument("--children", type=int, default=2, help="parallel mutant runs (default 2)")
    ap.add_argument("--examples", type=int, default=100, help="hypothesis examples of the oracle test per mutant")
    ap.add_argument("--report", action="store_true", help="only print the report of earlier runs")
    ap.add_argument("--rerun-survivors", action="store_true", help="run only the survivors of earlier runs again")
    ap.add_argument(
        "--sample",
        type=int,
        default=0,
        help="run only N mutants drawn at random (uniformly, with --seed) from those the patterns match "
        "and no earlier run checked; the report then estimates the score with a 95%% interval",
    )
    ap.add_argument("--seed", type=int, default=1, help="seed of --sample (default 1)")
    ap.add_argument(
        "--recheck",
        nargs="+",
        metavar="TEST",
        help="run the survivors and 'no tests' mutants the patterns match against these test files "
        "(subprocess tests included), and count those they kill",
    )
    ap.add_argument("--timeout", type=int, default=600, help="seconds per mutant for --recheck (default 600)")
    args = ap.parse_args()
    patterns = args.patterns or DEFAULT
    if args.recheck:
        recheck(patterns, args.recheck, args.timeout)
    elif not args.report:
        env = dict(mutation_env(), PHASEC_ORACLE_EXAMPLES=str(args.examples))
        mutmut = Path(sys.executable).with_name("mutmut")
        names = patterns
        if args.rerun_survivors:
            names = sorted(
                n for mod in results(patterns).values() for n, code in mod.items() if STATUS.get(code) == "survived"
            )
            if not names:
                return report(patterns)
        elif args.sample:
            names = sample(patterns, args.sample, args.seed)
            if not names:
                print("no unchecked mutants match: run once without --sample to generate them")
                return 1
        cmd = [str(mutmut), "run", "--max-children", str(args.children), *names]
        print("+", " ".join(cmd), flush=True)
        subprocess.run(cmd, cwd=ROOT, env=env)
    return report(patterns)


if __name__ == "__main__":
    sys.exit(main())
