"""Facts (phasec/compiler/facts.py) piece by piece: gate expansion, bindings, closures, helpers.

Written against survivors of a mutation run over facts.py (docs/testing.md): each assertion pins one
behaviour the emitters and rules rely on, checked here without going through an emitter.
"""

from __future__ import annotations

import shlex

import pytest

from phasec.compiler.facts import GateStep, facts, topo_order, unique_by_id
from phasec.compiler.pipeline import analyze

HEAD = 'phase C "T" {\n  posture forward_only\n}\nscripts {\n  runner "bun run"\n}\n'
GATES = (
    'gate leaf "bun leaf"\n'
    'gate scripted {\n  script "s:x"\n}\n'
    'gate suite {\n  run "bun own"\n  use leaf scripted\n}\n'
    'check manual "Reviewed by hand."\n'
    "check manual_cmd\n"
    "cadence quick\n"
    'slice C1 "a" {\n  gate quick "bun inline" suite missing_gate\n}\n'
)


def rb_of(text: str):
    res = analyze(text, "t.phc", rules=False)
    assert [d.code for d in res.diagnostics if d.code != "PC202"] == []  # missing_gate is unknown on purpose
    return res.runbook


def test_unknown_gates_are_steps_of_their_own_kind():
    rb = rb_of(HEAD + GATES)  # facts refer to their runbook weakly: keep it
    f = facts(rb)
    assert f.expand_gate("nope") == [GateStep("unknown", "nope", "unknown gate `nope`")]


def test_binding_steps_inline_commands_run_and_named_gates_expand_with_quoting():
    rb = rb_of(HEAD + GATES)
    f = facts(rb)
    (b,) = rb.slice("C1").gates
    steps = f.binding_steps(b, shlex.quote)
    assert steps[0] == GateStep("run", "inline", "bun inline")
    assert GateStep("run", "scripted", "bun run s:x") in steps  # scripted gate: runner + quoted script
    assert steps[-1] == GateStep("unknown", "missing_gate", "unknown gate `missing_gate`")
    quoted = f.binding_steps(b, lambda s: f"<{s}>")
    assert GateStep("run", "scripted", "bun run <s:x>") in quoted  # the quote function is applied


def test_gate_body_by_step_names_the_gate_each_step_comes_from():
    rb = rb_of(HEAD + GATES)
    f = facts(rb)
    body = f.gate_body_by_step(rb.gate("suite"))
    assert body == [
        (None, GateStep("run", "suite", "bun own")),
        ("leaf", GateStep("run", "leaf", "bun leaf")),
        ("scripted", GateStep("run", "scripted", "bun run s:x")),
    ]


def test_has_body_and_check_text():
    rb = rb_of(HEAD + GATES)
    f = facts(rb)
    assert f.has_body(rb.gate("suite")) and f.has_body(rb.gate("leaf"))
    assert not f.has_body(rb.gate("scripted"))
    assert f.check_text(rb.gate("manual")) == "Reviewed by hand."
    assert f.check_text(rb.gate("manual_cmd")) == "manual_cmd"  # no title, no command: its id
    assert f.check_text(rb.gate("leaf").model_copy(update={"title": None})) == "bun leaf"  # first command


def test_gate_closure_follows_every_root_and_use():
    rb = rb_of(HEAD + GATES)
    f = facts(rb)
    assert f.gate_closure(["suite", "manual"]) == {"suite", "leaf", "scripted", "manual"}
    assert f.gate_closure(["leaf", "leaf", "scripted"]) == {"leaf", "scripted"}  # a repeated root is no stop


def test_expansions_are_cached_per_gate_and_quote():
    rb = rb_of(HEAD + GATES)
    f = facts(rb)
    first = f.expand_gate("suite")
    assert f.expand_gate("suite") == first
    assert ("suite", str) in f._expansions


def test_unique_by_id_keeps_the_first_of_each_id():
    class Item:
        def __init__(self, id, n):
            self.id, self.n = id, n

    items = [Item("a", 1), Item("b", 2), Item("a", 3), Item("c", 4), Item("b", 5)]
    assert [(i.id, i.n) for i in unique_by_id(items)] == [("a", 1), ("b", 2), ("c", 4)]


def test_topo_order_keeps_going_past_items_already_placed():
    # d depends on b and c; c on a; b on nothing: ties in source order.
    items = ["d", "c", "b", "a"]
    deps = {"d": ["b", "c"], "c": ["a"], "b": [], "a": []}
    assert topo_order(items, lambda x: x, lambda x: deps[x]) == ["b", "a", "c", "d"]


def test_facts_live_exactly_as_long_as_their_runbook():
    """No global cache: once the runbook is gone, so are its facts (the language server builds a new IR on
    every edit; a cache keyed by runbook kept every one of them alive)."""
    import gc
    import weakref

    rb = rb_of(HEAD + GATES)
    f = facts(rb)
    assert facts(rb) is f  # computed once
    assert facts(rb_of(HEAD + GATES)) is not f  # per runbook
    ref = weakref.ref(rb)
    del rb, f
    gc.collect()
    assert ref() is None


def test_a_runbook_and_its_facts_are_freed_without_the_cyclic_collector():
    """The facts refer to their runbook weakly: reference counting alone frees both (a cycle
    rb -> facts -> rb left every linted runbook to the cyclic collector; 200 files paid ~1 s for it)."""
    import gc
    import weakref

    rb = rb_of(HEAD + GATES)
    f = facts(rb)
    assert f.runner  # computed through the runbook
    rb_ref, f_ref = weakref.ref(rb), weakref.ref(f)
    gc.disable()
    try:
        del rb, f
        assert rb_ref() is None
        assert f_ref() is None
    finally:
        gc.enable()


def test_facts_of_a_runbook_that_is_gone_fail_loudly():
    from phasec.compiler.facts import Facts

    f = Facts(rb_of(HEAD + GATES))  # the runbook is a temporary: gone at once
    with pytest.raises(ReferenceError):
        _ = f.runner


def test_gate_closure_does_not_stop_at_a_root_seen_before():
    rb = rb_of(HEAD + GATES)
    # The stack is taken from the end: `leaf` twice, then `scripted` must still be reached.
    assert facts(rb).gate_closure(["scripted", "leaf", "leaf"]) == {"leaf", "scripted"}


def test_a_role_bound_to_an_agent_works_in_that_agents_slot():
    text = (
        HEAD
        + 'team {\n  max_active 2\n  agent A1 "a"\n}\n'
        + 'role lead "Lead" agent A1\nrole steward "Steward"\n'
        + 'slice C1 "x" {\n  agent lead\n}\nslice C2 "y" {\n  agent steward\n}\n'
    )
    rb = rb_of(text)
    acts = facts(rb).agent_activities
    assert acts["A1"] == [("begin", "C1"), ("slice", "C1")]
    assert "lead" not in acts and "steward" not in acts  # an unbound role takes no slot


def test_slices_naming_lists_each_slice_once_in_slice_order():
    text = (
        'phase C "T" {\n  posture forward_only\n}\nteam {\n  agent A1 "one"\n  agent A2 "two"\n}\n'
        'slice S1 "first declared, runs last" {\n  agent A1 A1\n  after S2\n}\n'
        'slice S2 "runs first" {\n  agent A1 A2\n}\n'
        'slice S3 "no agent" {\n}\n'
    )
    rb = analyze(text, "t.phc", rules=False).runbook
    f = facts(rb)
    assert [s.id for s in f.slices_naming["A1"]] == ["S2", "S1"]  # slice order, S1 named A1 twice: once
    assert [s.id for s in f.slices_naming["A2"]] == ["S2"]
    assert "S3" not in {s.id for v in f.slices_naming.values() for s in v}


def test_id_lookups_are_the_first_declaration_and_none_for_other_ids():
    text = HEAD + GATES + 'gate leaf "bun second"\nslice C1 "again" {\n}\n'  # PC201 twice
    rb = analyze(text, "t.phc", rules=False).runbook
    f = facts(rb)
    assert f.gates["leaf"] is rb.gates[0] and f.gates["leaf"] is rb.gate("leaf")
    assert f.slices["C1"] is rb.slices[0] and f.slices["C1"].title == "a"
    assert f.slices.get("leaf") is None and f.gates.get("C1") is None
