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
