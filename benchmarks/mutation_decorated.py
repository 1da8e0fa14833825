"""Mutants in the functions mutmut 3 does not mutate: decorated ones.

mutmut 3 skips every function with a decorator (other than staticmethod and
classmethod), so the body of each lint rule (`@rule(...) def check`) and the
graph's `@cached_property` methods are never mutated by it.  This script
covers that gap with a few classic operators, applied one at a time to the
bodies of decorated functions:

* comparisons: `<` <-> `<=`, `>` <-> `>=`, `==` <-> `!=`, `in` <-> `not in`,
  `is` <-> `is not`;
* boolean operators: `and` <-> `or`; `not x` -> `x`;
* `all(...)` <-> `any(...)`;
* `continue` <-> `break`.

Each mutant is written to a copy of the package (in a temporary folder put
first on PYTHONPATH) and the test subset runs against it, stopping at the
first failure.  Not run in CI; see docs/testing.md.

    python benchmarks/mutation_decorated.py phasec/compiler/rules/pc5*.py
    python benchmarks/mutation_decorated.py --list phasec/compiler/graph.py
    python benchmarks/mutation_decorated.py phasec/compiler/rules/pc302*.py --only ':59:' \
        --tests 'tests/test_mutation_kills.py -k pc302'   # re-check a survivor against chosen tests
"""

from __future__ import annotations

import argparse
import ast
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TESTS = [
    "tests/test_rules.py",
    "tests/test_rule_goldens.py",
    "tests/test_mutation_kills.py",
    "tests/test_agent_cap.py",
    "tests/test_agent_cap_oracle.py",
    "tests/test_corpus.py",
    "tests/test_ownership_paths.py",
    "tests/test_fix.py",
    "tests/test_rules_cross.py",
]
DESELECT = [
    "tests/test_agent_cap.py::test_ten_thousand_slices",
    "tests/test_ownership_paths.py::test_overlap_check_scales_and_orders_through_stages_and_chains",
]
SWAP_CMP = {
    ast.Lt: ast.LtE,
    ast.LtE: ast.Lt,
    ast.Gt: ast.GtE,
    ast.GtE: ast.Gt,
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.In: ast.NotIn,
    ast.NotIn: ast.In,
    ast.Is: ast.IsNot,
    ast.IsNot: ast.Is,
}


def decorated_bodies(tree: ast.Module):
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and any(
            not (isinstance(d, ast.Name) and d.id in ("staticmethod", "classmethod")) for d in node.decorator_list
        ):
            yield node


def sites(source: str):
    """(line, col, end_line, end_col, replacement, description) for each mutant."""
    tree = ast.parse(source)
    lines = source.splitlines(keepends=True)

    def text(n):
        return ast.get_source_segment(source, n)

    for fn in decorated_bodies(tree):
        for node in ast.walk(fn):
            if node is fn or node in fn.decorator_list:
                continue
            if isinstance(node, ast.Compare):
                for i, op in enumerate(node.ops):
                    if type(op) in SWAP_CMP:
                        new = ast.Compare(node.left, list(node.ops), node.comparators)
                        new.ops[i] = SWAP_CMP[type(op)]()
                        yield node, ast.unparse(new), f"{fn.name}: `{text(node)}` -> `{ast.unparse(new)}`"
            elif isinstance(node, ast.BoolOp):
                new = ast.BoolOp(ast.Or() if isinstance(node.op, ast.And) else ast.And(), node.values)
                yield node, ast.unparse(new), f"{fn.name}: `{text(node)}` -> `{ast.unparse(new)}`"
            elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
                yield node, "(" + ast.unparse(node.operand) + ")", f"{fn.name}: drop `not` in `{text(node)}`"
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("all", "any"):
                other = "any" if node.func.id == "all" else "all"
                yield node.func, other, f"{fn.name}: `{node.func.id}` -> `{other}` at line {node.lineno}"
            elif isinstance(node, (ast.Continue, ast.Break)):
                other = "break" if isinstance(node, ast.Continue) else "continue"
                yield node, other, f"{fn.name}: `{text(node)}` -> `{other}` at line {node.lineno}"
    del lines


def apply(source: str, node: ast.AST, replacement: str) -> str:
    lines = source.splitlines(keepends=True)
    offsets = [0]
    for ln in lines:
        offsets.append(offsets[-1] + len(ln.encode("utf-8")))
    data = source.encode("utf-8")
    start = offsets[node.lineno - 1] + node.col_offset
    end = offsets[node.end_lineno - 1] + node.end_col_offset
    if not isinstance(node, (ast.Name, ast.Continue, ast.Break)):
        replacement = "(" + replacement + ")"
    return (data[:start] + replacement.encode("utf-8") + data[end:]).decode("utf-8")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("files", nargs="+", help="source files (decorated functions in them are mutated)")
    ap.add_argument("--list", action="store_true", help="list the mutants, run nothing")
    ap.add_argument("--examples", type=int, default=100, help="hypothesis examples of the oracle test")
    ap.add_argument("--timeout", type=int, default=300)
    ap.add_argument(
        "--only",
        action="append",
        default=[],
        help="run only the mutants whose description (as --list prints it) contains this text (repeatable)",
    )
    ap.add_argument(
        "--tests",
        help="pytest arguments (one string, split as a shell would) to run instead of the default subset, "
        'e.g. "tests/test_mutation_kills.py -k pc302"',
    )
    args = ap.parse_args()
    plan = []
    for f in args.files:
        path = Path(f).resolve()
        src = path.read_text(encoding="utf-8")
        for node, repl, desc in sites(src):
            full = f"{path.relative_to(ROOT)}:{node.lineno}: {desc}"
            if not args.only or any(o in full for o in args.only):
                plan.append((path, node, repl, full))
    if args.list:
        for *_, desc in plan:
            print(desc)
        print(f"{len(plan)} mutant(s)")
        return 0
    counts = {"killed": 0, "survived": 0, "timeout": 0}
    survivors = []
    env = dict(os.environ, PHASEC_ORACLE_EXAMPLES=str(args.examples))
    with tempfile.TemporaryDirectory(prefix="phasec-mut-") as tmp:
        env["PYTHONPATH"] = tmp + os.pathsep + env.get("PYTHONPATH", "")
        pytest = [
            sys.executable,
            "-c",
            "import sys, pytest; sys.path.insert(0, sys.argv[1]); sys.exit(pytest.main(sys.argv[2:]))",
            tmp,
        ]
        for path, node, repl, desc in plan:
            shutil.rmtree(Path(tmp) / "phasec", ignore_errors=True)
            shutil.copytree(ROOT / "phasec", Path(tmp) / "phasec")
            target = Path(tmp) / path.relative_to(ROOT)
            target.write_text(apply(path.read_text(encoding="utf-8"), node, repl), encoding="utf-8")
            t0 = time.monotonic()
            try:
                r = subprocess.run(
                    [
                        *pytest,
                        "-x",
                        "-q",
                        "-p",
                        "no:cacheprovider",
                        *(shlex.split(args.tests) if args.tests else TESTS),
                        *([] if args.tests else [a for d in DESELECT for a in ("--deselect", d)]),
                    ],
                    cwd=ROOT,
                    env=env,
                    capture_output=True,
                    text=True,
                    timeout=args.timeout,
                )
                status = "survived" if r.returncode == 0 else "killed"
            except subprocess.TimeoutExpired:
                status = "timeout"
            counts[status] += 1
            print(f"{status:8} {time.monotonic() - t0:5.1f}s  {desc}", flush=True)
            if status == "survived":
                survivors.append(desc)
    total = sum(counts.values())
    print(f"\n{total} mutants: " + ", ".join(f"{v} {k}" for k, v in counts.items()))
    for s in survivors:
        print("  survived: " + s)
    return 0


if __name__ == "__main__":
    sys.exit(main())
