"""`phasec graph`: the slice graph as Mermaid, DOT and JSON; cycles highlighted."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nodetools
import pytest
from conftest import EXAMPLES, FIXTURES, ROOT

CYCLE = FIXTURES / "rules" / "PC301_cycle.phc"


def graph(*args: str, env=None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "phasec", "graph", *args], capture_output=True, text=True, cwd=ROOT, env=env
    )


def test_default_is_mermaid_with_stages_conditional_and_if_triggered():
    r = graph("examples/phase-c.phc")
    assert r.returncode == 0, r.stderr
    out = r.stdout
    assert out == graph("examples/phase-c.phc", "--format", "mermaid").stdout
    assert out.startswith('---\ntitle: "Phase C: slice dependencies"\n---\nflowchart TD\n')
    assert '  subgraph stage_2["Stage 2: Core Runtime Implementation"]\n    s_C1[' in out
    # C4 always runs (branching): a plain box with its label; no conditional class.
    assert '    s_C4["C4: Conditional D-009/D-010 tightening (branching)"]\n' in out
    assert "classDef conditional" not in out
    assert "  s_C4 -. if triggered .-> s_C5\n" in out
    assert "  s_C3 --> s_C5\n" in out
    assert "linkStyle" not in out  # no cycle
    # every slice once, every dependency once
    assert sum(line.strip().startswith("s_C") and "[" in line for line in out.splitlines()) == 9
    assert sum(" --> " in line or ".->" in line for line in out.splitlines()) == 11
    # stages that cover no slice are not drawn
    assert "stage_0" not in out and "stage_1_5" not in out


def test_conditional_slices_are_dashed():
    # The Phase C runbook as written declares C4 conditional.
    r = graph("tests/corpus/phase-c-as-written.phc")
    assert '["C4: ' in r.stdout and '(conditional)"]:::conditional\n' in r.stdout
    assert "  classDef conditional stroke-dasharray: 5 5\n" in r.stdout
    d = graph("tests/corpus/phase-c-as-written.phc", "-f", "dot").stdout
    assert 'style=dashed, tooltip="conditional slice"];' in d
    data = json.loads(graph("tests/corpus/phase-c-as-written.phc", "-f", "json").stdout)
    assert [n["id"] for n in data["nodes"] if n["conditional"]] == ["C4"]


def test_dot():
    r = graph("examples/phase-c.phc", "-f", "dot")
    assert r.returncode == 0, r.stderr
    out = r.stdout
    assert out.startswith('digraph "phase C" {\n')
    assert '  subgraph "cluster_1_2" {\n    label="Stage 2: Core Runtime Implementation";\n' in out
    assert (
        '    "C4" [label="C4\\nConditional D-009/D-010 tightening", '
        'tooltip="branching slice: always runs, its outcome branches"];\n'
    ) in out
    assert '  "C4" -> "C5" [style=dashed, label="if triggered"];\n' in out
    assert '  "C0" -> "C1";\n' in out
    assert "color=red" not in out
    assert out.rstrip().endswith("}")


def test_json():
    r = graph("examples/phase-c.phc", "-f", "json")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["phase"] == "C"
    assert [n["id"] for n in data["nodes"]] == ["C0", "C1", "C2", "C3", "C4", "C5", "C5A", "C6", "C7"]
    assert [n["id"] for n in data["nodes"] if n["conditional"]] == []
    assert [n["id"] for n in data["nodes"] if n["branching"]] == ["C4"]
    assert data["stages"][1] == {"id": "2", "title": "Core Runtime Implementation", "slices": ["C1", "C2", "C3", "C4"]}
    edges = {(e["from"], e["to"]): e for e in data["edges"]}
    assert len(edges) == 11
    assert edges[("C4", "C5")]["if_triggered"] is True
    assert not any(e["in_cycle"] for e in data["edges"])
    assert data["cycles"] == []
    assert edges[("C0", "C1")]["line"] > 0


def test_cycle_renders_highlighted_in_every_format_and_exits_0():
    for fmt in ("mermaid", "dot", "json"):
        r = graph(str(CYCLE), "-f", fmt)
        assert r.returncode == 0, (fmt, r.stderr)
        assert r.stderr == ""  # findings only with -v: the graph shows the cycle
        rv = graph(str(CYCLE), "-f", fmt, "-v")
        assert rv.returncode == 0 and rv.stdout == r.stdout
        assert "PC301" in rv.stderr and "dependency cycle" in rv.stderr  # -v: the diagnostic is shown
        if fmt == "mermaid":
            assert "  linkStyle 0,1,2 stroke:#d00,stroke-width:3px,color:#d00\n" in r.stdout
            assert "  %% dependency cycle: C1 -> C2 -> C3 -> C1\n" in r.stdout
        elif fmt == "dot":
            assert r.stdout.count("[color=red") == 3
            assert '  "C3" -> "C1" [color=red, fontcolor=red, penwidth=2];\n' in r.stdout
        else:
            data = json.loads(r.stdout)
            assert all(e["in_cycle"] for e in data["edges"]) and len(data["edges"]) == 3
            assert data["cycles"] == [["C1", "C2", "C3", "C1"]]


def test_only_the_cycle_edges_are_highlighted(tmp_path):
    f = tmp_path / "partial.phc"
    f.write_text(
        'phase C "Partial" {\n  posture forward_only\n}\n'
        'slice C0 "Zero" {\n}\n'
        'slice C1 "One" {\n  after C0\n  after C2\n}\n'
        'slice C2 "Two" {\n  after C1\n}\n'
        'slice C3 "Three" {\n  after C2\n}\n'
        'slice C4 "Self" {\n  after C4\n}\n'
    )
    data = json.loads(graph(str(f), "-f", "json").stdout)
    on = {(e["from"], e["to"]) for e in data["edges"] if e["in_cycle"]}
    assert on == {("C2", "C1"), ("C1", "C2"), ("C4", "C4")}
    mer = graph(str(f)).stdout
    # edges in order: C0->C1 (0), C2->C1 (1), C1->C2 (2), C2->C3 (3), C4->C4 (4)
    assert "  linkStyle 1,2,4 stroke:#d00" in mer
    dot = graph(str(f), "-f", "dot").stdout
    assert '  "C0" -> "C1";\n' in dot and '  "C2" -> "C3";\n' in dot
    assert dot.count("[color=red") == 3


def test_front_end_errors_print_no_graph_and_exit_1():
    r = graph(str(FIXTURES / "syntax" / "three_errors.phc"))
    assert r.returncode == 1
    assert r.stdout == ""
    assert "PC003" in r.stderr and "no graph" in r.stderr


def test_unknown_reference_is_an_error_exit_1(tmp_path):
    f = tmp_path / "unknown.phc"
    f.write_text('phase C "U" {\n  posture forward_only\n}\nslice C1 "One" {\n  after C9\n}\n')
    r = graph(str(f))
    assert r.returncode == 1 and r.stdout == "" and "PC202" in r.stderr


def test_usage_errors_exit_2(tmp_path):
    assert graph("examples/phase-c.phc", "-f", "svg").returncode == 2
    assert graph(str(tmp_path / "missing.phc")).returncode == 2


def test_awkward_names_and_titles_are_escaped(tmp_path):
    f = tmp_path / "odd.phc"
    f.write_text(
        'phase C "Odd" {\n  posture forward_only\n}\n'
        'stage 1.5 "Half \\"quoted\\" <stage> #1" {\n  covers C-1\n}\n'
        'slice C-1 "A \\"title\\" with <angle> `ticks` #hash\\\\ and back\\\\slash" {\n}\n'
        'slice C_1 "Other" {\n  after C-1\n}\n'
    )
    mer = graph(str(f)).stdout
    assert '  subgraph stage_1_5["Stage 1.5: Half #quot;quoted#quot; #lt;stage#gt; #35;1"]\n' in mer
    assert '    s_C_1["C-1: A #quot;title#quot; with #lt;angle#gt; #96;ticks#96; #35;hash\\ and back\\slash"]\n' in mer
    assert '  s_C_1_2["C_1: Other"]\n' in mer  # the sanitised ids do not collide
    assert "  s_C_1 --> s_C_1_2\n" in mer
    dot = graph(str(f), "-f", "dot").stdout
    assert '[label="C-1\\nA \\"title\\" with <angle> `ticks` #hash\\\\ and back\\\\slash"]' in dot
    data = json.loads(graph(str(f), "-f", "json").stdout)
    assert data["nodes"][0]["title"] == 'A "title" with <angle> `ticks` #hash\\ and back\\slash'


def test_output_is_deterministic_across_hash_seeds():
    """Same bytes under different hash seeds (one process per seed renders every case)."""
    code = (
        "import sys\n"
        "from phasec.compiler.pipeline import analyze\n"
        "from phasec.emitters.slicegraph import render\n"
        "for p in sys.argv[1:]:\n"
        "    rb = analyze(open(p, encoding='utf-8').read(), p).runbook\n"
        "    for fmt in ('mermaid', 'dot', 'json'):\n"
        "        sys.stdout.write(render(rb, fmt))\n"
    )
    paths = ["examples/phase-c.phc", "examples/phase-b.phc", str(CYCLE)]
    outs = []
    for seed in ("1", "2"):
        env = dict(os.environ, PYTHONHASHSEED=seed)
        r = subprocess.run([sys.executable, "-c", code, *paths], capture_output=True, text=True, cwd=ROOT, env=env)
        assert r.returncode == 0, r.stderr
        outs.append(r.stdout)
    assert outs[0] == outs[1]
    assert graph("examples/phase-c.phc", "-f", "json").stdout in outs[0]


def _mermaid_inputs(tmp_path: Path) -> list[Path]:
    files = []
    sources = [EXAMPLES / "phase-c.phc", EXAMPLES / "phase-b.phc", CYCLE]
    odd = tmp_path / "odd.phc"
    odd.write_text(
        'phase C "Odd \\"title\\"" {\n  posture forward_only\n}\n'
        'stage 1.5 "Half \\"quoted\\" <stage> #1" {\n  covers C-1\n}\n'
        'slice C-1 "A \\"title\\" with <angle> `ticks` #hash; semi: colon [b] {c} (p)" {\n}\n'
        'slice C_1 "end" conditional {\n  after C-1\n  trigger t "x"\n}\n'
        'slice C2 "graph" {\n  after C_1 if_triggered\n  after C2\n}\n'
    )
    sources.append(odd)
    for i, src in enumerate(sources):
        r = graph(str(src))
        assert r.returncode == 0, r.stderr
        f = tmp_path / f"{i}.mmd"
        f.write_text(r.stdout)
        files.append(f)
    return files


def test_mermaid_output_parses_with_mermaid(tmp_path):
    results = nodetools.mermaid_parse(_mermaid_inputs(tmp_path))
    bad = [r for r in results if not r["ok"]]
    assert not bad, bad
    assert {r["type"] for r in results} == {"flowchart-v2"}


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz `dot` is not installed (optional check)")
def test_dot_output_renders_with_graphviz():
    for src in (EXAMPLES / "phase-c.phc", EXAMPLES / "phase-b.phc", CYCLE):
        text = graph(str(src), "-f", "dot").stdout
        r = subprocess.run(["dot", "-Tsvg"], input=text, capture_output=True, text=True)
        assert r.returncode == 0 and "<svg" in r.stdout, r.stderr
