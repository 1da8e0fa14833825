"""The graph layer's own reachability (``graph._reach``) is networkx's ``descendants``/``ancestors``.

``RunbookGraph.slice_descendants``/``slice_ancestors`` walk the adjacency
directly instead of calling networkx (a speed-up for the rules that ask once per
slice); random graphs, cycles and self-loops included, must give the same sets.
"""

from __future__ import annotations

import networkx as nx
from hypothesis import given, settings
from hypothesis import strategies as st

from phasec.compiler.graph import RunbookGraph, _reach
from phasec.compiler.pipeline import analyze

edges = st.lists(st.tuples(st.integers(0, 12), st.integers(0, 12)), max_size=40)


@settings(max_examples=200, deadline=None)
@given(edges=edges, start=st.integers(0, 12))
def test_reach_is_networkx_descendants_and_ancestors(edges, start):
    g = nx.DiGraph()
    g.add_nodes_from(range(13))
    g.add_edges_from(edges)
    assert _reach(g.succ, start) == nx.descendants(g, start)
    assert _reach(g.pred, start) == nx.ancestors(g, start)


def test_slice_descendants_on_a_cycle_exclude_the_slice():
    text = """phase C "x" { posture forward_only }
slice C1 "a" { after C3 }
slice C2 "b" { after C1 }
slice C3 "c" { after C2 }
slice C4 "d" { after C3 }
"""
    rb = analyze(text, "x.phc", rules=False).runbook
    graph = RunbookGraph(rb)
    assert graph.slice_descendants("C1") == {"C2", "C3", "C4"} == nx.descendants(graph.slice_graph, "C1")
    assert graph.slice_ancestors("C4") == {"C1", "C2", "C3"} == nx.ancestors(graph.slice_graph, "C4")
    assert graph.slice_descendants("C9") == set()


def test_gate_cycles_are_reused_only_for_the_very_same_gates():
    """``gate_cycles`` reuses the previous version's result, carried by the document's memo, when
    ``rb.gates`` holds the same objects (the server's shared gates); equal but distinct gates, or one
    gate replaced, are analysed again.  Without a memo nothing is kept anywhere."""
    from phasec.compiler.facts import StatementMemo

    text = """phase C "x" { posture forward_only }
gate a "a" { use b }
gate b "b" { use a }
gate c "c" { run "true" }
"""
    rb = analyze(text, "x.phc", rules=False).runbook
    memo = StatementMemo()
    first = RunbookGraph(rb, memo).gate_cycles()
    assert [[e.before for e in c] for c in first] == [["a", "b"]]
    kept = memo.gate_cycles
    assert kept is not None and kept[0] == tuple(rb.gates)
    memo = memo.next()  # the next version of the document
    again = RunbookGraph(rb, memo).gate_cycles()
    assert again == first and again is not first and memo.gate_cycles is kept  # reused, not recomputed
    # another runbook, equal text: distinct gate objects, computed again (and equal)
    other = analyze(text, "x.phc", rules=False).runbook
    assert RunbookGraph(other, memo).gate_cycles() == first and memo.gate_cycles is not kept
    # the cycle broken in a new version that keeps gate a and c but not b: no cycle
    fixed = analyze(text.replace("{ use a }", '{ run "true" }'), "x.phc", rules=False).runbook
    fixed.gates[0], fixed.gates[2] = other.gates[0], other.gates[2]
    assert RunbookGraph(fixed, memo.next()).gate_cycles() == []
    # a single analysis (no memo): computed, nothing kept
    graph = RunbookGraph(rb)
    assert graph.gate_cycles() == first and graph.memo is None
