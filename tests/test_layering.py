"""Layering: no import cycles between phasec's modules or between its packages.

The imports are read statically (``ast``), every one of them: module level,
inside functions, and under ``if TYPE_CHECKING:`` -- a cycle that only exists
for type annotations is still a cycle in the design, and a lazy import only
hides a cycle from the interpreter, not from the reader.
"""

from __future__ import annotations

import ast
from pathlib import Path

import phasec

PKG_DIR = Path(phasec.__file__).resolve().parent


def _module_name(path: Path) -> str:
    rel = path.relative_to(PKG_DIR.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(PKG_DIR.rglob("*.py"))}


def _resolve(name: str, known: set[str]) -> str | None:
    """The longest known module that ``name`` is or is inside of (None: not phasec)."""
    while name:
        if name in known:
            return name
        name = name.rpartition(".")[0]
    return None


def imports_of(mod: str, path: Path, known: set[str]) -> set[str]:
    """Every phasec module ``mod`` imports, wherever the import statement is."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    is_pkg = path.name == "__init__.py"
    out: set[str] = set()
    for node in ast.walk(tree):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = mod.split(".") if is_pkg else mod.split(".")[:-1]
                base = base[: len(base) - (node.level - 1)]
                prefix = ".".join(base + ([node.module] if node.module else []))
            else:
                prefix = node.module or ""
            # `from pkg import name`: name may be a submodule (then that is the import) or an attribute
            targets = [f"{prefix}.{a.name}" if f"{prefix}.{a.name}" in known else prefix for a in node.names]
        for t in targets:
            r = _resolve(t, known)
            if r is not None and r != mod:
                out.add(r)
    return out


def module_graph() -> dict[str, set[str]]:
    mods = modules()
    known = set(mods)
    return {m: imports_of(m, p, known) for m, p in mods.items()}


def unit_of(mod: str) -> str:
    """The package a module belongs to for layering: ``phasec.X`` (a subpackage or a top-level module)."""
    return ".".join(mod.split(".")[:2])


def package_graph(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for m, deps in graph.items():
        u = unit_of(m)
        out.setdefault(u, set()).update(unit_of(d) for d in deps if unit_of(d) != u)
    return out


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle per strongly connected component with more than one node (Tarjan), sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    comps: list[list[str]] = []
    counter = [0]

    def strong(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                comps.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            strong(v)
    return [_one_cycle(graph, comp) for comp in sorted(comps)]


def _one_cycle(graph: dict[str, set[str]], comp: list[str]) -> list[str]:
    """A concrete cycle through the first node of a strongly connected component (BFS back to it)."""
    members = set(comp)
    start = comp[0]
    prev: dict[str, str] = {}
    frontier = [start]
    seen = {start}
    while frontier:
        nxt = []
        for v in frontier:
            for w in sorted(graph.get(v, ()) & members):
                if w == start:
                    path = [v]
                    while path[-1] != start:
                        path.append(prev[path[-1]])
                    return list(reversed(path)) + [start]
                if w not in seen:
                    seen.add(w)
                    prev[w] = v
                    nxt.append(w)
        frontier = nxt
    return comp  # unreachable for a strongly connected component


def show(cycle: list[str]) -> str:
    return " -> ".join(cycle)


# -- the walker itself -----------------------------------------------------------


def test_walker_sees_function_level_and_type_checking_imports(tmp_path, monkeypatch):
    pkg = tmp_path / "phasec"
    (pkg / "a").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "a" / "__init__.py").write_text("")
    (pkg / "a" / "x.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from phasec.a.y import Y\n"
    )
    (pkg / "a" / "y.py").write_text("def f():\n    from . import x\n    return x\n")
    (pkg / "b.py").write_text("import phasec.a.x\n")
    monkeypatch.setattr(__import__(__name__, fromlist=["PKG_DIR"]), "PKG_DIR", pkg)
    g = module_graph()
    assert g["phasec.a.x"] == {"phasec.a.y"}
    assert g["phasec.a.y"] == {"phasec.a.x"}
    assert g["phasec.b"] == {"phasec.a.x"}
    assert cycles(g) == [["phasec.a.x", "phasec.a.y", "phasec.a.x"]]
    assert cycles(package_graph(g)) == []


def test_package_cycles_are_found():
    g = {
        "phasec.a.m": {"phasec.b.n"},
        "phasec.b.n": {"phasec.c"},
        "phasec.c": {"phasec.a.other"},
        "phasec.a.other": set(),
    }
    assert cycles(package_graph(g)) == [["phasec.a", "phasec.b", "phasec.c", "phasec.a"]]
    assert cycles(g) == []


# -- phasec -----------------------------------------------------------------------


def test_no_module_cycles():
    found = cycles(module_graph())
    assert not found, "import cycles between modules:\n" + "\n".join("  " + show(c) for c in found)


def test_no_package_cycles():
    found = cycles(package_graph(module_graph()))
    assert not found, "import cycles between packages:\n" + "\n".join("  " + show(c) for c in found)
