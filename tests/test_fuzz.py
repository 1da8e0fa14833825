"""Fuzzing in the suite: generated valid runbooks (from the schema) and mutated real files.

benchmarks/fuzz.py runs the same checks at scale (100,000 cases; docs/reliability.md).
"""

from __future__ import annotations

import random

import fuzzing
import pytest
from hypothesis import HealthCheck, given, settings

from phasec.compiler.pipeline import analyze

SEEDS = fuzzing.seed_files()


def test_the_seeds_are_every_example_fixture_and_corpus_file():
    names = {p.relative_to(fuzzing.ROOT).as_posix() for p in SEEDS}
    assert "examples/phase-c.phc" in names and "tests/corpus/phase-b-as-written.phc" in names
    assert any(n.startswith("tests/fixtures/syntax/") for n in names)
    assert len(SEEDS) > 100


def test_declared_kinds_are_learned_from_the_compiler():
    kinds = fuzzing.declared_kinds()
    # what the probe found for a few declarations, and that every kind the resolver knows is declarable
    assert kinds[("file", "slice")] == "slice" and kinds[("owners", "owner")] == "owner"
    assert kinds[("file", "check")] == "gate" and kinds[("file", "input")] == "artifact"
    from phasec.compiler.resolve import KIND_WORDS

    assert set(kinds.values()) == set(KIND_WORDS)


@settings(max_examples=30, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(fuzzing.runbooks())
def test_generated_runbooks_are_valid_round_trip_and_compile_deterministically(text):
    res = analyze(text, "gen.phc")
    front = [f"{d.code} {d.message}" for d in res.diagnostics if d.code[:3] in ("PC0", "PC1", "PC2")]
    assert not front, text
    # lint never raises, positions in range, parse -> fmt -> parse gives the same IR, fmt idempotent
    assert fuzzing.check_text(text, "gen.phc") is None, text
    if not res.has_errors:
        from phasec.emitters import EmitOptions, emit_all

        # a runbook lint passes compiles: no refusal is accepted (two agent files on one path is PC815)
        assert emit_all(res.runbook, EmitOptions()) == emit_all(analyze(text, "gen.phc").runbook, EmitOptions()), text


def test_the_generator_covers_the_schema():
    """Over a small sample (40 runbooks), the generated runbooks use nearly every statement of the schema.

    (benchmarks/fuzz.py generates thousands, which use all of them.)
    """
    from phasec.compiler.schema import CONTEXTS
    from phasec.grammar.parser import parse

    used: set[str] = set()

    @settings(max_examples=40, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(fuzzing.runbooks())
    def collect(text):
        doc, _ = parse(text, "gen.phc")
        stack = list(doc.statements)
        while stack:
            s = stack.pop()
            used.add(s.keyword)
            stack.extend(s.block or [])

    collect()
    every = {kw for c in CONTEXTS.values() for kw in c.statements}
    assert len(used & every) >= 0.85 * len(every), sorted(every - used)


def _cases():
    """A fixed sample: several mutations of each small seed, one of each large one."""
    rng = random.Random(13)
    out = []
    for path in SEEDS:
        data = path.read_bytes()
        for _ in range(12 if len(data) < 4000 else 1):
            mutated, ops = fuzzing.mutate(data, rng)
            out.append((path.name, ops, mutated))
    return out


def test_mutation_fuzz_of_every_example_and_fixture():
    failures = []
    cases = _cases()
    for name, ops, data in cases:
        problem = fuzzing.check_case(data, seconds=10, fmt=len(data) < 4000)
        if problem:
            failures.append((name, ops, problem))
    assert len(cases) > 1000
    assert not failures, failures[:5]


def test_the_time_bound_stops_a_slow_case():
    import time

    def slow(*_a, **_k):  # busy: the bound counts CPU time
        end = time.process_time() + 5
        while time.process_time() < end:
            pass

    with pytest.raises(fuzzing.CaseTimeout), fuzzing.time_bound(0.2):
        slow()


def test_mutations_change_the_input():
    rng = random.Random(3)
    data = SEEDS[0].read_bytes()
    changed = sum(fuzzing.mutate(data, rng)[0] != data for _ in range(50))
    assert changed >= 45
