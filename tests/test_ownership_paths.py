"""Ownership (PC6xx) and names-and-paths (PC8xx) rules beyond the fixtures:
the slice order behind PC605 against a brute-force oracle, PC605 at scale,
and the branch-name rules of PC801 against git itself."""

from __future__ import annotations

import random
import shutil
import subprocess
import time

import networkx as nx
import pytest

from phasec.compiler.graph import RunbookGraph
from phasec.compiler.pipeline import analyze
from phasec.compiler.rules.pc801_invalid_branch_name import ref_format_problems


def random_runbook(rng: random.Random, n: int) -> str:
    ids = [f"C{i}" for i in range(n)]
    out = ['phase C "Random" {', "  posture forward_only", "}"]
    stages = rng.randint(0, 3)
    staged = {sid: rng.randrange(stages) for sid in ids if stages and rng.random() < 0.6}
    for st in range(stages):
        members = [s for s in ids if staged.get(s) == st]
        out.append(f'stage {st} "S{st}" {{')
        if members:
            out.append("  covers " + " ".join(members))
            for s in members:
                if rng.random() < 0.3:
                    out.append(f'  step "work" for {s}')
        out.append("}")
    paths = ["a/x.ts", "a/y.ts", "b/z.ts", "a/sub/w.ts"]
    for i, sid in enumerate(ids):
        out.append(f'slice {sid} "s" {{')
        deps = [ids[j] for j in range(i) if rng.random() < 0.15]
        if deps:
            out.append("  after " + " ".join(deps) + (" if_triggered" if rng.random() < 0.3 else ""))
        for p in rng.sample(paths, rng.randint(0, 2)):
            out.append(f'  file "{p}"')
        if rng.random() < 0.15:
            out.append(f'  file "{rng.choice(["a", "a/sub", "b"])}" dir')
        out.append("}")
    return "\n".join(out) + "\n"


def brute_ordered(g: nx.DiGraph, a: str, b: str) -> bool:
    return nx.has_path(g, ("slice", a), ("begin", b)) or nx.has_path(g, ("slice", b), ("begin", a))


def brute_overlap(rb, g) -> set[tuple[str, str]]:
    def touch(f1, f2) -> bool:
        p1, p2 = f1.path, f2.path
        return p1 == p2 or (f1.dir and p2.startswith(p1 + "/")) or (f2.dir and p1.startswith(p2 + "/"))

    out = set()
    for i, a in enumerate(rb.slices):
        for b in rb.slices[i + 1 :]:
            if any(touch(x, y) for x in a.files for y in b.files) and not brute_ordered(g, a.id, b.id):
                out.add((a.id, b.id))
    return out


@pytest.mark.parametrize("seed", range(40))
def test_slice_order_and_overlaps_match_brute_force(seed):
    rng = random.Random(seed)
    res = analyze(random_runbook(rng, rng.randint(2, 14)), "r.phc")
    assert not [d for d in res.diagnostics if d.code[:3] in ("PC0", "PC1", "PC2")]
    rb = res.runbook
    graph = RunbookGraph(rb)
    g = graph.activity_graph
    for a in rb.slices:
        for b in rb.slices:
            if a.id != b.id:
                assert graph.ordered(a.id, b.id) == brute_ordered(g, a.id, b.id), (a.id, b.id)
    got = set()
    for d in res.diagnostics:
        if d.code == "PC605":
            names = d.message.split("`")
            got.add((names[1], names[3]))
    assert got == brute_overlap(rb, g)


def test_overlap_check_scales_and_orders_through_stages_and_chains():
    lines = ['phase X "Chain" {', "  posture forward_only", "}", 'stage 1 "A" {', "  covers X0", "}"]
    lines += ['stage 2 "B" {', "  covers X1", "}"]
    for i in range(5000):
        dep = f"  after X{i - 1}" if i > 1 else "  kind runtime"
        lines += [f'slice X{i} "s" {{', dep, '  file "src/one.ts"', '  file "src" dir', "}"]
    text = "\n".join(lines) + "\n"
    t = time.perf_counter()
    res = analyze(text, "chain.phc")
    assert time.perf_counter() - t < 20
    assert not [d for d in res.diagnostics if d.code == "PC605"]


def test_overlap_report_is_capped():
    lines = ['phase X "Flat" {', "  posture forward_only", "}"]
    for i in range(60):
        lines += [f'slice X{i} "s" {{', '  file "src/one.ts"', "}"]
    res = analyze("\n".join(lines) + "\n", "flat.phc")
    found = [d for d in res.diagnostics if d.code == "PC605"]
    from phasec.compiler.rules.pc605_file_overlap_risk import LIMIT

    assert len(found) == min(LIMIT, 60 * 59 // 2) + (1 if LIMIT < 60 * 59 // 2 else 0)


NAMES = [
    "codex/phase-c-c1-storage-lock",
    "a./b",
    "a.",
    "x/y.lock",
    "a@{b",
    "HEAD",
    "-x",
    "a..b",
    ".x/y",
    "a/.b",
    "é/ü",
    "a@b",
    "x/.lock",
    "a.lock/b",
    "@/x",
    "a b",
    "a:b",
    "a~1",
    "a^",
    "a?",
    "a*",
    "a[b",
    "a\\b",
    "/a",
    "a/",
    "a//b",
    "a\x01b",
    "a\x7fb",
    "",
    "main",
    "feature/x.y.z",
    "v1.2/rc",
    "a/b/c.lock.d",
]


@pytest.mark.skipif(shutil.which("git") is None, reason="git not installed")
@pytest.mark.parametrize("name", NAMES)
def test_branch_name_rules_agree_with_git(name):
    r = subprocess.run(["git", "check-ref-format", "--branch", name], capture_output=True, cwd="/")
    assert (r.returncode == 0) == (not ref_format_problems(name)), ref_format_problems(name)


def test_at_alone_is_rejected():
    # git accepts `refs/heads/@`, but `@` alone means HEAD on every command line.
    assert ref_format_problems("@") == ["is `@`, which git reads as `HEAD`"]
